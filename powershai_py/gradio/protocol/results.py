"""A call's results: read its stream of events, close it, or cancel the call on the server.

PowerShell equivalent: ``Update-GradioApiResult`` (and the cancel PowershAI lacks). A call made
by :func:`calls.send_gradio_api` is read here, over either transport: the ``/call`` stream
(``GET {api}/call/{name}/{event_id}``, events ``generating``, ``complete``, ``error``,
``heartbeat``) or the queue's messages (``queue.py``) read as the same events, plus
``estimation``, ``process_starts``, ``progress`` and ``log``. What each event does to the call is
decided by the pure :func:`transitions.step`; this module does the I/O around it.

The stream is opened on the first read and kept open on the event object, so a read that stops
early (``max_heartbeats``, or a caller that stops iterating) resumes where it left off. A
finished stream is never requested again: Gradio does not replay it and would keep the GET open
forever.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from typing import Any, cast

from ...errors import (
    ConnectionLost,
    HttpError,
    InvalidEvent,
    ProtocolError,
    RequestTimeout,
    StreamLost,
    Unsupported,
    deprecated,
    excerpt,
    warn,
)
from ...http import drain, open_event_stream, read_some, request, settings
from ...sse import SSEEvent, SSEParser
from ...state import current, run_in
from .app import app_layout
from .files import fix_file_urls
from .models import STATUS_EVENTS, GradioApiEvent, GradioApiEventResult
from .queue import QueueEvent, QueueStream, channel_for, forget_call
from .status import ReadStatus
from .transitions import ReadProgress, Step, fault_status, step

__all__ = [
    "update_gradio_api_result",
    "iter_gradio_api_result",
    "close_gradio_api_event",
    "stop_gradio_api",
]

Script = Callable[[dict[str, Any]], Any]

# How a read ended, as recorded in GradioApiEvent.last_query_status (status.py says what each means).
RUNNING, COMPLETE, ERROR = ReadStatus.RUNNING, ReadStatus.COMPLETE, ReadStatus.ERROR
EXPIRED, CLOSED = ReadStatus.HEARTBEAT_EXPIRED, ReadStatus.CLOSED
CANCELLED, INTERRUPTED = ReadStatus.CANCELLED, ReadStatus.INTERRUPTED


def update_gradio_api_result(
    api_event: GradioApiEvent | list[GradioApiEvent],
    *,
    script: Script | None = None,
    max_heartbeats: int | None = None,
    no_output: bool = False,
    history: bool = False,
    read_timeout: float | None = None,
    status: bool = False,
    stream: bool = False,
) -> list[GradioApiEventResult]:
    """Read a call's events until it completes, fails, or the heartbeat limit is reached,
    and return the list of :class:`GradioApiEventResult` read (empty with ``no_output``).

    PowerShell equivalent: ``Update-GradioApiResult -ApiEvent E [-MaxHeartBeats N] [-History]``.

    The options are those of :func:`iter_gradio_api_result`, which hands each result out
    the moment it arrives (``stream=True`` did that here, and is deprecated).
    """
    reader = iter_gradio_api_result(
        api_event,
        script=script,
        max_heartbeats=max_heartbeats,
        history=history,
        read_timeout=read_timeout,
        status=status,
    )
    return read_all(reader, "update_gradio_api_result", no_output=no_output, stream=stream)


def read_all(
    reader: Iterator[GradioApiEventResult], name: str, *, no_output: bool, stream: bool
) -> list[GradioApiEventResult]:
    """What the ``update_*`` function ``name`` returns from its ``iter_*`` twin's ``reader``:
    the results read to the end (none with ``no_output``), or, with the deprecated
    ``stream=True``, the reader itself."""
    if stream:
        deprecated(f"{name}(stream=True) is deprecated: use {name.replace('update_', 'iter_', 1)}()")
        return cast(list[GradioApiEventResult], iter(()) if no_output else reader)
    results = list(reader)
    return [] if no_output else results


def iter_gradio_api_result(
    api_event: GradioApiEvent | list[GradioApiEvent],
    *,
    script: Script | None = None,
    max_heartbeats: int | None = None,
    history: bool = False,
    read_timeout: float | None = None,
    status: bool = False,
) -> Generator[GradioApiEventResult, None, None]:
    """Read a call's events as you iterate: each result is yielded the moment it arrives,
    until the call completes, fails, or the heartbeat limit is reached.

    PowerShell equivalent: ``Update-GradioApiResult -ApiEvent E`` in a pipeline (each result
    flows on as it is read).

    ``max_heartbeats`` stops the read after that many heartbeats in a row
    (``last_query_status == "HeartBeatExpired"``); call again to resume on the same open
    stream. Without it, ``settings.heartbeat_limit`` applies. ``history`` keeps each event in
    ``api_event.events`` and its data in ``api_event.data``; ``script`` is called with
    ``{"event": result, "api_event": event}`` for each event that is not a heartbeat.
    ``read_timeout`` (seconds) is how long the server may stay silent; the default is
    ``settings.stream_read_timeout``. A list of events is read one after the other, as piping
    several events to the cmdlet would. ``status=True`` also yields (and passes to
    ``script``) the queue transport's status events (``estimation``, ``process_starts``,
    ``progress``, ``log``); without it they only update ``api_event.queue``, so the results
    are those ``/call`` gives, as in PowershAI.
    """
    events = list(api_event) if isinstance(api_event, (list, tuple)) else [api_event]
    for item in events:
        if not isinstance(item, GradioApiEvent):
            raise InvalidEvent(f"expected a GradioApiEvent (from send_gradio_api), got {type(item).__name__}")
    return (
        result
        for item in events
        # each call is read with the client that made it, wherever the results are consumed
        for result in run_in(
            item.state or current(), _read(item, script, max_heartbeats, history, read_timeout, status)
        )
    )


class _OpenStream:
    """The open GET of an event's results, with what was received but not yet handed out.

    ``busy`` is True from the moment a read starts until its result is recorded: an
    interruption (Ctrl-C) that lands then may have cut a chunk in half, so the stream can
    no longer be trusted. Between two results it is False, and the stream can be resumed.
    """

    def __init__(self, response: Any, what: str) -> None:
        self.response = response
        self.what = what
        self.parser = SSEParser(settings.max_event_bytes)
        self.pending: deque[SSEEvent] = deque()
        self.ended = False
        self.busy = False
        self.last_event = time.monotonic()

    @property
    def url(self) -> str:
        return str(self.response.url)

    def next_event(self, silence: float) -> SSEEvent | None:
        """The next event, reading as needed; None at the end of the body.

        Only an event resets the silence timer: a server that sends comments or ``id:``
        lines, and never an event, times out after ``silence`` seconds all the same.
        """
        while not self.pending:
            if self.ended:
                return None
            left = self.last_event + silence - time.monotonic()
            if left <= 0:
                raise RequestTimeout(
                    f"{self.what}: no event within {silence:g} s (the stream read timeout)",
                    url=self.response.url,
                    kind="read",
                )
            chunk = read_some(self.response, self.what, left)
            if chunk:
                self.pending.extend(self.parser.feed(chunk))
            else:
                self.ended = True
                self.pending.extend(self.parser.close())
        self.last_event = time.monotonic()
        return self.pending.popleft()

    def close(self) -> None:
        """Give the stream up: its connection is closed (a later request opens a new one)."""
        self.response.close()

    def finish(self) -> None:
        """The call is over: drain the body so its connection goes back to the pool."""
        drain(self.response, self.what)


def _open(event: GradioApiEvent, read_timeout: float | None) -> _OpenStream | QueueStream:
    if event.transport == "queue":
        if not event.session_hash:
            raise InvalidEvent(f"event {event.event_id} was made over the queue but has no session hash")
        channel = channel_for(event.app_url, event.session_hash, event.token.value, event.credentials)
        unquote = app_layout(event.app_url, event.token.value, credentials=event.credentials).major == 4
        return QueueStream(channel, event.event_id, unquote)
    url = event.update_url
    what = f"GET {url}"
    response = open_event_stream(
        url,
        what,
        token=event.token.value,
        credentials=event.credentials,
        read_timeout=read_timeout,
        event_id=event.event_id,
    )
    return _OpenStream(response, what)


def _read(
    event: GradioApiEvent,
    script: Script | None,
    max_heartbeats: int | None,
    history: bool,
    read_timeout: float | None,
    status: bool = False,
) -> Iterator[GradioApiEventResult]:
    if event.status == COMPLETE:
        warn(f"event {event.event_id} of /{event.api_name} already completed; there is nothing more to read")
        return
    ended = ReadStatus.of(event.last_query_status)
    if ended is not None and ended.stream_ended:
        how = {
            CLOSED: "closed",
            INTERRUPTED: "interrupted in the middle of a read (Ctrl-C)",
            ReadStatus.READ_ELSEWHERE: "opened by another process (a call's results can be read by one "
            "process only)",
        }.get(ended, f"lost ({ended.value})")
        raise StreamLost(
            f"the stream of event {event.event_id} of /{event.api_name} was {how}; "
            f"the {event.last_event_num} events read are kept; "
            "Gradio cannot replay a stream: call the endpoint again",
            event_id=event.event_id,
            api_name=event.api_name,
        )
    limit = max_heartbeats or settings.heartbeat_limit
    silence = read_timeout or settings.stream_read_timeout
    progress = ReadProgress()
    event.last_query_status = RUNNING
    mine: _OpenStream | QueueStream | None = None
    try:
        if event.stream is None:
            event.stream = _open(event, read_timeout)
        mine = event.stream
        mine.last_event = time.monotonic()  # a resumed read gets its full silence budget
        while True:
            mine.busy = True
            sse = mine.next_event(silence)
            if sse is None:
                raise _cut(event, mine)
            if event.stream is not mine:
                mine.busy = False
                return  # closed or finished by another reader meanwhile: its results went there
            result = _result(event, sse)
            move = step(
                progress,
                result.event or "",
                result.data,
                limit=limit,
                want_status=status,
                cancel_requested=event.cancel_requested,
            )
            progress = move.progress
            _record(event, move, result, history)
            mine.busy = False
            if move.hand_out:
                if script is not None and move.kind != "heartbeat":
                    script({"event": result, "api_event": event})
                yield result
            if move.ending is not None:
                return
    except (RequestTimeout, ConnectionLost, ProtocolError, HttpError) as exc:
        if event.done:
            return  # another reader finished or closed the stream under this one
        _close(event, fault_status(exc, opened=event.stream is not None))
        raise type(exc)(
            f"{exc.message} (event {event.event_id} of /{event.api_name}; "
            f"{event.last_event_num} events were read and are kept on the event)",
            code=exc.code,
            **{**exc.facts, "event_id": event.event_id, "api_name": event.api_name},
        ) from exc
    except BaseException:
        # Ctrl-C (or any other interruption) in the middle of a read: the chunk being read
        # may be cut, so the stream cannot be resumed; one that was between two results can.
        if mine is not None and mine.busy and event.stream is mine and not event.done:
            _close(event, INTERRUPTED)
        raise


def _record(event: GradioApiEvent, move: Step, result: GradioApiEventResult, history: bool) -> None:
    """Record on the call what one event did (the I/O side of :func:`transitions.step`)."""
    event.heartbeats = move.progress.heartbeats
    if move.kind == "status":  # on the QueueStatus, not in the history (as with /call)
        _note_status(event, (result.event or "").lower(), result.data)
    if move.is_result:
        if history:
            event.events.append(result)
            if result.data is not None:
                event.data.append(result.data)
        event.status = result.event
    if move.ending is EXPIRED:
        event.last_query_status = EXPIRED  # the stream stays open for a later read
    elif move.ending is not None:
        _finish(event, move.ending, result.data)


def _cut(event: GradioApiEvent, stream: _OpenStream | QueueStream) -> ConnectionLost:
    """The stream ended without ``complete`` or ``error``. An event it cut before its blank
    line is not one (the SSE rule), but its text is kept on ``event.unfinished``."""
    cut = stream.parser.unfinished if isinstance(stream, _OpenStream) else None
    said = ""
    if cut is not None:
        event.unfinished = cut.data
        said = f"; it cut a {cut.event or 'nameless'} event before its end, kept as text on event.unfinished"
    return ConnectionLost(
        f"{stream.what}: the server ended the stream before the call completed "
        f"(no complete or error event{said})",
        url=stream.url,
    )


app_logger = logging.getLogger("powershai_py.app")  # the apps' gr.Info/gr.Warning texts
MAX_APP_MESSAGES = 100  # gr.Info/gr.Warning texts kept on a call's QueueStatus ...
MAX_APP_TEXT = 256 * 1024  # ... and their characters; the rest are counted (messages_dropped)


def _note_status(event: GradioApiEvent, name: str, data: Any) -> None:
    """Record what a status event tells on the event's :class:`QueueStatus`; pass on the
    app's messages (``gr.Warning`` as a warning, ``gr.Info`` to the logger)."""
    status = event.queue
    if name == "estimation" and isinstance(data, dict):
        status.stage = "queued"
        status.rank, status.queue_size, status.eta = data.get("rank"), data.get("queue_size"), data.get("eta")
    elif name == "process_starts":
        status.stage, status.rank, status.eta = "running", None, None
    elif name == "progress" and isinstance(data, list):
        status.stage, status.progress = "running", data
    elif name == "log" and isinstance(data, dict):
        level, text = str(data.get("level") or "info"), str(data.get("message") or "")
        if len(status.messages) < MAX_APP_MESSAGES and sum(len(t) for _, t in status.messages) < MAX_APP_TEXT:
            status.messages.append((level, text))
        else:
            status.messages_dropped += 1
        said = f"/{event.api_name} says: {text}"
        if level in ("warning", "error") and settings.app_warnings != "log":
            warn(said)
        elif level in ("warning", "error"):
            app_logger.warning("%s", said)
        else:
            app_logger.info("%s", said)


def _result(event: GradioApiEvent, sse: SSEEvent) -> GradioApiEventResult:
    """The result of one event. Results are numbered from 1 (heartbeats count, as in PowershAI);
    a queue status event is not a result: it carries the number of the last result before it."""
    if (sse.event or "").lower() not in STATUS_EVENTS:
        event.last_event_num += 1
    data: Any = None
    if isinstance(sse, QueueEvent):
        data = sse.value
        try:
            fix_file_urls(data, event.app_url)
        except RecursionError:
            raise ProtocolError(f"event {sse.event!r} carried data nested too deep to read") from None
    elif sse.data is not None:
        try:
            data = json.loads(sse.data)
        except (ValueError, RecursionError):
            if (sse.event or "").lower() != ERROR:
                raise ProtocolError(
                    f"event {sse.event!r} carried data that is not JSON (or nested too deep): "
                    f"{excerpt(sse.data)}",
                    body=excerpt(sse.data),
                ) from None
            data = sse.data  # the app's error as text (an HTML page, a traceback)
        try:
            fix_file_urls(data, event.app_url)
        except RecursionError:
            raise ProtocolError(f"event {sse.event!r} carried data nested too deep to read") from None
    return GradioApiEventResult(
        num=event.last_event_num, ts=datetime.now(), event=sse.event, data=data, source=event
    )


def _finish(event: GradioApiEvent, how: ReadStatus, data: Any = None) -> None:
    """The call is over (``complete``, ``error`` or cancelled): record it and close the stream."""
    event.status = COMPLETE
    event.queue.stage = {ERROR: "failed", CANCELLED: "cancelled"}.get(how, "done")
    if how is ERROR:
        event.error = data if data not in (None, "", [], {}) else "UnknownError"
    event.last_query_status = how
    if event.stream is not None:
        stream, event.stream = event.stream, None
        stream.finish()


def close_gradio_api_event(event: GradioApiEvent) -> bool:
    """Close the event's open stream, if it has one, and return True if it had.

    The call goes on on the server, but nothing more of it can be read here: a later
    read raises :class:`StreamLost`. A finished call is left as it is.
    """
    if event.stream is None or event.done:
        return False
    _close(event, CLOSED)
    return True


def stop_gradio_api(event: GradioApiEvent) -> bool:
    """Ask the server to stop a call: a queued call leaves the queue, a running generator
    stops producing. Returns False when the server already said the call was over; a call
    whose stream was lost or closed here may still run there, and is cancelled.

    PowerShell equivalent: none in PowershAI (see ``Stop-GradioSessionApi`` in compat).

    The call's stream then ends with an empty ``complete``; reading it records
    ``last_query_status == "Cancelled"``. A plain function that is already running finishes
    on the server all the same (Gradio can only stop generators and queued calls).
    """
    if not isinstance(event, GradioApiEvent):
        raise InvalidEvent(f"expected a GradioApiEvent (from send_gradio_api), got {type(event).__name__}")
    if event.status == COMPLETE:  # the server said it is over (a lost stream may still run there)
        return False
    if event.fn_index is None:
        event.fn_index = app_layout(
            event.app_url, event.token.value, credentials=event.credentials
        ).fn_indexes.get(event.api_name)
    if event.fn_index is None:
        raise Unsupported(
            f"/{event.api_name} cannot be cancelled: the app's /config does not list it, and Gradio "
            "needs its index to cancel",
            code="POWERSHAI_GRADIO_CANCEL_UNSUPPORTED",
            api_name=event.api_name,
        )
    body = {
        "event_id": event.event_id,
        "session_hash": event.session_hash or event.event_id,
        "fn_index": event.fn_index,
    }
    url = f"{event.app_url}/cancel"
    event.cancel_requested = True
    try:
        request(
            "POST",
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            token=event.token.value,
            credentials=event.credentials,
        )
    except HttpError as exc:
        event.cancel_requested = False
        if exc.status in (404, 405):
            raise Unsupported(
                f"the server does not cancel calls (POST {url} answered {exc.status}); the call goes on",
                code="POWERSHAI_GRADIO_CANCEL_UNSUPPORTED",
                url=url,
                status=exc.status,
            ) from None
        raise
    return True


def _close(event: GradioApiEvent, how: str) -> None:
    """Record how the read ended and close the stream, if one is open."""
    event.last_query_status = how
    if event.stream is not None:
        event.stream.close()
        event.stream = None
    elif event.transport == "queue" and event.session_hash:
        forget_call(event.app_url, event.session_hash, event.event_id)
