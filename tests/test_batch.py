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
import time
from collections import Counter

import pytest
from conftest import APPS, running, start_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from powershai_py import (
    CallFailed,
    Client,
    ConnectionLost,
    HttpError,
    PowershaiError,
    QuotaExceeded,
    ValidationError,
    new_gradio_session,
)
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
    return subprocess.Popen(
        [sys.executable, "-m", "powershai_py", "batch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


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
