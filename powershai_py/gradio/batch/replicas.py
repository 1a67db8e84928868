"""The sessions a batch spreads its calls over: the least busy takes the next call, and one that
failed transiently is set aside for a while (its backoff) so the others carry on.

PowerShell equivalent: none. One replica is the common case: then "set aside" is simply the
backoff every call waits before its next try. With several sessions serving the same app
(several URLs, or one Space duplicated), a replica that refuses connections, answers 429/502/
503 or cuts streams stops receiving calls until its backoff ends, and the inputs it failed go
to the others. The clock is given, so the choice is testable without waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .retrying import backoff

__all__ = ["Replicas", "Ticket"]

T = TypeVar("T")


@dataclass
class _Replica(Generic[T]):
    target: T
    busy: int = 0  # calls in flight on it
    aside_until: float = 0.0  # no new call before this moment (monotonic seconds)
    strikes: int = 0  # times set aside in a row
    turn: int = 0  # how many times it was set aside: calls made before a setting aside
    stale: bool = False  # its app may have restarted: read its /config and /info again


@dataclass(frozen=True)
class Ticket(Generic[T]):
    """A replica taken for one call: its place, its session, and its turn when taken."""

    slot: int
    target: T
    turn: int


class Replicas(Generic[T]):
    """Replicas of one app, chosen least busy first (ties: the first given)."""

    def __init__(
        self,
        targets: Sequence[T],
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not targets:
            raise ValueError("a batch needs at least one session")
        self._all = [_Replica(target) for target in targets]
        self._clock = clock
        self._rng = rng or random.Random()
        self._changed = threading.Condition()
        self._stopped = False

    def choose(self) -> tuple[int | None, float]:
        """The replica to call now (marked busy), or None and the seconds until one is back."""
        now = self._clock()
        ready = [i for i, r in enumerate(self._all) if r.aside_until <= now]
        if not ready:
            return None, min(r.aside_until for r in self._all) - now
        chosen = min(ready, key=lambda i: self._all[i].busy)
        self._all[chosen].busy += 1
        return chosen, 0.0

    def take(self) -> Ticket[T] | None:
        """Wait for a replica that is not set aside and mark it busy; None once stopped."""
        with self._changed:
            while not self._stopped:
                chosen, wait = self.choose()
                if chosen is not None:
                    replica = self._all[chosen]
                    return Ticket(chosen, replica.target, replica.turn)
                self._changed.wait(None if wait == float("inf") else wait)  # held: until woken
            return None

    def succeeded(self, ticket: Ticket[T]) -> None:
        """The call ended as the app meant (a result or the app's own error): the replica is well."""
        with self._changed:
            replica = self._all[ticket.slot]
            replica.busy -= 1
            replica.strikes = 0
            self._changed.notify_all()

    def failed(self, ticket: Ticket[T], *, retry_after: float | None = None, stale: bool = False) -> bool:
        """The call failed transiently: set its replica aside (longer each time in a row, at
        least ``retry_after``); ``stale`` when its app may have restarted. Calls taken before
        the replica was last set aside do not set it aside again (they failed in the same
        outage). True when this failure began an outage (the replica was well until now)."""
        with self._changed:
            replica = self._all[ticket.slot]
            replica.busy -= 1
            replica.stale = replica.stale or stale
            if ticket.turn != replica.turn:
                if retry_after:  # a later word of the server still counts
                    replica.aside_until = max(replica.aside_until, self._clock() + float(retry_after))
                self._changed.notify_all()
                return False
            replica.turn += 1
            replica.strikes += 1
            pause = backoff(replica.strikes, retry_after=retry_after, rng=self._rng)
            replica.aside_until = max(replica.aside_until, self._clock() + pause)
            self._changed.notify_all()
            return replica.strikes == 1

    def released(self, ticket: Ticket[T]) -> None:
        """The call was given up (the batch stops): no verdict on its replica."""
        with self._changed:
            self._all[ticket.slot].busy -= 1
            self._changed.notify_all()

    def hold(self, ticket: Ticket[T]) -> None:
        """No call goes to the replica until :meth:`woken` (it is being woken, or read again)."""
        with self._changed:
            self._all[ticket.slot].aside_until = float("inf")

    def woken(self, ticket: Ticket[T], up: bool) -> None:
        """The waking of a held replica ended: ``up`` brings it back at once, else it stays
        aside for its usual backoff."""
        with self._changed:
            replica = self._all[ticket.slot]
            if up:
                replica.aside_until, replica.strikes = 0.0, 0
            else:
                replica.aside_until = self._clock() + backoff(replica.strikes, rng=self._rng)
            self._changed.notify_all()

    def refresh_due(self, ticket: Ticket[T]) -> bool:
        """True once after a failure that marked the replica stale: the caller re-reads its app
        and then calls :meth:`woken`; until then no other call goes to it (it would be made
        with what the app said before it restarted)."""
        with self._changed:
            replica = self._all[ticket.slot]
            due, replica.stale = replica.stale, False
            if due:
                replica.aside_until = float("inf")
            return due

    def busy(self) -> int:
        """Calls in flight over all replicas."""
        with self._changed:
            return sum(r.busy for r in self._all)

    def stop(self) -> None:
        """Wake every waiting :meth:`take`; from now on it returns None."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
