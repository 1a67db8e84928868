"""The five stateless functions against a real Gradio server (tests/apps/lab.py)."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

import pytest

from powershai_py import (
    AuthenticationRequired,
    EndpointNotFound,
    GradioApiEventResult,
    PowershaiWarning,
    download_gradio_file,
    get_gradio_info,
    invoke_gradio_http,
    iter_gradio_api_result,
    send_gradio_api,
    send_gradio_file,
    update_gradio_api_result,
)
from powershai_py.gradio.protocol.models import STATUS_EVENTS, carries_data


def call(app_url, api_name, params=None, token=None, **options):
    """Submit a call and read it to the end; return (event, results)."""
    event = send_gradio_api(app_url, api_name, params, token=token)
    return event, update_gradio_api_result(event, **options)


def without_heartbeats(results):
    """(event, data) of the events that carry the call's output: heartbeats and the queue's
    status events (estimation, process_starts, progress, log) left out."""
    return [(r.event, r.data) for r in results if carries_data(r)]


def kinds(results):
    """The names of the events, the queue's status events left out."""
    return [r.event for r in results if r.event not in STATUS_EVENTS]


# --- get_gradio_info -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/"])
def test_info_from_the_root_url_finds_the_api(lab, suffix):
    info = get_gradio_info(lab.url + suffix)
    assert info.real_app_url == lab.api_url
    assert info.version == lab.version
    assert {"echo", "greet", "count_up", "tally", "copy_file", "odd name-ção"} <= set(info.endpoint_names)
    greet = info.endpoint("greet")
    assert [p["parameter_name"] for p in greet["parameters"]] == ["name", "times"]
    assert [p["parameter_default"] for p in greet["parameters"]] == ["World", 2]


def test_info_from_the_api_url_gives_the_same_root(lab):
    info = get_gradio_info(lab.api_url + "/")
    assert info.real_app_url == lab.api_url
    assert info.root_url == lab.url


def test_info_hides_state_inputs_that_calls_still_need(lab):
    # /info lists only the visible input of tally; the call below must still work.
    info = get_gradio_info(lab.url)
    assert [p["label"] for p in info.endpoint("tally")["parameters"]] == ["Increment"]
    event, results = call(lab.url, "tally", [5])
    assert results[-1].event == "complete"
    assert results[-1].data == ["total=5", None]


# --- send_gradio_api + update_gradio_api_result ---------------------------------------


def test_generator_events_arrive_in_order_and_count(lab):
    event, results = call(lab.url, "count_up", [3])
    assert without_heartbeats(results) == [
        ("generating", ["step 1"]),
        ("generating", ["step 2"]),
        ("generating", ["step 3"]),
        ("generating", ["done"]),  # the last value comes as generating ...
        ("complete", ["done"]),  # ... and again as complete
    ]
    assert [r.num for r in results] == list(range(1, len(results) + 1))
    assert event.status == "complete"
    assert event.last_query_status == "complete"
    assert event.last_event_num == len(results)
    assert event.error is None


def test_stream_yields_each_event_before_the_call_ends(lab):
    event = send_gradio_api(lab.url, "count_up", [3])
    stream = iter_gradio_api_result(event)
    first = next(r for r in stream if carries_data(r))
    assert isinstance(first, GradioApiEventResult)
    assert first.data == ["step 1"]
    assert event.last_query_status == "running"  # nothing beyond the first result was read
    rest = list(stream)
    assert rest[-1].event == "complete"
    assert [r.num for r in rest] == list(range(first.num + 1, first.num + len(rest) + 1))


def test_a_list_of_events_is_read_one_after_the_other(lab):
    events = [send_gradio_api(lab.url, "echo", [text]) for text in ("a", "b")]
    results = update_gradio_api_result(events)
    assert without_heartbeats(results) == [("complete", ["a"]), ("complete", ["b"])]
    assert kinds(results) == ["complete", "complete"] or lab.major < 6  # /call on 6: nothing else
    assert all(event.status == "complete" for event in events)


def test_history_keeps_events_and_their_data(lab):
    event, results = call(lab.url, "count_up", [2], history=True)
    assert [e.event for e in event.events] == ["generating", "generating", "generating", "complete"]
    assert event.data == [["step 1"], ["step 2"], ["done"], ["done"]]


def test_script_sees_each_event_with_its_api_event(lab):
    seen = []
    call(
        lab.url,
        "count_up",
        [2],
        script=lambda arg: seen.append((arg["event"], arg["api_event"].event_id)),
    )
    assert [e.data for e, _ in seen if carries_data(e)] == [["step 1"], ["step 2"], ["done"], ["done"]]
    assert {e.event for e, _ in seen} - {"generating", "complete"} <= STATUS_EVENTS  # never a heartbeat
    assert len({event_id for _, event_id in seen}) == 1


def test_no_output_reads_everything_and_returns_nothing(lab):
    event, results = call(lab.url, "count_up", [2], no_output=True)
    assert results == []
    assert event.status == "complete"
    assert event.last_event_num >= 4


def test_a_single_value_is_one_input(lab):
    event, results = call(lab.url, "echo", "just one")
    assert results[-1].data == ["just one"]
    assert event.req["data"]["data"] == ["just one"]


def test_endpoint_names_with_spaces_and_unicode(lab):
    _, results = call(lab.url, "odd name-ção", ["ok"])
    assert results[-1].data == ["ok"]


def test_a_plain_exception_is_an_error_event(lab):
    event, results = call(lab.url, "boom", ["x"])
    assert kinds(results) == ["error"]
    assert event.status == "complete"
    assert event.last_query_status == "error"
    # the lab app runs without show_error: no version sends the text, but 6 and the queue say so
    assert event.error in ({"error": None}, "UnknownError")


def test_a_gr_error_keeps_the_message_the_server_sent(lab):
    event, _ = call(lab.url, "user_error", ["x"])  # the default transport gets it on every version
    assert event.error["error"] == "user error: x"


def test_a_generator_that_fails_midway_keeps_what_it_sent(lab):
    event, results = call(lab.url, "fail_midway", ["x"], history=True)
    assert without_heartbeats(results)[:2] == [("generating", ["first"]), ("generating", ["second"])]
    assert results[-1].event == "error"
    assert event.data[:2] == [["first"], ["second"]]
    assert event.error not in (None, "")
    assert event.last_query_status == "error"


def test_unknown_endpoint_names_the_ones_that_exist(lab):
    with pytest.raises(EndpointNotFound) as caught:
        send_gradio_api(lab.url, "ecko", ["x"])
    error = caught.value
    assert error.code == "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    assert str(error).startswith("POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI: ")
    assert error.available[0] == "echo"
    assert "count_up" in error.available


def test_reading_a_completed_event_warns_and_sends_nothing(lab, caplog):
    event, _ = call(lab.url, "echo", ["x"])
    caplog.set_level(logging.DEBUG, logger="powershai_py")
    with pytest.warns(PowershaiWarning, match="already completed") as record:
        assert update_gradio_api_result(event) == []
    assert record[0].filename == __file__  # the caller's line, not the library's
    assert not [r for r in caplog.records if "GET" in r.getMessage()]


def test_event_id_attaches_to_an_existing_call_without_posting(lab, caplog):
    first = send_gradio_api(lab.url, "echo", ["attached"], transport="call")  # as PowershAI makes them
    caplog.set_level(logging.DEBUG, logger="powershai_py")
    second = send_gradio_api(lab.url, "echo", event_id=first.event_id)
    assert not [r for r in caplog.records if r.getMessage().startswith("POST")]
    assert update_gradio_api_result(second)[-1].data == ["attached"]


def test_a_session_hash_over_call_warns_before_gradio_6(lab, recwarn):
    send_gradio_api(lab.url, "tally", [2], session_hash=uuid.uuid4().hex, transport="call")
    warned = [w for w in recwarn if issubclass(w.category, PowershaiWarning)]
    assert bool(warned) == (lab.major < 6)
    if warned:
        assert "session_hash" in str(warned[0].message)


def test_a_session_hash_keeps_state_on_every_version_by_default(lab, recwarn):
    session_hash = uuid.uuid4().hex
    first = send_gradio_api(lab.url, "tally", [2], session_hash=session_hash)
    assert not [w for w in recwarn if issubclass(w.category, PowershaiWarning)]
    assert update_gradio_api_result(first)[-1].data[0] == "total=2"
    second = send_gradio_api(lab.url, "tally", [3], session_hash=session_hash)
    assert update_gradio_api_result(second)[-1].data[0] == "total=5"


# --- heartbeats -----------------------------------------------------------------------


def test_max_heartbeats_stops_the_read_and_a_later_read_resumes(heartbeat_app):
    app, seconds = heartbeat_app
    event = send_gradio_api(app.url, "nap", [seconds])
    first = update_gradio_api_result(event, max_heartbeats=2, history=True)
    assert kinds(first) == ["heartbeat", "heartbeat"]
    assert event.last_query_status == "HeartBeatExpired"
    assert event.status is None  # heartbeats never change the status ...
    assert event.events == []  # ... nor enter the history
    rest = update_gradio_api_result(event, history=True)
    assert rest[0].num == first[-1].num + 1  # numbering goes on
    assert rest[-1].event == "complete"
    assert rest[-1].data == [f"slept {seconds}"]
    assert [e.event for e in event.events] == ["complete"]
    assert event.last_query_status == "complete"


# --- files ----------------------------------------------------------------------------


def test_upload_and_download_a_file_with_a_non_ascii_name(lab, tmp_path):
    source = tmp_path / "relatório ção ✓.txt"
    content = "olá, Gradio ✓\n".encode() * 100
    source.write_bytes(content)
    uploaded = send_gradio_file(lab.url, source)
    assert len(uploaded) == 1
    assert uploaded[0]["orig_name"] == source.name
    assert uploaded[0]["url"] == f"{lab.api_url}/file=" + quote(uploaded[0]["path"], safe="")

    event, results = call(lab.url, "copy_file", [uploaded[0]])
    returned, size_text = results[-1].data
    assert size_text == f"{len(content)} bytes"
    server_name = uploaded[0]["path"].rsplit("/", 1)[-1]  # Gradio 4 drops some symbols ("✓") from names
    assert server_name.startswith("relatório ção")
    assert returned["orig_name"] == "copy of " + server_name
    assert returned["url"] == f"{lab.api_url}/file=" + quote(returned["path"], safe="")

    (tmp_path / "out").mkdir()
    target = download_gradio_file(lab.url, returned, tmp_path / "out")
    assert target.name == returned["orig_name"]
    assert target.read_bytes() == content


def test_upload_raw_returns_server_paths_and_wildcards_expand(lab, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(name)
    paths = send_gradio_file(lab.url, str(tmp_path / "*.txt"), raw=True)
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["a.txt", "b.txt"]


# --- tokens ---------------------------------------------------------------------------


def test_public_sends_no_token_even_with_one_in_the_environment(lab, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_env_token")
    assert call(lab.url, "auth_header", ["x"])[1][-1].data == ["Bearer hf_env_token"]
    assert call(lab.url, "auth_header", ["x"], token="public")[1][-1].data == ["<none>"]
    assert call(lab.url, "auth_header", ["x"], token="Public")[1][-1].data == ["<none>"]
    assert call(lab.url, "auth_header", ["x"], token="hf_given")[1][-1].data == ["Bearer hf_given"]


def test_hf_api_token_wins_over_hf_token(lab, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "second")
    monkeypatch.setenv("HF_API_TOKEN", "first")
    assert call(lab.url, "auth_header", ["x"])[1][-1].data == ["Bearer first"]


def test_a_token_never_shows_in_repr_or_logs(lab, caplog):
    caplog.set_level(logging.DEBUG)
    event, results = call(lab.url, "echo", ["x"], token="hf_canary_123")
    assert "hf_canary_123" not in repr(event) + str(event) + repr(results)
    assert "hf_canary_123" not in caplog.text


# --- invoke_gradio_http ---------------------------------------------------------------


def test_invoke_gradio_http_parses_json(lab):
    info = invoke_gradio_http(lab.api_url + "/info")
    assert "/echo" in info["named_endpoints"]


def test_invoke_gradio_http_streams_lines_to_a_callback(lab):
    event = send_gradio_api(lab.url, "count_up", [1], transport="call")
    lines = []
    result = invoke_gradio_http(event.update_url, stream_callback=lines.append)
    assert result.status == 200
    assert "event: complete" in lines
    assert 'data: ["done"]' in lines


# --- errors ---------------------------------------------------------------------------


def test_an_app_behind_a_login_is_an_authentication_error(lab_auth):
    with pytest.raises(AuthenticationRequired) as caught:
        get_gradio_info(lab_auth.url, token="hf_canary_auth")
    error = caught.value
    assert error.status == 401
    assert "Not authenticated" in error.body
    assert "Gradio login" in error.message and "auth=" in error.message  # says what to do
    assert "hf_canary_auth" not in str(error)


def _new_connections() -> int:
    """New connections this thread's HTTP session opened, counted by urllib3's pools."""
    from powershai_py.http import get_session

    pools = {
        id(p): p for a in get_session().adapters.values() for p in a.poolmanager.pools._container.values()
    }
    return sum(pool.num_connections for pool in pools.values())


@pytest.mark.parametrize("transport", ["auto", "call", "queue"])
def test_twenty_calls_on_a_session_open_at_most_two_connections(lab, transport):
    from powershai_py import invoke_gradio_session_api, new_gradio_session, update_gradio_session_api_result
    from powershai_py.http import close_session

    close_session()  # a fresh pool: count from nothing
    session = new_gradio_session(lab.url, "reuse", transport=transport)
    for n in range(20):
        call = invoke_gradio_session_api("echo", [f"call {n}"], session=session)
        assert update_gradio_session_api_result(call, session=session)[-1].data == [f"call {n}"]
    assert _new_connections() <= 2  # a finished stream goes back to the pool: no handshake per call
