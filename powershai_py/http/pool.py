"""The connection pool: one requests.Session per thread and client, urllib3's retries (with
Retry-After capped, refused POSTs of /call retried), proxies from the environment, no cookies.
"""

from __future__ import annotations

import http.cookiejar
import os
import threading
import urllib.request
import weakref
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from ..errors import (
    PowershaiError,
)
from ..state import current
from .deadlines import (
    HTTPSPool,
    Pool,
)
from .tokens import (
    origin_of,
    settings,
)


class _CappedRetry(Retry):
    """urllib3's Retry, with Retry-After capped so a server cannot park us for hours, and no
    retry of a POST whose connection was refused: the app may be restarting, and a POST sent
    again once it is back could reach a new release with what the old one expected (an old
    fn_index, parameters in the old order). The caller sees the refusal and decides (a batch
    reads the app again first)."""

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        if method == "POST" and error is not None and self._is_connection_error(error):
            raise MaxRetryError(_pool, url or "", error)
        return super().increment(method, url, response, error, _pool, _stacktrace)

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


class _Adapter(HTTPAdapter):
    """requests' adapter, with pools whose connections honour :func:`request`'s deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": HTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": Pool, "https": HTTPSPool}
        return manager


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
            opened.all.add(session)
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


def proxies_for(session: requests.Session, url: str) -> dict[str, str] | None:
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
    """The requests.Sessions a client's threads hold, so that closing the client closes them
    all. Weak: the session of a thread that ended goes with its thread, as before clients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.all: weakref.WeakSet[requests.Session] = weakref.WeakSet()


def close_all_sessions(state: Any) -> None:
    """Close every pooled session ``state``'s threads opened (the client is being closed)."""
    found = state.slot("sessions", SessionSet)
    with found.lock:
        sessions, found.all = list(found.all), weakref.WeakSet()
    for session in sessions:
        session.close()
