"""The queue transport without a real server: the diff decoder against Gradio's own encoder,
the message translation, and a shared queue/data stream from a local fault server (what a
real server cannot be made to do: cut the stream, send calls' messages interleaved)."""

from __future__ import annotations

import json
import threading

import pytest
from faultserver import end_chunks, send_chunk, send_json, start_event_stream
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from powershai_py import ConnectionLost, iter_gradio_api_result, send_gradio_api, update_gradio_api_result
from powershai_py.errors import ProtocolError
from powershai_py.gradio.protocol.models import QueueStatus, carries_data
from powershai_py.gradio.protocol.queue import apply_diff, translate

gradio_utils = pytest.importorskip("gradio.utils")  # the server's own diff encoder
gradio_client_utils = pytest.importorskip("gradio_client.utils")  # the official decoder, the reference

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@given(json_values, json_values)
@example([[None], None], [[]])  # decoded, but not into `new`, by both decoders
@example([None, None, [None, None, None]], [None, None, []])  # no decoder can apply it
@hsettings(max_examples=300, deadline=None)
def test_apply_diff_reads_what_gradio_encodes_as_gradio_client_does(old, new):
    """Whatever the server diffs (gradio.utils.diff), we decode as the official client does.

    Not always into ``new``: Gradio's encoder numbers the deletions of a list that shrinks
    inside a list without shifting them (old=[[None], None], new=[[]] decodes to [None] in
    gradio_client too), so the reference is the official decoder, not ``new``; where that
    decoder fails, ours raises ProtocolError."""
    edits = gradio_utils.diff(old, new)
    try:
        expected = gradio_client_utils.apply_diff(old, edits)
    except (LookupError, TypeError, ValueError):
        # Gradio's encoder also makes diffs no decoder can apply (old=[None, [None, None, None]],
        # new=[None, []] deletes index -2 of a list already down to one item): ours says so
        with pytest.raises(ProtocolError):
            apply_diff(old, edits)
        return
    assert apply_diff(old, edits) == expected


@given(
    st.lists(st.dictionaries(st.sampled_from(["role", "content"]), st.text(max_size=6)), max_size=5),
    st.data(),
)
def test_a_growing_chat_history_decodes_to_the_new_history(history, data):
    """What generators send in practice: a list that grows, its last message's text growing."""
    grown = [dict(item) for item in history] + data.draw(
        st.lists(
            st.fixed_dictionaries({"role": st.just("assistant"), "content": st.text(max_size=6)}), max_size=3
        )
    )
    assert apply_diff(history, gradio_utils.diff(history, grown)) == grown


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_growing_text_comes_as_appends(start, more):
    edits = gradio_utils.diff(start, start + more)
    assert apply_diff(start, edits) == start + more


@given(json_values)
def test_apply_diff_never_changes_its_input(value):
    before = json.dumps(value)
    apply_diff(value, [["replace", [], "other"]])
    assert json.dumps(value) == before


@pytest.mark.parametrize(
    "edits",
    ["not a list", [["replace"]], [["frobnicate", [0], 1]], [["replace", [5], 1]], [["delete", ["x"], None]]],
)
def test_a_diff_that_does_not_fit_is_a_protocol_error(edits):
    with pytest.raises(ProtocolError):
        apply_diff([1, 2], edits)


def test_translate_gives_the_call_vocabulary():
    generating = {"msg": "process_generating", "event_id": "e", "output": {"data": ["a", 1]}, "success": True}
    name, data, previous = translate(generating, None)
    assert (name, data, previous) == ("generating", ["a", 1], ["a", 1])
    update = {**generating, "output": {"data": [[["append", [], "b"]], []]}}
    assert translate(update, previous)[:2] == ("generating", ["ab", 1])
    done = {"msg": "process_completed", "event_id": "e", "output": {"data": ["ab", 1]}, "success": True}
    assert translate(done, ["ab", 1])[:2] == ("complete", ["ab", 1])
    failed = {"msg": "process_completed", "output": {"error": "'Cannot divide by zero!'"}, "success": False}
    assert translate(failed, None, unquote=True)[1] == {"error": "Cannot divide by zero!"}  # Gradio 4 quotes
    assert translate(failed, None)[1] == {"error": "'Cannot divide by zero!'"}
    cancelled = {"msg": "process_completed", "event_id": "e", "output": {}, "success": True}
    assert translate(cancelled, None)[:2] == ("complete", None)
    estimation = {"msg": "estimation", "event_id": "e", "rank": 2, "queue_size": 5, "rank_eta": 3.5}
    assert translate(estimation, None)[:2] == ("estimation", {"rank": 2, "queue_size": 5, "eta": 3.5})
    assert translate({"msg": "close_stream", "event_id": None}, None)[0] is None
    with pytest.raises(ProtocolError):
        translate({"msg": "something new"}, None)


def test_the_status_line_reads_like_the_web_page():
    assert QueueStatus(rank=2, queue_size=7, eta=12.3).describe() == "queued 3/7 · about 12 s"
    step = {"index": 9, "length": 20, "unit": "steps", "progress": None, "desc": "loading weights"}
    running = QueueStatus(stage="running", progress=[step])
    assert running.describe() == "running 45% · steps 9/20 · loading weights"
    assert QueueStatus(stage="running").describe() == "running"
    assert QueueStatus(stage="cancelled").describe() == "cancelled"


# --- a shared queue/data stream from a fault server ------------------------------------------


def _message(**fields) -> bytes:
    return f"data: {json.dumps(fields)}\n\n".encode()


def queue_app(server, stream, version="4.44.1"):
    """Answer /config and POST /queue/join like a Gradio 4 app; GET /queue/data runs ``stream``."""
    config = {
        "version": version,
        "api_prefix": "",
        "components": [{"id": 1, "type": "textbox"}],
        "dependencies": [{"id": 0, "api_name": "echo", "inputs": [1], "outputs": [1]}],
    }
    joined: list[str] = []

    def join(handler):
        body = json.loads(handler.server.fault.requests[-1]["body"])
        event_id = f"e{len(joined) + 1}"
        joined.append(body["session_hash"])
        send_json(handler, 200, {"event_id": event_id})

    server.route("GET", "/config", lambda h: send_json(h, 200, config))
    server.route("POST", "/queue/join", join)
    server.route("GET", "/queue/data", stream)
    return joined


def test_two_calls_on_one_stream_each_get_their_own_messages_in_any_order(fault):
    """Messages of two calls arrive interleaved, the second call's result first."""

    def stream(handler):
        start_event_stream(handler)
        for payload in (
            _message(msg="estimation", event_id="e1", rank=0, queue_size=2, rank_eta=None),
            _message(msg="estimation", event_id="e2", rank=1, queue_size=2, rank_eta=None),
            _message(msg="heartbeat", event_id=None),
            _message(msg="process_completed", event_id="e2", output={"data": ["two"]}, success=True),
            _message(msg="process_generating", event_id="e1", output={"data": ["o"]}, success=True),
            _message(
                msg="process_generating",
                event_id="e1",
                output={"data": [[["append", [], "ne"]]]},
                success=True,
            ),
            _message(msg="process_completed", event_id="e1", output={"data": ["one"]}, success=True),
            _message(msg="close_stream", event_id=None),
        ):
            send_chunk(handler, payload)
        end_chunks(handler)

    queue_app(fault, stream)
    first = send_gradio_api(fault.url, "echo", ["one"], session_hash="shared", transport="queue")
    second = send_gradio_api(fault.url, "echo", ["two"], session_hash="shared", transport="queue")
    got_first = update_gradio_api_result(first)
    got_second = update_gradio_api_result(second, status=True)
    assert [(r.event, r.data) for r in got_first if carries_data(r)] == [
        ("generating", ["o"]),
        ("generating", ["one"]),
        ("complete", ["one"]),
    ]
    assert [(r.event, r.data) for r in got_second if carries_data(r)] == [("complete", ["two"])]
    assert [r.event for r in got_second] == ["estimation", "heartbeat", "complete"]  # heartbeats go to all
    assert second.queue.rank == 1 and second.queue.stage == "done"
    assert len([r for r in fault.requests if r["path"].startswith("/queue/data")]) == 1  # one stream


def test_a_call_joined_after_close_stream_opens_the_stream_again(fault):
    opened: list[int] = []

    def stream(handler):
        opened.append(1)
        event_id = f"e{len(opened)}"
        start_event_stream(handler)
        send_chunk(
            handler,
            _message(msg="process_completed", event_id=event_id, output={"data": [event_id]}, success=True),
        )
        send_chunk(handler, _message(msg="close_stream", event_id=None))
        end_chunks(handler)

    queue_app(fault, stream)
    first = send_gradio_api(fault.url, "echo", ["a"], session_hash="h", transport="queue")
    assert update_gradio_api_result(first)[-1].data == ["e1"]
    second = send_gradio_api(fault.url, "echo", ["b"], session_hash="h", transport="queue")
    assert update_gradio_api_result(second)[-1].data == ["e2"]
    assert len(opened) == 2


def test_a_stream_cut_before_a_calls_result_is_connection_lost_for_it_only(fault):
    def stream(handler):
        start_event_stream(handler)
        send_chunk(
            handler, _message(msg="process_completed", event_id="e1", output={"data": ["ok"]}, success=True)
        )
        send_chunk(handler, _message(msg="process_starts", event_id="e2", eta=None))
        end_chunks(handler)  # no close_stream, and e2 never completed

    queue_app(fault, stream)
    first = send_gradio_api(fault.url, "echo", ["a"], session_hash="cut", transport="queue")
    second = send_gradio_api(fault.url, "echo", ["b"], session_hash="cut", transport="queue")
    assert iter_gradio_api_result(second, status=True).__next__().event == "process_starts"
    with pytest.raises(ConnectionLost):
        list(update_gradio_api_result(second))
    assert second.last_query_status == "ConnectionLost" and second.status != "complete"
    assert update_gradio_api_result(first)[-1].data == ["ok"]  # sorted before the cut: kept
    assert first.last_query_status == "complete"


def test_calls_read_in_two_threads_share_the_stream_without_waiting_for_each_other(fault):
    release = threading.Event()

    def stream(handler):
        start_event_stream(handler)
        send_chunk(
            handler, _message(msg="process_completed", event_id="e2", output={"data": ["fast"]}, success=True)
        )
        release.wait(10)  # e1's result comes only after e2's reader has its result
        send_chunk(
            handler, _message(msg="process_completed", event_id="e1", output={"data": ["slow"]}, success=True)
        )
        send_chunk(handler, _message(msg="close_stream", event_id=None))
        end_chunks(handler)

    queue_app(fault, stream)
    slow = send_gradio_api(fault.url, "echo", ["a"], session_hash="t", transport="queue")
    fast = send_gradio_api(fault.url, "echo", ["b"], session_hash="t", transport="queue")
    outcome: dict[str, object] = {}
    reader = threading.Thread(target=lambda: outcome.setdefault("slow", update_gradio_api_result(slow)))
    reader.start()
    outcome["fast"] = update_gradio_api_result(fast)[-1].data
    release.set()
    reader.join(timeout=20)
    assert outcome["fast"] == ["fast"]
    assert outcome["slow"][-1].data == ["slow"]  # type: ignore[index]


def test_a_server_without_cancel_says_so_and_the_call_goes_on(fault):
    """An app whose server has no /cancel route (a proxy in front of it, an old version):
    a clear error, and the call is not marked as cancelled."""
    from powershai_py import PowershaiError, stop_gradio_api

    def stream(handler):
        start_event_stream(handler)
        send_chunk(
            handler, _message(msg="process_completed", event_id="e1", output={"data": ["done"]}, success=True)
        )
        send_chunk(handler, _message(msg="close_stream", event_id=None))
        end_chunks(handler)

    queue_app(fault, stream)  # no POST /cancel: the fault server answers 404
    event = send_gradio_api(fault.url, "echo", ["a"], transport="queue")
    with pytest.raises(PowershaiError) as caught:
        stop_gradio_api(event)
    assert caught.value.code == "POWERSHAI_GRADIO_CANCEL_UNSUPPORTED"
    assert "does not cancel" in caught.value.message and not event.cancel_requested
    assert update_gradio_api_result(event)[-1].data == ["done"]
    assert event.last_query_status == "complete"  # a real result, not taken for a cancel


# --- the queue is the default transport: the same guarantees as /call under faults -------------


@pytest.fixture
def queue_fault(fault, fast):
    """The fault server with the library's default transport (the fault fixture picks /call)."""
    fast.settings.transport = "auto"
    return fault


def _generating(event_id: str, value: str) -> bytes:
    return _message(msg="process_generating", event_id=event_id, output={"data": [value]}, success=True)


@pytest.mark.parametrize(
    "tail",
    [
        b"",  # the stream ends between messages
        b'data: {"msg": "process_completed", "event_id": "e1", "output": {"data": ["do',  # cut inside
        _message(msg="process_completed", event_id="e1", output={"data": ["done"]}, success=True)[:-1],
    ],
    ids=["between-messages", "mid-message", "completed-without-its-blank-line"],
)
def test_a_queue_stream_that_ends_before_the_result_is_never_complete(queue_fault, tail):
    def short(handler):
        start_event_stream(handler)
        send_chunk(handler, _generating("e1", "only") + tail)
        end_chunks(handler)

    queue_app(queue_fault, short)
    event = send_gradio_api(queue_fault.url, "echo", ["x"])  # the default transport: the queue
    assert event.transport == "queue"
    with pytest.raises(ConnectionLost):
        update_gradio_api_result(event, history=True)
    assert event.data == [["only"]] and event.status != "complete"
    assert event.last_query_status == "ConnectionLost"


def test_a_silent_queue_stream_is_a_timeout_and_keeps_what_came(queue_fault):
    from powershai_py import RequestTimeout

    release = threading.Event()

    def silent(handler):
        start_event_stream(handler)
        send_chunk(handler, _generating("e1", "first"))
        release.wait(10)  # longer than the 2 s of silence the fault fixture allows

    queue_app(queue_fault, silent)
    event = send_gradio_api(queue_fault.url, "echo", ["x"])
    try:
        with pytest.raises(RequestTimeout):
            update_gradio_api_result(event, history=True)
    finally:
        release.set()
    assert event.data == [["first"]] and event.status != "complete"


def test_a_queue_message_that_is_not_json_is_a_protocol_error_keeping_what_came(queue_fault):
    def broken(handler):
        start_event_stream(handler)
        send_chunk(handler, _generating("e1", "ok") + b"data: {not json\n\n")
        end_chunks(handler)

    queue_app(queue_fault, broken)
    event = send_gradio_api(queue_fault.url, "echo", ["x"])
    with pytest.raises(ProtocolError):
        update_gradio_api_result(event, history=True)
    assert event.data == [["ok"]] and event.status != "complete"


def test_status_events_are_shown_only_when_asked_for(queue_fault):
    """Results are what /call gives (as PowershAI's cmdlets return them); the queue's status
    events update ``event.queue`` and come with ``status=True``, numbered with the last result."""

    joined: list[str] = []

    def stream(handler):
        start_event_stream(handler)
        event_id = f"e{len(joined)}"  # the call that joined last
        for payload in (
            _message(msg="estimation", event_id=event_id, rank=0, queue_size=1, rank_eta=1.5),
            _message(msg="process_starts", event_id=event_id, eta=None),
            _generating(event_id, "a"),
            _message(msg="progress", event_id=event_id, progress_data=[{"index": 1, "length": 2}]),
            _message(msg="process_completed", event_id=event_id, output={"data": ["b"]}, success=True),
            _message(msg="close_stream", event_id=None),
        ):
            send_chunk(handler, payload)
        end_chunks(handler)

    joined = queue_app(queue_fault, stream)
    plain = update_gradio_api_result(send_gradio_api(queue_fault.url, "echo", ["x"]))
    assert [(r.num, r.event) for r in plain] == [(1, "generating"), (2, "complete")]
    shown = send_gradio_api(queue_fault.url, "echo", ["x"])
    everything = update_gradio_api_result(shown, status=True)
    assert [(r.num, r.event) for r in everything] == [
        (0, "estimation"),
        (0, "process_starts"),
        (1, "generating"),
        (1, "progress"),
        (2, "complete"),
    ]
    assert shown.queue.stage == "done" and shown.last_event_num == 2


# --- what a hostile queue can grow or break (issue 23) ------------------------------------------


def _one_call_stream(messages):
    """A queue/data route that sends ``messages("e1")``: the messages of the first call."""

    def stream(handler):
        start_event_stream(handler)
        for payload in messages("e1"):
            send_chunk(handler, payload)
        end_chunks(handler)

    return stream


def test_wrongly_typed_status_fields_never_crash_a_read_or_its_display(queue_fault):
    def messages(event_id):
        yield _message(msg="estimation", event_id=event_id, rank="1", queue_size=[2], rank_eta="soon")
        yield _message(msg="progress", event_id=event_id, progress_data=[{"index": "3", "length": None}])
        yield _message(msg="log", event_id=event_id, level=5, log={"x": 1}, title=None)
        yield _message(msg="process_completed", event_id=event_id, output={"data": ["ok"]}, success=True)
        yield _message(msg="close_stream", event_id=None)

    queue_app(queue_fault, _one_call_stream(messages))
    event = send_gradio_api(queue_fault.url, "echo", ["x"])
    results = update_gradio_api_result(event, status=True)
    assert results[-1].data == ["ok"]
    assert event.queue.rank is None and event.queue.progress[0]["index"] is None
    assert isinstance(event.queue.describe(), str) and "<table>" in event._repr_html_()


def test_app_messages_are_kept_up_to_a_bound_and_counted(queue_fault):
    def messages(event_id):
        for n in range(300):
            yield _message(msg="log", event_id=event_id, level="info", log=f"{n} " + "x" * 5000, title=None)
        yield _message(msg="process_completed", event_id=event_id, output={"data": ["ok"]}, success=True)
        yield _message(msg="close_stream", event_id=None)

    queue_app(queue_fault, _one_call_stream(messages))
    event = send_gradio_api(queue_fault.url, "echo", ["x"])
    assert update_gradio_api_result(event)[-1].data == ["ok"]
    kept = event.queue.messages
    assert len(kept) + event.queue.messages_dropped == 300 and len(kept) <= 100
    assert sum(len(text) for _, text in kept) <= 256 * 1024 + 5000


def test_an_endless_estimate_stops_at_the_heartbeat_limit(queue_fault):
    def messages(event_id):
        for _ in range(500):  # the same estimate, again and again, and never a result
            yield _message(msg="estimation", event_id=event_id, rank=0, queue_size=1, rank_eta=1.0)

    queue_app(queue_fault, _one_call_stream(messages))
    event = send_gradio_api(queue_fault.url, "echo", ["x"])
    results = update_gradio_api_result(event, max_heartbeats=10, status=True)
    assert event.last_query_status == "HeartBeatExpired" and len(results) <= 11
    assert event.status != "complete"


def test_messages_for_calls_nobody_joined_are_not_kept(queue_fault):
    """A server that sends 30 MB of messages for 300 event ids nobody joined, in the middle of
    one call: they are dropped as they come, nothing is held once the call has ended."""
    import tracemalloc

    from powershai_py.gradio.protocol import queue

    def messages(event_id):
        for n in range(300):
            yield _message(msg="process_generating", event_id=f"foreign{n}", output={"data": ["x" * 100_000]})
        yield _message(msg="process_completed", event_id=event_id, output={"data": ["ok"]}, success=True)
        yield _message(msg="close_stream", event_id=None)

    queue_app(queue_fault, _one_call_stream(messages))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        event = send_gradio_api(queue_fault.url, "echo", ["x"])
        assert update_gradio_api_result(event)[-1].data == ["ok"]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 3_000_000, f"{held:,} bytes still held after the call"
    assert not [key for key in queue.channels() if key[0] == queue_fault.url]  # the channel went with it


def test_a_calls_messages_that_come_before_its_join_answers_are_kept_for_it(fault, fast):
    """The stream, read for a first call, brings a second call's result (among 40 messages of
    100 KB for ids nobody joined) before the second call's join has answered: the result
    waits for it, the strays are bounded by bytes meanwhile, and all goes with the calls."""
    import time

    from powershai_py.gradio.protocol import queue
    from powershai_py.state import using

    fast.settings.max_event_bytes = 1024 * 1024
    sent, release = threading.Event(), threading.Event()
    peak: list[int] = []

    def stream(handler):
        start_event_stream(handler)
        send_chunk(handler, _message(msg="process_starts", event_id="e1", eta=None))
        for n in range(40):
            send_chunk(
                handler,
                _message(msg="process_generating", event_id=f"x{n}", output={"data": ["y" * 100_000]}),
            )
        send_chunk(
            handler, _message(msg="process_completed", event_id="e2", output={"data": ["two"]}, success=True)
        )
        sent.set()
        release.wait(10)
        send_chunk(
            handler, _message(msg="process_completed", event_id="e1", output={"data": ["one"]}, success=True)
        )
        send_chunk(handler, _message(msg="close_stream", event_id=None))
        end_chunks(handler)

    joined = queue_app(fault, stream)

    def join(handler):
        joined.append("h")
        if len(joined) == 2:  # the second join answers only once its result went by
            sent.wait(10)
            with using(fast.state):  # this server thread looks into the test's client
                channel = queue.channels()[(fault.url, "h")]
            deadline = time.monotonic() + 10  # sent is not read: wait for the client to read it
            with channel.condition:
                while channel.stray_bytes == 0 and time.monotonic() < deadline:
                    channel.condition.wait(0.05)
                peak.append(channel.stray_bytes)
        send_json(handler, 200, {"event_id": f"e{len(joined)}"})

    fault.route("POST", "/queue/join", join)
    first = send_gradio_api(fault.url, "echo", ["a"], session_hash="h", transport="queue")
    reader = threading.Thread(target=lambda: update_gradio_api_result(first))
    reader.start()
    second = send_gradio_api(fault.url, "echo", ["b"], session_hash="h", transport="queue")
    assert update_gradio_api_result(second)[-1].data == ["two"]
    release.set()
    reader.join(timeout=20)
    assert first.last_query_status == "complete"
    assert peak and 0 < peak[0] <= 1024 * 1024
    assert (fault.url, "h") not in queue.channels()
