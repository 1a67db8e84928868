"""Sessions against a real Gradio server (tests/apps/lab.py): store, calls, MaxCalls, files."""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path

import pytest

from powershai_py import (
    EndpointNotFound,
    GradioSession,
    InvalidEvent,
    MaxCallsReached,
    PowershaiError,
    PowershaiWarning,
    SessionApiEvent,
    SessionExists,
    SessionNotFound,
    get_gradio_info,
    get_gradio_session,
    get_gradio_session_api,
    get_gradio_sessions,
    invoke_gradio_session_api,
    iter_gradio_session_api_result,
    new_gradio_session,
    remove_gradio_session,
    remove_gradio_session_api,
    send_gradio_api,
    send_gradio_session_files,
    set_gradio_session,
    update_gradio_session_api_result,
)
from powershai_py.gradio.protocol.models import carries_data


def run(api_name, params=None, session=".", **options):
    """Invoke through a session and read to the end; return (call, the results that carry data:
    no heartbeats, none of the queue's status events)."""
    call = invoke_gradio_session_api(api_name, params, session=session)
    results = update_gradio_session_api_result(call, session=session, **options)
    return call, [r for r in results if carries_data(r)]


def last_data(api_name, params=None, session="."):
    return run(api_name, params, session)[1][-1].data


# --- opening and finding sessions -------------------------------------------------------


def test_a_new_session_is_named_after_its_app_and_reads_well(lab):
    session = new_gradio_session(lab.url)
    assert isinstance(session, GradioSession)
    assert session.name == session.app_url == lab.api_url
    assert str(session) == lab.api_url
    assert session.options == {"MaxCalls": 100, "MaxCallsPolicy": "warning"}
    assert "echo" in session.info.endpoint_names
    assert (
        repr(session)
        == f"GradioSession(name={lab.api_url!r}, app_url={lab.api_url!r}, calls=0/100 (warning))"
    )
    run("echo", ["hi"])
    assert "calls=1/100" in repr(session)


def test_a_call_reads_well_in_a_repl(lab):
    new_gradio_session(lab.url, "lab")
    call, _ = run("echo", ["x"])
    text = repr(call)
    assert text.startswith(f"SessionApiEvent(id={call.id!r}, api='/echo', status='complete'")
    assert call.api_event.last_event_num >= 1
    assert text.endswith(f"events_read={call.api_event.last_event_num})")
    assert "GradioApiEvent(" in repr(call.api_event) and "data=" not in repr(call.api_event)


def test_a_taken_name_is_an_error_unless_forced(lab):
    first = new_gradio_session(lab.url, "Lab")
    with pytest.raises(SessionExists) as caught:
        new_gradio_session(lab.url, "lab")
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIOSESSION"
    second = new_gradio_session(lab.url, "LAB", force=True)
    assert get_gradio_session("lab") is second
    assert second.session_id != first.session_id


def test_forcing_a_new_session_closes_the_streams_of_the_old_one(heartbeat_app):
    app, seconds = heartbeat_app
    new_gradio_session(app.url, "beats")
    call = invoke_gradio_session_api("nap", [seconds])
    update_gradio_session_api_result(call, max_heartbeats=1)
    assert call.api_event.stream is not None  # open, waiting for more
    new_gradio_session(app.url, "beats", force=True)
    assert call.api_event.stream is None
    assert call.api_event.last_query_status == "Closed"
    assert call.removed


@pytest.mark.parametrize("name", [".", "*", " ", ""])
def test_names_with_a_meaning_are_refused(lab, name):
    with pytest.raises(PowershaiError) as caught:
        new_gradio_session(lab.url, name)
    assert caught.value.code == "POWERSHAI_GRADIO_SESSION_INVALIDNAME"
    assert get_gradio_sessions() == []


def test_a_failing_app_stores_nothing():
    with pytest.raises(PowershaiError):
        new_gradio_session("http://127.0.0.1:9")
    assert get_gradio_sessions() == []


def test_the_default_session_rules(lab):
    with pytest.raises(PowershaiError) as caught:
        get_gradio_session(".")
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT"
    one = new_gradio_session(lab.url, "one")
    assert get_gradio_session(".") is one  # a single session is the default
    two = new_gradio_session(lab.url, "two")
    with pytest.raises(PowershaiError) as caught:
        get_gradio_session(".")
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT"
    set_gradio_session("TWO", default=True)
    assert get_gradio_session(".") is two
    assert get_gradio_info(".").real_app_url == lab.api_url
    remove_gradio_session(".")
    assert get_gradio_session(".") is one  # one left: it is the default again
    assert get_gradio_sessions() == [one]


def test_finding_sessions_by_name_glob_url_and_id(lab, lab_beats):
    a = new_gradio_session(lab.url, "alpha")
    b = new_gradio_session(lab_beats.url, "beta")
    assert get_gradio_session("ALPHA") is a
    assert get_gradio_sessions() == [a, b]
    assert get_gradio_sessions("a*", like=True) == [a]
    assert get_gradio_sessions("*" + lab_beats.url.split(":")[-1] + "*", like=True) == [b]  # by URL (D-5)
    assert get_gradio_sessions("nothing*", like=True) == []
    assert get_gradio_session(b.session_id, by_id=True) is b
    assert get_gradio_sessions(["beta", "alpha"]) == [b, a]
    set_gradio_session("beta", default=True)
    assert get_gradio_session() is b  # one session: the default, by default
    # the old way of asking get_gradio_session for a list still answers one, and says what to use
    for old_way in (lambda: get_gradio_session("*"), lambda: get_gradio_session("a*", like=True)):
        with pytest.warns(DeprecationWarning, match="get_gradio_sessions"):
            assert old_way() in ([a, b], [a])
    with pytest.raises(SessionNotFound) as caught:
        get_gradio_session("gamma")
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND"
    assert "alpha" in caught.value.message and "beta" in caught.value.message
    with pytest.raises(SessionNotFound) as caught:
        get_gradio_session("no-such-id", by_id=True)
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GETSESSION_HFNOSESSIONID"
    assert "no-such-id" in caught.value.message


def test_a_removed_session_object_is_not_used_again(lab):
    session = new_gradio_session(lab.url, "gone")
    assert remove_gradio_session(session) == [session]
    with pytest.raises(SessionNotFound):
        get_gradio_session(session)
    with pytest.raises(SessionNotFound):
        invoke_gradio_session_api("echo", ["x"], session=session)


def test_remove_takes_names_objects_star_and_iterables(lab):
    a, b, c = (new_gradio_session(lab.url, name) for name in ("a", "b", "c"))
    set_gradio_session("b", default=True)
    assert remove_gradio_session(["B", c, "missing"]) == [b, c]
    assert get_gradio_sessions() == [a]
    new_gradio_session(lab.url, "d")
    with pytest.raises(PowershaiError):  # the default went with b: '.' is ambiguous again
        get_gradio_session(".")
    assert len(remove_gradio_session("*")) == 2
    assert get_gradio_sessions() == []


def test_get_gradio_info_takes_a_session_or_its_name(lab):
    session = new_gradio_session(lab.url, "info")
    assert get_gradio_info(session).real_app_url == lab.api_url
    assert get_gradio_info("info").endpoint("greet") is not None
    shown = repr(get_gradio_info("info"))
    assert lab.api_url in shown and "greet" in shown and len(shown) < 600  # not the whole /info
    assert get_gradio_info(lab.url + "/").real_app_url == lab.api_url


# --- options ----------------------------------------------------------------------------


def test_set_gradio_session_checks_its_values_and_stores_only_options(lab):
    session = new_gradio_session(lab.url)
    for bad in ({"max_calls": -1}, {"max_calls": "5"}, {"max_calls": True}, {"max_calls_policy": "never"}):
        with pytest.raises(PowershaiError) as caught:
            set_gradio_session(**bad)
        assert caught.value.code == "POWERSHAI_GRADIO_SESSION_INVALIDOPTION"
    assert session.options == {"MaxCalls": 100, "MaxCallsPolicy": "warning"}
    set_gradio_session(max_calls=3, max_calls_policy="ReMoVe")
    assert session.options == {"MaxCalls": 3, "MaxCallsPolicy": "remove"}  # nothing else (D-9)


# --- invoking -----------------------------------------------------------------------------


def test_a_dict_is_ordered_by_the_endpoint_parameters_in_any_case(lab):
    new_gradio_session(lab.url)
    assert last_data("greet", {"TIMES": 3, "Name": "Ana"}) == ["Hello Ana! Hello Ana! Hello Ana!"]


def test_a_missing_key_sends_the_endpoint_default(lab):
    new_gradio_session(lab.url)
    assert last_data("greet", {"name": "Bo"}) == ["Hello Bo! Hello Bo!"]  # times defaults to 2
    assert last_data("greet", {}) == ["Hello World! Hello World!"]


def test_an_unknown_key_names_the_valid_ones(lab):
    session = new_gradio_session(lab.url)
    with pytest.raises(PowershaiError) as caught:
        invoke_gradio_session_api("greet", {"name": "x", "tims": 2})
    assert caught.value.code == "POWERSHAI_GRADIO_INVOKEAPI_PARAM"
    assert "'tims'" in caught.value.message and "name, times" in caught.value.message
    assert session.api_calls.all_events == []


def test_lists_and_single_values(lab):
    new_gradio_session(lab.url)
    assert last_data("greet", ["Cy", 1]) == ["Hello Cy!"]
    assert last_data("echo", "just one") == ["just one"]


def test_endpoint_names_in_any_case_post_the_app_spelling(lab, caplog):
    new_gradio_session(lab.url)
    caplog.set_level(logging.DEBUG, logger="powershai_py")
    call, results = run("ECHO", ["case"])
    assert call.api_name == "echo"
    assert results[-1].data == ["case"]


def test_an_unknown_endpoint_keeps_the_original_code_and_lists_the_others(lab):
    new_gradio_session(lab.url)
    with pytest.raises(EndpointNotFound) as caught:
        invoke_gradio_session_api("greeet", ["x"])
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    assert caught.value.available[0] == "greet"
    assert "echo" in caught.value.available


def test_event_id_attaches_to_a_call_made_elsewhere(lab, caplog):
    session = new_gradio_session(lab.url)
    elsewhere = send_gradio_api(lab.url, "echo", ["made elsewhere"], transport="call")  # as PowershAI does
    caplog.set_level(logging.DEBUG, logger="powershai_py")
    call = invoke_gradio_session_api("echo", event_id=elsewhere.event_id)
    assert not [r for r in caplog.records if r.getMessage().startswith("POST")]
    assert call.id == elsewhere.event_id
    assert update_gradio_session_api_result(call)[-1].data == ["made elsewhere"]
    again = invoke_gradio_session_api("echo", event_id=elsewhere.event_id)
    assert again is call and len(session.api_calls.all_events) == 1


def test_public_sends_no_token_and_the_session_token_is_the_default(lab, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "from-env")
    new_gradio_session(lab.url, "plain")
    assert last_data("auth_header", ["x"], "plain") == ["Bearer from-env"]
    call = invoke_gradio_session_api("auth_header", ["x"], session="plain", token="public")
    assert update_gradio_session_api_result(call, session="plain")[-1].data == ["<none>"]
    new_gradio_session(lab.url, "own", token="session-token")
    assert last_data("auth_header", ["x"], "own") == ["Bearer session-token"]
    call = invoke_gradio_session_api("auth_header", ["x"], session="own", token="PUBLIC")
    assert update_gradio_session_api_result(call, session="own")[-1].data == ["<none>"]
    session = get_gradio_session("own")
    assert "session-token" not in repr(session) and "session-token" not in repr(call)


# --- MaxCalls on a real server --------------------------------------------------------------


def test_policy_error_refuses_before_sending(lab, caplog):
    session = new_gradio_session(lab.url)
    set_gradio_session(max_calls=2, max_calls_policy="ERROR")
    run("echo", ["1"])
    run("echo", ["2"])
    caplog.set_level(logging.DEBUG, logger="powershai_py")
    with pytest.raises(MaxCallsReached) as caught:
        invoke_gradio_session_api("echo", ["3"])
    assert caught.value.code == "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS"
    assert str(caught.value).startswith("POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS: Max calls reached. 2/2")
    assert not [r for r in caplog.records if r.getMessage().startswith("POST")]
    assert len(session.api_calls.all_events) == 2


def test_policy_remove_evicts_the_oldest_and_closes_its_stream(heartbeat_app):
    app, seconds = heartbeat_app
    session = new_gradio_session(app.url)
    set_gradio_session(max_calls=2, max_calls_policy="remove")
    oldest = invoke_gradio_session_api("nap", [seconds])
    update_gradio_session_api_result(oldest, max_heartbeats=1)
    assert oldest.api_event.stream is not None
    second, _ = run("echo", ["b"])
    third, _ = run("echo", ["c"])
    assert [c.id for c in session.api_calls.all_events] == [second.id, third.id]
    assert oldest.id not in session.api_calls.by_id
    assert oldest.api_event.stream is None and oldest.api_event.last_query_status == "Closed"
    with pytest.raises(InvalidEvent):
        update_gradio_session_api_result(oldest)


def test_policy_warning_warns_and_goes_on(lab):
    session = new_gradio_session(lab.url)
    set_gradio_session(max_calls=1, max_calls_policy="Warning")
    run("echo", ["1"])
    with pytest.warns(PowershaiWarning, match="max calls reached 1/1") as record:
        run("echo", ["2"])
    assert record[0].filename == __file__  # the warning points at the caller's line
    assert len(session.api_calls.all_events) == 2


def test_a_max_calls_of_zero_means_the_default_a_new_session_gets(lab):
    # D-3: one source of defaults; the original used 10 here and 100 for new sessions
    session = new_gradio_session(lab.url)
    set_gradio_session(max_calls=0, max_calls_policy="error")
    for n in range(100):
        invoke_gradio_session_api("echo", [str(n)])
    with pytest.raises(MaxCallsReached, match="100/100"):
        invoke_gradio_session_api("echo", ["101"])
    assert len(session.api_calls.all_events) == 100


# --- reading results ---------------------------------------------------------------------------


def test_update_reads_a_generator_and_keeps_history(lab):
    new_gradio_session(lab.url)
    call, results = run("count_up", [3], history=True)
    assert [r.data for r in results] == [["step 1"], ["step 2"], ["step 3"], ["done"], ["done"]]
    assert call.done and call.received
    assert call.last_received_index == results[-1].num
    assert [e.event for e in call.api_event.events] == ["generating"] * 4 + ["complete"]


def test_update_streams_and_takes_several_calls(lab):
    new_gradio_session(lab.url)
    first = invoke_gradio_session_api("echo", ["one"])
    second = invoke_gradio_session_api("echo", ["two"])
    reader = iter_gradio_session_api_result([first, second.id])
    assert not isinstance(reader, list)
    datas = [r.data for r in reader if r.event == "complete"]
    assert datas == [["one"], ["two"]]


def test_update_with_no_output_still_fixes_file_urls(lab, tmp_path):
    new_gradio_session(lab.url)
    source = tmp_path / "a b ç.txt"
    source.write_text("hello")
    [filedata] = send_gradio_session_files(source)
    call = invoke_gradio_session_api("copy_file", [filedata])
    assert update_gradio_session_api_result(call, no_output=True, history=True) == []
    output = call.api_event.events[-1].data[0]
    assert output["url"].startswith(lab.api_url + "/file=")
    assert "copy%20of%20a%20b%20%C3%A7.txt" in output["url"]


def test_update_refuses_ids_of_other_sessions(lab):
    new_gradio_session(lab.url, "mine")
    new_gradio_session(lab.url, "other")
    theirs = invoke_gradio_session_api("echo", ["x"], session="other")
    with pytest.raises(InvalidEvent) as caught:
        update_gradio_session_api_result(theirs, session="mine")
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT"
    with pytest.raises(InvalidEvent):
        update_gradio_session_api_result("no-such-event", session="mine")
    with pytest.raises(InvalidEvent):
        update_gradio_session_api_result(42, session="mine")


def test_a_failing_call_is_over_with_its_error(lab):
    new_gradio_session(lab.url)
    call, results = run("user_error", ["bad"])
    assert results[-1].event == "error"
    assert call.done and call.api_event.error
    assert call.error == call.api_event.error  # the error is on the call a user holds
    said = "UnknownError" if call.error == "UnknownError" else "user error: bad"  # 4/5 drop the text
    assert f"error={said!r}" in repr(call)
    fine, _ = run("echo", ["x"])
    assert fine.error is None and "error=" not in repr(fine)


def test_a_kept_stream_read_to_its_last_result_in_a_thread_leaves_the_call_free(lab):
    new_gradio_session(lab.url)
    call = invoke_gradio_session_api("count_up", [3])
    seen, kept = [], []

    def read_to_complete():
        stream = iter_gradio_session_api_result(call)
        kept.append(stream)  # a caller that keeps its iterator (a notebook variable, say)
        for result in stream:
            seen.append(result.event)
            if result.event == "complete":
                break  # it has what it wanted and reads no further

    worker = threading.Thread(target=read_to_complete)
    worker.start()
    worker.join()
    assert seen[-1] == "complete" and call.received
    taken = []

    def take():  # a thread other than the reader can take the call at once
        if call.lock.acquire(timeout=2):
            call.lock.release()
            taken.append(True)

    other = threading.Thread(target=take)
    other.start()
    other.join()
    assert taken == [True]


# --- removing calls ------------------------------------------------------------------------------


def test_remove_clean_takes_only_finished_calls(heartbeat_app):
    app, seconds = heartbeat_app
    session = new_gradio_session(app.url)
    done, _ = run("echo", ["done"])
    running = invoke_gradio_session_api("nap", [seconds])
    update_gradio_session_api_result(running, max_heartbeats=1)
    assert remove_gradio_session_api("clean", eligible=True) == [done]
    assert len(session.api_calls.all_events) == 2  # eligible removes nothing
    assert remove_gradio_session_api("clean") == [done]
    assert get_gradio_session_api() == [running]
    assert running.api_event.stream is not None  # the running call was left alone


def test_an_id_is_removed_when_finished_or_with_force(heartbeat_app):
    app, seconds = heartbeat_app
    new_gradio_session(app.url)
    done, _ = run("echo", ["done"])
    running = invoke_gradio_session_api("nap", [seconds])
    update_gradio_session_api_result(running, max_heartbeats=1)
    with pytest.warns(PowershaiWarning, match="1 unfinished call"):
        assert remove_gradio_session_api([running.id]) == []  # still running, no force (D-6)
    assert remove_gradio_session_api(running.id, elegible=True, force=True) == [running]
    assert remove_gradio_session_api(running, force=True) == [running]
    assert running.api_event.last_query_status == "Cancelled"  # stopped on the server, not only here
    assert get_gradio_session_api() == [done]  # force took only the targeted call (D-6)


def test_remove_all_takes_every_finished_call_and_with_force_the_others(lab):
    session = new_gradio_session(lab.url)
    run("echo", ["a"])
    invoke_gradio_session_api("echo", ["b"])  # started, never read: unfinished
    with pytest.warns(PowershaiWarning, match=r"1 unfinished call.*force \(--force\)"):
        removed = remove_gradio_session_api("ALL")
    assert len(removed) == 1 and removed[0].done
    removed += remove_gradio_session_api("all", force=True)
    assert len(removed) == 2 and all(isinstance(c, SessionApiEvent) for c in removed)
    assert session.api_calls.all_events == [] and session.api_calls.by_id == {}


def test_remove_an_unknown_id_is_an_error(lab):
    new_gradio_session(lab.url)
    with pytest.raises(InvalidEvent):
        remove_gradio_session_api("nope")


# --- files -----------------------------------------------------------------------------------------


def test_session_files_upload_locals_and_reference_urls(lab, tmp_path):
    session = new_gradio_session(lab.url)
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("1")
    two.write_text("22")
    url = "https://example.org/some/pic%20ture.png?size=2"
    files = send_gradio_session_files([one, url, str(tmp_path / "t*.txt")])
    assert [f["orig_name"] for f in files] == ["one.txt", "pic ture.png", "two.txt"]
    assert files[1] == {
        "path": url,
        "url": url,
        "orig_name": "pic ture.png",
        "meta": {"_type": "gradio.FileData"},
    }
    assert set(session.uploads) == {str(one.resolve()), str(two.resolve())}
    same_app = send_gradio_session_files(files[0])
    assert same_app == [files[0]]  # a FileData of this app is passed as it is
    assert last_data("copy_file", [files[2]])[1] == "2 bytes"


def test_session_files_report_a_missing_path(lab, tmp_path):
    new_gradio_session(lab.url)
    with pytest.raises(PowershaiError) as caught:
        send_gradio_session_files(tmp_path / "missing.txt")
    assert caught.value.code == "PathNotFound"


def test_download_path_saves_file_outputs_once_inside_the_folder(lab, tmp_path):
    downloads = tmp_path / "downloads"
    new_gradio_session(lab.url, download_path=str(downloads))
    source = tmp_path / "data ç.bin"
    source.write_bytes(bytes(range(256)) * 4)
    [filedata] = send_gradio_session_files(source)
    call, results = run("copy_file", [filedata])
    saved = [r.data[0]["local_path"] for r in results if r.data and r.data[0]]  # data events only
    assert saved
    local = Path(saved[-1])
    assert local.parent == downloads.resolve()
    assert local.name == "copy of data ç.bin"
    assert local.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in downloads.iterdir()) == ["copy of data ç.bin"]


# --- stateful sessions ----------------------------------------------------------------------------


def test_stateful_sessions_over_call_need_gradio_6(lab):
    if lab.major >= 6:
        assert new_gradio_session(lab.url, stateful=True, transport="call").stateful
        return
    with pytest.raises(PowershaiError) as caught:
        new_gradio_session(lab.url, stateful=True, transport="call")
    assert caught.value.code == "POWERSHAI_GRADIO_SESSION_STATEFUL"
    assert get_gradio_sessions() == []


def test_stateful_sessions_keep_state_on_every_version_by_default(lab):
    new_gradio_session(lab.url, "plain")
    assert last_data("tally", [5], "plain")[0] == "total=5"
    assert last_data("tally", [5], "plain")[0] == "total=5"  # each call is its own server session
    session = new_gradio_session(lab.url, "kept", stateful=True)
    assert "stateful" in repr(session)
    assert last_data("tally", [5], "kept")[0] == "total=5"
    assert last_data("tally", [5], "kept")[0] == "total=10"


def test_a_stateful_call_reads_the_previous_one_first(lab):
    new_gradio_session(lab.url, stateful=True)
    first = invoke_gradio_session_api("count_up", [3])
    second = invoke_gradio_session_api("tally", [1])  # reads all of `first` before posting
    assert first.done and len([r for r in first.unread if carries_data(r)]) == 5
    assert [r.data for r in update_gradio_session_api_result(first)][-1] == ["done"]
    assert first.unread == [] and first.received
    assert update_gradio_session_api_result(second)[-1].data[0] == "total=1"


def test_two_threads_on_one_stateful_session_never_mix_their_results(lab):
    new_gradio_session(lab.url, "shared", stateful=True)
    set_gradio_session("shared", max_calls=1000, max_calls_policy="error")
    totals: dict[str, list[int]] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def worker(label):
        try:
            for _ in range(6):
                call = invoke_gradio_session_api("tally", [1], session="shared")
                results = update_gradio_session_api_result(call, session="shared")
                finals = [r for r in results if r.event == "complete"]
                assert len(finals) == 1, results
                totals[label].append(int(finals[0].data[0].split("=")[1]))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(label,)) for label in totals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    everything = totals["a"] + totals["b"]
    assert sorted(everything) == list(range(1, 13))  # each call saw the state exactly once
    assert totals["a"] == sorted(totals["a"]) and totals["b"] == sorted(totals["b"])


# --- many threads on one session ------------------------------------------------------------------


def hammer(session_name, threads=8, calls=50):
    """``threads`` threads each invoke ``calls`` echoes; return (ids made, errors raised)."""
    made: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n):
        for i in range(calls):
            try:
                call = invoke_gradio_session_api("echo", [f"{n}-{i}"], session=session_name)
            except PowershaiError as exc:
                with lock:
                    errors.append(exc)
            else:
                with lock:
                    made.append(call.id)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no policy here may warn
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=300)
    return made, errors


def test_eight_threads_lose_and_duplicate_nothing(lab):
    session = new_gradio_session(lab.url, "busy")
    set_gradio_session("busy", max_calls=1000)
    made, errors = hammer("busy")
    assert errors == []
    assert len(made) == len(set(made)) == 400
    kept = [c.id for c in session.api_calls.all_events]
    assert sorted(kept) == sorted(made)
    assert set(session.api_calls.by_id) == set(made)
    assert session.reserved == 0


def test_eight_threads_never_push_an_error_session_past_its_limit(lab):
    session = new_gradio_session(lab.url, "capped")
    set_gradio_session("capped", max_calls=150, max_calls_policy="error")
    made, errors = hammer("capped")
    assert len(made) == 150 and len(set(made)) == 150
    assert len(errors) == 250 and all(isinstance(e, MaxCallsReached) for e in errors)
    assert len(session.api_calls.all_events) == 150 and set(session.api_calls.by_id) == set(made)


def test_eight_threads_on_a_remove_session_keep_exactly_the_newest(lab):
    session = new_gradio_session(lab.url, "rolling")
    set_gradio_session("rolling", max_calls=20, max_calls_policy="remove")
    made, errors = hammer("rolling")
    assert errors == [] and len(set(made)) == 400
    kept = [c.id for c in session.api_calls.all_events]
    assert len(kept) == 20 and set(session.api_calls.by_id) == set(kept)
    assert set(kept) <= set(made)
    assert session.reserved == 0


def test_threads_attaching_one_event_id_keep_one_call(lab):
    session = new_gradio_session(lab.url)
    elsewhere = send_gradio_api(lab.url, "echo", ["shared"])
    got: list[SessionApiEvent] = []
    threads = [
        threading.Thread(
            target=lambda: got.append(invoke_gradio_session_api("echo", event_id=elsewhere.event_id))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == 8 and all(call is got[0] for call in got)
    assert session.api_calls.all_events == [got[0]] and session.reserved == 0


def test_a_value_that_is_no_file_keeps_the_original_code(lab):
    new_gradio_session(lab.url)
    with pytest.raises(PowershaiError) as caught:
        send_gradio_session_files([42])
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND"


def test_a_stateful_call_waits_for_a_reader_of_the_previous_one_but_not_forever(lab_beats):
    if lab_beats.major < 6:
        pytest.skip("needs heartbeats faster than Gradio 4 and 5's fixed 15 s")
    from powershai_py import Client, SessionBusy

    client = Client(lock_timeout=0.5)  # its methods work in any thread
    client.new_gradio_session(lab_beats.url, stateful=True)
    first = client.invoke_gradio_session_api("nap", [2])
    reader = client.iter_gradio_session_api_result(first)
    assert next(reader).event == "heartbeat"  # this thread now reads `first`
    outcome: list[BaseException] = []

    def other_thread():
        try:
            client.invoke_gradio_session_api("echo", ["x"])
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], SessionBusy)
    assert outcome[0].code == "POWERSHAI_GRADIO_SESSION_BUSY"
    assert [r.event for r in reader if r.event != "heartbeat"] == ["complete"]  # nothing was lost
    assert len(client.get_gradio_session_api()) == 1  # the refused call took no slot
    client.close()
