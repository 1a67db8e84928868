"""The cmdlet table: every ported cmdlet and alias, its parameters as PowerShell binds them.

:func:`invoke` calls a cmdlet with PowerShell names: parameter names and aliases in any
case, unambiguous prefixes (``-MaxNum`` for ``-MaxNums``), switches, positional arguments
in the original's positions, and pipeline input bound by value (every item processed).
Generated proxy functions are bound the same way, by their PowerShell names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import powershai_py as ps
from powershai_py.gradio.proxies.proxy import get_gradio_session_api_proxy_function, is_proxy
from powershai_py.gradio.proxies.proxy_result import PipelineResult, ProxyResult

from .objects import Hashtable, unwrap, wrap

__all__ = [
    "Param",
    "Cmdlet",
    "CMDLETS",
    "find_command",
    "invoke",
    "invoke_named",
    "call",
    "call_proxy",
    "bind",
    "match_param",
    "find_param",
    "CompatError",
    "output_items",
]


class CompatError(ps.PowershaiError):
    """A PowerShell-style call that cannot be bound (unknown cmdlet or parameter, ambiguous prefix)."""

    default_code = "POWERSHAI_COMPAT_BIND"


@dataclass(frozen=True)
class Param:
    """A cmdlet parameter: its PowerShell name, the Python keyword, position, aliases, kind."""

    name: str
    python: str
    position: int | None = None
    aliases: tuple[str, ...] = ()
    switch: bool = False
    pipeline: bool = False


@dataclass(frozen=True)
class Cmdlet:
    name: str
    function: Callable[..., Any]
    params: tuple[Param, ...]
    aliases: tuple[str, ...] = ()
    python_name: str = ""
    quiet: bool = False  # the original writes nothing to the pipeline
    open_params: bool = False  # other -Names pass through (Invoke-GradioDynamicApi's dynamic parameters)

    @property
    def pipeline_param(self) -> Param | None:
        return next((p for p in self.params if p.pipeline), None)


def _p(spec: str) -> Param:
    """``"Name:python@0|alias1,alias2"`` with ``!`` for a switch and ``<`` for pipeline input."""
    switch = spec.startswith("!")
    pipeline = spec.startswith("<")
    spec = spec.lstrip("!<")
    spec, _, aliases = spec.partition("|")
    spec, _, position = spec.partition("@")
    name, _, python = spec.partition(":")
    return Param(
        name=name,
        python=python or name.lower(),
        position=int(position) if position else None,
        aliases=tuple(a for a in aliases.split(",") if a),
        switch=switch,
        pipeline=pipeline,
    )


def _table() -> dict[str, Cmdlet]:
    rows: list[tuple[str, tuple[str, ...], str, list[str]]] = [
        (
            "Invoke-GradioHttp",
            ("InvokeGradioApi",),
            "invoke_gradio_http",
            [
                "url@0",
                "method@1",
                "data@2",
                "ContentType:content_type@3",
                "StreamCallback:stream_callback@4",
                "token@5",
                "MaxRedirects:max_redirects@6",
            ],
        ),
        ("Send-GradioFile", (), "send_gradio_file", ["AppUrl:app_url@0", "Files:files@1", "!Raw:raw"]),
        (
            "Send-GradioApi",
            (),
            "send_gradio_api",
            [
                "AppUrl:app_url@0",
                "ApiName:api_name@1",
                "Params:params@2",
                "SessionHash:session_hash@3",
                "EventId:event_id@4",
                "token@5",
            ],
        ),
        (
            "Update-GradioApiResult",
            (),
            "update_gradio_api_result",
            [
                "<ApiEvent:api_event@0",
                "Script:script",
                "MaxHeartBeats:max_heartbeats",
                "!NoOutput:no_output",
                "!History:history",
            ],
        ),
        ("Get-GradioInfo", (), "get_gradio_info", ["<AppUrl:app_url@0", "!DisableRetry:disable_retry"]),
        (
            "New-GradioSession",
            (),
            "new_gradio_session",
            [
                "AppUrl:app_url@0",
                "Name:name@1",
                "DownloadPath:download_path@2",
                "!Force:force",
                "!DisableRetry:disable_retry",
                "Transport:transport",
                "!Stateful:stateful",
            ],
        ),
        (
            "Get-GradioSession",
            (),
            "get_gradio_session",
            ["<Session:session@0|Name", "!Like:like", "!ById:by_id"],
        ),
        ("Remove-GradioSession", (), "remove_gradio_session", ["<Name:session@0"]),
        (
            "Set-GradioSession",
            (),
            "set_gradio_session",
            [
                "<Session:session@0",
                "!Default:default",
                "MaxCalls:max_calls@1",
                "MaxCallsPolicy:max_calls_policy@2",
                "Transport:transport",
            ],
        ),
        ("Send-GradioSessionFiles", (), "send_gradio_session_files", ["files@0", "Session:session@1"]),
        (
            "Invoke-GradioSessionApi",
            (),
            "invoke_gradio_session_api",
            [
                "ApiName:api_name@0",
                "Params:params@1",
                "EventId:event_id@2",
                "<session@3",
                "Token:token@4",
                "Transport:transport",
            ],
        ),
        (
            "Update-GradioSessionApiResult",
            (),
            "update_gradio_session_api_result",
            [
                "<Id:id@0",
                "MaxHeartBeats:max_heartbeats@1",
                "session@2",
                "!NoOutput:no_output",
                "!History:history",
            ],
        ),
        ("Get-GradioSessionApi", (), "get_gradio_session_api", ["Session:session@0"]),
        # new in powershai-py (PowershAI has no cancel): named in the cmdlets' style
        ("Stop-GradioSessionApi", (), "stop_gradio_session_api", ["<Id:id@0", "Session:session@1"]),
        (
            "Remove-GradioSessionApi",
            (),
            "remove_gradio_session_api",
            ["<Target:target@0", "session@1", "!Force:force", "!Elegible:eligible|Eligible"],
        ),
        (
            "Invoke-GradioDynamicApi",
            (),
            "invoke_gradio_dynamic_api",
            ["ApiName:api_name@0", "Session:session@1"],
        ),
        (
            "Convert-GradioParamPowershell",
            (),
            "convert_gradio_param_powershell",
            ["Param:param@0", "value@1"],
        ),
        (
            "New-GradioSessionApiProxyFunction",
            ("GradioApiFunction",),
            "new_gradio_session_api_proxy_function",
            ["ApiName:api_name@0", "Prefix:prefix@1", "<Session:session@2", "!Force:force"],
        ),
        (
            "Get-GradioSessionApiProxyFunction",
            (),
            "get_gradio_session_api_proxy_function",
            ["<Session:session@0"],
        ),
        (
            "Remove-GradioSessionApiProxyFunction",
            (),
            "remove_gradio_session_api_proxy_function",
            ["<Function:function@0"],
        ),
        (
            "Invoke-HuggingFaceHub",
            ("Invoke-HfHub",),
            "invoke_hugging_face_hub",
            [
                "endpoint@0",
                "search@1",
                "author@2",
                "filter@3",
                "direction@4",
                "limit@5",
                "sort@6",
                "RawParams:raw_params@7",
                "Token:token@8",
                "!Desc:desc",
                "!full",
                "!config",
                "!Public:public",
            ],
        ),
        ("Get-HuggingFaceWhoami", ("Get-HfWhoami", "Get-HfMe"), "get_hugging_face_whoami", ["token@0"]),
        ("Set-HuggingFaceToken", ("Set-HfToken",), "set_hugging_face_token", ["Token:token@0"]),
        (
            "Get-HuggingFaceSpace",
            ("Get-HfSpace",),
            "get_hugging_face_space",
            [
                "<Space:space@0",
                "author",
                "!My:my",
                "!NoGradioSession:no_gradio_session",
                "GradioServerRoot:gradio_server_root",
            ],
        ),
        (
            "Connect-HuggingFaceSpaceGradio",
            ("Connect-HfSpaceGradio",),
            "connect_hugging_face_space_gradio",
            ["<space@0", "!Force:force", "ServerRoot:server_root@1"],
        ),
        (
            "Wait-HuggingFaceSpace",
            ("Wait-HfSpace",),
            "wait_hugging_face_space",
            ["<Space:space@0", "timeout", "SleepTime:sleep_time", "!NoStatus:no_status", "!NoStart:no_start"],
        ),
        ("Start-HuggingFaceSpace", (), "start_hugging_face_space", ["<space@0"]),
    ]
    table: dict[str, Cmdlet] = {}
    for name, aliases, python_name, params in rows:
        cmdlet = Cmdlet(
            name=name,
            function=_AS_POWERSHELL.get(python_name) or getattr(ps, python_name),
            params=tuple(_p(spec) for spec in params),
            aliases=aliases,
            python_name=python_name,
            quiet=python_name in _QUIET,
            open_params=python_name == "invoke_gradio_dynamic_api",
        )
        for key in (name, *aliases):
            table[key.casefold()] = cmdlet
    return table


_QUIET = frozenset(
    {
        "remove_gradio_session",
        "set_gradio_session",
        "remove_gradio_session_api_proxy_function",
        "start_hugging_face_space",
        "set_hugging_face_token",
    }
)


def _get_gradio_session(session: Any = "*", like: bool = False, by_id: bool = False) -> Any:
    """Get-GradioSession as PowerShell writes it: one session for one name, a list for ``*``,
    ``-Like`` or several (the Python API has a function for each)."""
    several = isinstance(session, (list, tuple)) or (isinstance(session, str) and session.strip() == "*")
    if like or several:
        return ps.get_gradio_sessions(session, like=like, by_id=by_id)
    return ps.get_gradio_session(session, by_id=by_id)


def _wait_hugging_face_space(space: Any, sleep_time: float | None = None, **options: Any) -> Any:
    """Wait-HuggingFaceSpace with its -SleepTime in milliseconds (the Python API takes seconds)."""
    if sleep_time is not None:
        options["interval"] = float(sleep_time) / 1000
    return ps.wait_hugging_face_space(space, **options)


# Cmdlets whose PowerShell shape differs from their Python function's (see docs/differences.md).
_AS_POWERSHELL: dict[str, Callable[..., Any]] = {
    "get_gradio_session": _get_gradio_session,
    "wait_hugging_face_space": _wait_hugging_face_space,
}
CMDLETS = _table()

_PROXY_FIXED = (
    Param("Manual", "manual", switch=True),
    Param("ApiResultMap", "api_result_map", aliases=("map", "arm")),
    Param("DebugData", "debug_data", switch=True),
    Param("ApiToken", "api_token"),
    Param("PipeObj", "pipe", pipeline=True),
)


def _proxy_cmdlet(function: Callable[..., Any]) -> Cmdlet:
    proxy = function.gradio_proxy  # type: ignore[attr-defined]
    params = (
        tuple(Param(p.powershell_name, p.name, position=p.position) for p in proxy.parameters) + _PROXY_FIXED
    )
    return Cmdlet(proxy.powershell_name, function, params, python_name=proxy.python_name)


def find_command(name: str, extra: dict[str, Callable[..., Any]] | None = None) -> Cmdlet:
    """The cmdlet or proxy function PowerShell knows as ``name`` (any case); of proxy functions
    made twice under one name (``-Force``, another session), the newest, as in PowerShell."""
    folded = name.casefold()
    if folded in CMDLETS:
        return CMDLETS[folded]
    for function in reversed(get_gradio_session_api_proxy_function("*")):
        if folded in (str(getattr(function, "powershell_name", "")).casefold(), function.__name__.casefold()):
            return _proxy_cmdlet(function)
    raise CompatError(f"{name} is not a ported cmdlet or a proxy function of an open session", command=name)


def match_param(cmdlet: Cmdlet, given: str) -> Param:
    """The parameter ``-given`` names (any case, a unique prefix, a leading dash allowed)."""
    folded = given.lstrip("-").casefold()
    exact = [p for p in cmdlet.params if folded in (p.name.casefold(), *(a.casefold() for a in p.aliases))]
    if exact:
        return exact[0]
    prefixed = [
        p for p in cmdlet.params if any(n.casefold().startswith(folded) for n in (p.name, *p.aliases))
    ]
    if len(prefixed) == 1:
        return prefixed[0]
    names = ", ".join("-" + p.name for p in cmdlet.params)
    if prefixed:
        raise CompatError(
            f"-{given} is ambiguous for {cmdlet.name}: it could be "
            + ", ".join("-" + p.name for p in prefixed),
            command=cmdlet.name,
        )
    raise CompatError(
        f"{cmdlet.name} has no parameter -{given}; its parameters are: {names}", command=cmdlet.name
    )


def find_param(cmdlet: Cmdlet, given: str) -> Param | None:
    """:func:`match_param`, or None where it would raise."""
    try:
        return match_param(cmdlet, given)
    except CompatError:
        return None


def bind(
    cmdlet: Cmdlet,
    positional: Iterable[Any] = (),
    named: Iterable[tuple[str, Any]] = (),
    pipeline: list[Any] | None = None,
) -> dict[str, Any]:
    """Python keyword arguments for a PowerShell-style call. ``named`` values of switches may be
    ``True`` (``-Force``) or a value (``-Force:$false``)."""
    kwargs: dict[str, Any] = {}
    for given, value in named:
        try:
            param = match_param(cmdlet, given)
        except CompatError:
            if not cmdlet.open_params:
                raise
            # the endpoint's own parameters, apart from the function's options
            kwargs.setdefault("params", {})[given.lstrip("-")] = unwrap(value)
            continue
        if param.python in kwargs:
            raise CompatError(f"-{param.name} is given twice", command=cmdlet.name)
        kwargs[param.python] = bool(value) if param.switch else unwrap(value)
    slots = sorted((p for p in cmdlet.params if p.position is not None), key=lambda p: p.position or 0)
    free = [p for p in slots if p.python not in kwargs]
    values = list(positional)
    if len(values) > len(free):
        raise CompatError(
            f"{cmdlet.name} takes {len(free)} positional arguments here, {len(values)} were given",
            command=cmdlet.name,
        )
    for param, value in zip(free, values, strict=False):
        kwargs[param.python] = unwrap(value)
    if pipeline is not None:
        target = cmdlet.pipeline_param
        if target is None:
            raise CompatError(f"{cmdlet.name} does not take pipeline input", command=cmdlet.name)
        if target.python not in kwargs:
            items = [unwrap(item) for item in pipeline]
            kwargs[target.python] = items if len(items) != 1 or target.python == "pipe" else items[0]
    return kwargs


def output_items(value: Any) -> list[Any]:
    """What a cmdlet writes to the pipeline: lists unrolled, proxy results as their events."""
    if value is None:
        return []
    if isinstance(value, (ProxyResult, PipelineResult)):
        return [wrap(event) for event in value]
    if isinstance(value, (list, tuple)):
        return [wrap(item) for item in value]
    if isinstance(value, Hashtable):
        return [value]
    return [wrap(value)]


def invoke(name: str, /, *args: Any, pipeline: list[Any] | None = None, **params: Any) -> list[Any]:
    """Call a cmdlet (or proxy function) by its PowerShell name with PowerShell parameter names.

    ``compat.invoke("Invoke-GradioSessionApi", ApiName="Op1", Params={"val": 1})``. Returns the
    items the cmdlet writes to the pipeline, as PSObject views. A parameter named like this
    function's own keywords goes with its dash: ``**{"-pipeline": 1}``.
    """
    return invoke_named(name, args, params.items(), pipeline)


def invoke_named(
    name: str, positional: Sequence[Any], named: Iterable[tuple[str, Any]], pipeline: list[Any] | None = None
) -> list[Any]:
    """:func:`invoke` with the named parameters as pairs, apart from everything else: any
    parameter name works (``name``, ``pipeline``...). The runner calls this."""
    named = list(named)
    cmdlet = find_command(name)
    if pipeline is not None and len(pipeline) > 1 and cmdlet.python_name in _ONE_AT_A_TIME:
        return [out for item in pipeline for out in invoke_named(name, positional, named, [item])]
    kwargs = bind(cmdlet, positional, named, pipeline)
    if is_proxy(cmdlet.function) and "api_result_map" in kwargs:
        kwargs["map"] = kwargs.pop("api_result_map")
    result = cmdlet.function(**kwargs)
    return [] if cmdlet.quiet else output_items(result)


def call(name: str, /, *args: Any, pipe: Any = None, **params: Any) -> Any:
    """Call a cmdlet or a proxy function PowerShell's way and return what its Python function
    returns: ``call("SrcNumbers", Count=3)``, ``call("New-GradioSession", url, **options)``.
    Positional arguments go in the cmdlet's positions, keywords are PowerShell parameter names
    (any case, unique prefixes, a leading dash allowed: ``**{"-pipe": 1}`` for a parameter
    named ``pipe``), ``pipe`` is pipeline input. Translated scripts use it for proxies and for
    splatting (``@params``)."""
    cmdlet = find_command(name)
    pipeline = None if pipe is None or is_proxy(cmdlet.function) else output_items(pipe)
    kwargs = bind(cmdlet, args, params.items(), pipeline)
    if pipe is not None and is_proxy(cmdlet.function):
        kwargs["pipe"] = pipe
    if "api_result_map" in kwargs:
        kwargs["map"] = kwargs.pop("api_result_map")
    return cmdlet.function(**kwargs)


call_proxy = call


# Functions that take one value where the cmdlet takes pipeline input: called once per item.
_ONE_AT_A_TIME = frozenset(
    {
        "get_gradio_info",
        "invoke_gradio_session_api",
        "connect_hugging_face_space_gradio",
        "wait_hugging_face_space",
        "start_hugging_face_space",
    }
)
