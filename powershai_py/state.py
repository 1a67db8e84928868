"""Where the library's state lives: one :class:`State` per client, and the active one.

A :class:`~powershai_py.client.Client` owns a State: its settings, its default token, its
pooled HTTP sessions (one per thread), the caches of the layers above (app layouts, logins,
queue channels, proxy functions) and its session store. The functions of the library use
the *active* state: the one a client activated in this thread or task (a context
variable), else the process's default state, which the plain functions use
(``invoke_gradio_session_api(...)`` as ``requests.get`` uses a default session). Two
clients in one process never share any of it.

The bottom layer: it imports nothing of the library but the errors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any, TypeVar

__all__ = ["HttpSettings", "State", "current", "default_state", "using", "run_in", "SettingsView"]

T = TypeVar("T")


@dataclass
class HttpSettings:
    """Limits applied to every request. Change the fields of :data:`settings` to tune them.

    ``heartbeat_limit`` bounds a stream read that was given no ``max_heartbeats``: after
    that many heartbeats in a row the read stops with ``HeartBeatExpired`` and can be
    resumed, so no call waits forever on a job that never ends. ``lock_timeout`` bounds
    how long a call waits for another thread that reads the same call, or for the
    previous call of a stateful session.

    ``read_timeout`` and ``stream_read_timeout`` bound silence; a server that trickles one
    byte at a time is bounded by deadlines instead: ``request_deadline`` for a whole
    request that is not a stream (headers and body), and for the headers of a stream;
    ``download_deadline`` for a file download. In a result stream only an event (data or a
    heartbeat) resets the silence timer: comments and ``id:`` lines do not.
    ``max_event_bytes`` is the largest event a stream may send (Gradio sends files as
    URLs, so real events are far smaller); past it the read stops with ``ProtocolError``.
    After a call's final event its stream is read to its end, within ``drain_bytes`` and
    ``drain_timeout``, so that its connection goes back to the pool.

    ``transport`` is how calls reach a Gradio app when neither the call nor its session
    chooses: ``"call"`` (``POST /call``), ``"queue"`` (``POST /queue/join``, which also
    tells the place in the queue, progress and the app's messages) or ``"auto"``: the
    queue, as the official clients use it, for every endpoint ``/config`` lists, and
    ``/call`` for the others.
    ``app_warnings`` is what becomes of an app's ``gr.Warning``: ``"warn"`` (a
    :class:`PowershaiWarning`) or ``"log"`` (a warning on the ``powershai_py`` logger);
    ``gr.Info`` always goes to the logger (level INFO).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    stream_read_timeout: float = 90.0
    max_redirects: int = 10
    retries: int = 3
    backoff_factor: float = 0.5
    max_retry_after: float = 30.0
    heartbeat_limit: int = 240
    pool_maxsize: int = 32
    lock_timeout: float = 600.0
    request_deadline: float = 300.0
    download_deadline: float = 3600.0
    max_event_bytes: int = 64 * 1024 * 1024
    drain_bytes: int = 64 * 1024
    drain_timeout: float = 1.0
    transport: str = "auto"
    app_warnings: str = "warn"


class State:
    """One client's state (see the module's docstring). Its repr never shows the token."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings if settings is not None else HttpSettings()
        self.token: str | None = None  # set_default_token's; never shown
        self.local = threading.local()  # per thread: its requests.Session and deadline watches
        self.generation = 0  # raised by close_session(all_threads=True): older sessions are replaced
        self.refused_post_prefixes: set[str] = set()
        self.closed = False
        self._slots: dict[str, Any] = {}
        self._lock = threading.Lock()

    def slot(self, name: str, factory: Callable[[], T]) -> T:
        """The object this state keeps under ``name`` (a layer's cache), made on first use."""
        found = self._slots.get(name)
        if found is None:
            with self._lock:
                found = self._slots.get(name)
                if found is None:
                    found = self._slots[name] = factory()
        return found

    def __repr__(self) -> str:
        return f"State(token={'<set>' if self.token else None}, slots={sorted(self._slots)})"


_default: State | None = None
_default_lock = threading.Lock()
_active: ContextVar[State | None] = ContextVar("powershai_py_state", default=None)


def default_state() -> State:
    """The process's default state: what the plain functions use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = State()
    return _default


def current() -> State:
    """The active state: a client's, inside its ``with`` (or its methods), else the default."""
    return _active.get() or default_state()


@contextmanager
def using(state: State) -> Iterator[State]:
    """Make ``state`` the active one in this thread or task for the duration of the block."""
    token = _active.set(state)
    try:
        yield state
    finally:
        _active.reset(token)


def run_in(state: State, steps: Iterator[T]) -> Iterator[T]:
    """Drive the generator ``steps`` with ``state`` active during each of its steps (and
    only then: between two items the consumer's own state is active)."""
    try:
        while True:
            with using(state):
                try:
                    item = next(steps)
                except StopIteration:
                    return
            yield item
    finally:
        with using(state):
            close = getattr(steps, "close", None)
            if close is not None:
                close()


class SettingsView:
    """``powershai_py.settings``: reads and writes the active state's settings, so a change
    outside any client tunes the default one, and one inside ``with client:`` tunes that."""

    __slots__ = ()  # no state of its own: even its __dict__ is the active settings'

    def __getattr__(self, name: str) -> Any:
        return getattr(current().settings, name)

    def __setattr__(self, name: str, value: Any) -> None:
        target = current().settings
        if not hasattr(target, name):
            valid = ", ".join(f.name for f in fields(target))
            raise AttributeError(f"settings has no field {name!r}; its fields are: {valid}")
        setattr(target, name, value)

    def __delattr__(self, name: str) -> None:
        """Back to the default value of the field."""
        setattr(self, name, getattr(HttpSettings(), name))

    def __repr__(self) -> str:
        return repr(current().settings)
