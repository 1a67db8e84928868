"""Batch runs (issue 25): many calls to one endpoint, against a real Gradio server.

The pure rules (which failures are retried, the backoff, the GPU quota texts) are driven by
hypothesis; the runs go to tests/apps/batch_app.py, whose ``gpu`` endpoint raises the texts
real ZeroGPU Spaces send.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from conftest import APPS, app_copies, running, start_app, stop_app, wait_ready
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powershai_py import (
    CallFailed,
    Client,
    ConnectionLost,
    EndpointNotFound,
    HttpError,
    PowershaiError,
    QuotaExceeded,
    ValidationError,
    new_gradio_session,
    wake_gradio_session,
)
from powershai_py.gradio.batch.replicas import Replicas, Ticket
from powershai_py.gradio.batch.retrying import backoff, is_transient
from powershai_py.gradio.batch.runner import map_gradio_session_api
from powershai_py.gradio.protocol.quota import is_quota_error, quota_wait

REAL_QUOTA_TEXTS = [
    (
        "You have exceeded your GPU quota (46s left vs. 60s requested). Sign-up on Hugging Face to "
        "get more quotas or retry in 0:09:48.",
        588.0,
    ),
    (
        'You have exceeded your GPU quota (60s requested vs. 56s left). <a style="white-space: '
        'nowrap;text-underline-offset: 2px;color: var(--body-text-color)" '
        'href="https://huggingface.co/join">Create a free account</a> to get more usage quota.',
        None,
    ),
    ("ZeroGPU quota exceeded: retry in 1 day, 2:00:05", 93605.0),
]


@pytest.mark.parametrize("text, wait", REAL_QUOTA_TEXTS)
def test_the_zerogpu_texts_are_quota_errors_with_their_wait(text, wait):
    assert is_quota_error(text)
    assert quota_wait(text) == wait


@given(st.text(), st.text(), st.sampled_from([t for t, _ in REAL_QUOTA_TEXTS]))
def test_a_quota_text_is_found_anywhere_in_an_error_and_only_there(before, after, text):
    # as an app or a proxy wraps it: "The upstream Gradio app has raised an exception: ..."
    assert is_quota_error(before + text + after)
    if "quota" not in (before + after).lower():
        assert not is_quota_error(before + after) and quota_wait(before + after) is None


def test_what_is_retried_and_what_is_not():
    assert is_transient(ConnectionLost("refused"))
    assert all(is_transient(HttpError("x", status=s)) for s in (429, 502, 503))
    assert not is_transient(HttpError("x", status=404))
    assert not is_transient(CallFailed("the app said no"))
    assert not is_transient(QuotaExceeded("quota"))  # waited out, not retried
    assert not is_transient(ValidationError("bad", status=422))


@given(st.integers(1, 30), st.floats(0, 1000) | st.none(), st.integers(0, 2**32))
def test_backoff_grows_is_capped_and_honours_retry_after(attempt, retry_after, seed):
    wait = backoff(attempt, base=0.5, cap=30.0, retry_after=retry_after, rng=random.Random(seed))
    ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
    assert 0 < wait <= 30.0
    assert wait >= ceiling / 2  # jitter never takes it to nothing
    if retry_after:
        assert wait >= min(retry_after, 30.0)


@pytest.fixture(scope="module")
def batch_app(tmp_path_factory):
    logs = tmp_path_factory.mktemp("batch")
    with running([start_app(APPS / "batch_app.py", logs / "batch_app.log")]) as [app]:
        yield app


def test_every_input_once_app_errors_recorded_with_their_text_and_never_retried(batch_app, tmp_path):
    with Client() as client:
        client.new_gradio_session(batch_app.url, "b")
        inputs = ({"n": n, "delay": 0.01} for n in [3, -1, 4, 5, -2, 6, 7, 8, 9, 10])  # a generator
        results = list(map_gradio_session_api("square", inputs, "b", concurrency=4, retries=3))
        assert sorted(r.index for r in results) == list(range(10))  # each exactly once
        by_index = {r.index: r for r in results}
        assert by_index[0].ok and by_index[0].data == [9]
        assert by_index[1].status == "failed" and "negative input -1" in by_index[1].error_message
        assert by_index[1].attempts == 1  # the app's own error is not tried again
        assert by_index[1].line()["error"]["code"] == by_index[1].error_code
        assert client.get_gradio_session_api("b") == []  # the calls left the session once read


def test_a_journal_hands_back_what_finished_and_runs_only_the_rest(batch_app, tmp_path):
    journal = tmp_path / "run.journal"
    with Client() as client:
        client.new_gradio_session(batch_app.url, "b")
        items = [[n, 0] for n in range(8)]
        first = map_gradio_session_api("square", items, "b", concurrency=2, journal=journal)
        taken = [next(first) for _ in range(3)]
        first.close()  # as a process that stops early: the calls in flight are not done
        again = list(map_gradio_session_api("square", items, "b", concurrency=2, journal=journal))
    assert sorted(r.index for r in again) == list(range(8))
    resumed = {r.index for r in again if r.from_journal}
    assert {r.index for r in taken} <= resumed  # nothing finished ran again
    assert all(r.data == [r.index * r.index] for r in again)
    with pytest.raises(PowershaiError, match="inputs changed") as caught, Client() as client:
        client.new_gradio_session(batch_app.url, "b")
        list(map_gradio_session_api("square", [[99, 0]] * 8, "b", journal=journal))
    assert caught.value.code == "POWERSHAI_BATCH_JOURNAL"


def test_a_gpu_quota_is_waited_out_then_the_input_succeeds(batch_app):
    with Client() as client:
        client.new_gradio_session(batch_app.url, "g")
        with pytest.raises(QuotaExceeded) as caught:  # a single call says it too
            call = client.invoke_gradio_session_api("gpu", [1], session="g")
            client.update_gradio_session_api_result(call, session="g")
            call.raise_for_outcome()
        assert caught.value.retry_after == 1.0
        results = list(
            map_gradio_session_api(
                "gpu", [[2], [3]], "g", concurrency=1, retries=0, max_wait=30, quota_wait=0.2
            )
        )
    assert Counter(r.status for r in results) == {"ok": 2}
    assert sorted(r.data[0] for r in results) == [1002, 1003]
    # with retries=0 both succeeded: waiting for the quota spends no try; attempts counts calls
    assert sorted(r.attempts for r in results) == [1, 3]


def test_past_max_wait_the_inputs_fail_saying_when_to_resume(tmp_path):
    fresh_app = start_app(APPS / "batch_app.py", tmp_path / "app.log")  # its first calls are refused
    with running([fresh_app]) as [fresh], Client() as client:
        client.new_gradio_session(fresh.url, "late")
        results = list(map_gradio_session_api("gpu", [[1], [2]], "late", concurrency=1, max_wait=0.5))
    assert [r.status for r in results] == ["failed", "failed"]
    assert all(r.error_code == "POWERSHAI_GRADIO_QUOTA_EXCEEDED" for r in results)
    assert "resume the run after" in results[0].error_message
    assert "retry in 0:00:01" in results[0].error_message  # the app's own words are kept
    assert [r.attempts for r in results] == [1, 0]  # once the quota is known spent, no more calls


def test_a_generated_function_runs_a_batch_too(batch_app):
    with Client() as client:
        session = client.new_gradio_session(batch_app.url, "p")
        [square] = client.new_gradio_session_api_proxy_function("square", session=session)
        results = sorted(square.batch([[2, 0], {"n": 3, "delay": 0}], concurrency=2), key=lambda r: r.index)
    assert [r.data for r in results] == [[4], [9]]


# --- the command line: powershai-py batch ---------------------------------------------------------


def batch_cli(*args: str, **popen: object) -> subprocess.Popen:
    options: dict = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen([sys.executable, "-m", "powershai_py", "batch", *args], **options)


def square_run(app, source, out, concurrency: int) -> tuple[str, ...]:
    """The arguments of a batch of /square from ``source`` to ``out``."""
    return (
        "square",
        "--url",
        app.url,
        "--input",
        str(source),
        "--output",
        str(out),
        "--concurrency",
        str(concurrency),
    )


def lines_of(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def write_jsonl(path, items) -> None:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))


def test_the_cli_writes_one_line_per_input_and_exits_1_when_some_failed(batch_app, tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"n": n, "delay": 0} for n in [2, -3, 4]] + [[5, 0]])
    done = batch_cli("square", "--url", batch_app.url, "--input", str(source), "--output", str(out))
    assert done.wait(120) == 1, done.stderr.read()
    lines = {line["index"]: line for line in lines_of(out)}
    assert sorted(lines) == [0, 1, 2, 3]
    assert lines[0] == {**lines[0], "status": "ok", "data": [4], "error": None, "attempts": 1}
    assert lines[3]["data"] == [25]  # a list is positional
    assert lines[1]["status"] == "failed" and "negative input -3" in lines[1]["error"]["message"]
    assert set(lines[0]) == {"index", "status", "data", "error", "attempts", "seconds"}


def test_the_cli_reads_csv_and_refuses_to_overwrite_a_run(batch_app, tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text("n,delay\n3,0\n6,0\n")
    done = batch_cli("square", "--url", batch_app.url, "--input", str(source), "--output", str(out))
    assert done.wait(120) == 0, done.stderr.read()
    assert sorted(line["data"][0] for line in lines_of(out)) == [9, 36]
    before = out.read_bytes()
    again = batch_cli("square", "--url", batch_app.url, "--input", str(source), "--output", str(out))
    assert again.wait(120) == 2 and "--resume" in again.stderr.read()
    assert out.read_bytes() == before  # the user's file is untouched


def _wait_for_lines(out, count: int, process: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while len(out.read_bytes().splitlines()) < count if out.exists() else count > 0:
        assert process.poll() is None, "the run ended before the moment chosen"
        assert time.monotonic() < deadline
        time.sleep(0.01)


N = 24


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(kill_after=st.integers(0, N - 4), torn=st.booleans())
def test_kill_9_at_any_moment_then_resume_gives_every_input_exactly_once(
    batch_app, tmp_path_factory, kill_after, torn
):
    folder = tmp_path_factory.mktemp("kill")
    source, out = folder / "in.jsonl", folder / "out.jsonl"
    write_jsonl(source, [{"n": n, "delay": 0.05} for n in range(N)])
    args = square_run(batch_app, source, out, concurrency=3)
    first = batch_cli(*args)
    _wait_for_lines(out, kill_after, first)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    if torn:  # a line cut in half by the kill
        with out.open("a") as handle:
            handle.write('{"index": 99, "status": "o')
    second = batch_cli(*args, "--resume")
    assert second.wait(120) == 0, second.stderr.read()
    lines = lines_of(out)
    assert sorted(line["index"] for line in lines) == list(range(N))  # each exactly once
    assert all(line["data"] == [line["index"] ** 2] for line in lines)


def test_ctrl_c_exits_130_and_resume_finishes_the_run(batch_app, tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [{"n": n, "delay": 0.1} for n in range(12)])
    args = square_run(batch_app, source, out, concurrency=2)
    first = batch_cli(*args)
    _wait_for_lines(out, 2, first)
    first.send_signal(signal.SIGINT)
    assert first.wait(60) == 130
    assert "--resume" in first.stderr.read()
    assert len(lines_of(out)) < 12
    second = batch_cli(*args, "--resume")
    assert second.wait(120) == 0, second.stderr.read()
    assert sorted(line["index"] for line in lines_of(out)) == list(range(12))
    assert os.path.exists(str(out) + ".journal")


def test_429s_and_cut_streams_are_tried_again_and_an_app_error_is_not(fault):
    from faultserver import end_chunks, send_chunk, send_json, start_event_stream

    posts, gets = Counter(), Counter()

    def post(handler):
        posts["n"] += 1
        if posts["n"] <= 4:  # more refusals than the HTTP layer retries on its own
            send_json(handler, 429, {"detail": "slow down"}, headers={"Retry-After": "0"})
        else:
            send_json(handler, 200, {"event_id": "e1"})

    def stream(handler):
        gets["n"] += 1
        start_event_stream(handler)
        if gets["n"] == 1:  # cut before the result
            send_chunk(handler, b'event: generating\ndata: ["half"]\n\n')
        else:
            send_chunk(handler, b'event: complete\ndata: ["whole"]\n\n')
        end_chunks(handler)

    fault.gradio_app("x", stream)
    fault.route("POST", "/call/x", post)
    new_gradio_session(fault.url, "f")
    [result] = list(map_gradio_session_api("x", [[]], "f", retries=3))
    assert result.ok and result.data == ["whole"], result
    assert result.attempts == 3  # 429 (after the HTTP layer's own retries), a cut stream, then ok
    fault.route(
        "GET",
        "/call/x/e1",
        lambda h: (start_event_stream(h), send_chunk(h, b'event: error\ndata: "no"\n\n'), end_chunks(h)),
    )
    [failed] = list(map_gradio_session_api("x", [[]], "f", retries=3))
    assert failed.status == "failed" and failed.attempts == 1 and "no" in failed.error_message


# --- replicas: the least busy takes the next call, one that fails is set aside ---------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=200)
@given(
    st.integers(1, 4), st.lists(st.tuples(st.sampled_from(["take", "ok", "fail", "tick"]), st.integers(0, 9)))
)
def test_replicas_choose_the_least_busy_and_never_one_set_aside(count, steps):
    clock = Clock()
    replicas = Replicas(list(range(count)), clock=clock, rng=random.Random(0))
    held: list = []
    busy = [0] * count
    aside = [0.0] * count
    for action, pick in steps:
        if action == "take":
            chosen, wait = replicas.choose()
            ready = [i for i in range(count) if aside[i] <= clock.now]
            if not ready:
                assert chosen is None and wait > 0
                continue
            assert chosen in ready and busy[chosen] == min(busy[i] for i in ready)
            busy[chosen] += 1
            held.append(Ticket(chosen, chosen, replicas._all[chosen].turn))
        elif action in ("ok", "fail") and held:
            ticket = held.pop(pick % len(held))
            busy[ticket.slot] -= 1
            if action == "ok":
                replicas.succeeded(ticket)
            else:
                replicas.failed(ticket)
                aside[ticket.slot] = replicas._all[ticket.slot].aside_until
        elif action == "tick":
            clock.now += pick / 3
    assert replicas.busy() == sum(busy)


def test_calls_of_one_outage_set_a_replica_aside_once():
    clock = Clock()
    replicas = Replicas(["a", "b"], clock=clock, rng=random.Random(1))
    first = replicas.take()
    second = replicas.take()
    third = replicas.take()
    assert [first.slot, second.slot, third.slot] == [0, 1, 0]  # least busy, ties to the first
    assert replicas.failed(first) is True  # the outage begins
    assert replicas.failed(third) is False  # the same outage: not set aside longer
    assert replicas._all[0].strikes == 1
    assert replicas.take().slot == 1  # "a" is aside: "b" takes the calls
    clock.now += 60
    later = replicas.take()
    assert later.slot == 0  # back after its backoff
    replicas.failed(later)
    assert replicas._all[0].strikes == 2  # a call made after it came back failed: longer this time
    replicas.succeeded(second)
    replicas.stop()
    assert replicas.take() is None


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory):
    with app_copies(tmp_path_factory, "batch_app.py") as started:
        yield started


def test_two_replicas_give_the_results_of_one_and_share_the_calls(two_replicas):
    items = [{"n": n, "delay": 0.02} for n in range(-2, 38)]
    with Client() as client:
        one = client.new_gradio_session(two_replicas[0].url, "one")
        two = client.new_gradio_session(two_replicas[1].url, "two")
        alone = {r.index: (r.status, r.data) for r in map_gradio_session_api("square", items, one)}
        spread = list(map_gradio_session_api("square", items, [one, two], concurrency=4))
    assert sorted(r.index for r in spread) == list(range(len(items)))  # each exactly once
    assert {r.index: (r.status, r.data) for r in spread} == alone  # as with one replica
    served = Counter(r.served_by for r in spread)
    assert set(served) == {"one", "two"} and min(served.values()) >= len(items) // 4


def test_a_batch_gives_what_gradio_client_gives_for_the_same_inputs(batch_app):
    from gradio_client import Client as GradioClient

    reference = GradioClient(batch_app.url, verbose=False)
    items = [[n, 0] for n in (0, 1, 7, 12, 99)]
    with Client() as client:
        client.new_gradio_session(batch_app.url, "same")
        ours = {r.index: r.data[0] for r in map_gradio_session_api("square", items, "same")}
    assert ours == {i: reference.predict(*item, api_name="/square") for i, item in enumerate(items)}


def test_an_endpoint_missing_on_a_replica_fails_before_any_call(batch_app, queue_lab):
    with Client() as client:
        good = client.new_gradio_session(batch_app.url, "good")
        other = client.new_gradio_session(queue_lab.url, "other")  # another app: no /square
        consumed = []

        def inputs():
            consumed.append(1)
            yield [1, 0]

        with pytest.raises(EndpointNotFound) as caught:
            map_gradio_session_api("square", inputs(), [good, other])
        assert consumed == [] and "square" in str(caught.value)


def test_a_replica_that_stops_is_set_aside_and_the_others_take_its_inputs(tmp_path):
    apps = [start_app(APPS / "batch_app.py", tmp_path / f"r{i}.log") for i in (1, 2)]
    with running(apps) as (steady, doomed), Client() as client:
        sessions = [
            client.new_gradio_session(a.url, name) for a, name in ((steady, "steady"), (doomed, "doomed"))
        ]
        results = []
        run = map_gradio_session_api(
            "square", ([n, 0.05] for n in range(30)), sessions, concurrency=4, retries=2
        )
        for result in run:
            results.append(result)
            if len(results) == 6:
                doomed.process.kill()  # mid-run, calls in flight on it
                doomed.process.wait(15)
    assert sorted(r.index for r in results) == list(range(30))
    assert all(r.ok and r.data == [r.index**2] for r in results), [r for r in results if not r.ok]
    assert all(r.served_by == "steady" for r in results[-10:])  # the dead one is set aside
    assert any(r.attempts > 1 for r in results)  # the calls it dropped were made again elsewhere


def test_an_app_that_restarts_changed_is_read_again_and_its_endpoint_found_by_name(tmp_path):
    """The app goes away mid-run and comes back as a new release on the same port: another
    endpoint first, square's parameters in the other order. Named inputs still give n squared.
    (On Gradio 5 it once gave n cubed: a refused submission retried by the HTTP layer reached
    the new release with the old fn_index; a refused POST is no longer retried there.)"""
    first = start_app(APPS / "batch_app.py", tmp_path / "before.log")
    port = int(first.url.rsplit(":", 1)[1])
    wait_ready(first)
    restarted = []
    try:
        with Client() as client:
            client.new_gradio_session(first.url, "app")
            results = []
            inputs = ({"n": n, "delay": 0.02} for n in range(16))
            for result in map_gradio_session_api("square", inputs, "app", concurrency=2, retries=8):
                results.append(result)
                if len(results) == 4:
                    stop_app(first)
                    restarted.append(
                        start_app(
                            APPS / "batch_app.py", tmp_path / "after.log", args=("--changed",), port=port
                        )
                    )
            kept = client.get_gradio_session("app").info  # what the session itself now holds
    finally:
        for app in [first, *restarted]:
            stop_app(app)
    assert sorted(r.index for r in results) == list(range(16))
    wrong = [r for r in results if not (r.ok and r.data == [r.index**2])]
    assert wrong == []  # never a wrong answer taken for a result
    assert any(r.attempts > 1 for r in results)  # some waited for the restart
    assert kept.find_endpoint("cube") is not None  # the session read the new release's /info
    _, square = kept.find_endpoint("square")
    assert [p["parameter_name"] for p in square["parameters"]] == ["delay", "n"]


def test_a_space_that_fell_asleep_is_woken_and_the_batch_goes_on(tmp_path, monkeypatch):
    """A Space's app stops mid-run (asleep); the batch asks the Hub, wakes it and waits for it,
    its workers holding their tries meanwhile: with one retry each, every input still ends ok."""
    from hubserver import FakeSpace, LocalHub

    first = start_app(APPS / "batch_app.py", tmp_path / "awake.log")
    port = int(first.url.rsplit(":", 1)[1])
    wait_ready(first)
    woken: list = []
    with LocalHub() as hub, Client() as client:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        space = hub.add(FakeSpace("owner/napper", host=first.url))
        session = client.connect_hugging_face_space_gradio("owner/napper")
        assert session.name == "Space:owner/napper"
        stop_app(first)  # the Space sleeps
        space.stages, space.described = ["SLEEPING"], 0
        asked = len(hub.seen)

        def wake_when_asked() -> None:  # what the Hub does: the Space starts when it is asked to
            while not any(s.path == "/api/spaces/owner/napper" for s in hub.seen[asked:]):
                time.sleep(0.05)
            woken.append(wait_ready(start_app(APPS / "batch_app.py", tmp_path / "woken.log", port=port)))
            space.stages, space.described = ["RUNNING"], 0

        waker = threading.Thread(target=wake_when_asked, daemon=True)
        waker.start()
        try:
            results = list(
                map_gradio_session_api(
                    "square", [[n, 0] for n in range(8)], session, retries=1, wake=wake_gradio_session
                )
            )
        finally:
            waker.join(120)
            for app in woken:
                stop_app(app)
    assert woken, "the batch never asked the Hub about the Space"
    assert sorted(r.index for r in results) == list(range(8))
    assert all(r.ok and r.data == [r.index**2] for r in results), [r for r in results if not r.ok]


def test_ctrl_c_cancels_the_calls_in_flight_on_the_server(queue_lab, tmp_path):
    from test_queue_real import produced, ticks_when_it_ended

    long, queued = 777, 778  # tickers of 77.7 s; each test of the app uses lengths of its own
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [[long], [queued]])
    run = batch_cli("ticker", "--url", queue_lab.url, "--input", str(source), "--output", str(out))
    deadline = time.monotonic() + 60
    while produced(queue_lab.url, long) < 2:  # the server is running the first call
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read() if run.poll() else ""
        time.sleep(0.05)  # polling interval
    run.send_signal(signal.SIGINT)
    assert run.wait(60) == 130
    assert ticks_when_it_ended(queue_lab.url, long) < long  # stopped on the server, not left to run
    assert produced(queue_lab.url, queued) < queued
    assert lines_of(out) == []  # nothing ended: nothing written, both run again on --resume


def test_the_cli_draws_progress_on_a_terminal_and_nothing_into_a_pipe(batch_app, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, [[n, 0.01] for n in (1, -1, 2, 3)])
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal's size
    shown = batch_cli(*square_run(batch_app, source, out, concurrency=2), stderr=follower)
    os.close(follower)
    assert shown.wait(120) == 1
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    text = drawn.decode("utf-8", "replace")
    assert "4/4" in text and "failed 1" in text and "in flight" in text and "call/s" in text, text
    piped = batch_cli(*square_run(batch_app, source, tmp_path / "again.jsonl", concurrency=2))
    assert piped.wait(120) == 1
    assert piped.stderr.read().strip() == "powershai-py: 3 ok, 1 failed"  # the summary only


def test_the_cli_spreads_a_run_over_every_url_given(two_replicas, tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text("n,delay\n" + "".join(f"{n},0.02\n" for n in range(20)))
    urls = [arg for app in two_replicas for arg in ("--url", app.url)]
    done = batch_cli("square", *urls, "--input", str(source), "--output", str(out), "--concurrency", "4")
    assert done.wait(120) == 0, done.stderr.read()
    assert sorted((line["index"], line["data"][0]) for line in lines_of(out)) == [
        (n, n * n) for n in range(20)
    ]
    both = batch_cli(
        "square",
        "--session",
        "x",
        "--url",
        two_replicas[0].url,
        "--input",
        str(source),
        "--output",
        str(tmp_path / "o"),
    )
    assert both.wait(60) == 2 and "not both" in both.stderr.read()
