"""Proxy functions: one real Python function per endpoint of a session's app.

PowerShell equivalents: New-GradioSessionApiProxyFunction (alias GradioApiFunction),
Get-/Remove-GradioSessionApiProxyFunction and Invoke-GradioDynamicApi.

A proxy is a closure with an ``inspect.Signature`` built from ``/info``: nothing the server
sends is ever evaluated as code (D-18). Calling it starts the call and returns a
:class:`ProxyResult`; with ``pipe=`` it calls the endpoint once per upstream result,
mapping values with ``api_result_map`` (alias ``map``), and returns a :class:`PipelineResult`.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ...errors import NONE_IS_A_VALUE, CallFailed, PowershaiError, SessionNotFound, warn
from ...state import current, using
from ..protocol.calls import endpoint_not_found, find_callable
from ..protocol.models import GradioApiEventResult, GradioSession, carries_data
from ..sessions.session_calls import invoke_gradio_session_api
from ..sessions.sessions import as_items, resolve_session
from .names import POWERSHELL_RESERVED, clean_name, python_identifier, snake_name
from .param_types import ParamType, coerce, param_type
from .proxy_result import PipelineResult, ProxyResult, error_message

__all__ = [
    "new_gradio_session_api_proxy_function",
    "gradio_api_function",
    "get_gradio_session_api_proxy_function",
    "remove_gradio_session_api_proxy_function",
    "invoke_gradio_dynamic_api",
    "GradioProxy",
    "ProxyParam",
    "is_proxy",
]

PARAM_ERROR = "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"  # sic: the original spelling
DEFAULT_PREFIX = "Invoke-GradioApi"
DEFAULT_PYTHON_PREFIX = "invoke_gradio_api_"
Namespace = ModuleType | MutableMapping[str, Any]


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


_registry: list[Callable[..., Any]] = []
_installed: list[tuple[Namespace, str, Callable[..., Any]]] = []
_lock = threading.Lock()


def is_proxy(value: Any) -> bool:
    """True for a function made by :func:`new_gradio_session_api_proxy_function`."""
    return callable(value) and isinstance(getattr(value, "gradio_proxy", None), GradioProxy)


# --- creating -----------------------------------------------------------------------------


def new_gradio_session_api_proxy_function(
    api_name: str | Iterable[str] | None = None,
    prefix: str = DEFAULT_PREFIX,
    session: Any = ".",
    *,
    force: bool = False,
    namespace: Namespace | None = None,
    python_prefix: str = DEFAULT_PYTHON_PREFIX,
) -> list[Callable[..., Any]]:
    """Make one function per endpoint of the session's app and return them, in ``/info`` order.

    PowerShell equivalent: ``New-GradioSessionApiProxyFunction [-ApiName N] [-Prefix P] [-Force]``.

    ``api_name`` picks endpoints by name (any case; one or several); all by default. Each
    function has a PowerShell name (``prefix`` + the cleaned endpoint name, e.g.
    ``Invoke-GradioApiOp1``) and a Python name (``python_prefix`` + snake_case, e.g.
    ``invoke_gradio_api_op1``). With ``namespace`` (a module, ``globals()`` or a dict) the
    functions are also set there under their Python names; a name there that is not a
    proxy is an error (``POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS``) unless
    ``force=True``. ``session`` may be an iterable of sessions.
    """
    names = None if api_name is None else list(as_items(api_name))
    if names is not None and not all(isinstance(n, str) for n in names):
        raise PowershaiError(
            f"api_name is an endpoint name or a list of them, not {api_name!r}",
            code="POWERSHAI_GRADIO_NOAPINAME",
        )
    wanted = None if names is None else {n.strip().lstrip("/").casefold() for n in names}
    made: list[Callable[..., Any]] = []
    for item in as_items(session):
        target = resolve_session(item)
        endpoints = [
            (name.lstrip("/"), spec)
            for name, spec in target.info.named_endpoints.items()
            if wanted is None or name.lstrip("/").casefold() in wanted
        ]
        unusable = [
            (name.lstrip("/"), reason)
            for name, reason in target.info.unusable_endpoints.items()
            if wanted is None or name.lstrip("/").casefold() in wanted
        ]
        if wanted is not None:
            found = {name.casefold() for name, _ in endpoints + unusable}
            missing = sorted(wanted - found)
            if missing:
                raise endpoint_not_found(missing[0], target.info.endpoint_names, target.app_url)
        for name, reason in unusable:
            warn(f"no function for /{name} of {target.app_url}: its /info description is unusable ({reason})")
        ps_taken: set[str] = set()
        py_taken: set[str] = set()
        functions = []
        for name, spec in endpoints:
            try:
                proxy = _proxy_for(target, name, spec, prefix, python_prefix, ps_taken, py_taken, wanted)
                functions.append(_make_function(proxy))
            except (PowershaiError, ValueError, TypeError) as exc:  # one endpoint never costs the others
                warn(f"no function for /{name} of {target.app_url}: {exc}")
        if namespace is not None:
            _check_free(namespace, functions, force)
        for function in functions:
            _register(function, namespace)
        made.extend(functions)
    return made


gradio_api_function = new_gradio_session_api_proxy_function


def _proxy_for(
    target: GradioSession,
    name: str,
    spec: dict[str, Any],
    prefix: str,
    python_prefix: str,
    ps_taken: set[str],
    py_taken: set[str],
    wanted: set[str] | None,
) -> GradioProxy:
    """The :class:`GradioProxy` of one endpoint, its names made unique among ``*_taken``."""
    parameters = _parameters(spec)
    ps_name = _unique(prefix + clean_name(name), ps_taken, "")
    fallback = f"{python_prefix}endpoint{len(py_taken)}"
    py_name = _unique(python_identifier(python_prefix + snake_name(name), fallback), py_taken, "_")
    return GradioProxy(
        session_name=target.name,
        session_id=target.session_id,
        app_url=target.app_url,
        api_name=name,
        powershell_name=ps_name,
        python_name=py_name,
        parameters=parameters,
        returns=tuple(spec.get("returns") or ()),
        api_filter=tuple(sorted(wanted)) if wanted else (),
    )


def _unique(name: str, taken: set[str], joiner: str) -> str:
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate = f"{name}{joiner}{number}"
        number += 1
    if candidate != name:
        warn(f"two endpoints give the function name {name!r}; the later one is {candidate!r}")
    taken.add(candidate.casefold())
    return candidate


def _parameters(spec: dict[str, Any]) -> tuple[ProxyParam, ...]:
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


_FIXED = (
    ("manual", bool, False),
    ("api_result_map", Any, None),
    ("map", Any, None),
    ("debug_data", bool, False),
    ("api_token", str | None, None),
    ("pipe", Any, None),
    ("transport", str | None, None),
)
# The names an endpoint parameter cannot take in a generated function (it gets another one)
RESERVED = frozenset(name for name, _, _ in _FIXED)


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


def _signature(proxy: GradioProxy) -> inspect.Signature:
    """Every endpoint parameter is positional-or-keyword, in the app's order. One without a
    default in ``/info`` has none, unless a parameter with a default comes before it: then its
    default is :data:`REQUIRED` (Python allows no required parameter after a defaulted one)."""
    parameters = []
    seen_default = False
    for p in proxy.parameters:
        annotation = p.kind.annotation
        if p.has_default and p.default is None:
            annotation = annotation | None
        seen_default = seen_default or p.has_default
        no_default = REQUIRED if seen_default else inspect.Parameter.empty
        default = p.default if p.has_default else no_default
        parameters.append(
            inspect.Parameter(
                p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation
            )
        )
    for name, annotation, default in _FIXED:
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    return inspect.Signature(parameters, return_annotation=ProxyResult | PipelineResult)


def _docstring(proxy: GradioProxy) -> str:
    lines = [
        f"Call /{proxy.api_name} of {proxy.app_url} (session {proxy.session_name!r}).",
        "",
        f"PowerShell: {proxy.powershell_name}",
        "",
        "Parameters",
        "----------",
    ]
    for p in proxy.parameters:
        kind = inspect.formatannotation(p.kind.annotation)
        default = f", default {p.default!r}" if p.has_default else ""
        lines.append(f"{p.name} : {kind}{default}")
        upload = " Upload: a local path, a URL or a FileData." if p.kind.is_file else ""
        lines.append(f"    {p.label or p.source}. Component: {p.component}.{upload}")
    lines += ["", "Returns", "-------", "A ProxyResult; .result() gives the list of outputs:"]
    for output in proxy.returns:
        python_type = (output.get("python_type") or {}).get("type", "")
        label = " ".join(str(output.get("label") or "").split())
        lines.append(f"    {label} ({output.get('component', '')}, {python_type})")
    lines += [
        "",
        "Keyword-only: manual=True returns the session call without reading it; pipe= with",
        "api_result_map (alias map, 'Name=Index' strings or a dict) calls this function once per",
        "upstream result; debug_data=True returns what would be sent; api_token overrides the",
        'session\'s token ("public" sends none); transport ("call", "queue", "auto") overrides',
        "the session's transport.",
    ]
    return "\n".join(lines)


def _make_function(proxy: GradioProxy) -> Callable[..., Any]:
    signature = _signature(proxy)

    def gradio_proxy_function(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind_partial(*args, **kwargs)  # required ones are checked once mapped
        except TypeError as exc:
            valid = ", ".join(p.name for p in proxy.parameters)
            raise PowershaiError(
                f"{proxy.python_name}: {exc}; its parameters are: {valid}", code=PARAM_ERROR
            ) from None
        return _run(proxy, dict(bound.arguments))

    function: Any = gradio_proxy_function
    function.__name__ = function.__qualname__ = proxy.python_name
    function.__doc__ = _docstring(proxy)
    function.__signature__ = signature
    function.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    function.gradio_proxy = proxy
    function.powershell_name = proxy.powershell_name
    function.map = lambda *entries, **values: PipeStage(function, entries, values)
    return function


# --- the registry -----------------------------------------------------------------------------


def _existing(namespace: Namespace, name: str) -> Any:
    if isinstance(namespace, ModuleType):
        return getattr(namespace, name, None)
    return namespace.get(name)


def _check_free(namespace: Namespace, functions: list[Callable[..., Any]], force: bool) -> None:
    for function in functions:
        name = function.gradio_proxy.python_name  # type: ignore[attr-defined]
        existing = _existing(namespace, name)
        if existing is not None and not is_proxy(existing) and not force:
            raise PowershaiError(
                f"A function with name {name} already exists in the namespace and is not a proxy: "
                "pass force=True to replace it, or choose another python_prefix",
                code="POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS",
                name=name,
            )


def _register(function: Callable[..., Any], namespace: Namespace | None) -> None:
    proxy: GradioProxy = function.gradio_proxy  # type: ignore[attr-defined]
    with _lock:
        _registry[:] = [
            f
            for f in _registry
            if not (
                f.gradio_proxy.session_id == proxy.session_id  # type: ignore[attr-defined]
                and f.gradio_proxy.python_name == proxy.python_name  # type: ignore[attr-defined]
            )
        ]
        _registry.append(function)
        if namespace is not None:
            if isinstance(namespace, ModuleType):
                setattr(namespace, proxy.python_name, function)
            else:
                namespace[proxy.python_name] = function
            _installed.append((namespace, proxy.python_name, function))


def get_gradio_session_api_proxy_function(session: Any = ".") -> list[Callable[..., Any]]:
    """The proxy functions made for a session (``"*"``: for every session), oldest first.

    PowerShell equivalent: ``Get-GradioSessionApiProxyFunction [-Session S]``.
    """
    with _lock:
        functions = list(_registry)
    if isinstance(session, str) and session.strip() == "*":
        return functions
    ids = {resolve_session(item).session_id for item in as_items(session)}
    return [f for f in functions if f.gradio_proxy.session_id in ids]  # type: ignore[attr-defined]


def remove_gradio_session_api_proxy_function(function: Any) -> list[Callable[..., Any]]:
    """Forget proxy functions, given as objects or by either name; return those removed.

    PowerShell equivalent: ``Remove-GradioSessionApiProxyFunction F``.

    Only proxies are touched (D-20): another callable is an error. A name that no proxy
    has is skipped. The function is also taken out of the namespaces it was set in.
    """
    removed: list[Callable[..., Any]] = []
    for item in as_items(function):
        if isinstance(item, str):
            key = item.strip().casefold()
            with _lock:
                matches = [
                    f
                    for f in _registry
                    if key
                    in (f.gradio_proxy.python_name.casefold(), f.gradio_proxy.powershell_name.casefold())  # type: ignore[attr-defined]
                ]
        elif is_proxy(item):
            matches = [item]
        else:
            raise PowershaiError(
                f"{item!r} is not a Gradio proxy function: only functions made by "
                "new_gradio_session_api_proxy_function can be removed here",
                code="POWERSHAI_HUGGINGFACE_PROXY_NOTPROXY",
            )
        with _lock:
            for match in matches:
                if match in _registry:
                    _registry.remove(match)
                    removed.append(match)
                for entry in [e for e in _installed if e[2] is match]:
                    namespace, name, _ = entry
                    if _existing(namespace, name) is match:
                        if isinstance(namespace, ModuleType):
                            delattr(namespace, name)
                        else:
                            del namespace[name]
                    _installed.remove(entry)
    return removed


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


def _run(proxy: GradioProxy, arguments: dict[str, Any]) -> Any:
    with using(proxy.state):
        return _run_here(proxy, arguments)


def _run_here(proxy: GradioProxy, arguments: dict[str, Any]) -> Any:
    fixed = {name: arguments.pop(name, default) for name, _, default in _FIXED}
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
        parameters=_parameters(spec),
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
    return _run(proxy, {**arguments, **options})


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
