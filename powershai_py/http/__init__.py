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

The package has a module per job: :mod:`.tokens` (which token, and whose origin),
:mod:`.pool` (pooled sessions, retries, proxies), :mod:`.deadlines` (what a trickling
server cannot stretch), :mod:`.send` (the request, its redirects, streams and bodies) and
:mod:`.translate` (errors). Everything above imports from here.
"""

from __future__ import annotations

from ..state import HttpSettings
from .pool import close_all_sessions, close_session, get_session, retry_refused_posts
from .send import drain, iter_body, open_event_stream, read_some, request
from .tokens import PUBLIC, logger, origin_of, resolve_token, set_default_token, settings
from .translate import http_error

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
    "origin_of",
    "read_some",
    "retry_refused_posts",
    "close_all_sessions",
    "http_error",
]
