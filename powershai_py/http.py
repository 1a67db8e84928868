"""HTTP for powershai-py: pooled sessions, tokens, timeouts, retries, redirects.

The one place that talks to ``requests``. Everything above it gets a response or a
:class:`~powershai_py.errors.PowershaiError`, never a ``requests`` exception.

Pooling: one ``requests.Session`` per thread. ``requests.Session`` is not documented as
thread-safe (its cookie jar and adapters are shared mutable state), and urllib3 already
keeps one connection pool per host inside each session, so a per-thread session gives
keep-alive reuse for every app a thread talks to without locks. A thread that talks to
many apps still uses one session.

Tokens (PowerShell equivalent: ResolveHuggingFaceToken): an explicit token wins, else the
environment variable ``HF_API_TOKEN``, else ``HF_TOKEN``, else none. The value
``"public"`` (any case) means "send no token", even when the environment has one. The
token goes only to the host it was meant for: redirects are followed here, by hand, and
the ``Authorization`` header is dropped as soon as a redirect leaves the first origin.

Timeouts: every request has a connect timeout and a read timeout (:data:`settings`). The
read timeout of an event stream is separate and well above Gradio's 15 s heartbeat.
"""

from __future__ import annotations

import contextlib
import heapq
import http.cookiejar
import itertools
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from .errors import (
    Advice,
    AuthenticationRequired,
    ConnectionLost,
    HttpError,
    PowershaiError,
    ProtocolError,
    QueueFull,
    RedirectError,
    RequestTimeout,
    ValidationError,
    excerpt,
)
from .state import HttpSettings, SettingsView, current

__all__ = [
    "HttpSettings",
    "settings",
    "logger",
    "resolve_token",
    "set_default_token",
    "get_session",
    "close_session",
    "request",
    "open_event_stream",
    "drain",
    "iter_body",
    "PUBLIC",
]

logger = logging.getLogger("powershai_py")

PUBLIC = "public"
"""The token value that means: send no token at all."""

TOKEN_ENV_VARS = ("HF_API_TOKEN", "HF_TOKEN")


settings: Any = SettingsView()  # the active client's settings (see state.py)


def resolve_token(token: str | None = None) -> str | None:
    """Return the token to send, or None to send none.

    PowerShell equivalent: ResolveHuggingFaceToken, with "public" honoured (D-1).

    Surrounding blanks and line ends (``$(cat token.txt)``) are stripped. A token with a
    control character inside is refused; the error never shows the token.
    """
    if token is not None and not isinstance(token, str):
        raise PowershaiError(
            f"a token must be a string, not {type(token).__name__}",
            code="POWERSHAI_TOKEN_INVALID",
        )
    if token and token.strip():
        value = token.strip()
        return None if value.lower() == PUBLIC else _checked_token(value, "the token given")
    if current().token:
        return current().token
    for name in TOKEN_ENV_VARS:
        value = (os.environ.get(name) or "").strip()
        if value:
            return _checked_token(value, f"the token in ${name}")
    return None


def set_default_token(token: str | None) -> None:
    """Use ``token`` when a call gives none, before the environment's (None clears it).

    Kept in the active client's memory only (the default one outside any client): never
    written anywhere, never shown.
    """
    if token is None or not str(token).strip():
        current().token = None
        return
    if not isinstance(token, str):
        raise PowershaiError(
            f"a token must be a string, not {type(token).__name__}", code="POWERSHAI_TOKEN_INVALID"
        )
    current().token = _checked_token(token.strip(), "the token given")


def _checked_token(value: str, where: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise PowershaiError(
            f"{where} contains a control character (a line break or a tab inside it); "
            "give the token on one line, without control characters",
            code="POWERSHAI_TOKEN_INVALID",
        )
    return value


class _CappedRetry(Retry):
    """urllib3's Retry, with Retry-After capped so a server cannot park us for hours."""

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, settings.max_retry_after)


def _make_retry(refused_posts: bool = False) -> Retry:
    # Status retries: GET and HEAD, for 429, 502 and 503. With ``refused_posts`` (only for
    # the POST /call of an app), also POST, for 429 and 503: Gradio answers those before it
    # issues an event id (queue full, rate limit), so the job was not submitted. Connect
    # errors are retried for every method, since the request never reached the server.
    # Read errors are not retried at all: a stream GET that was cut must not be sent again.
    return _CappedRetry(
        total=settings.retries,
        connect=settings.retries,
        read=0,
        status=settings.retries,
        other=0,
        redirect=0,
        status_forcelist=(429, 503) if refused_posts else (429, 502, 503),
        allowed_methods=frozenset({"GET", "HEAD", "POST"} if refused_posts else {"GET", "HEAD"}),
        backoff_factor=settings.backoff_factor,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class _Watchdog:
    """One daemon thread that cuts the socket of a request past its deadline.

    A socket timeout bounds silence, not a server that sends one byte every few seconds.
    A request that must end by a deadline registers its socket here; if the deadline passes
    first, the socket is shut down, the blocked read returns, and :func:`request` reports a
    :class:`RequestTimeout`.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, sock: socket.socket) -> _Watch:
        watch = _Watch(sock)
        with self._cond:
            if len(self._heap) >= 1024:  # most are done by now (requests end well before deadlines)
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (deadline, next(self._ids), watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="powershai-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][2] is watch:  # the thread sleeps until the earliest deadline: wake it
                self._cond.notify()
        return watch

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, watch = heapq.heappop(self._heap)
                watch.fire()


class _Watch:
    __slots__ = ("sock", "done", "fired")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.done = False
        self.fired = False

    def fire(self) -> None:
        if self.done:
            return
        self.fired = True
        self.done = True
        with contextlib.suppress(OSError):  # already closed
            self.sock.shutdown(socket.SHUT_RDWR)


_watchdog = _Watchdog()


class _DeadlineConnection(HTTPConnection):
    """A connection that puts its socket under the calling thread's deadline while it waits."""

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_local, "deadline", None)
        if deadline is not None and self.sock is not None:
            _local.watches.append(_watchdog.arm(deadline, self.sock))
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter, with pools whose connections honour :func:`request`'s deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": _Pool, "https": _HTTPSPool}
        return manager


def _disarm() -> bool:
    """Stop the calling thread's deadline watches; True if one of them fired."""
    fired = False
    for watch in getattr(_local, "watches", ()):
        fired = fired or watch.fired
        watch.done = True
    _local.watches = []
    _local.deadline = None
    return fired


def retry_refused_posts(prefix: str) -> None:
    """Let POSTs under ``prefix`` be retried when refused (429, 503); see :func:`_make_retry`.

    Used for ``{api}/call/``: requests mounts a dedicated adapter for that prefix on each
    thread's session, so the retry stays urllib3's and other POSTs (uploads) never repeat.
    """
    current().refused_post_prefixes.add(prefix)
    _mount_refused_posts(get_session())


def _mount_refused_posts(session: requests.Session) -> None:
    for prefix in current().refused_post_prefixes:
        if prefix not in session.adapters:
            adapter = _Adapter(pool_maxsize=settings.pool_maxsize, max_retries=_make_retry(True))
            # Its own retry policy, but the session's connections: requests passes the policy with
            # each request, so sharing the pool manager costs nothing and saves a connection.
            main = session.get_adapter("http://")
            if isinstance(main, HTTPAdapter):
                adapter.poolmanager = main.poolmanager
            session.mount(prefix, adapter)


_local = threading.local()  # per thread: the deadline and watches of the request under way


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """A cookie policy that accepts no cookie (the shared sessions keep none)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


_NO_COOKIES = _NoCookies()


def get_session() -> requests.Session:
    """The calling thread's pooled ``requests.Session`` of the active client (created on first use)."""
    state = current()
    if state.closed:
        raise PowershaiError("this client was closed: make a new one", code="POWERSHAI_CLIENT_CLOSED")
    mine = state.local
    session = getattr(mine, "session", None)
    if session is not None and getattr(mine, "generation", 0) != state.generation:
        session.close()  # close_session(all_threads=True) was called: settings or environment changed
        session = None
    if session is None:
        mine.generation = state.generation
        session = requests.Session()
        adapter = _Adapter(pool_connections=8, pool_maxsize=settings.pool_maxsize, max_retries=_make_retry())
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = "powershai-py"
        # No cookie is kept between requests: a login's cookie lives with its GradioLogin and is
        # sent by request() to its app's origin only; a jar would send it to every port of the host.
        session.cookies = requests.cookies.RequestsCookieJar(policy=_NO_COOKIES)
        # The environment is read once per session, not on every request as requests does
        # with trust_env (that scan cost ~1 ms a call), and ~/.netrc is never used: a token
        # is only what resolve_token gives, so "public" really sends nothing.
        session.trust_env = False
        session.proxies = _environment_proxies()
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
        mine.session = session
        opened = state.slot("sessions", SessionSet)
        with opened.lock:
            opened.all.append(session)
    if len(session.adapters) - 2 < len(state.refused_post_prefixes):
        _mount_refused_posts(session)
    return session


def _environment_proxies() -> dict[str, str]:
    """The proxy variables of the environment (``https_proxy``, ``no_proxy``...), as requests reads them."""
    proxies = {key: value for key, value in urllib.request.getproxies().items() if key != "no"}
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY")
    if no_proxy:
        proxies["no_proxy"] = no_proxy
    return proxies


def _proxies_for(session: requests.Session, url: str) -> dict[str, str] | None:
    """The proxies for ``url``: none when ``no_proxy`` says so (decided once per origin)."""
    if not session.proxies:
        return None
    cache = session.__dict__.setdefault("_powershai_bypass", {})
    origin = origin_of(url)
    if origin not in cache:
        cache[origin] = requests.utils.should_bypass_proxies(url, session.proxies.get("no_proxy"))
    return {} if cache[origin] else None


def close_session(all_threads: bool = False) -> None:
    """Close the calling thread's session; the next request opens a new one.

    Changes to :data:`settings` that shape the pool (``retries``, ``pool_maxsize``...) and to
    the environment (proxies, ``REQUESTS_CA_BUNDLE``) apply to sessions created after the change.
    ``all_threads=True`` makes every thread (the library's own workers too) open a new session
    at its next request.
    """
    state = current()
    if all_threads:
        state.generation += 1
    session = getattr(state.local, "session", None)
    if session is not None:
        session.close()
        state.local.session = None


class SessionSet:
    """Every requests.Session a client's threads opened, so that closing the client closes
    them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.all: list[requests.Session] = []


def close_all_sessions(state: Any) -> None:
    """Close every pooled session ``state``'s threads opened (the client is being closed)."""
    found = state.slot("sessions", SessionSet)
    with found.lock:
        sessions, found.all = found.all, []
    for session in sessions:
        session.close()


def origin_of(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, with the default port filled in: what a token belongs to."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        raise _invalid_url(url) from None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _invalid_url(url: str) -> PowershaiError:
    return PowershaiError(
        f"{url!r} is not a usable URL: give http(s)://host[:port][/path]",
        code="POWERSHAI_HTTP_INVALIDURL",
        url=url,
    )


_METHOD = re.compile(r"[A-Za-z]+")


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
    if not isinstance(method, str) or not _METHOD.fullmatch(method):
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
    _disarm()
    _local.budget = deadline or settings.request_deadline  # for the error's words
    _local.deadline = time.monotonic() + _local.budget
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
                    proxies=_proxies_for(session, url),
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
                raise _translate(exc, method, url, _disarm()) from None
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
                raise _translate(exc, method, url, _disarm()) from None
            if _disarm():  # the deadline passed as the body ended: the connection was cut
                response.close()
                raise _deadline_error(method, url)
        return response
    finally:
        _disarm()


def _deadline_words() -> str:
    """The deadline of the calling thread's request, named as the user can change it."""
    budget = getattr(_local, "budget", None)
    if budget is None or budget == settings.request_deadline:
        return f"settings.request_deadline ({settings.request_deadline:g} s)"
    return f"its own deadline ({budget:g} s)"


def _deadline_error(method: str, url: str) -> RequestTimeout:
    return RequestTimeout(
        f"{method} {url}: no complete answer within {_deadline_words()}; the server is sending too slowly",
        url=url,
        kind="deadline",
    )


def http_error(response: requests.Response, method: str) -> HttpError:
    """Build the error for an HTTP error response (and close it)."""
    connection = getattr(response.raw, "connection", None)
    try:
        body = response.raw.read(4096, decode_content=True)
    except Exception:  # the body is only for the message; a broken one must not hide the status
        body = b""
    finally:
        # Drop the connection rather than pool it: servers often close it after an error
        # (uvicorn does after a 500), and a pooled dead connection fails the next request.
        if connection is not None:
            connection.close()
        response.close()
    status = response.status_code
    text = excerpt(body)
    cls: type[HttpError] = HttpError
    advice = None
    if status in (401, 403):
        cls = AuthenticationRequired
        if "not authenticated" in text.lower():  # what Gradio answers for an app launched with auth=
            advice = Advice(
                "The app is behind a Gradio login: pass auth=(user, password).",
                "The app is behind a Gradio login: use --auth USER.",
            )
        else:
            advice = Advice(
                "The app needs a token: pass token=..., or set HF_TOKEN (a private Space).",
                "The app needs a token: use --token, or set HF_TOKEN (a private Space).",
            )
    elif status == 503 and "queue" in text.lower():
        cls = QueueFull
        advice = Advice(
            "The app's queue is full; try again later.", "The app's queue is full; try again later."
        )
    elif status == 422:
        refused = _validation_errors(body)
        if refused:
            listing = "; ".join(f"{e['parameter']}: {e['message']}" for e in refused)
            return ValidationError(
                f"the app refused the input ({listing}): fix the values and call again",
                status=status,
                url=response.url,
                body=text,
                errors=refused,
            )
    message = f"{method} {response.url} failed with HTTP {status}: {text or response.reason}."
    return cls(message, status=status, url=response.url, body=text, advice=advice)


def _validation_errors(body: bytes) -> list[dict[str, str]]:
    """``[{"parameter", "message"}]`` from the 422 answer of a Gradio validator (empty when it is not one)."""
    try:
        detail = json.loads(body.decode("utf-8", "replace")).get("detail")
    except (ValueError, AttributeError):
        return []
    if not isinstance(detail, list):
        return []
    return [
        {"parameter": str(item.get("parameter_name") or ""), "message": str(item.get("message") or "")}
        for item in detail
        if isinstance(item, dict) and item.get("is_valid") is False
    ]


def _translate(
    exc: requests.exceptions.RequestException, method: str, url: str, past_deadline: bool = False
) -> PowershaiError:
    what = f"{method} {url}"
    if past_deadline:
        return _deadline_error(method, url)
    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", None)
    if isinstance(inner, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
        return ConnectionLost(f"{what}: cannot connect ({_reason(exc)})", url=url)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(
        inner, urllib3.exceptions.ConnectTimeoutError
    ):
        return RequestTimeout(f"{what}: no connection within the connect timeout", url=url, kind="connect")
    if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(
        inner, (urllib3.exceptions.ReadTimeoutError, TimeoutError, socket.timeout)
    ):
        return RequestTimeout(
            f"{what}: the server sent nothing within the read timeout", url=url, kind="read"
        )
    if isinstance(exc, requests.exceptions.InvalidHeader):
        # requests quotes the header value, which may be the token: never repeat it
        return PowershaiError(
            f"{what}: a header value is not valid (blanks or control characters around or inside it)",
            code="POWERSHAI_HTTP_INVALIDHEADER",
            url=url,
        )
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return _invalid_url(url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ConnectionLost(f"{what}: the connection failed ({_reason(exc)})", url=url)
    return ConnectionLost(f"{what}: {_reason(exc)}", url=url)


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if exc.args else exc
    reason = getattr(inner, "reason", None)
    return str(reason or inner)


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
            f"{what}: the connection was cut mid-stream ({_reason(exc)})", url=response.url
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
