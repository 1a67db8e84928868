"""Where sessions live: a small interface and the in-process store behind it.

PowerShell equivalent: the ``GradioSessions`` and ``DefaultGradioSession`` settings of the
huggingface provider. Names are compared in any case. The session functions use the store
set with :func:`use_store`; a persistent store (:mod:`.sqlite_store`, used by the CLI)
offers the same methods and also records the changes the session functions report.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Protocol

from ...state import current
from ..protocol.models import GradioSession, SessionApiEvent
from .policy import Decision, decide, effective_limit, effective_policy, max_calls_reached, trim

__all__ = ["SessionStore", "MemoryStore", "CallSlot", "current_store", "use_store"]


@dataclass(frozen=True)
class CallSlot:
    """A place for one more call in a session, reserved by its store under the MaxCalls policy.

    ``key`` names the reservation until the call has an event id; ``evicted`` lists the
    event ids the ``remove`` policy drops for it; ``decision`` is the MaxCalls decision.
    """

    key: str
    evicted: list[str]
    decision: Decision


class SessionStore(Protocol):
    """What the session functions need from a store. Every method must be thread-safe."""

    def get(self, name: str) -> GradioSession | None:
        """The session of that name (any case), or None."""

    def get_by_id(self, session_id: str) -> GradioSession | None:
        """The session with that ``session_id``, or None."""

    def add(self, session: GradioSession, replace: bool = False) -> GradioSession | None:
        """Store ``session`` under its name; return the session it replaced.

        Raises :class:`KeyError` when the name is taken and ``replace`` is false.
        """

    def remove(self, name: str) -> GradioSession | None:
        """Take the session of that name out (clearing the default if it was it); return it."""

    def all(self) -> list[GradioSession]:
        """Every session, in the order they were added."""

    def get_default(self) -> str | None:
        """The name of the default session, or None."""

    def set_default(self, name: str | None) -> None:
        """Make the session of that name the default (None clears it)."""

    # Changes the session functions report, so a persistent store can keep them.
    def save_options(self, session: GradioSession) -> None:
        """The session's ``options`` changed."""

    def claim_slot(self, session: GradioSession) -> CallSlot:
        """Decide the MaxCalls policy for one more call and reserve its place: return the
        :class:`CallSlot`, or raise :class:`MaxCallsReached`.

        Calls being submitted count (a reservation is a call), so threads, and processes
        sharing a store, racing on one session never pass an ``error`` limit. Every store
        decides with :func:`policy.decide`; the session functions act on the answer alone.
        """

    def release_slot(self, session: GradioSession, slot: str) -> None:
        """The call of ``slot`` was not submitted: free its slot."""

    def add_call(self, session: GradioSession, call: SessionApiEvent, slot: str | None = None) -> list[str]:
        """A call was recorded in the session (in ``slot`` when one was claimed).

        Under the ``remove`` policy the store trims (:func:`policy.trim`) the oldest calls
        past the limit that racing threads or processes added meanwhile (never a call being
        submitted nor this one), and returns their event ids.
        """

    def claim_read(self, session: GradioSession, call: SessionApiEvent) -> None:
        """This process is about to open the call's stream, which only one reader can read.

        Raises :class:`SessionBusy` when another process reads it already.
        """

    def remove_calls(self, session: GradioSession, calls: list[SessionApiEvent]) -> None:
        """Calls left the session (removed or evicted)."""

    def update_call(self, session: GradioSession, call: SessionApiEvent) -> None:
        """A call was read further (status, last data, error)."""


class MemoryStore:
    """Sessions in a dict of this process, keyed by the case-folded name."""

    def __init__(self) -> None:
        self._sessions: dict[str, GradioSession] = {}
        self._default: str | None = None
        self._lock = threading.Lock()

    def get(self, name: str) -> GradioSession | None:
        with self._lock:
            return self._sessions.get(name.casefold())

    def get_by_id(self, session_id: str) -> GradioSession | None:
        with self._lock:
            for session in self._sessions.values():
                if session.session_id == session_id:
                    return session
        return None

    def add(self, session: GradioSession, replace: bool = False) -> GradioSession | None:
        key = session.name.casefold()
        with self._lock:
            previous = self._sessions.get(key)
            if previous is not None and not replace:
                raise KeyError(session.name)
            self._sessions.pop(key, None)  # a replaced session goes to the end, like a new one
            self._sessions[key] = session
            return previous

    def remove(self, name: str) -> GradioSession | None:
        key = name.casefold()
        with self._lock:
            session = self._sessions.pop(key, None)
            if session is not None and self._default is not None and self._default.casefold() == key:
                self._default = None
            return session

    def all(self) -> list[GradioSession]:
        with self._lock:
            return list(self._sessions.values())

    def get_default(self) -> str | None:
        with self._lock:
            return self._default

    def set_default(self, name: str | None) -> None:
        with self._lock:
            self._default = name

    def claim_slot(self, session: GradioSession) -> CallSlot:
        with session.lock:
            held = [call.id for call in session.api_calls.all_events]
            count = len(held) + session.reserved  # calls being submitted count
            decision = decide(count, session.option("MaxCalls"), session.option("MaxCallsPolicy"))
            if decision.action == "refuse":
                raise max_calls_reached(count, decision.limit, session.name)
            session.reserved += 1
        return CallSlot(key=uuid.uuid4().hex, evicted=held[: decision.evict], decision=decision)

    def release_slot(self, session: GradioSession, slot: str) -> None:
        with session.lock:
            session.reserved -= 1

    def add_call(self, session: GradioSession, call: SessionApiEvent, slot: str | None = None) -> list[str]:
        with session.lock:
            if slot is not None:
                session.reserved -= 1
            if effective_policy(session.option("MaxCallsPolicy")) != "remove":
                return []
            return trim(
                [held.id for held in session.api_calls.all_events],
                effective_limit(session.option("MaxCalls")),
                lambda event_id: event_id == call.id,
            )

    # The objects in memory are the truth: nothing more to record.
    def save_options(self, session: GradioSession) -> None:
        pass

    def claim_read(self, session: GradioSession, call: SessionApiEvent) -> None:
        pass

    def remove_calls(self, session: GradioSession, calls: list[SessionApiEvent]) -> None:
        pass

    def update_call(self, session: GradioSession, call: SessionApiEvent) -> None:
        pass

    def __repr__(self) -> str:
        return f"MemoryStore(sessions={len(self._sessions)}, default={self._default!r})"


class _StoreSlot:
    """The store of one client (a MemoryStore until one is chosen)."""

    def __init__(self) -> None:
        self.store: SessionStore = MemoryStore()


def current_store() -> SessionStore:
    """The store the session functions use: the active client's."""
    return current().slot("sessions.store", _StoreSlot).store


def use_store(store: SessionStore) -> SessionStore:
    """Make the session functions (of the active client) use ``store``; return the one used before."""
    slot = current().slot("sessions.store", _StoreSlot)
    previous, slot.store = slot.store, store
    return previous
