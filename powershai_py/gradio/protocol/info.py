"""``/info`` of an app, and one-off HTTP requests to an app.

PowerShell equivalents: Get-GradioInfo and Invoke-GradioHttp.
"""

from __future__ import annotations

import contextvars
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ...errors import HttpError, PowershaiError, ProtocolError, excerpt
from ...http import iter_body, request, settings
from .app import app_layout, normalize_url
from .login import login_for
from .models import AppLayout, GradioInfo
from .shapes import read_info

__all__ = ["fetch_gradio_info", "invoke_gradio_http", "HttpResult"]

FALLBACK_PREFIX = "/gradio_api"


def fetch_gradio_info(
    app_url: Any, *, disable_retry: bool = False, token: str | None = None, auth: Any = None
) -> GradioInfo:
    """Fetch the ``/info`` of an app given by its URL (its endpoints and their parameters).

    PowerShell equivalent: ``Get-GradioInfo -AppUrl URL [-DisableRetry]``; the public
    :func:`powershai_py.get_gradio_info` also takes sessions and calls this for a URL.

    ``app_url`` is the app's root URL (or its API root, with ``/gradio_api``); a trailing
    slash is harmless. The API prefix is found from ``/config``, which every Gradio
    version serves; when there is none, ``/info`` is probed, then ``/gradio_api/info``
    (``disable_retry=True`` skips that second probe). The result's ``real_app_url`` is the
    URL the other calls use. ``auth=(user, password)`` logs in to an app launched with
    ``auth=`` (every function that talks to an app takes it).
    """
    if isinstance(app_url, str) and app_url.strip() == ".":
        raise PowershaiError(
            "'.' means the default session, which this stateless function does not know: "
            "give the app's URL, or use powershai_py.get_gradio_info, which takes sessions",
            code="POWERSHAI_GRADIO_INFO_NOURL",
        )
    credentials = login_for(app_url, auth)
    # Gradio 5 and 6 serve /info under /gradio_api: ask for it while /config answers, so opening
    # an app costs one round trip, not two. The guess is used only if /config confirms it.
    guess = _prefetch_info(normalize_url(app_url), token, credentials)
    layout = app_layout(app_url, token, refresh=True, credentials=credentials)
    try:
        info = _guessed(guess, layout.real_app_url)
        if info is None:
            info = _get_info(layout.real_app_url, token, credentials)
    except HttpError as exc:
        if layout.from_config or disable_retry or exc.status not in (404, 302, 308):
            raise
        layout = AppLayout(root_url=layout.root_url, api_prefix=FALLBACK_PREFIX, from_config=False)
        info = _get_info(layout.real_app_url, token, credentials)
    read = read_info(info, f"{layout.real_app_url}/info")
    return GradioInfo(
        named_endpoints=read.named_endpoints,
        unnamed_endpoints=read.unnamed_endpoints,
        unusable_endpoints=read.unusable,
        real_app_url=layout.real_app_url,
        root_url=layout.root_url,
        api_prefix=layout.api_prefix,
        version=layout.version,
    )


_prefetcher: ThreadPoolExecutor | None = None
_prefetcher_lock = threading.Lock()


def _prefetch_info(url: str, token: str | None, credentials: Any) -> tuple[str, Future[Any]] | None:
    """Start fetching ``{url}/gradio_api/info`` on a worker thread (its own pooled connections)."""
    global _prefetcher
    if url.rstrip("/").endswith(FALLBACK_PREFIX):
        return None
    with _prefetcher_lock:
        if _prefetcher is None:
            _prefetcher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="powershai-info")
    api_root = url.rstrip("/") + FALLBACK_PREFIX
    # the worker runs with the caller's client (its settings, token and pool)
    context = contextvars.copy_context()
    return api_root, _prefetcher.submit(context.run, _get_info, api_root, token, credentials)


def _guessed(guess: tuple[str, Future[Any]] | None, api_root: str) -> dict[str, Any] | None:
    """The prefetched /info when it was fetched from the right place and arrived; else None."""
    if guess is None:
        return None
    where, future = guess
    if where != api_root:
        future.cancel()  # Gradio 4 (no prefix): the guess was wrong, and is dropped
        return None
    try:
        found: dict[str, Any] = future.result(timeout=settings.request_deadline)
        return found
    except Exception:  # the guess failed: fetch it again the ordinary way, which reports errors
        return None


def _get_info(api_root: str, token: str | None, credentials: Any = None) -> dict[str, Any]:
    url = f"{api_root}/info"
    response = request("GET", url, token=token, credentials=credentials)
    try:
        info = response.json()
    except ValueError:
        raise ProtocolError(f"GET {url} did not answer JSON: {excerpt(response.text)}", url=url) from None
    if not isinstance(info, dict) or "named_endpoints" not in info:
        raise ProtocolError(
            f"GET {url} is not a Gradio /info document: {excerpt(response.text)}",
            url=url,
            field="named_endpoints" if isinstance(info, dict) else "the document",
        )
    return info


@dataclass
class HttpResult:
    """What :func:`invoke_gradio_http` returns for a streamed request."""

    status: int
    headers: dict[str, str]
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_CONTENT_TYPES = {"json": "application/json", "form": "multipart/form-data"}


def invoke_gradio_http(
    url: str,
    method: str = "GET",
    data: Any = None,
    content_type: str = "application/json",
    stream_callback: Callable[[str], Any] | None = None,
    token: str | None = None,
    max_redirects: int | None = None,
    *,
    auth: Any = None,
) -> Any:
    """Send one HTTP request to a Gradio app, with the token (and the login's cookie) added.

    PowerShell equivalent: ``Invoke-GradioHttp URL [METHOD] [DATA] [CONTENTTYPE]``.

    GET with a dict ``data`` sends it as the query string. Other methods send ``data`` as
    JSON (``content_type`` "json", the default), or as multipart form fields ("form"),
    where ``pathlib.Path`` values become file parts. Returns the parsed JSON of the
    answer, or its text when it is not JSON. With ``stream_callback``, the body is read
    line by line as it arrives, each line (without its line end) is passed to the
    callback, and an :class:`HttpResult` is returned.
    """
    if not isinstance(method, str) or not isinstance(content_type, str):
        raise PowershaiError(
            f"method and content_type are text (e.g. 'POST', 'json'), not {method!r} and {content_type!r}",
            code="POWERSHAI_HTTP_INVALIDMETHOD"
            if not isinstance(method, str)
            else "POWERSHAI_HTTP_CONTENTTYPE",
        )
    kind = _CONTENT_TYPES.get(content_type.lower(), content_type)
    method = method.upper()
    normalize_url(url)  # a clear error for a bad URL
    options: dict[str, Any] = {}
    if method in ("GET", "HEAD", "DELETE"):
        if isinstance(data, dict):
            options["params"] = data
        elif data is not None:
            url += ("&" if "?" in url else "?") + (urlencode(data) if isinstance(data, list) else str(data))
    elif kind == "multipart/form-data":
        options["data"], options["files"] = _form_parts(data or {})
    elif isinstance(data, (str, bytes)):
        options["data"] = data
        options["headers"] = {"Content-Type": f"{kind}; charset=utf-8"}
    elif data is not None:
        options["json"] = data
    response = request(
        method,
        url,
        token=token,
        max_redirects=max_redirects,
        stream=stream_callback is not None,
        credentials=login_for(url, auth),
        **options,
    )
    if stream_callback is None:
        try:
            return response.json()
        except ValueError:
            return response.text
    result = HttpResult(status=response.status_code, headers=dict(response.headers))
    buffer = b""
    try:
        for chunk in iter_body(response, f"{method} {url}"):
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                _deliver(raw, result, stream_callback)
        if buffer:
            _deliver(buffer, result, stream_callback)
    finally:
        response.close()
    return result


def _deliver(raw: bytes, result: HttpResult, callback: Callable[[str], Any]) -> None:
    line = raw.decode("utf-8", errors="replace").rstrip("\r")
    result.lines.append(line)
    callback(line)


def _form_parts(fields: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, Any]]]:
    values: list[tuple[str, str]] = []
    files: list[tuple[str, Any]] = []
    for key, value in fields.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, os.PathLike):
                path = os.fspath(item)
                with open(path, "rb") as handle:
                    files.append((key, (os.path.basename(path), handle.read(), "application/octet-stream")))
            else:
                values.append((key, item if isinstance(item, str) else json.dumps(item)))
    return values, files
