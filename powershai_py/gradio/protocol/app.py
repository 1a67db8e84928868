"""Where an app's API lives, and which hidden inputs its endpoints have.

Gradio 4 serves its API at the root; Gradio 5 and 6 under ``/gradio_api``. Every
version serves ``/config`` at the root, and from 5 on it names the prefix
(``api_prefix``). ``/config`` also lists each endpoint's inputs, which is how hidden
``gr.State`` inputs are found: Gradio 4 and 5 expect a null for each of them in a call.

The layout of each app is fetched once per process and cached by URL.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlsplit

from ...errors import AuthenticationRequired, HttpError, PowershaiError
from ...http import origin_of, request
from ...state import current
from .models import AppLayout
from .shapes import check_config, component_bounds, component_types, usable_dependencies

__all__ = [
    "is_url",
    "normalize_url",
    "app_layout",
    "forget_app",
    "layout_from_config",
    "pad_state_slots",
    "url_of",
]


def _layouts() -> dict[str, AppLayout]:
    """The active client's cache of app layouts, by URL."""
    return current().slot("app.layouts", dict)


_lock = threading.Lock()


def url_of(app: Any) -> str:
    """The URL of ``app``: a string, or an object with ``real_app_url`` or ``app_url``."""
    for attribute in ("real_app_url", "app_url"):
        value = getattr(app, attribute, None)
        if isinstance(value, str):
            return value
    if isinstance(app, str):
        return app
    raise PowershaiError(
        f"expected an app URL (a string), got {type(app).__name__}",
        code="POWERSHAI_HTTP_INVALIDURL",
    )


def is_url(value: Any) -> bool:
    """True for a string that starts with ``http://`` or ``https://`` (any case, blanks allowed)."""
    return isinstance(value, str) and value.lstrip()[:8].lower().startswith(("http://", "https://"))


def normalize_url(app: Any) -> str:
    """Strip blanks and trailing slashes; reject anything that is not an http(s) URL."""
    url = url_of(app).strip().rstrip("/")
    try:
        parts = urlsplit(url)
        origin_of(url)  # a bad port or an unclosed [IPv6] bracket
    except (ValueError, PowershaiError):
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PowershaiError(
            f"{url!r} is not an app URL: give http(s)://host[:port][/path]",
            code="POWERSHAI_HTTP_INVALIDURL",
            url=url,
        )
    return url


def app_layout(
    app: Any, token: str | None = None, refresh: bool = False, credentials: Any = None
) -> AppLayout:
    """The :class:`AppLayout` of the app at ``app`` (cached; ``refresh`` fetches it again).

    The URL may be the app's root or its API root (``.../gradio_api``); both give the
    same layout. When no ``/config`` can be found the URL is taken as the API root.
    """
    url = normalize_url(app)
    if not refresh:
        with _lock:
            cached = _layouts().get(url)
        if cached is not None:
            return cached
    layout = _discover(url, token, credentials)
    with _lock:
        cache = _layouts()
        cache[url] = layout
        cache[layout.real_app_url] = layout
    return layout


def forget_app(app: Any) -> None:
    """Drop the cached layout of ``app`` (the next call fetches ``/config`` again)."""
    url = normalize_url(app)
    with _lock:
        cache = _layouts()
        layout = cache.pop(url, None)
        if layout is not None:
            cache.pop(layout.real_app_url, None)
            cache.pop(layout.root_url, None)


def _discover(url: str, token: str | None, credentials: Any = None) -> AppLayout:
    parent, _, last = url.rpartition("/") if urlsplit(url).path else (url, "", "")
    # A URL that ends with Gradio 5/6's prefix (a stored session's app URL): /config is one level
    # up, so ask there first (asking {url}/config would be a 404 on every call).
    if last == KNOWN_PREFIX:
        config = _fetch_config(parent, token, credentials)
        if config is not None and (config.get("api_prefix") or "").strip("/") == last:
            return layout_from_config(parent, config)
    config = _fetch_config(url, token, credentials)
    if config is not None:
        return layout_from_config(url, config)
    # Perhaps the URL already ends with another API prefix: /config then lives one level up.
    if last and last != KNOWN_PREFIX:
        config = _fetch_config(parent, token, credentials)
        if config is not None and (config.get("api_prefix") or "").strip("/") == last:
            return layout_from_config(parent, config)
    return AppLayout(root_url=url, api_prefix="", from_config=False)


KNOWN_PREFIX = "gradio_api"  # the API prefix of Gradio 5 and 6 (Gradio 4 has none)


def _fetch_config(root: str, token: str | None, credentials: Any = None) -> dict[str, Any] | None:
    try:
        response = request("GET", f"{root}/config", token=token, credentials=credentials)
    except AuthenticationRequired:
        raise
    except HttpError:
        return None
    try:
        config = response.json()
    except json.JSONDecodeError:
        return None
    if not isinstance(config, dict) or "dependencies" not in config:
        return None
    return config


def layout_from_config(root: str, config: dict[str, Any]) -> AppLayout:
    """Build an :class:`AppLayout` from a ``/config`` document (pure).

    A top-level field of the wrong type is a :class:`ProtocolError` that names it; a dependency
    or component of the wrong shape costs only its own endpoint (see ``shapes``).
    """
    check_config(config, root)
    prefix = config.get("api_prefix") or ""
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    kinds = component_types(config)
    limits = component_bounds(config)
    bounds: dict[str, dict[int, dict[str, float]]] = {}
    slots: dict[str, tuple[int, tuple[int, ...]]] = {}
    names: list[str] = []
    indexes: dict[str, int] = {}
    for position, name, dependency in usable_dependencies(config):
        names.append(name)
        if dependency is None:
            continue  # its inputs or id are unreadable: called over /call, without state slots
        indexes.setdefault(name, dependency.get("id", position))  # Gradio 4+ numbers them with "id"
        inputs = dependency.get("inputs") or []
        hidden = tuple(i for i, cid in enumerate(inputs) if kinds.get(cid) == "state")
        slots[name] = (len(inputs), hidden)
        visible = [cid for cid in inputs if kinds.get(cid) != "state"]
        found = {place: limits[cid] for place, cid in enumerate(visible) if cid in limits}
        if found:
            bounds[name] = found
    return AppLayout(
        root_url=root.rstrip("/"),
        api_prefix=prefix.rstrip("/"),
        version=config.get("version"),
        state_slots=slots,
        api_names=tuple(names),
        fn_indexes=indexes,
        bounds=bounds,
        title=config["title"] if isinstance(config.get("title"), str) else None,
    )


def pad_state_slots(data: list[Any], layout: AppLayout, api_name: str, always: bool = False) -> list[Any]:
    """Insert a null for each hidden ``gr.State`` input on Gradio 4 and 5 (pure).

    Only when ``data`` holds exactly the visible inputs: a list that already has a slot
    for every input, or one of another length, is sent as the caller gave it. Gradio 6
    fills hidden inputs of ``/call`` itself, so those calls are never changed; ``always``
    pads on every version (the queue transport, like the web page, sends every input).
    """
    major = layout.major
    if major is None or (major >= 6 and not always):
        return data
    total, hidden = layout.state_slots.get(api_name, (0, ()))
    if not hidden or len(data) != total - len(hidden):
        return data
    padded = list(data)
    for position in hidden:
        padded.insert(position, None)
    return padded
