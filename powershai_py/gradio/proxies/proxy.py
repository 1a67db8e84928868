"""Proxy functions: make, list and remove one real Python function per endpoint of a session's app.

PowerShell equivalents: New-GradioSessionApiProxyFunction (alias GradioApiFunction),
Get-/Remove-GradioSessionApiProxyFunction. A proxy is a closure with an ``inspect.Signature``
built from ``/info``: nothing the server sends is ever evaluated as code (D-18). What a call of
one does (values, uploads, pipelines with ``pipe=`` and ``api_result_map``) is ``proxy_call.py``,
with Invoke-GradioDynamicApi, which this module re-exports.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, MutableMapping
from types import ModuleType
from typing import Any

from ...errors import PowershaiError, warn
from ...state import using
from ..batch.runner import map_gradio_session_api
from ..protocol.calls import endpoint_not_found
from ..protocol.models import GradioSession
from ..sessions.sessions import as_items, resolve_session
from .names import clean_name, python_identifier, snake_name
from .proxy_call import (
    FIXED,
    PARAM_ERROR,
    REQUIRED,
    GradioProxy,
    PipeStage,
    ProxyParam,
    invoke_gradio_dynamic_api,
    is_proxy,
    parameters_of,
    run_proxy,
)
from .proxy_result import PipelineResult, ProxyResult

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

DEFAULT_PREFIX = "Invoke-GradioApi"
DEFAULT_PYTHON_PREFIX = "invoke_gradio_api_"
Namespace = ModuleType | MutableMapping[str, Any]


_registry: list[Callable[..., Any]] = []
_installed: list[tuple[Namespace, str, Callable[..., Any]]] = []
_lock = threading.Lock()


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
    parameters = parameters_of(spec)
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
    for name, annotation, default in FIXED:
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
        return run_proxy(proxy, dict(bound.arguments))

    function: Any = gradio_proxy_function
    function.__name__ = function.__qualname__ = proxy.python_name
    function.__doc__ = _docstring(proxy)
    function.__signature__ = signature
    function.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    function.gradio_proxy = proxy
    function.powershell_name = proxy.powershell_name
    function.map = lambda *entries, **values: PipeStage(function, entries, values)
    function.batch = lambda inputs, **options: _batch(proxy, inputs, **options)
    return function


# --- the registry -----------------------------------------------------------------------------


def _batch(proxy: GradioProxy, inputs: Any, **options: Any) -> Any:
    """``function.batch(inputs, ...)``: :func:`map_gradio_session_api` for the function's
    endpoint and session (its ``map`` is the pipeline's)."""
    with using(proxy.state):
        return map_gradio_session_api(proxy.api_name, inputs, proxy.session_name, **options)


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
