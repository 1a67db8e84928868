"""Sending requests: the redirect loop that drops credentials off-origin, deadlines, result
streams, reading bodies in chunks, draining connections back to the pool.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

from ..errors import (
    ConnectionLost,
    PowershaiError,
    ProtocolError,
    RedirectError,
    RequestTimeout,
    excerpt,
)
from .deadlines import (
    disarm,
    under_way,
)
from .pool import (
    get_session,
    proxies_for,
)
from .tokens import (
    METHOD,
    logger,
    origin_of,
    resolve_token,
    settings,
)
from .translate import (
    deadline_error,
    http_error,
    reason_of,
    translate,
)


def request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    token_origin: str | None = None,
    headers: dict[str, str] | None = None,
    json: Any = None,
    data: Any = None,
    files: Any = None,
    params: Any = None,
    stream: bool = False,
    timeout: tuple[float, float] | None = None,
    max_redirects: int | None = None,
    raise_for_status: bool = True,
    credentials: Any = None,
    deadline: float | None = None,
) -> requests.Response:
    """Send one HTTP request and return the response.

    ``token`` is resolved with :func:`resolve_token`. It is sent only to the origin
    (scheme, host and port) of ``token_origin``, the app the token belongs to, which is
    ``url`` itself when not given: a request to any other origin, a redirect included, is
    sent with no credentials at all. Every request of the library goes through here, so
    this is the one place that decides where a token goes.

    ``timeout`` is ``(connect, read)``; the default comes from :data:`settings`. The whole
    request must end within ``deadline`` seconds, by default ``settings.request_deadline``
    (for ``stream=True``, its headers must arrive within it; the caller bounds the body).
    ``max_redirects`` None uses ``settings.max_redirects``; 0 makes any redirect an ``HTTP_REDIRECT`` error.
    HTTP statuses of 400 and above raise :class:`HttpError` (or a subclass) unless
    ``raise_for_status`` is False.

    ``credentials`` is a login to a Gradio app (:class:`~powershai_py.gradio.protocol.login.GradioLogin`):
    its cookie goes to that app's origin only, and a 401 from it logs in once more and sends
    the request again (a refused request was not processed, so it is safe to repeat).
    """
    cookie_origin = origin_of(credentials.origin) if credentials is not None else None
    cookie = credentials.cookie_header() if cookie_origin == origin_of(url) else None
    send = {
        "token": token, "token_origin": token_origin, "headers": headers, "json": json, "data": data,
        "files": files, "params": params, "stream": stream, "timeout": timeout,
        "max_redirects": max_redirects, "deadline": deadline,
    }  # fmt: skip
    response = _request(method, url, cookie=cookie, cookie_origin=cookie_origin, **send)
    if response.status_code == 401 and cookie is not None:
        response.close()
        credentials.renew()  # the cookie expired, or the app restarted: log in once more
        cookie = credentials.cookie_header()
        response = _request(method, url, cookie=cookie, cookie_origin=cookie_origin, **send)
    if raise_for_status and response.status_code >= 400:
        raise http_error(response, method)
    if response.status_code >= 400 and not stream:
        response.content  # noqa: B018 - the caller reads an error answer it asked not to raise
    return response


def _request(
    method: str,
    url: str,
    *,
    token: str | None,
    token_origin: str | None,
    headers: dict[str, str] | None,
    json: Any,
    data: Any,
    files: Any,
    params: Any,
    stream: bool,
    timeout: tuple[float, float] | None,
    max_redirects: int | None,
    cookie: str | None,
    cookie_origin: tuple[str, str, int | None] | None,
    deadline: float | None = None,
) -> requests.Response:
    """One request and its redirects; an error status is returned unread, for :func:`http_error`."""
    if not isinstance(method, str) or not METHOD.fullmatch(method):
        raise PowershaiError(
            f"{method!r} is not an HTTP method: give GET, POST, PUT, DELETE...",
            code="POWERSHAI_HTTP_INVALIDMETHOD",
        )
    method = method.upper()
    bearer = resolve_token(token)
    owner = origin_of(token_origin or url)
    limit = settings.max_redirects if max_redirects is None else max_redirects
    timeout = timeout or (settings.connect_timeout, settings.read_timeout)
    session = get_session()
    hops = 0
    disarm()
    under_way.budget = deadline or settings.request_deadline  # for the error's words
    under_way.deadline = time.monotonic() + under_way.budget
    try:
        while True:
            send_headers = dict(headers or {})
            if bearer and origin_of(url) == owner:
                send_headers["Authorization"] = f"Bearer {bearer}"
            if cookie and origin_of(url) == cookie_origin:
                send_headers["Cookie"] = cookie
            started = time.perf_counter()
            try:
                response = session.request(
                    method,
                    url,
                    proxies=proxies_for(session, url),
                    headers=send_headers,
                    json=json,
                    data=data,
                    files=files,
                    params=params,
                    stream=True,  # the body is read below, or by the caller when stream=True
                    timeout=timeout,
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                raise translate(exc, method, url, disarm()) from None
            logger.debug(
                "%s %s -> %s (%.0f ms)",
                method,
                url,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            if not response.is_redirect:
                break
            location = urljoin(url, response.headers.get("location", ""))
            response.close()
            if limit == 0 or hops >= limit:
                reason = "redirects are not allowed here" if limit == 0 else f"more than {limit} redirects"
                raise RedirectError(
                    f"{method} {url} answered {response.status_code}, a redirect to {location}; {reason}",
                    status=response.status_code,
                    url=url,
                    location=location,
                    max=limit,
                )
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method, json, data, files = "GET", None, None, None
            params = None  # the Location already carries its query
            hops += 1
            url = location
        if response.status_code >= 400:
            return response  # read by http_error, or by request() when the caller wants it
        if not stream:
            try:
                response.content  # noqa: B018 - reads the body and returns the connection to the pool
            except requests.exceptions.RequestException as exc:
                raise translate(exc, method, url, disarm()) from None
            if disarm():  # the deadline passed as the body ended: the connection was cut
                response.close()
                raise deadline_error(method, url)
        return response
    finally:
        disarm()


def open_event_stream(
    url: str,
    what: str,
    *,
    params: Any = None,
    token: str | None = None,
    credentials: Any = None,
    read_timeout: float | None = None,
    **facts: Any,
) -> requests.Response:
    """``GET`` an SSE stream: the open response, or a :class:`ProtocolError` (with ``facts``)
    when the server answers something that is not an event stream."""
    response = request(
        "GET",
        url,
        params=params,
        token=token,
        stream=True,
        timeout=(settings.connect_timeout, read_timeout or settings.stream_read_timeout),
        headers={"Accept": "text/event-stream"},
        credentials=credentials,
    )
    kind = response.headers.get("content-type", "")
    if "text/event-stream" not in kind:
        body = excerpt(response.raw.read(4096, decode_content=True))
        response.close()
        raise ProtocolError(
            f"{what} answered {kind or 'no content type'} instead of an event stream: {body}",
            url=url,
            body=body,
            **facts,
        )
    return response


def drain(response: requests.Response, what: str) -> None:
    """Read what is left of a streamed body (an SSE stream ends right after its final event)
    within ``settings.drain_bytes`` and ``settings.drain_timeout``, then hand the connection back
    to the pool, so the next request needs no new connection (no TCP or TLS handshake). A server
    that keeps the response open past that bound, or breaks it, loses its connection."""
    until = time.monotonic() + settings.drain_timeout
    budget = settings.drain_bytes
    try:
        while budget > 0 and time.monotonic() < until:
            chunk = read_some(response, what, until - time.monotonic())
            if not chunk:
                response.raw.release_conn()  # read to its end: the connection is reusable
                return
            budget -= len(chunk)
    except PowershaiError:
        pass  # it stalled or broke after the last event: nothing more is needed from it
    response.close()


def read_some(response: requests.Response, what: str, timeout: float, chunk_size: int = 65536) -> bytes:
    """Read what has arrived of a streamed body, waiting at most ``timeout`` seconds for it.

    Returns ``b""`` at the end of the body. Silence past ``timeout`` is a
    :class:`RequestTimeout`; a cut connection or broken chunked framing is a
    :class:`ConnectionLost`. Not a generator, so an interruption (Ctrl-C) between two
    reads leaves the response as it was, ready for the next read.
    """
    if timeout <= 0:
        raise RequestTimeout(f"{what}: the time allowed ran out", url=response.url, kind="read")
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(timeout)
    try:
        return response.raw.read1(chunk_size, decode_content=True)
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
        raise RequestTimeout(
            f"{what}: the server sent nothing within {timeout:.3g} s", url=response.url, kind="read"
        ) from exc
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        raise ConnectionLost(
            f"{what}: the connection was cut mid-stream ({reason_of(exc)})", url=response.url
        ) from exc


def iter_body(
    response: requests.Response,
    what: str,
    chunk_size: int = 65536,
    *,
    deadline: float | None = None,
    read_timeout: float | None = None,
) -> Iterator[bytes]:
    """Yield the body of a streamed response as soon as each piece arrives.

    Each read waits at most ``read_timeout`` (default ``settings.read_timeout``) for data,
    and the whole body must arrive within ``deadline`` seconds when given, however the
    server spaces its bytes. Ends on a clean end of body.
    """
    silence = read_timeout or settings.read_timeout
    until = None if deadline is None else time.monotonic() + deadline
    while True:
        left = silence if until is None else until - time.monotonic()
        try:
            if left <= 0:
                raise RequestTimeout(what, url=response.url, kind="read")
            chunk = read_some(response, what, min(silence, left), chunk_size)
        except RequestTimeout:
            if until is None or time.monotonic() < until:
                raise  # silence, within the deadline
            raise RequestTimeout(
                f"{what}: the body did not arrive within {deadline:g} s; the server is sending too slowly",
                url=response.url,
                kind="deadline",
            ) from None
        if not chunk:
            return
        yield chunk
