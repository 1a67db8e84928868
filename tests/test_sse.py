"""The SSE parser: pure, so hypothesis drives it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powershai_py.sse import SSEError, SSEEvent, SSEParser, parse

GRADIO_STREAM = (
    b'event: generating\ndata: ["step 1"]\n\n'
    b"event: heartbeat\ndata: null\n\n"
    b'event: complete\ndata: ["d\xc3\xa3o \xe2\x9c\x93"]\n\n'
)


def feed_in_pieces(payload: bytes, cuts: list[int]) -> list[SSEEvent]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    start = 0
    for cut in sorted(set(cuts)) + [len(payload)]:
        events += parser.feed(payload[start:cut])
        start = cut
    return events + parser.close()


def test_a_gradio_stream():
    assert parse(GRADIO_STREAM) == [
        SSEEvent("generating", '["step 1"]'),
        SSEEvent("heartbeat", "null"),
        SSEEvent("complete", '["dão ✓"]'),
    ]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_every_line_end(end):
    payload = end.join([b"event: a", b"data: 1", b"", b"data: 2", b"", b""])
    assert parse(payload) == [SSEEvent("a", "1"), SSEEvent(None, "2")]


def test_data_lines_join_with_newlines_and_comments_are_skipped():
    payload = b": a comment\nevent: x\ndata: one\ndata:two\ndata\nid: 7\nretry: 10\nunknown: z\n\n"
    assert parse(payload) == [SSEEvent("x", "one\ntwo\n", id="7")]


def test_a_crlf_split_across_two_chunks_is_one_line_end():
    parser = SSEParser()
    assert parser.feed(b"data: 1\r") == []
    assert parser.feed(b"\n\r\n") == [SSEEvent(None, "1")]


def test_a_utf8_character_split_across_chunks():
    parser = SSEParser()
    encoded = "data: ✓\n\n".encode()
    assert parser.feed(encoded[:7]) == []
    assert parser.feed(encoded[7:]) == [SSEEvent(None, "✓")]


def test_an_event_the_end_cuts_is_not_dispatched_but_kept_as_unfinished():
    # the SSE rule: an event without its closing blank line is not an event
    parser = SSEParser()
    assert parser.feed(b'data: [1]\n\nevent: complete\ndata: ["par') == [SSEEvent(None, "[1]")]
    assert parser.close() == []
    assert parser.unfinished == SSEEvent("complete", '["par')
    assert parse(b"event: complete\ndata: [1]") == []


def test_a_stream_closed_between_events_leaves_nothing_unfinished():
    parser = SSEParser()
    parser.feed(b"event: x\ndata: 1\n\n")
    assert parser.close() == []
    assert parser.unfinished is None


def test_one_leading_space_is_dropped_and_the_rest_kept():
    assert parse(b"data:  x\n\n") == [SSEEvent(None, " x")]
    assert parse(b"data:x\n\n") == [SSEEvent(None, "x")]
    assert parse(b"data: \n\n") == [SSEEvent(None, "")]
    # the same when the line arrives in pieces
    parser = SSEParser()
    assert parser.feed(b"data:") == [] and parser.feed(b"  x") == []
    assert parser.feed(b"\n\n") == [SSEEvent(None, " x")]


def test_invalid_utf8_is_the_parsers_own_error():
    with pytest.raises(SSEError) as caught:
        parse(b"data: \xff\n\n")
    assert caught.value.code == "POWERSHAI_SSE_INVALID"


def test_a_byte_order_mark_at_the_start_is_dropped():
    assert parse(b"\xef\xbb\xbfdata: 1\n\n") == [SSEEvent(None, "1")]


field_text = st.text(alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)))


@st.composite
def streams(draw):
    """A valid event stream, with a random line end and, sometimes, no final blank line."""
    events = draw(
        st.lists(
            st.tuples(st.one_of(st.none(), field_text), st.lists(field_text, min_size=1, max_size=3)),
            max_size=8,
        )
    )
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = []
    for name, data in events:
        if name is not None:
            lines.append(f"event: {name}")
        lines += [f"data: {d}" for d in data]
        lines.append("")
    return end.join(lines).encode() + (end.encode() if lines else b"")


@settings(max_examples=300, deadline=None)
@given(streams(), st.lists(st.integers(min_value=0, max_value=4000), max_size=20))
def test_every_rechunking_yields_the_same_events(payload, cuts):
    cuts = [c for c in cuts if c <= len(payload)]
    assert feed_in_pieces(payload, cuts) == parse(payload)


@settings(max_examples=300, deadline=None)
@given(streams())
def test_one_byte_at_a_time_yields_the_same_events(payload):
    assert feed_in_pieces(payload, list(range(len(payload)))) == parse(payload)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=300), max_size=10))
def test_arbitrary_bytes_raise_nothing_but_sse_error(payload, cuts):
    try:
        events = feed_in_pieces(payload, [c for c in cuts if c <= len(payload)])
    except SSEError:
        return
    assert all(isinstance(e, SSEEvent) for e in events)
