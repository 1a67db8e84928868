"""How each event a call's stream brings moves its read on: the call's state machine (pure).

PowerShell equivalent: the loop of ``Update-GradioApiResult`` over SSE events, with its
``MaxHeartBeats`` count. :func:`step` takes what the read knows so far and one event's name
and data, and says what to do with the event and whether the read ends; ``results._read`` is
the loop around it that does the I/O and records the answer on the call. Hypothesis drives
:func:`step` over any sequence of events (``tests/test_status.py``).

The rules:

* ``heartbeat``: one more in a row; at the limit the read stops, ``HeartBeatExpired``
  (the stream stays open: a later read goes on).
* a queue status event (``estimation``, ``process_starts``, ``progress``, ``log``): noted on
  the call's ``QueueStatus``, handed out only when the caller asks for status events. One
  that repeats the last status word for word says nothing new, so it counts as a heartbeat;
  a new one resets the count.
* any other event is a result: handed out, kept in the history, and it resets the count;
  ``complete`` ends the call (``Cancelled`` when the caller asked to stop it and it came with
  no data, as Gradio ends a cancelled call) and ``error`` ends it as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ...errors import ProtocolError, RequestTimeout
from .models import STATUS_EVENTS
from .status import ReadStatus

__all__ = ["ReadProgress", "Step", "step", "fault_status"]

Kind = Literal["heartbeat", "status", "result"]


@dataclass(frozen=True)
class ReadProgress:
    """What a read knows between two events."""

    heartbeats: int = 0  # heartbeats (and repeated statuses) in a row
    last_status: tuple[str, Any] | None = None  # the last status event, to tell a repeat


@dataclass(frozen=True)
class Step:
    """What one event does: its ``kind``, whether it is handed to the caller (``hand_out``),
    and ``ending``, how the read ends with it (None: read on)."""

    progress: ReadProgress
    kind: Kind
    hand_out: bool
    ending: ReadStatus | None = None

    @property
    def is_result(self) -> bool:
        """A result: kept in the history and recorded as the call's status."""
        return self.kind == "result"


def step(
    progress: ReadProgress,
    name: str,
    data: Any,
    *,
    limit: int,
    want_status: bool = False,
    cancel_requested: bool = False,
) -> Step:
    """The step one event (``name`` in any case, its ``data``) makes from ``progress``.

    ``limit`` is the heartbeat limit (>= 1); ``want_status`` hands status events out;
    ``cancel_requested`` says the caller asked the server to stop the call.
    """
    name = (name or "").lower()
    if name == "heartbeat":
        beats = progress.heartbeats + 1
        moved = ReadProgress(beats, progress.last_status)
        return Step(moved, "heartbeat", True, ReadStatus.HEARTBEAT_EXPIRED if beats >= limit else None)
    if name in STATUS_EVENTS:
        said = (name, data)
        beats = progress.heartbeats + 1 if said == progress.last_status else 0
        moved = ReadProgress(beats, said)
        return Step(moved, "status", want_status, ReadStatus.HEARTBEAT_EXPIRED if beats >= limit else None)
    moved = ReadProgress(0, progress.last_status)
    if name == "error":
        return Step(moved, "result", True, ReadStatus.ERROR)
    if name == "complete":
        cancelled = cancel_requested and data is None
        return Step(moved, "result", True, ReadStatus.CANCELLED if cancelled else ReadStatus.COMPLETE)
    return Step(moved, "result", True)


def fault_status(fault: BaseException, opened: bool) -> ReadStatus:
    """How a read ends on a fault of the stream: never opened, silent too long, lying, or cut.

    ``fault`` is the exception the read raised (a ``RequestTimeout``, ``ProtocolError``,
    ``ConnectionLost`` or ``HttpError``), ``opened`` whether the stream had been opened.
    """
    if not opened:
        return ReadStatus.NOT_OPENED
    if isinstance(fault, RequestTimeout):
        return ReadStatus.TIMEOUT
    if isinstance(fault, ProtocolError):
        return ReadStatus.PROTOCOL_ERROR
    return ReadStatus.CONNECTION_LOST
