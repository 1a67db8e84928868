"""The queue transport: the protocol the Gradio web page uses.

A call is ``POST {api}/queue/join`` (``fn_index``, ``session_hash``, ``data``), which returns
an event id; its events come from ``GET {api}/queue/data?session_hash=...``, one stream per
session hash that carries every call of that hash, each message naming its event id. The
server ends that stream (``close_stream``) when no call of the hash is left, so a later call
opens a new one. Besides results, the queue sends the call's place in the queue
(``estimation``), its start (``process_starts``), ``gr.Progress`` steps (``progress``) and the
app's ``gr.Info``/``gr.Warning`` messages (``log``); and on Gradio 4 and 5 it carries the
text of errors, which their ``/call`` route drops.

Here the messages become events in the vocabulary of the ``/call`` transport
(:func:`translate`), so the layers above read both transports the same way. One
:class:`Channel` per ``(API URL, session hash)`` reads the shared stream; whichever thread
needs an event reads the next chunk and sorts what arrived by event id, so calls read in
different threads never wait for each other's events and calls of different hashes never
mix. See docs/protocol/queue-*.txt for what real servers send.

Longer than 500 lines on purpose: the message translation, the shared channel and its stray
bounds are one protocol whose invariants (who reads the next chunk, which id a message is kept
for) are checked together; split, each half would need the other's locks.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ...errors import ConnectionLost, ProtocolError, RequestTimeout, excerpt
from ...http import drain, open_event_stream, read_some, settings
from ...sse import SSEEvent, SSEParser
from ...state import current

__all__ = [
    "QueueEvent",
    "apply_diff",
    "translate",
    "channel_for",
    "forget_call",
    "close_channels",
    "QueueStream",
]

_STRAY_LIMIT = 1000  # messages kept for event ids not registered yet, while a join may claim them


@dataclass(frozen=True)
class QueueEvent(SSEEvent):
    """An event made from a queue message: ``value`` is its data, already decoded."""

    value: Any = None


def apply_diff(value: Any, operations: Any) -> Any:
    """``value`` after Gradio's diff ``operations`` (pure: ``value`` is not changed).

    Each operation is ``[action, path, argument]``: ``replace`` sets the item at ``path``
    (the whole value for ``[]``), ``append`` adds to the string or list there, ``add``
    inserts into a list (at an index) or a dict (at a key), ``delete`` removes the item.
    Only the lists and dicts on an operation's path are copied; the rest is shared with
    ``value``, so a generator's results cost what changed, not their whole size, each time.
    """
    if not isinstance(operations, list):
        raise ProtocolError(f"a generator update is not a list of changes: {excerpt(repr(operations))}")
    result = value
    copied: set[int] = set()  # containers this call made, which it may change in place
    for operation in operations:
        if not (isinstance(operation, list) and len(operation) == 3 and isinstance(operation[1], list)):
            raise ProtocolError(
                f"a generator update holds a change of unknown shape: {excerpt(repr(operation))}"
            )
        action, path, argument = operation
        try:
            result = _apply_one(result, action, path, argument, copied)
        except (LookupError, TypeError, ValueError, AttributeError) as exc:
            raise ProtocolError(
                f"a generator update does not fit the value it changes ({action} at {path}: {exc})"
            ) from None
    return result


def _own(value: Any, copied: set[int]) -> Any:
    """``value`` if this diff made it, else a shallow copy that it may change."""
    if id(value) in copied:
        return value
    if not isinstance(value, (list, dict)):
        raise TypeError(f"cannot change inside a {type(value).__name__}")
    mine = list(value) if isinstance(value, list) else dict(value)
    copied.add(id(mine))
    return mine


def _apply_one(value: Any, action: str, path: list[Any], argument: Any, copied: set[int]) -> Any:
    if not path:
        if action == "replace":
            return argument  # freshly decoded JSON: nobody else holds it
        if action == "append":
            return value + argument
        raise ValueError(f"{action!r} needs a path")
    root = parent = _own(value, copied)
    for key in path[:-1]:
        child = _own(parent[key], copied)
        parent[key] = child
        parent = child
    last = path[-1]
    if action == "replace":
        parent[last] = argument
    elif action == "append":
        parent[last] = parent[last] + argument
    elif action == "add":
        if isinstance(parent, list):
            parent.insert(last, argument)
        else:
            parent[last] = argument
    elif action == "delete":
        del parent[last]
    else:
        raise ValueError(f"unknown action {action!r}")
    return root


def translate(
    message: dict[str, Any], previous: list[Any] | None, unquote: bool = False
) -> tuple[str | None, Any, list[Any] | None]:
    """One queue message as ``(event name, data, data to diff the next update against)`` (pure).

    ``previous`` is the call's last full output list (None before its first result):
    Gradio sends a generator's first result whole and later ones as diffs. ``unquote``
    removes the quotes Gradio 4 puts around a ``gr.Error`` text. Returns a None name for a
    message a caller does not need (``close_stream``).
    """
    kind = message.get("msg")
    if kind == "estimation":
        return (
            "estimation",
            {
                "rank": _whole(message.get("rank")),
                "queue_size": _whole(message.get("queue_size")),
                "eta": _number(message.get("rank_eta")),
            },
            previous,
        )
    if kind == "process_starts":
        return "process_starts", {"eta": _number(message.get("eta"))}, previous
    if kind == "progress":
        steps = message.get("progress_data")
        return (
            "progress",
            [_step(step) for step in steps if isinstance(step, dict)][-16:]
            if isinstance(steps, list)
            else [],
            previous,
        )
    if kind == "log":
        return (
            "log",
            {
                "level": _text(message.get("level")) or "info",
                "message": _text(message.get("log")),
                "title": _text(message.get("title")),
            },
            previous,
        )
    if kind == "heartbeat":
        return "heartbeat", None, previous
    if kind == "unexpected_error":
        return "error", {"error": message.get("message")}, previous
    if kind == "close_stream":
        return None, None, previous
    output = message.get("output")
    if not isinstance(output, dict):
        output = {}
    if kind in ("process_generating", "process_streaming"):
        if message.get("success") is False:
            return "error", _error_of(output, unquote), previous
        data = output.get("data")
        if kind == "process_generating" and previous is not None and isinstance(data, list):
            if len(data) != len(previous):
                raise ProtocolError(
                    f"a generator update has {len(data)} outputs where the call has {len(previous)}"
                )
            data = [apply_diff(old, change) for old, change in zip(previous, data, strict=True)]
        return "generating", data, data if isinstance(data, list) else previous
    if kind == "process_completed":
        if message.get("success") is False:
            return "error", _error_of(output, unquote), previous
        return "complete", output.get("data"), previous
    raise ProtocolError(f"the queue sent a message of unknown kind: {excerpt(json.dumps(message))}")


# Status fields are only shown: one of the wrong type is left out (None), never a crash
def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: Any, limit: int = 4000) -> str | None:
    return excerpt(value, limit) if isinstance(value, str) else None


def _step(step: dict[str, Any]) -> dict[str, Any]:
    """A ``gr.Progress`` step with its fields of the right type (the others None)."""
    return {
        "index": _number(step.get("index")),
        "length": _number(step.get("length")),
        "unit": _text(step.get("unit"), 100),
        "progress": _number(step.get("progress")),
        "desc": _text(step.get("desc"), 500),
    }


def _error_of(output: dict[str, Any], unquote: bool) -> Any:
    error = dict(output)
    text = error.get("error")
    if unquote and isinstance(text, str) and len(text) >= 2 and text[0] == text[-1] == "'":
        error["error"] = text[1:-1]
    return error


def _decoded(data: str) -> Any:
    """A message's JSON, or a short text saying why it is not one."""
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        return "not JSON"
    return message if isinstance(message, dict) else "not an object"


class Channel:
    """The shared ``queue/data`` stream of one session hash, and the events waiting in it.

    ``register`` an event id before reading it, ``take`` its next message, ``forget`` it when
    done. The GET opens on the first ``take`` and again when the server ended it while
    calls were still registered (a call joined after the server sent ``close_stream``).
    """

    def __init__(
        self,
        url: str,
        session_hash: str,
        token: str | None,
        credentials: Any,
        registry: dict[tuple[str, str], Channel] | None = None,
    ) -> None:
        self.url = url
        self.session_hash = session_hash
        self.token = token
        self.credentials = credentials
        self.what = f"GET {url}?session_hash={session_hash}"
        self.condition = threading.Condition()
        self.waiting: dict[str, deque[dict[str, Any]]] = {}  # event id -> messages not taken
        # messages for ids not registered yet, with their sizes: only a join in flight can
        # claim them (its answer may come after its first messages), so they are kept while
        # one is, up to _STRAY_LIMIT messages and settings.max_event_bytes, the oldest going
        # first; with no join in flight they belong to no call of ours and are dropped
        self.stray: dict[str, deque[tuple[int, dict[str, Any]]]] = {}
        self.stray_count = 0
        self.stray_bytes = 0
        self.strays_dropped = 0
        self.joins = 0  # joins in flight on this session hash
        # the client's channels, where this one is listed (and dropped from when unused)
        self.registry = registry if registry is not None else {}
        self.response: Any = None
        self.parser = SSEParser(settings.max_event_bytes)
        self.reading = False  # a thread is reading the network now
        self.broken: str | None = None  # why the stream cannot be read any more
        self.broken_by: type[ConnectionLost] | type[ProtocolError] = ConnectionLost

    @contextmanager
    def joining(self) -> Iterator[None]:
        """Around a join and the registration of its event id: messages for ids not
        registered yet are kept meanwhile, since they may be this join's."""
        with self.condition:
            self.joins += 1
        try:
            yield
        finally:
            with self.condition:
                self.joins -= 1
                if not self.joins:
                    self.strays_dropped += self.stray_count
                    self.stray.clear()
                    self.stray_count = self.stray_bytes = 0

    def register(self, event_id: str) -> None:
        with self.condition:
            claimed = self.stray.pop(event_id, ())
            self.stray_count -= len(claimed)
            self.stray_bytes -= sum(size for size, _ in claimed)
            self.waiting.setdefault(event_id, deque()).extend(message for _, message in claimed)

    def forget(self, event_id: str, close: bool = False) -> None:
        """Stop routing ``event_id``. With no call left, the stream is drained or closed:
        ``close`` (a call given up) closes it, which also makes the server drop the
        session's calls."""
        with self.condition:
            self.waiting.pop(event_id, None)
            if self.waiting or self.reading or self.response is None:
                return
            response, self.response = self.response, None
            self.parser = SSEParser(settings.max_event_bytes)
        if close:
            response.close()
        else:
            drain(response, self.what)
        _drop_channel(self)

    def take(self, event_id: str, silence: float) -> dict[str, Any]:
        """The next message for ``event_id``, reading the stream as needed.

        A stream that ends (or breaks) before the call's final message is a
        :class:`ConnectionLost` for every call still waiting; messages already sorted are
        handed out first.
        """
        until = time.monotonic() + silence
        while True:
            with self.condition:
                box = self.waiting.get(event_id)
                if box is None:
                    raise ConnectionLost(
                        f"{self.what}: event {event_id} is not read on this stream", url=self.url
                    )
                if box:
                    return box.popleft()
                if self.broken:
                    raise self.broken_by(f"{self.what}: {self.broken}", url=self.url)
                left = until - time.monotonic()
                if left <= 0:
                    raise RequestTimeout(
                        f"{self.what}: no event within {silence:g} s (the stream read timeout)",
                        url=self.url,
                        kind="read",
                    )
                if self.reading:
                    self.condition.wait(left)
                    continue
                self.reading = True
            try:
                self._read_some(left)
            except BaseException as exc:
                with self.condition:
                    self.broken = f"the shared stream broke ({excerpt(str(exc), 200) or type(exc).__name__})"
                    response, self.response = self.response, None
                if response is not None:
                    response.close()
                raise
            finally:
                with self.condition:
                    self.reading = False
                    self.condition.notify_all()

    def _read_some(self, timeout: float) -> None:
        """Read one chunk, opening the stream if needed, and sort the messages it completes."""
        if self.response is None:
            self.response = self._open()
        chunk = read_some(self.response, self.what, timeout)
        events = self.parser.feed(chunk) if chunk else self.parser.close()
        closed = False
        for sse in events:
            if sse.data is None:
                continue
            message = _decoded(sse.data)
            if not isinstance(message, dict):  # what came before it is handed out first
                self._give_up(ProtocolError, f"a message that is {message}: {excerpt(sse.data)}")
                return
            closed = closed or message.get("msg") == "close_stream"
            self._sort(message, len(sse.data))
        if not (chunk and not closed):
            if closed:
                self._let_go()
            else:  # the body ended without close_stream: cut, not finished
                self._give_up(
                    ConnectionLost,
                    "the server ended the stream before the call completed (no complete or error event)",
                )
        # after close_stream, a call still waiting joined after it: the next take reopens

    def _let_go(self) -> None:
        """The server ended the stream: drain it and start afresh on the next read."""
        with self.condition:
            response, self.response = self.response, None
            self.parser = SSEParser(settings.max_event_bytes)
        if response is not None:
            drain(response, self.what)

    def _give_up(self, kind: type[ConnectionLost] | type[ProtocolError], why: str) -> None:
        """The stream cannot be read further: every call still waiting gets ``kind`` once the
        messages already sorted for it are handed out."""
        with self.condition:
            self.broken, self.broken_by = why, kind
        self._let_go()

    def _sort(self, message: dict[str, Any], size: int) -> None:
        event_id = message.get("event_id")
        with self.condition:
            if event_id is None:
                if message.get("msg") in ("heartbeat", "unexpected_error"):
                    for box in self.waiting.values():
                        box.append(message)
                return
            mine = self.waiting.get(event_id)
            if mine is not None:
                mine.append(message)
                return
            if not self.joins:
                self.strays_dropped += 1  # no join in flight can claim it
                return
            self.stray.setdefault(str(event_id), deque()).append((size, message))
            self.stray_count += 1
            self.stray_bytes += size
            while self.stray_count > _STRAY_LIMIT or self.stray_bytes > settings.max_event_bytes:
                oldest = next(iter(self.stray))
                dropped, _ = self.stray[oldest].popleft()
                if not self.stray[oldest]:
                    del self.stray[oldest]
                self.stray_count -= 1
                self.stray_bytes -= dropped
                self.strays_dropped += 1

    def _open(self) -> Any:
        params = {"session_hash": self.session_hash}
        return open_event_stream(
            self.url, self.what, params=params, token=self.token, credentials=self.credentials
        )


_channels_lock = threading.Lock()


def channels() -> dict[tuple[str, str], Channel]:
    """The active client's channels, by (app URL, session hash)."""
    return current().slot("queue.channels", dict)


def channel_for(app_url: str, session_hash: str, token: str | None, credentials: Any) -> Channel:
    """The channel of a session hash on an app (one per client), created on first use."""
    key = (app_url, session_hash)
    with _channels_lock:
        known = channels()
        channel = known.get(key)
        if channel is None or channel.broken:
            channel = known[key] = Channel(f"{app_url}/queue/data", session_hash, token, credentials, known)
        return channel


def close_channels() -> None:
    """Close every stream of the active client's channels (the client is being closed)."""
    with _channels_lock:
        known = list(channels().values())
        channels().clear()
    for channel in known:
        with channel.condition:
            response, channel.response = channel.response, None
            channel.broken = "the client was closed"
        if response is not None:
            response.close()


def forget_call(app_url: str, session_hash: str, event_id: str) -> None:
    """A call given up before its stream was read: stop keeping its messages."""
    with _channels_lock:
        channel = channels().get((app_url, session_hash))
    if channel is not None:
        channel.forget(event_id, close=True)


def _drop_channel(channel: Channel) -> None:
    """Forget a channel no call waits on and no join is about to use."""
    with _channels_lock:
        for key, known in list(channel.registry.items()):
            if known is channel and not channel.waiting and not channel.joins:
                del channel.registry[key]


class QueueStream:
    """One call's view of its channel, read the way ``results.py`` reads a ``/call`` stream.

    ``next_event`` returns the call's next message as a :class:`QueueEvent` (a stream that
    ends without it is a :class:`ConnectionLost`); ``finish`` and ``close`` let go of the channel.
    """

    def __init__(self, channel: Channel, event_id: str, unquote: bool) -> None:
        self.channel = channel
        self.event_id = event_id
        self.unquote = unquote
        self.what = channel.what
        self.previous: list[Any] | None = None
        self.busy = False
        self.last_event = time.monotonic()
        channel.register(event_id)

    @property
    def url(self) -> str:
        return self.channel.url

    def next_event(self, silence: float) -> QueueEvent | None:
        while True:
            left = self.last_event + silence - time.monotonic()
            if left <= 0:
                raise RequestTimeout(
                    f"{self.what}: no event within {silence:g} s (the stream read timeout)",
                    url=self.url,
                    kind="read",
                )
            message = self.channel.take(self.event_id, left)
            name, data, self.previous = translate(message, self.previous, self.unquote)
            if name is None:
                continue
            self.last_event = time.monotonic()
            return QueueEvent(event=name, data=None, value=data)

    def finish(self) -> None:
        self.channel.forget(self.event_id)

    def close(self) -> None:
        self.channel.forget(self.event_id, close=True)
