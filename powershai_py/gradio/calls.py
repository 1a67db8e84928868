"""Calls: submit a job to an endpoint, then read its stream of events.

A call is two requests: ``POST {api}/call/{name}`` returns an event id, and
``GET {api}/call/{name}/{event_id}`` streams ``generating`` / ``complete`` / ``error`` /
``heartbeat`` events. The stream is opened on the first read and kept open on the event
object, so a read that stops early (``max_heartbeats``, or a caller that stops
iterating) resumes where it left off. A finished stream is never requested again: Gradio
does not replay it and would keep the GET open forever.
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..errors import (
    ConnectionLost,
    EndpointNotFound,
    HttpError,
    InvalidEvent,
    PowershaiError,
    PowershaiWarning,
    ProtocolError,
    RequestTimeout,
    StreamLost,
    excerpt,
)
from ..http import iter_body, request, retry_refused_posts, settings
from ..sse import SSEEvent, SSEParser
from .app import app_layout, pad_state_slots
from .files import fix_file_urls
from .models import STREAM_ENDED, GradioApiEvent, GradioApiEventResult, Secret

__all__ = [
    "send_gradio_api",
    "update_gradio_api_result",
    "close_gradio_api_event",
    "to_data_list",
    "endpoint_not_found",
]

Script = Callable[[dict[str, Any]], Any]

# How a read ended, as recorded in GradioApiEvent.last_query_status.
RUNNING, COMPLETE, ERROR, EXPIRED = "running", "complete", "error", "HeartBeatExpired"
LOST, TIMEOUT, BROKEN = "ConnectionLost", "Timeout", "ProtocolError"
CLOSED = "Closed"  # closed on purpose (the call was removed from its session)
NOT_OPENED = "NotOpened"  # the GET of the stream failed; nothing was streamed, so it may be sent again


def to_data_list(params: Any) -> list[Any]:
    """The ``data`` list of a call: None gives ``[]``, a list or tuple is copied, any other value is one."""
    if params is None:
        return []
    if isinstance(params, (list, tuple)):
        return list(params)
    return [params]


def endpoint_not_found(api_name: str, available: list[str], app_url: str) -> EndpointNotFound:
    """The error for an unknown endpoint, listing the ones that exist (closest first)."""
    close = difflib.get_close_matches(api_name, available, n=3, cutoff=0.5)
    ordered = close + [name for name in available if name not in close]
    listing = ", ".join(ordered) if ordered else "none"
    return EndpointNotFound(
        f"Api name {api_name} not found at {app_url}. Endpoints: {listing}",
        api_name=api_name,
        available=ordered,
        url=app_url,
    )


def send_gradio_api(
    app_url: Any,
    api_name: str,
    params: Any = None,
    session_hash: str | None = None,
    event_id: str | None = None,
    token: str | None = None,
) -> GradioApiEvent:
    """Submit a call to an endpoint and return its :class:`GradioApiEvent` (not yet read).

    PowerShell equivalent: ``Send-GradioApi -AppUrl URL -ApiName NAME -Params P``.

    ``params`` is the list of input values (a single value is sent as a one-value list).
    ``app_url`` may be the app's root or its API root. On Gradio 4 and 5 a null is added
    for each hidden ``gr.State`` input. With ``event_id`` nothing is sent: the event is
    attached to a call made earlier. ``token="public"`` sends no token.
    """
    if not isinstance(api_name, str) or not api_name.strip("/ "):
        raise PowershaiError("give the endpoint name, e.g. 'predict'", code="POWERSHAI_GRADIO_NOAPINAME")
    name = api_name.strip().lstrip("/")
    layout = app_layout(app_url, token)
    body: dict[str, Any] = {"data": pad_state_slots(to_data_list(params), layout, name)}
    if session_hash:
        body["session_hash"] = session_hash
        if layout.major is not None and layout.major < 6:
            warnings.warn(
                f"Gradio {layout.version} does not stream /call results of a call made with a "
                "session_hash (its GET answers '404'); only Gradio 6 supports it",
                PowershaiWarning,
                stacklevel=2,
            )
    url = f"{layout.real_app_url}/call/{quote(name, safe='')}"
    if not event_id:
        retry_refused_posts(f"{layout.real_app_url}/call/")
        try:
            response = request("POST", url, json=body, token=token)
        except HttpError as exc:
            if exc.status in (404, 500) and layout.from_config and name not in layout.api_names:
                raise endpoint_not_found(name, list(layout.api_names), layout.root_url) from None
            raise
        event_id = _event_id_of(response, url)
    return GradioApiEvent(
        event_id=event_id,
        api_name=name,
        app_url=layout.real_app_url,
        req={"method": "POST", "url": url, "data": body},
        session_hash=session_hash,
        token=Secret(token),
    )


def _event_id_of(response: Any, url: str) -> str:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    event_id = answer.get("event_id") if isinstance(answer, dict) else None
    if not isinstance(event_id, str) or not event_id:
        raise ProtocolError(
            f"POST {url} answered without an event id: {excerpt(response.text)}",
            url=url,
            body=excerpt(response.text),
        )
    return event_id


def update_gradio_api_result(
    api_event: GradioApiEvent | list[GradioApiEvent],
    script: Script | None = None,
    max_heartbeats: int | None = None,
    no_output: bool = False,
    history: bool = False,
    stream: bool = False,
    *,
    read_timeout: float | None = None,
) -> Any:
    """Read a call's events until it completes, fails, or the heartbeat limit is reached.

    PowerShell equivalent: ``Update-GradioApiResult -ApiEvent E [-MaxHeartBeats N] [-History]``.

    Returns the list of :class:`GradioApiEventResult` read (empty with ``no_output``).
    With ``stream=True`` returns an iterator that yields each result the moment it
    arrives; the reading happens as you iterate. ``max_heartbeats`` stops the read after
    that many heartbeats in a row (``last_query_status == "HeartBeatExpired"``); call
    again to resume on the same open stream. Without it, ``settings.heartbeat_limit``
    applies. ``history`` keeps each event in ``api_event.events`` and its data in
    ``api_event.data``; ``script`` is called with ``{"event": result, "api_event": event}``
    for each event that is not a heartbeat. ``read_timeout`` (seconds) is how long the
    server may stay silent; the default is ``settings.stream_read_timeout``. A list of
    events is read one after the other, as piping several events to the cmdlet would.
    """
    events = list(api_event) if isinstance(api_event, (list, tuple)) else [api_event]
    for item in events:
        if not isinstance(item, GradioApiEvent):
            raise InvalidEvent(f"expected a GradioApiEvent (from send_gradio_api), got {type(item).__name__}")
    reader = (
        result for item in events for result in _read(item, script, max_heartbeats, history, read_timeout)
    )
    if stream and not no_output:
        return reader
    results = list(reader)
    if no_output:
        return iter(()) if stream else []
    return results


class _OpenStream:
    """The open GET of an event's results, with what was received but not yet handed out."""

    def __init__(self, response: Any, what: str) -> None:
        self.response = response
        self.chunks = iter_body(response, what)
        self.parser = SSEParser()
        self.pending: deque[SSEEvent] = deque()
        self.ended = False

    def events(self) -> Iterator[SSEEvent]:
        while True:
            while self.pending:
                yield self.pending.popleft()
            if self.ended:
                return
            chunk = next(self.chunks, None)
            if chunk is None:
                self.ended = True
                self.pending.extend(self.parser.close())
            else:
                self.pending.extend(self.parser.feed(chunk))

    def close(self) -> None:
        self.response.close()


def _open(event: GradioApiEvent, read_timeout: float | None) -> _OpenStream:
    url = event.update_url
    timeout = (settings.connect_timeout, read_timeout or settings.stream_read_timeout)
    response = request(
        "GET",
        url,
        token=event.token.value,
        stream=True,
        timeout=timeout,
        headers={"Accept": "text/event-stream"},
    )
    kind = response.headers.get("content-type", "")
    if "text/event-stream" not in kind:
        body = excerpt(response.raw.read(4096, decode_content=True))
        response.close()
        raise ProtocolError(
            f"GET {url} answered {kind or 'no content type'} instead of an event stream: {body}",
            url=url,
            event_id=event.event_id,
            body=body,
        )
    return _OpenStream(response, f"GET {url}")


def _read(
    event: GradioApiEvent,
    script: Script | None,
    max_heartbeats: int | None,
    history: bool,
    read_timeout: float | None,
) -> Iterator[GradioApiEventResult]:
    if event.status == COMPLETE:
        warnings.warn(
            f"event {event.event_id} of /{event.api_name} already completed; there is nothing more to read",
            PowershaiWarning,
            stacklevel=4,
        )
        return
    if event.last_query_status in STREAM_ENDED:
        how = "closed" if event.last_query_status == CLOSED else f"lost ({event.last_query_status})"
        raise StreamLost(
            f"the stream of event {event.event_id} of /{event.api_name} was {how}; "
            "Gradio cannot replay a stream: call the endpoint again",
            event_id=event.event_id,
            api_name=event.api_name,
        )
    limit = max_heartbeats or settings.heartbeat_limit
    heartbeats = 0
    event.last_query_status = RUNNING
    try:
        if event.stream is None:
            event.stream = _open(event, read_timeout)
        mine = event.stream
        for sse in mine.events():
            if event.stream is not mine:
                return  # closed or finished by another reader meanwhile: its results went there
            result = _result(event, sse)
            name = (result.event or "").lower()
            if name == "heartbeat":
                heartbeats += 1
                expired = heartbeats >= limit
                if expired:
                    event.last_query_status = EXPIRED  # the stream stays open for a later read
                yield result
                if expired:
                    return
                continue
            heartbeats = 0
            if history:
                event.events.append(result)
                if result.data is not None:
                    event.data.append(result.data)
            event.status = result.event
            if name in (COMPLETE, ERROR):
                _finish(event, ERROR if name == ERROR else COMPLETE, result.data)
            if script is not None:
                script({"event": result, "api_event": event})
            yield result
            if event.status == COMPLETE:
                return
        _finish(event, COMPLETE)  # the server ended the stream without a final event
    except (RequestTimeout, ConnectionLost, ProtocolError, HttpError) as exc:
        if event.done:
            return  # another reader finished or closed the stream under this one
        if event.stream is None:
            how = NOT_OPENED
        elif isinstance(exc, RequestTimeout):
            how = TIMEOUT
        elif isinstance(exc, ProtocolError):
            how = BROKEN
        else:
            how = LOST
        _close(event, how)
        raise type(exc)(
            f"{exc.message} (event {event.event_id} of /{event.api_name}; "
            f"{event.last_event_num} events were read and are kept on the event)",
            code=exc.code,
            **{**exc.facts, "event_id": event.event_id, "api_name": event.api_name},
        ) from exc


def _result(event: GradioApiEvent, sse: SSEEvent) -> GradioApiEventResult:
    event.last_event_num += 1
    data: Any = None
    if sse.data is not None:
        try:
            data = json.loads(sse.data)
        except ValueError:
            if sse.terminated:
                raise ProtocolError(
                    f"event {sse.event!r} carried data that is not JSON: {excerpt(sse.data)}",
                    body=excerpt(sse.data),
                ) from None
            data = sse.data  # the stream ended inside this event: keep the text as received
        fix_file_urls(data, event.app_url)
    return GradioApiEventResult(num=event.last_event_num, ts=datetime.now(), event=sse.event, data=data)


def _finish(event: GradioApiEvent, how: str, data: Any = None) -> None:
    """The call is over (``complete`` or ``error``): record it and close the stream."""
    event.status = COMPLETE
    if how == ERROR:
        event.error = data if data not in (None, "", [], {}) else "UnknownError"
    _close(event, how)


def close_gradio_api_event(event: GradioApiEvent) -> bool:
    """Close the event's open stream, if it has one, and return True if it had.

    The call goes on on the server, but nothing more of it can be read here: a later
    read raises :class:`StreamLost`. A finished call is left as it is.
    """
    if event.stream is None or event.done:
        return False
    _close(event, CLOSED)
    return True


def _close(event: GradioApiEvent, how: str) -> None:
    """Record how the read ended and close the stream, if one is open."""
    event.last_query_status = how
    if event.stream is not None:
        event.stream.close()
        event.stream = None
