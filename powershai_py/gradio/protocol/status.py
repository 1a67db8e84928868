"""How the last read of a call ended, and what that means for the caller (pure).

PowerShell equivalent: the ``LastQueryStatus`` strings of a GradioApiEvent. They stay the
same strings (scripts and stores compare them), as one enum whose members are those strings,
with the questions a reader asks as properties instead of tuples of names spread over modules.
:func:`outcome_error` turns a finished call into the exception its caller raises: the proxies'
``result()``, the CLI and batch runs all use it, so a call ends in the same words everywhere.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ...errors import CallCancelled, CallFailed, PowershaiError, QuotaExceeded, StillRunning, StreamLost
from .quota import is_quota_error, quota_wait

__all__ = ["ReadStatus", "outcome_error"]


class ReadStatus(str, Enum):
    """The ``last_query_status`` of a call: how its last read ended."""

    RUNNING = "running"  # being read
    COMPLETE = "complete"  # the server sent the final result
    ERROR = "error"  # the app answered with an error event
    CANCELLED = "Cancelled"  # stopped on the server at the caller's request
    HEARTBEAT_EXPIRED = "HeartBeatExpired"  # only heartbeats for a long while: read again
    NOT_OPENED = "NotOpened"  # the stream's GET failed before anything was streamed: read again
    CONNECTION_LOST = "ConnectionLost"  # the stream was cut before the final result
    TIMEOUT = "Timeout"  # the stream went silent past its read timeout
    PROTOCOL_ERROR = "ProtocolError"  # the server sent what Gradio does not send
    CLOSED = "Closed"  # closed on purpose (removed from its session)
    INTERRUPTED = "Interrupted"  # Ctrl-C cut a read in the middle: the stream is torn
    READ_ELSEWHERE = "ReadElsewhere"  # another process reads it (one reader per stream)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return repr(self.value)  # shown as the plain string it is

    @property
    def succeeded(self) -> bool:
        return self is ReadStatus.COMPLETE

    @property
    def stream_ended(self) -> bool:
        """The stream can never be read again (Gradio does not replay one)."""
        return self in _ENDED

    @property
    def resumable(self) -> bool:
        """Reading again goes on where the last read stopped."""
        return self in (ReadStatus.RUNNING, ReadStatus.HEARTBEAT_EXPIRED, ReadStatus.NOT_OPENED)

    @property
    def final(self) -> bool:
        """Nothing more will come: the call ended, or its stream did."""
        return not self.resumable

    @classmethod
    def of(cls, value: Any) -> ReadStatus | None:
        """The member for a stored string (None for None or a string of another version)."""
        try:
            return cls(value)
        except ValueError:
            return None


_ENDED = frozenset(
    {
        ReadStatus.CONNECTION_LOST,
        ReadStatus.TIMEOUT,
        ReadStatus.PROTOCOL_ERROR,
        ReadStatus.CLOSED,
        ReadStatus.READ_ELSEWHERE,
        ReadStatus.INTERRUPTED,
    }
)


def outcome_error(event: Any, error_text: str | None = None) -> PowershaiError | None:
    """The exception a caller raises for how ``event`` (a GradioApiEvent) ended, or None when
    it completed. ``error_text`` is the app's error as the caller words it."""
    how = ReadStatus.of(event.last_query_status)
    facts = {"api_name": event.api_name, "event_id": event.event_id}
    if how is ReadStatus.ERROR:
        said = error_text if error_text is not None else str(event.error)
        if is_quota_error(said):
            wait = quota_wait(said)
            return QuotaExceeded(
                f"/{event.api_name} failed: the app's GPU quota is spent: {said}",
                error=event.error,
                retry_after=wait,
                **facts,
            )
        return CallFailed(f"/{event.api_name} failed: {said}", error=event.error, **facts)
    if how is ReadStatus.CANCELLED:
        return CallCancelled(f"/{event.api_name} was cancelled before it gave a result", **facts)
    if how is ReadStatus.COMPLETE or (how is None and event.status == "complete"):
        return None
    if how is not None and how.stream_ended:
        return StreamLost(
            f"the stream of /{event.api_name} ended before its result ({how.value}); "
            f"the {event.last_event_num} events read are kept",
            **facts,
        )
    beats = getattr(event, "heartbeats", 0)
    waited = f" after {beats} heartbeats" if beats else ""
    return StillRunning(
        f"/{event.api_name} is still running{waited} (event {event.event_id}): read it again to keep waiting",
        **facts,
    )
