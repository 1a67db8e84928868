"""Deadlines a trickling server cannot stretch: a watchdog thread closes the socket of a
request that outlived its deadline, armed by urllib3 connections made here.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


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
        deadline = getattr(under_way, "deadline", None)
        if deadline is not None and self.sock is not None:
            under_way.watches.append(_watchdog.arm(deadline, self.sock))
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class Pool(HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


def disarm() -> bool:
    """Stop the calling thread's deadline watches; True if one of them fired."""
    fired = False
    for watch in getattr(under_way, "watches", ()):
        fired = fired or watch.fired
        watch.done = True
    under_way.watches = []
    under_way.deadline = None
    return fired


under_way = threading.local()  # per thread: the deadline and watches of the request under way
