"""What a generated function does when it is called: check and convert its values, upload
files, start the call (or one call per upstream result of a pipeline) and hand back the result.

PowerShell equivalent: the body every function made by New-GradioSessionApiProxyFunction shares
(section 5.3 of the specification), and Invoke-GradioDynamicApi. The functions themselves are
made, listed and removed in ``proxy.py``; :class:`GradioProxy` is what each one carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import NONE_IS_A_VALUE, CallFailed, PowershaiError, SessionNotFound
from ...state import current, using
from ..protocol.calls import endpoint_not_found, find_callable
from ..protocol.models import GradioApiEventResult, GradioSession, carries_data
from ..sessions.session_calls import invoke_gradio_session_api
from ..sessions.sessions import as_items, resolve_session
from .names import POWERSHELL_RESERVED, clean_name, python_identifier
from .param_types import ParamType, coerce, param_type
from .proxy_result import PipelineResult, ProxyResult, error_message

__all__ = [
    "invoke_gradio_dynamic_api",
    "GradioProxy",
    "ProxyParam",
    "is_proxy",
    "parameters_of",
    "run_proxy",
    "FIXED",
    "RESERVED",
    "REQUIRED",
    "PARAM_ERROR",
    "PipeStage",
]

PARAM_ERROR = "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"  # sic: the original spelling


@dataclass(frozen=True)
class ProxyParam:
    """One endpoint parameter as the proxy exposes it."""

    position: int
    name: str  # the Python keyword
    powershell_name: str
    source: str  # parameter_name in /info
    kind: ParamType
    has_default: bool
    default: Any
    label: str
    component: str


@dataclass(frozen=True)
class GradioProxy:
    """What a generated function calls; it is the function's ``gradio_proxy`` attribute.

    The session is looked up by ``session_name`` at each call, so a session recreated under
    the same name is used, and a removed one is a clear error. ``api_filter`` records the
    ``api_name`` argument of the creating call (the original's ``GradioProxy.ApiName``).
    """

    session_name: str
    session_id: str
    app_url: str
    api_name: str
    powershell_name: str
    python_name: str
    parameters: tuple[ProxyParam, ...]
    returns: tuple[dict[str, Any], ...]
    api_filter: tuple[str, ...] = ()
    # the client that made the function: its calls use that client's store, token and settings
    state: Any = field(default_factory=current, repr=False, compare=False)


def is_proxy(value: Any) -> bool:
    """True for a function made by :func:`new_gradio_session_api_proxy_function`."""
    return callable(value) and isinstance(getattr(value, "gradio_proxy", None), GradioProxy)


def parameters_of(spec: dict[str, Any]) -> tuple[ProxyParam, ...]:
    result: list[ProxyParam] = []
    py_taken: set[str] = set()
    ps_taken: set[str] = set()
    for position, param in enumerate(spec.get("parameters") or []):
        source = str(param.get("parameter_name") or "")
        fallback = f"param{position}"
        py_name = python_identifier(source, fallback, py_taken, RESERVED)
        if py_name == fallback and fallback in py_taken:
            py_name = f"param{position}_"
        py_taken.add(py_name)
        ps_source = source if source and source.casefold() not in POWERSHELL_RESERVED else fallback
        ps_name = clean_name(ps_source)
        if not ps_name or ps_name.casefold() in POWERSHELL_RESERVED or ps_name.casefold() in ps_taken:
            ps_name = clean_name(fallback)
        ps_taken.add(ps_name.casefold())
        result.append(
            ProxyParam(
                position=position,
                name=py_name,
                powershell_name=ps_name,
                source=source,
                kind=param_type(param),
                has_default=bool(param.get("parameter_has_default")),
                default=param.get("parameter_default") if param.get("parameter_has_default") else None,
                label=" ".join(str(param.get("label") or "").split()),
                component=str(param.get("component") or ""),
            )
        )
    return tuple(result)


FIXED = (
    ("manual", bool, False),
    ("api_result_map", Any, None),
    ("map", Any, None),
    ("debug_data", bool, False),
    ("api_token", str | None, None),
    ("pipe", Any, None),
    ("transport", str | None, None),
)
# The names an endpoint parameter cannot take in a generated function (it gets another one)
RESERVED = frozenset(name for name, _, _ in FIXED)


class _Required:
    """The default of a required parameter that follows one with a default: it keeps the
    documented positional order callable (``fn(5, "add", 3)``), and a call that leaves it
    out is refused naming it, as the session way refuses it."""

    _instance: _Required | None = None

    def __new__(cls) -> _Required:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<required>"

    def __reduce__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()


# --- calling ------------------------------------------------------------------------------------


def _session_of(proxy: GradioProxy) -> GradioSession:
    try:
        return resolve_session(proxy.session_name)
    except SessionNotFound:
        raise PowershaiError(
            f"the session {proxy.session_name!r} of {proxy.python_name} was removed or renamed: "
            "open it again under that name, or make the functions again",
            code="POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY_INVOKE_NOSESSION",
            session=proxy.session_name,
        ) from None


def run_proxy(proxy: GradioProxy, arguments: dict[str, Any]) -> Any:
    with using(proxy.state):
        return _run_here(proxy, arguments)


def _run_here(proxy: GradioProxy, arguments: dict[str, Any]) -> Any:
    fixed = {name: arguments.pop(name, default) for name, _, default in FIXED}
    if fixed["api_result_map"] is not None and fixed["map"] is not None:
        raise PowershaiError("give api_result_map or its alias map, not both", code=PARAM_ERROR)
    mapping = fixed["api_result_map"] if fixed["api_result_map"] is not None else fixed["map"]
    session = _session_of(proxy)
    if fixed["pipe"] is not None:
        return _pipeline(proxy, session, arguments, mapping, fixed)
    if mapping is not None:
        raise PowershaiError("api_result_map (map) needs a pipe= input to map from", code=PARAM_ERROR)
    return _single(proxy, session, arguments, fixed, [])


def _values(proxy: GradioProxy, arguments: dict[str, Any]) -> list[Any]:
    return [arguments.get(p.name, p.default) for p in proxy.parameters]


def _single(
    proxy: GradioProxy,
    session: GradioSession,
    arguments: dict[str, Any],
    fixed: dict[str, Any],
    pipeline: list[GradioApiEventResult],
) -> Any:
    missing = [
        p for p in proxy.parameters if not p.has_default and arguments.get(p.name, REQUIRED) is REQUIRED
    ]
    if missing:
        described = ", ".join(f"{p.name} ({p.component} {p.label!r})" for p in missing)
        raise PowershaiError(
            f"{proxy.python_name} needs {described}: {'it has' if len(missing) == 1 else 'they have'} "
            "no default",
            advice=NONE_IS_A_VALUE,
            code=PARAM_ERROR,
            missing=[p.name for p in missing],
        )
    values = _values(proxy, arguments)
    if fixed["debug_data"]:
        return {
            "session": session.name,
            "app_url": session.app_url,
            "api_name": proxy.api_name,
            "data": values,
            "uploads": [
                p.name for p in proxy.parameters if p.kind.is_file and values[p.position] is not None
            ],
            "token": "<given>" if fixed["api_token"] else "<session>",
            "pipeline": pipeline,
        }
    data = [_as_list(p, values[p.position]) for p in proxy.parameters]
    call = invoke_gradio_session_api(
        proxy.api_name, data, session=session, token=fixed["api_token"], transport=fixed["transport"]
    )
    if fixed["manual"]:
        return call
    return ProxyResult(call, session, proxy.python_name, pipeline)


def _as_list(param: ProxyParam, value: Any) -> Any:
    """One value for a list parameter is a one-item list (files are uploaded by the session call)."""
    if value is not None and param.kind.is_list and not isinstance(value, (list, tuple)):
        return [value]
    return value


def _map_entries(mapping: Any, proxy: GradioProxy) -> list[tuple[ProxyParam, int]]:
    if mapping is None:
        return []
    if isinstance(mapping, dict):
        pairs = [(str(name), index) for name, index in mapping.items()]
    else:
        pairs = []
        for entry in as_items(mapping):
            name, has_index, index = str(entry).partition("=")
            pairs.append((name, index if has_index else 0))
    entries = []
    for name, index in pairs:
        key = name.strip().casefold()
        param = next(
            (
                p
                for p in proxy.parameters
                if key in (p.name.casefold(), p.powershell_name.casefold(), p.source.casefold())
            ),
            None,
        )
        if param is None:
            valid = ", ".join(p.name for p in proxy.parameters)
            raise PowershaiError(
                f"{proxy.python_name} has no parameter {name!r} to map to; its parameters are: {valid}",
                code=PARAM_ERROR,
                src_param=name,
                src_function=proxy.python_name,
            )
        try:
            number = int(str(index).strip()) if not isinstance(index, int) else index
        except ValueError:
            raise PowershaiError(
                f"the index of {name!r} in the map must be a whole number, not {index!r}",
                code=PARAM_ERROR,
                src_param=name,
                value=index,
                src_function=proxy.python_name,
            ) from None
        entries.append((param, number))
    return entries


def _upstream(pipe: Any) -> Iterator[Any]:
    """The upstream items a pipeline calls its function for.

    Call results give their events with new data (see ``ProxyResult.data_events``); a list of
    events follows the same rule: heartbeats skipped, a ``complete`` that repeats the
    previous value skipped, an ``error`` raised as :class:`CallFailed`.
    """
    if hasattr(pipe, "data_events"):
        yield from pipe.data_events()
        return
    previous: Any = object()
    for item in [pipe] if isinstance(pipe, GradioApiEventResult) else as_items(pipe):
        if hasattr(item, "data_events"):
            yield from item.data_events()
            continue
        if isinstance(item, GradioApiEventResult):
            name = (item.event or "").lower()
            if not carries_data(item) or (name == "complete" and item.data == previous):
                continue
            if name == "error":
                raise CallFailed(f"an upstream call failed: {error_message(item.data)}", error=item.data)
            previous = item.data
        yield item


def _pipeline(
    proxy: GradioProxy,
    session: GradioSession,
    given: dict[str, Any],
    mapping: Any,
    fixed: dict[str, Any],
) -> Any:
    entries = _map_entries(mapping, proxy)
    both = sorted({param.name for param, _ in entries} & set(given))
    if both:
        raise PowershaiError(
            f"{', '.join(both)} given both as an argument and in the map: give each value once",
            code=PARAM_ERROR,
            src_function=proxy.python_name,
        )
    calls: list[Any] = []
    try:
        for item in _upstream(fixed["pipe"]):
            arguments = dict(given)
            pipeline: list[GradioApiEventResult] = []
            if isinstance(item, GradioApiEventResult):
                pipeline = [*item.pipeline, item]
                data = item.data if isinstance(item.data, list) else [item.data]
                if item.data not in (None, [], ""):
                    for param, index in entries:
                        value = data[index] if -len(data) <= index < len(data) else None
                        arguments[param.name] = _convert(value, param, proxy, calls)
            calls.append(_single(proxy, session, arguments, fixed, pipeline))
    except BaseException:
        # stop reading the upstream calls here, in this thread: a reader left suspended would
        # hold its call's lock until a garbage collection, which may run in another thread
        pipe = fixed["pipe"]
        for upstream in [pipe, *(pipe if isinstance(pipe, (list, tuple)) else ())]:
            if hasattr(upstream, "stop_reading"):
                upstream.stop_reading()
        raise
    if fixed["manual"] or fixed["debug_data"]:
        return calls
    return PipelineResult(calls, proxy.python_name)


def _convert(value: Any, param: ProxyParam, proxy: GradioProxy, calls: list[Any]) -> Any:
    try:
        return coerce(value, param.kind)
    except (ValueError, TypeError) as exc:
        raise PowershaiError(
            f"cannot give {value!r} to the parameter {param.name} of {proxy.python_name}: {exc}. "
            f"{len(calls)} calls were made before this one and are on the error (calls)",
            code=PARAM_ERROR,
            src_param=param.name,
            value=value,
            src_function=proxy.python_name,
            calls=list(calls),
        ) from None


class PipeStage:
    """``upstream | downstream.map("Name=Index")``: the same as ``downstream(pipe=upstream, map=...)``."""

    def __init__(
        self, function: Callable[..., Any], entries: tuple[Any, ...], values: dict[str, Any]
    ) -> None:
        self.function = function
        self.entries = entries
        self.values = values

    def __ror__(self, upstream: Any) -> Any:
        mapping = list(self.entries) if self.entries else None
        return self.function(pipe=upstream, map=mapping, **self.values)

    def __repr__(self) -> str:
        return f"PipeStage({self.function.__name__}, map={list(self.entries)!r})"


# --- the dynamic API ------------------------------------------------------------------------------


def invoke_gradio_dynamic_api(
    api_name: str, session: Any = ".", *, params: Mapping[str, Any] | None = None, **keywords: Any
) -> Any:
    """Call an endpoint with named parameters checked against ``/info``, as a proxy would.

    PowerShell equivalent: ``Invoke-GradioDynamicApi NAME -Param1 V1 ...`` (which never made
    the call; D-19). The endpoint's parameters go in ``params`` (a dict; names in any case),
    apart from this function's own options, so any name works there, ``session`` or
    ``transport`` included. For convenience, a parameter whose name is not one of ours
    (:data:`RESERVED`, ``api_name``, ``session``, ``params``) may also be given as a keyword.
    The keyword options of proxies (``manual``, ``api_token``, ``debug_data``...) work here
    too. Returns a :class:`ProxyResult`.

        invoke_gradio_dynamic_api("greet", name="Ana")
        invoke_gradio_dynamic_api("route", params={"session": 3, "transport": "bus"}, manual=True)
    """
    if not isinstance(api_name, str) or not api_name.strip("/ "):
        raise PowershaiError(
            f"give the endpoint name, e.g. 'predict', not {api_name!r}", code="POWERSHAI_GRADIO_NOAPINAME"
        )
    if params is not None and not isinstance(params, Mapping):
        raise PowershaiError(
            f"params is the endpoint's parameters by name (a dict), not {type(params).__name__}",
            code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
        )
    target = resolve_session(session)
    found = target.info.find_endpoint(api_name)
    if found is None and target.info.why_unusable(api_name):
        find_callable(target.info, api_name, target.app_url)  # raises: which endpoint, and why
    if found is None:
        error = endpoint_not_found(api_name.strip().lstrip("/"), target.info.endpoint_names, target.app_url)
        raise type(error)(
            f"{error.message} (the code is Invoke-GradioDynamicApi's, kept for scripts that match on it; "
            f"other calls say {error.code} for the same thing)",
            code="POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE",
            **error.facts,
        )
    name, spec = found
    proxy = GradioProxy(
        session_name=target.name,
        session_id=target.session_id,
        app_url=target.app_url,
        api_name=name,
        powershell_name=clean_name(name),
        python_name=f"invoke_gradio_dynamic_api({name!r})",
        parameters=parameters_of(spec),
        returns=tuple(spec.get("returns") or ()),
    )
    options = {key: value for key, value in keywords.items() if key in RESERVED}
    given = [(key, value) for key, value in keywords.items() if key not in RESERVED]
    given += list((params or {}).items())
    arguments: dict[str, Any] = {}
    for key, value in given:
        param = _named(proxy, str(key))
        if param.name in arguments:
            raise PowershaiError(
                f"/{name}: the parameter {param.source or param.name!r} is given twice",
                code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
                parameter=param.name,
            )
        arguments[param.name] = value
    return run_proxy(proxy, {**arguments, **options})


def _named(proxy: GradioProxy, key: str) -> ProxyParam:
    """The endpoint parameter ``key`` names: its name in ``/info``, its Python or its PowerShell
    name, in any case."""
    folded = key.casefold()
    for p in proxy.parameters:
        if folded in (p.name.casefold(), p.source.casefold(), p.powershell_name.casefold()):
            return p
    valid = ", ".join(p.source or p.name for p in proxy.parameters) or "none"
    raise PowershaiError(
        f"/{proxy.api_name} has no parameter {key!r}; its parameters are: {valid}",
        code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
        unknown=[key],
        valid=[p.name for p in proxy.parameters],
    )
