"""What a proxy function returns: a call already started, whose events stream when iterated.

:class:`ProxyResult` wraps one session call. Iterating it yields each result event (data
or error; heartbeats and the queue's status events skipped) the moment it arrives, and
iterating it again replays what was read; ``updates()`` yields the status events too. ``result()``
reads to the end and gives the final data, raising :class:`CallFailed` when the app
answered with an ``error`` event. :class:`PipelineResult` is the same for the several
calls a ``pipe=`` made, in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...errors import StillRunning
from ...state import current, run_in, using
from ..protocol.models import (
    GradioApiEventResult,
    GradioSession,
    QueueStatus,
    SessionApiEvent,
    carries_data,
    error_message,
)
from ..sessions.session_calls import iter_gradio_session_api_result, stop_gradio_session_api

__all__ = ["ProxyResult", "PipelineResult", "error_message"]


class ProxyResult:
    """One call made by a proxy function. Iterate it to stream, or call :meth:`result`."""

    def __init__(
        self,
        call: SessionApiEvent,
        session: GradioSession,
        function_name: str,
        pipeline: list[GradioApiEventResult] | None = None,
    ) -> None:
        self.call = call
        self.session = session
        self.function_name = function_name
        self.pipeline = list(pipeline or [])
        self.events: list[GradioApiEventResult] = []
        self._reader: Iterator[GradioApiEventResult] | None = None
        self._over = False
        self._state = current()  # the client that made the call: reading and cancelling use it

    # --- reading ---

    def __iter__(self) -> Iterator[GradioApiEventResult]:
        """The call's results as PowershAI's function outputs them: data and error events, each
        the moment it arrives (heartbeats and the queue's status events skipped)."""
        return (event for event in self.updates() if carries_data(event))

    def updates(self) -> Iterator[GradioApiEventResult]:
        """Every event as it arrives, the queue's status events included (``estimation``,
        ``process_starts``, ``progress``, ``log``): to follow a call while it waits."""
        position = 0
        while True:
            if position < len(self.events):
                position += 1
                yield self.events[position - 1]
            elif not self._read_one():
                return

    def _read_one(self) -> bool:
        """Read the next event that is not a heartbeat; False when the call is over."""
        if self._over:
            return False
        if self._reader is None:
            with using(self._state):
                reader = iter_gradio_session_api_result(self.call, session=self.session, status=True)
            self._reader = run_in(self._state, reader)
        for event in self._reader:
            if (event.event or "").lower() == "heartbeat":
                continue
            event.pipeline = list(self.pipeline)
            self.events.append(event)
            return True
        self._reader = None
        if self.call.done or self.call.removed:
            self._over = True
            return False
        raise StillRunning(
            f"/{self.call.api_name} sent only heartbeats for a long while; it may still finish: "
            "iterate again or call .result() again to keep waiting",
            api_name=self.call.api_name,
            event_id=self.call.id,
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter: the call's table, or, once it ended with one image output, the image.
        Shows what was read; it never reads (a display must not wait for the app)."""
        outputs = [event for event in self.events if carries_data(event)]
        if self.call.status == "complete" and outputs and outputs[-1].event == "complete":
            return outputs[-1]._repr_mimebundle_()
        return {"text/html": self.call._repr_html_(), "text/plain": repr(self)}

    @property
    def queue(self) -> QueueStatus:
        """Where the call is: its place in the queue, its ETA, its progress (queue transport)."""
        return self.call.queue

    def cancel(self) -> bool:
        """Cancel the call on the server (a queued call leaves the queue, a generator stops);
        False when it was already over. What was read stays; :meth:`result` then raises
        :class:`CallCancelled`."""
        self.stop_reading()
        with using(self._state):
            return bool(stop_gradio_session_api(self.call, self.session))

    def stop_reading(self) -> None:
        """Let go of the call's stream for now (what was read stays; iterating reads on later).

        A reader left suspended holds the call's lock until it is garbage collected, which
        may happen in another thread, where the lock cannot be released.
        """
        close = getattr(self._reader, "close", None)
        self._reader = None
        if close is not None:
            close()

    def result(self) -> list[Any]:
        """Read to the end and return the final data (Gradio's list of outputs).

        Raises :class:`CallFailed` with the app's message when the call ended in an error.
        """
        for _ in self:
            pass
        self.call.raise_for_outcome(self.session.info.version)
        outputs = [event for event in self.events if carries_data(event)]
        final = outputs[-1].data if outputs else None
        return final if isinstance(final, list) else ([] if final is None else [final])

    def value(self) -> Any:
        """The first output of the final data (what one-output endpoints return), or None."""
        data = self.result()
        return data[0] if data else None

    def data_events(self) -> Iterator[GradioApiEventResult]:
        """Events that carry new data: a ``complete`` that repeats the last value is skipped.

        Raises :class:`CallFailed` at an ``error`` event. Pipelines use this.
        """
        previous: Any = object()
        for event in self:
            name = (event.event or "").lower()
            if not carries_data(event):
                continue
            if name == "error":
                self.result()  # raises CallFailed with the app's message
            if event.data in (None, [], "") or (name == "complete" and event.data == previous):
                continue
            previous = event.data
            yield event

    # --- state ---

    @property
    def done(self) -> bool:
        return self.call.done

    @property
    def failed(self) -> bool:
        return self.call.api_event.last_query_status == "error" or any(
            e.event == "error" for e in self.events
        )

    @property
    def status(self) -> str | None:
        return self.call.status

    @property
    def error(self) -> Any:
        """What the app sent with its ``error`` event, or None while the call has not failed."""
        return self.call.error

    def __repr__(self) -> str:
        text = f"ProxyResult({self.function_name} -> /{self.call.api_name}, status={self.status!r}"
        text += f", events={len(self.events)}"
        if self.failed:
            return text + f", error={error_message(self.call.api_event.error, self.session.info.version)!r})"
        if self.done and self.events:
            return text + f", data={self.events[-1].data!r})"
        return text + "; iterate it or call .result())"


class PipelineResult:
    """The calls a proxy made for each upstream result, in order."""

    def __init__(self, calls: list[ProxyResult], function_name: str) -> None:
        self.calls = calls
        self.function_name = function_name

    def __iter__(self) -> Iterator[GradioApiEventResult]:
        for call in self.calls:
            yield from call

    def cancel(self) -> bool:
        """:meth:`ProxyResult.cancel` for each call; True when any was still running."""
        return any([call.cancel() for call in self.calls])

    def stop_reading(self) -> None:
        """:meth:`ProxyResult.stop_reading` for each call."""
        for call in self.calls:
            call.stop_reading()

    def data_events(self) -> Iterator[GradioApiEventResult]:
        for call in self.calls:
            yield from call.data_events()

    def result(self) -> list[list[Any]]:
        """The final data of every call, in order (raises at the first that failed)."""
        return [call.result() for call in self.calls]

    def values(self) -> list[Any]:
        """The first output of every call, in order."""
        return [call.value() for call in self.calls]

    def __len__(self) -> int:
        return len(self.calls)

    def __getitem__(self, index: int) -> ProxyResult:
        return self.calls[index]

    def __repr__(self) -> str:
        done = sum(1 for call in self.calls if call.done)
        return f"PipelineResult({self.function_name}: {len(self.calls)} calls, {done} done)"
