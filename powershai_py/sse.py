"""An incremental parser for server-sent events (the ``text/event-stream`` format).

Pure: bytes in, events out, no I/O. Feed it chunks as they arrive, split anywhere (inside a
line, inside a CRLF pair, inside a UTF-8 character); it returns the events each chunk
completes. It follows the WHATWG rules for fields and line ends (LF, CRLF and CR): an event
whose closing blank line never came is not dispatched. So that nothing received is lost, the
event the stream cut is kept on :attr:`SSEParser.unfinished` for the caller to report.

    parser = SSEParser()
    for chunk in chunks:
        for event in parser.feed(chunk):
            ...
    leftovers = parser.close()
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import ProtocolError

__all__ = ["SSEEvent", "SSEParser", "SSEError", "parse"]

_LINE_END = re.compile(r"\r\n|\r|\n")


class SSEError(ProtocolError):
    """The bytes are not a valid event stream (today: not valid UTF-8)."""

    default_code = "POWERSHAI_SSE_INVALID"


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event.

    ``event`` is the value of the ``event:`` field (None when absent), ``data`` the
    ``data:`` lines joined with newlines (None when there was no data line), ``id`` the
    last event id seen so far in the stream (None when none).
    """

    event: str | None
    data: str | None
    id: str | None = None


class SSEParser:
    """Turns a byte stream into :class:`SSEEvent` objects, chunk by chunk."""

    def __init__(self, max_event_bytes: int | None = None) -> None:
        self.max_event_bytes = max_event_bytes
        self._data_size = 0  # UTF-8 bytes of the data lines of the event being received
        self._partial_size = 0  # UTF-8 bytes of the line being received
        self._failure: SSEError | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._partial: list[str] = []  # pieces of the line being received
        self._skip_lf = False  # the last chunk ended with CR: a leading LF belongs to it
        self._at_start = True  # a byte order mark is allowed before the first line
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._has_fields = False
        self._closed = False
        self.unfinished: SSEEvent | None = None  # set by close(): the event the end cut

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk`` and return the events it completes (often none, sometimes many)."""
        if self._closed:
            raise SSEError("the parser was closed; create a new one for a new stream")
        if self._failure is not None:
            raise self._failure
        try:
            text = self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise SSEError(
                f"the event stream is not valid UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None
        return self._feed_text(text)

    def close(self) -> list[SSEEvent]:
        """Signal the end of the stream and return what it left unfinished.

        An unterminated last line counts as a line. An event with fields but no closing
        blank line is not dispatched (the SSE rule): it goes to :attr:`unfinished`.
        """
        if self._closed:
            return []
        if self._failure is not None:
            raise self._failure
        try:
            text = self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SSEError("the event stream ended inside a UTF-8 character") from None
        events = self._feed_text(text)
        self._closed = True
        if self._partial:
            self._partial_line(events)
        if self._failure is not None:
            raise self._failure
        if self._has_fields:
            self.unfinished = self._take_event()
        return events

    def _feed_text(self, text: str) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        if not text:
            return events
        if self._skip_lf:
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        if self._at_start and text:
            self._at_start = False
            if text[0] == "\ufeff":
                text = text[1:]
        start = 0
        for match in _LINE_END.finditer(text):
            piece = text[start : match.start()]
            start = match.end()
            if match.group() == "\r" and start == len(text):
                self._skip_lf = True
            if self._partial:
                self._partial.append(piece)
                self._partial_line(events)
            else:
                self._line(piece, events)
            if self._failure is not None:
                return events  # the events before the oversized one are handed out
        if start < len(text):
            rest = text[start:]
            self._partial.append(rest)
            self._partial_size += _size(rest)
            self._check(self._partial_size)
        return events

    def _check(self, pending: int) -> None:
        """Past ``max_event_bytes``, drop the event being received and stop the stream."""
        total = self._data_size + pending
        if self.max_event_bytes is None or total <= self.max_event_bytes:
            return
        self._partial, self._data = [], []
        self._partial_size = self._data_size = 0
        self._failure = SSEError(
            f"an event grew past {total:,} bytes, more than max_event_bytes "
            f"({self.max_event_bytes:,}); the events before it were kept",
            code="POWERSHAI_SSE_TOOLARGE",
            size=total,
            limit=self.max_event_bytes,
        )

    def _partial_line(self, events: list[SSEEvent]) -> None:
        """Complete the line received in pieces. The field name is cut from the first piece
        alone, so a long data line is copied once (pieces to value), not twice."""
        pieces, self._partial, self._partial_size = self._partial, [], 0
        name, colon, value = pieces[0].partition(":")
        if not colon or not name or not value:  # the field name or its blank is cut, or a comment
            self._line("".join(pieces), events)
            return
        pieces[0] = value[1:] if value[:1] == " " else value
        self._field(name, "".join(pieces), events)

    def _line(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            if self._has_fields:
                events.append(self._take_event())
            self._data_size = 0
            return
        if line[0] == ":":
            return  # a comment
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        self._field(name, value, events)

    def _field(self, name: str, value: str, events: list[SSEEvent]) -> None:
        if name == "event":
            self._event = value
        elif name == "data":
            self._data_size += _size(value) + 1
            self._check(0)
            if self._failure is not None:
                return
            self._data.append(value)
        else:
            if name == "id" and "\0" not in value:
                self._id = value
            return  # "id" alone dispatches nothing; "retry" and unknown fields are unused
        self._has_fields = True

    def _take_event(self) -> SSEEvent:
        event = SSEEvent(event=self._event, data="\n".join(self._data) if self._data else None, id=self._id)
        self._event = None
        self._data = []
        self._data_size = 0
        self._has_fields = False
        return event


def _size(text: str) -> int:
    """UTF-8 size of ``text`` (its length when ASCII, which ``isascii`` tells at no cost)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def parse(payload: bytes) -> list[SSEEvent]:
    """Parse a whole stream at once (a convenience over :class:`SSEParser`)."""
    parser = SSEParser()
    return parser.feed(payload) + parser.close()
