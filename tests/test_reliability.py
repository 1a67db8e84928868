"""Faults, bad input and token hygiene: each scenario of docs/reliability.md, with short limits.

A local fault server (tests/faultserver.py) plays what a real Gradio server cannot be made to
do; real servers are used where they can show the behaviour (uploads, the soak).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import run_without_rights
from faultserver import end_chunks, send_chunk, send_json, start_event_stream
from hypothesis import given
from hypothesis import strategies as st

from powershai_py import (
    AuthenticationRequired,
    ConnectionLost,
    HttpError,
    PathNotFound,
    PowershaiError,
    ProtocolError,
    QueueFull,
    RedirectError,
    RequestTimeout,
    download_gradio_file,
    get_gradio_info,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    send_gradio_api,
    send_gradio_file,
    send_gradio_session_files,
    set_gradio_session,
    settings,
    update_gradio_api_result,
    update_gradio_session_api_result,
)
from powershai_py.gradio.sessions.session_calls import params_to_list


def stream_of(*chunks: bytes, pause: float = 0.0, end: bool = True):
    def route(handler):
        start_event_stream(handler)
        for chunk in chunks:
            send_chunk(handler, chunk)
            if pause:
                time.sleep(pause)
        if end:
            end_chunks(handler)

    return route


def calls(fault, method: str, path: str) -> int:
    return sum(1 for r in fault.requests if r["method"] == method and r["path"].split("?")[0] == path)


# --- streams ---------------------------------------------------------------------------------------


def test_malformed_lines_are_tolerated_as_the_sse_rules_say(fault):
    body = (
        b"garbage without a colon\n: a comment\nretry: 10\n"
        b"event: generating\ndata: [1]\n\nevent: complete\ndata: [2]\n\n"
    )
    fault.gradio_app("x", stream_of(body))
    event = send_gradio_api(fault.url, "x")
    assert [(r.event, r.data) for r in update_gradio_api_result(event)] == [
        ("generating", [1]),
        ("complete", [2]),
    ]


def test_invalid_json_keeps_what_came_before(fault):
    fault.gradio_app(
        "x", stream_of(b"event: generating\ndata: [1]\n\n", b"event: generating\ndata: {not json\n\n")
    )
    event = send_gradio_api(fault.url, "x")
    with pytest.raises(ProtocolError) as caught:
        update_gradio_api_result(event, history=True)
    assert caught.value.code == "POWERSHAI_GRADIO_PROTOCOL"
    assert caught.value.event_id == "e1" and caught.value.api_name == "x" and "{not json" in caught.value.body
    assert [e.data for e in event.events] == [[1]] and event.last_query_status == "ProtocolError"


def test_a_ten_megabyte_event_arrives_whole(fault):
    big = "y" * 10_000_000
    payload = b"event: complete\ndata: " + json.dumps([big]).encode() + b"\n\n"
    fault.gradio_app("x", stream_of(*[payload[i : i + 1_000_000] for i in range(0, len(payload), 1_000_000)]))
    [result] = update_gradio_api_result(send_gradio_api(fault.url, "x"))
    assert result.data == [big]


def test_heartbeats_forever_stop_at_the_limit(fault, fast):
    fast.settings.heartbeat_limit = 3
    fault.gradio_app("x", stream_of(*[b"event: heartbeat\ndata: null\n\n"] * 50, pause=0.01))
    event = send_gradio_api(fault.url, "x")
    results = update_gradio_api_result(event)
    assert [r.event for r in results] == ["heartbeat"] * 3
    assert event.last_query_status == "HeartBeatExpired" and event.status is None


def test_a_trickle_within_the_read_timeout_completes(fault):
    event_bytes = b'event: complete\ndata: ["slow"]\n\n'
    fault.gradio_app("x", stream_of(*[bytes([b]) for b in event_bytes], pause=0.01))
    assert update_gradio_api_result(send_gradio_api(fault.url, "x"))[-1].data == ["slow"]


def test_one_byte_per_second_past_the_read_timeout_is_a_timeout(fault):
    first = b'event: generating\ndata: ["a"]\n\n'
    fault.gradio_app("x", stream_of(first, b"e", b"v", pause=1.0))
    event = send_gradio_api(fault.url, "x")
    with pytest.raises(RequestTimeout) as caught:
        update_gradio_api_result(event, history=True, read_timeout=0.3)
    assert caught.value.code == "timeout" and caught.value.event_id == "e1"
    assert [e.data for e in event.events] == [["a"]] and event.last_query_status == "Timeout"


# --- HTTP statuses ----------------------------------------------------------------------------------


GRADIO_500 = {"detail": "Internal Server Error"}


@pytest.mark.parametrize(
    ("status", "headers", "error", "tries"),
    [
        (500, {}, HttpError, 1),
        (502, {}, HttpError, 3),
        (503, {"Retry-After": "0"}, HttpError, 3),
        (503, {}, HttpError, 3),
        (429, {"Retry-After": "1"}, HttpError, 3),
        (401, {}, AuthenticationRequired, 1),
        (403, {}, AuthenticationRequired, 1),
    ],
)
def test_http_errors_on_info_are_precise_and_retried_when_idempotent(fault, status, headers, error, tries):
    fault.route("GET", "/config", lambda h: send_json(h, 404, {"detail": "Not Found"}))
    fault.route("GET", "/info", lambda h: send_json(h, status, {"detail": f"status {status}"}, headers))
    with pytest.raises(error) as caught:
        get_gradio_info(fault.url, disable_retry=True)
    assert caught.value.status == status and caught.value.url.endswith("/info")
    assert f"status {status}" in caught.value.body
    assert calls(fault, "GET", "/info") == tries  # 429/502/503 retried: GET is idempotent


def test_a_retry_that_succeeds_is_invisible(fault):
    answers = iter([503, 200])
    fault.route("GET", "/config", lambda h: send_json(h, 404, {}))
    fault.route(
        "GET",
        "/info",
        lambda h: send_json(
            h, next(answers), {"named_endpoints": {}, "unnamed_endpoints": {}}, {"Retry-After": "0"}
        ),
    )
    assert get_gradio_info(fault.url, disable_retry=True).named_endpoints == {}
    assert calls(fault, "GET", "/info") == 2


def test_a_refused_post_is_retried_but_a_failed_one_never(fault):
    answers = iter([(503, {"detail": "Queue is full. Max size is 2"}), (200, {"event_id": "e1"})])

    def call(handler):
        status, body = next(answers)
        send_json(handler, status, body, {"Retry-After": "0"})

    fault.gradio_app("x", stream_of(b'event: complete\ndata: ["ok"]\n\n'))
    fault.route("POST", "/call/x", call)
    event = send_gradio_api(fault.url, "x", ["a"])
    assert event.event_id == "e1" and calls(fault, "POST", "/call/x") == 2
    fault.route("POST", "/call/x", lambda h: send_json(h, 500, GRADIO_500))
    with pytest.raises(HttpError) as caught:
        send_gradio_api(fault.url, "x", ["b"])
    assert caught.value.status == 500 and calls(fault, "POST", "/call/x") == 3  # one more: no retry


def test_a_full_queue_that_stays_full_is_queue_full(fault):
    fault.gradio_app("x", stream_of())
    fault.route(
        "POST", "/call/x", lambda h: send_json(h, 503, {"detail": "Queue is full."}, {"Retry-After": "0"})
    )
    with pytest.raises(QueueFull):
        send_gradio_api(fault.url, "x", ["a"])
    assert calls(fault, "POST", "/call/x") == 3  # the first try and two retries, then the error


def test_a_stream_that_fails_to_open_is_never_resubmitted(fault):
    fault.gradio_app("x", lambda h: send_json(h, 500, GRADIO_500))
    event = send_gradio_api(fault.url, "x", ["a"])
    with pytest.raises(HttpError):
        update_gradio_api_result(event)
    assert event.last_query_status == "NotOpened" and calls(fault, "POST", "/call/x") == 1


def test_redirect_loops_end(fault):
    fault.route("GET", "/config", lambda h: send_json(h, 404, {}))
    fault.route("GET", "/info", lambda h: send_json(h, 302, {}, {"Location": "/info"}))
    with pytest.raises(RedirectError) as caught:
        get_gradio_info(fault.url, disable_retry=True)
    assert caught.value.code == "HTTP_REDIRECT" and caught.value.max == settings.max_redirects
    assert calls(fault, "GET", "/info") == settings.max_redirects + 1


# --- uploads and downloads ------------------------------------------------------------------------------


def test_upload_faults_are_reported(fault, tmp_path):
    fault.gradio_app("x", stream_of())
    local = tmp_path / "a.txt"
    local.write_text("a")
    fault.route("POST", "/upload", lambda h: send_json(h, 500, GRADIO_500))
    with pytest.raises(HttpError):
        send_gradio_file(fault.url, local)
    fault.route("POST", "/upload", lambda h: send_json(h, 200, []))
    with pytest.raises(ProtocolError, match="accepted 0 of 1"):
        send_gradio_file(fault.url, local)
    assert calls(fault, "POST", "/upload") == 2  # an upload is never sent twice


def test_missing_files_are_reported_before_any_request(fault, tmp_path):
    fault.gradio_app("x", stream_of())
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    for bad in (tmp_path / "missing.txt", tmp_path / "link", tmp_path):
        with pytest.raises(PathNotFound):
            send_gradio_file(fault.url, bad)
    assert fault.requests == []


def test_unreadable_files_are_reported_before_any_request(fault):
    # root reads every file: the upload runs as "nobody" then (see run_without_rights)
    folder = Path(tempfile.mkdtemp(prefix="powershai-locked-"))
    try:
        folder.chmod(0o755)
        locked = folder / "locked.txt"
        locked.write_text("x")
        locked.chmod(0)
        code = (
            "import sys\nfrom powershai_py import PathNotFound, send_gradio_file\n"
            "try:\n    send_gradio_file(sys.argv[1], sys.argv[2])\n"
            "except PathNotFound as error:\n    print(error.code, error.message)"
        )
        ran = run_without_rights(code, [fault.url, str(locked)])
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("PathNotFound") and "cannot read" in ran.stdout
        assert fault.requests == []
    finally:
        shutil.rmtree(folder)


def test_download_faults_leave_no_partial_file(fault, tmp_path):
    fault.route(
        "GET",
        "/config",
        lambda h: send_json(h, 200, {"version": "6.31.0", "api_prefix": "", "dependencies": []}),
    )
    fault.route("GET", "/file=/tmp/missing.bin", lambda h: send_json(h, 404, {"detail": "File not found"}))

    def cut(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"0123456789")
        handler.wfile.flush()
        handler.close_connection = True

    fault.route("GET", "/file=%2Ftmp%2Fcut.bin", cut)
    fault.route("GET", "/file=/tmp/cut.bin", cut)
    with pytest.raises(HttpError):
        download_gradio_file(fault.url, "/tmp/missing.bin", tmp_path)
    with pytest.raises(ConnectionLost):
        download_gradio_file(fault.url, {"path": "/tmp/cut.bin", "orig_name": "cut.bin"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name", ["../../escape.txt", "/etc/passwd", "nul\x00byte.txt", "x" * 1000, "..", "C:\\evil.txt"]
)
def test_server_sent_names_never_write_outside_the_folder(fault, tmp_path, name):
    filedata = {"path": "/tmp/f.bin", "orig_name": name, "meta": {"_type": "gradio.FileData"}}
    fault.gradio_app("x", stream_of(b"event: complete\ndata: " + json.dumps([filedata]).encode() + b"\n\n"))
    fault.route("GET", "/file=%2Ftmp%2Ff.bin", lambda h: send_json(h, 200, {"content": "file"}))
    fault.route("GET", "/file=/tmp/f.bin", lambda h: send_json(h, 200, {"content": "file"}))
    folder = tmp_path / "downloads"
    new_gradio_session(fault.url, "files", download_path=str(folder))
    result = update_gradio_session_api_result(invoke_gradio_session_api("x"))[-1]
    saved = Path(result.data[0]["local_path"])
    assert saved.parent == folder.resolve() and saved.read_text() == '{"content": "file"}'
    assert [p.parent for p in tmp_path.rglob("*") if p.is_file()] == [folder.resolve()]


def test_uploads_stream_from_disk(lab, tmp_path):
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        for _ in range(30):
            out.write(os.urandom(1 << 20))
    tracemalloc.start()
    try:
        [filedata] = send_gradio_file(lab.url, big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert filedata["orig_name"] == "big.bin"
    assert peak < 5 * (1 << 20), f"{peak / (1 << 20):.1f} MiB held while sending 30 MiB"


# --- tokens ----------------------------------------------------------------------------------------------


CANARY = "hf_canary_0xC0FFEE"


def test_a_canary_token_never_shows_anywhere(lab, lab_auth, tmp_path, monkeypatch, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    seen: list[str] = []
    for variable in ("HF_API_TOKEN", "HF_TOKEN"):
        monkeypatch.setenv(variable, CANARY)
        session = new_gradio_session(lab.url, f"via {variable}", force=True)
        call = invoke_gradio_session_api("echo", ["x"], session=session)
        results = update_gradio_session_api_result(call, session=session)
        [echo] = new_gradio_session_api_proxy_function("echo", session=session)
        proxied = echo("y")
        proxied.result()
        seen += [repr(session), str(session), repr(call), repr(call.api_event), repr(results), repr(proxied)]
        seen += [repr(call.api_event.req), repr(vars(call.api_event))]
        monkeypatch.delenv(variable)
    session = new_gradio_session(lab.url, "by argument", token=CANARY)
    event = send_gradio_api(lab.url, "echo", ["z"], token=CANARY)
    seen += [repr(session), repr(event), repr(vars(event)), str(event.token)]
    files = send_gradio_session_files([str(Path(__file__))], session=session)
    seen.append(repr(files))
    with pytest.raises(PowershaiError) as caught:
        get_gradio_info(lab_auth.url, token=CANARY)  # a 401 with the token sent
    seen += [str(caught.value), repr(caught.value), repr(caught.value.facts)]
    store = tmp_path / "store.sqlite3"
    cli = subprocess.run(
        [sys.executable, "-m", "powershai_py", "--verbose", "--store", str(store), "call", "--url", lab.url,
         "echo", "-p", "text=cli", "--token", CANARY],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HF_TOKEN": CANARY},
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    cli2 = subprocess.run(
        [sys.executable, "-m", "powershai_py", "--verbose", "--store", str(store), "session", "new", lab.url,
         "--token", CANARY],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HF_API_TOKEN": CANARY},
    )  # fmt: skip
    assert cli2.returncode == 0, cli2.stderr
    seen += [cli.stdout, cli.stderr, cli2.stdout, cli2.stderr]
    seen += [record.getMessage() for record in caplog.records] + [caplog.text]
    captured = capsys.readouterr()
    seen += [captured.out, captured.err]
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert len(caplog.records) > 10 and "DEBUG" in caplog.text  # the logs were really collected
    leaks = [text for text in seen if CANARY in text]
    assert leaks == [] and CANARY.encode() not in stored


# --- soak --------------------------------------------------------------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


def test_two_thousand_calls_leak_neither_memory_nor_sockets(lab):
    session = new_gradio_session(lab.url, "soak")
    set_gradio_session("soak", max_calls=50, max_calls_policy="remove")
    marks = []
    for n in range(2000):
        call = invoke_gradio_session_api("echo", [str(n)], session=session)
        assert update_gradio_session_api_result(call, session=session)[-1].data == [str(n)]
        if n in (499, 1999):
            gc.collect()
            marks.append((open_fds(), rss_mib()))
    (fds_early, rss_early), (fds_late, rss_late) = marks
    assert len(session.api_calls.all_events) == 50
    assert fds_late <= fds_early + 2, (fds_early, fds_late)
    assert rss_late - rss_early < 10, (rss_early, rss_late)


# --- fuzzing ------------------------------------------------------------------------------------------------


SPEC = {
    "parameters": [
        {"parameter_name": "text", "parameter_has_default": True, "parameter_default": "a"},
        {"parameter_name": "n", "parameter_has_default": False},
    ]
}


@given(
    st.dictionaries(st.text(max_size=6), st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=5)
)
def test_param_mapping_gives_a_list_or_a_clear_error(params):
    try:
        data = params_to_list(params, SPEC, "fuzz")
    except PowershaiError as error:
        assert error.code == "POWERSHAI_GRADIO_INVOKEAPI_PARAM"
    else:
        assert len(data) == 2
        assert all(key.casefold() in ("text", "n") for key in params)
