"""The queue transport against real Gradio servers (tests/apps/queue_lab.py and lab.py).

What a call tells while it waits (rank, ETA, progress, the app's messages), cancelling,
the default transport reaching error texts and gr.State on every version (with
``gradio_client`` called side by side as the reference), and the same results over both
transports. ``scripts/conformance`` runs this file on Gradio 4.44, 5.50 and 6.31.
"""

from __future__ import annotations

import json
import logging
import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest
from conftest import lines_until

from powershai_py import (
    CallCancelled,
    CallFailed,
    Client,
    PowershaiWarning,
    invoke_gradio_dynamic_api,
    invoke_gradio_session_api,
    iter_gradio_api_result,
    iter_gradio_session_api_result,
    new_gradio_session,
    send_gradio_api,
    send_gradio_file,
    stop_gradio_api,
    stop_gradio_session_api,
    update_gradio_api_result,
    update_gradio_session_api_result,
)
from powershai_py.gradio.protocol.models import carries_data

TRANSPORTS = ["queue", "call"]


def outputs(results):
    return [(r.event, r.data) for r in results if carries_data(r)]


def produced(url: str, n: int) -> int:
    """How many ticks the app's tickers of length ``n`` produced (its own count, on the server)."""
    event = send_gradio_api(url, "produced", [n], transport="call")
    return int(update_gradio_api_result(event)[-1].data[0])


def ended(url: str, n: int) -> int:
    """How many of the app's tickers of length ``n`` ended (ran out, or were closed by a cancel)."""
    event = send_gradio_api(url, "ended", [n], transport="call")
    return int(update_gradio_api_result(event)[-1].data[0])


def ticks_when_it_ended(url: str, n: int, timeout: float = 30) -> int:
    """Wait until the server says the ticker of length ``n`` (each test uses its own) ended;
    return how many ticks it produced. Polls the server's own count, never a fixed sleep,
    and fails past ``timeout``."""
    deadline = time.monotonic() + timeout
    while ended(url, n) < 1:
        assert time.monotonic() < deadline, f"the ticker of {n} never stopped on the server"
        time.sleep(0.05)  # polling interval
    return produced(url, n)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "powershai_py", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **env},
    )  # fmt: skip


# --- where a call is ----------------------------------------------------------------------------


def test_calls_queued_for_one_slot_see_their_rank_fall_to_zero_and_an_eta(queue_lab):
    update_gradio_api_result(
        send_gradio_api(queue_lab.url, "slow", [0.2], transport="queue")
    )  # a duration to estimate from
    events = [send_gradio_api(queue_lab.url, "slow", [0.3], transport="queue") for _ in range(4)]
    last = events[-1]
    seen = []
    for result in iter_gradio_api_result(last, status=True):
        if result.event == "estimation":
            assert last.queue.rank == result.data["rank"] and last.queue.stage == "queued"  # at any moment
            seen.append(result.data)
    ranks = [item["rank"] for item in seen]
    assert ranks[0] >= 1 and ranks[-1] == 0, ranks  # it waited behind the others, then was next
    assert ranks == sorted(ranks, reverse=True)
    assert all(item["queue_size"] >= item["rank"] + 1 for item in seen)
    assert any(isinstance(item["eta"], (int, float)) and item["eta"] > 0 for item in seen)
    assert last.queue.stage == "done" and last.last_query_status == "complete"
    assert [update_gradio_api_result(e)[-1].data for e in events[:-1]] == [["slept 0.3"]] * 3


def test_calls_of_one_session_hash_share_one_stream_and_never_mix(queue_lab, monkeypatch):
    """Three calls in flight on one hash, read last first: each gets its own events, from one
    GET /queue/data (the fault-server tests cover what a real server will not do: cut it)."""
    import uuid

    from powershai_py.gradio.protocol import queue

    opened = []
    real_open = queue.open_event_stream
    monkeypatch.setattr(queue, "open_event_stream", lambda *a, **k: opened.append(1) or real_open(*a, **k))
    shared = uuid.uuid4().hex
    slow = send_gradio_api(queue_lab.url, "slow", [0.3], session_hash=shared, transport="queue")
    ticks = send_gradio_api(queue_lab.url, "ticker", [3], session_hash=shared, transport="queue")
    said = send_gradio_api(queue_lab.url, "talk", ["mixed?"], session_hash=shared, transport="queue")
    with pytest.warns(PowershaiWarning, match="careful: mixed"):
        assert outputs(update_gradio_api_result(said)) == [("complete", ["said mixed?"])]
    assert outputs(update_gradio_api_result(ticks)) == [
        ("generating", ["tick 1"]), ("generating", ["tick 2"]), ("generating", ["tick 3"]),
        ("complete", ["tick 3"]),
    ]  # fmt: skip
    assert outputs(update_gradio_api_result(slow)) == [("complete", ["slept 0.3"])]
    assert len(opened) == 1
    assert slow.queue.messages == [] and said.queue.messages == [
        ("info", "info: mixed?"),
        ("warning", "careful: mixed?"),
    ]


def test_a_progress_app_shows_every_step(queue_lab):
    session = new_gradio_session(queue_lab.url, transport="queue")
    call = invoke_gradio_session_api("steps", [4], session=session)
    steps = [
        r.data[-1]
        for r in update_gradio_session_api_result(call, session=session, status=True)
        if r.event == "progress"
    ]
    assert {step["index"] for step in steps} >= {1, 2, 3}
    assert all((s["length"], s["unit"], s["desc"]) == (4, "steps", "denoising") for s in steps)
    assert call.queue.progress[-1] == steps[-1]
    assert call.last_data == ["done 4 steps"]


def test_info_and_warning_messages_arrive(queue_lab, caplog):
    caplog.set_level(logging.INFO, logger="powershai_py")
    event = send_gradio_api(queue_lab.url, "talk", ["hi"], transport="queue")
    with pytest.warns(PowershaiWarning, match="/talk says: careful: hi") as record:
        results = update_gradio_api_result(event, status=True)
    assert record[0].filename == __file__  # shown at the caller's line, however deep the reader
    logs = [(r.data["level"], r.data["message"]) for r in results if r.event == "log"]
    assert logs == [("info", "info: hi"), ("warning", "careful: hi")]
    assert event.queue.messages == logs
    assert "/talk says: info: hi" in caplog.text
    assert results[-1].data == ["said hi"]


def test_app_warnings_can_go_to_the_logger_instead(queue_lab, caplog, recwarn):
    caplog.set_level(logging.INFO, logger="powershai_py")
    with Client(app_warnings="log") as client:
        client.update_gradio_api_result(
            client.send_gradio_api(queue_lab.url, "talk", ["x"], transport="queue")
        )
    assert not [w for w in recwarn if issubclass(w.category, PowershaiWarning)]
    assert [r.levelname for r in caplog.records if "careful: x" in r.getMessage()] == ["WARNING"]


# --- cancel -------------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_cancel_stops_a_running_generator_on_the_server(queue_lab, transport):
    session = new_gradio_session(queue_lab.url, transport=transport)
    length = 301 + TRANSPORTS.index(transport)  # a ticker of its own, told apart on the server
    call = invoke_gradio_session_api("ticker", [length], session=session)
    ticks = []
    for result in iter_gradio_session_api_result(call, session=session):
        if result.event == "generating":
            ticks.append(result.data)
            if len(ticks) == 3:
                assert stop_gradio_session_api(call, session) == [call]
    assert call.cancelled and call.done and call.api_event.last_query_status == "Cancelled"
    assert call.queue.stage == "cancelled"
    assert stop_gradio_session_api(call, session) == []  # already over: nothing to cancel
    count = ticks_when_it_ended(queue_lab.url, length)  # the server closed the generator
    assert count < length and produced(queue_lab.url, length) == count


def test_cancel_takes_a_waiting_call_out_of_the_queue(queue_lab):
    blocker = send_gradio_api(queue_lab.url, "slow", [1.5], transport="queue")
    waiting = send_gradio_api(queue_lab.url, "slow", [0.1], transport="queue")
    first = next(iter(iter_gradio_api_result(waiting, status=True)))
    assert first.event == "estimation" and waiting.queue.stage == "queued"  # behind the blocker
    assert stop_gradio_api(waiting) is True
    rest = update_gradio_api_result(waiting, status=True)
    assert "process_starts" not in [r.event for r in rest]  # it never ran
    assert waiting.last_query_status == "Cancelled" and waiting.error is None
    assert update_gradio_api_result(blocker)[-1].data == ["slept 1.5"]  # the other call goes on


def test_a_cancelled_proxy_result_raises_call_cancelled(queue_lab):
    new_gradio_session(queue_lab.url, transport="queue")
    result = invoke_gradio_dynamic_api("ticker", n=300)
    for event in result:
        if event.data == ["tick 2"]:
            assert result.cancel() is True
            break
    with pytest.raises(CallCancelled) as caught:
        result.result()
    assert caught.value.code == "POWERSHAI_GRADIO_CALL_CANCELLED"
    assert result.queue.stage == "cancelled"


# --- the default transport: error texts and gr.State on every version ----------------------------


@pytest.mark.parametrize(
    ("endpoint", "named", "text"),
    [("divide", {"a": 1, "b": 0}, "Cannot divide by zero!"), ("boom", {"text": "x"}, "kaboom: x")],
)
def test_error_texts_reach_the_user_as_gradio_client_reports_them(queue_lab, endpoint, named, text):
    from gradio_client import Client

    args = list(named.values())
    with pytest.raises(Exception) as reference:
        Client(queue_lab.url, verbose=False).predict(*args, api_name=f"/{endpoint}")
    assert text in str(reference.value)  # what the official client shows
    new_gradio_session(queue_lab.url)  # default settings
    call = invoke_gradio_session_api(endpoint, args)
    results = update_gradio_session_api_result(call)
    assert results[-1].event == "error" and results[-1].data["error"] == text
    with pytest.raises(CallFailed) as caught:
        invoke_gradio_dynamic_api(endpoint, **named).result()
    assert text in caught.value.message


def test_a_stateful_session_keeps_gr_state_by_default(queue_lab):
    new_gradio_session(queue_lab.url, "kept", stateful=True)
    totals = []
    for inc in (2, 3, 4):
        call = invoke_gradio_session_api("tally", [inc], session="kept")
        totals.append(update_gradio_session_api_result(call, session="kept")[-1].data[0])
    assert totals == ["total=2", "total=5", "total=9"]
    new_gradio_session(queue_lab.url, "plain")
    again = []
    for _ in range(2):
        call = invoke_gradio_session_api("tally", [2], session="plain")
        again.append(update_gradio_session_api_result(call, session="plain")[-1].data[0])
    assert again == ["total=2", "total=2"]  # a plain session: each call is a new server session


# --- both transports give the same results ------------------------------------------------------


def test_the_queue_and_call_transports_give_the_same_results(lab, tmp_path):
    source = tmp_path / "a b ç.txt"
    source.write_text("same either way")
    [filedata] = send_gradio_file(lab.url, [source])
    cases = [
        ("echo", ["x"]),
        ("greet", ["Ana", 2]),
        ("count_up", [3]),
        ("odd name-ção", ["ok"]),
        ("copy_file", [filedata]),
    ]
    for endpoint, params in cases:
        got = {}
        for transport in TRANSPORTS:
            event = send_gradio_api(lab.url, endpoint, params, transport=transport)
            got[transport] = outputs(update_gradio_api_result(event))
            assert event.last_query_status == "complete"
        assert got["queue"] == got["call"], endpoint
    for transport in TRANSPORTS:  # a generator that fails: what it sent, then an error, both ways
        event = send_gradio_api(lab.url, "fail_midway", ["x"], transport=transport)
        assert outputs(update_gradio_api_result(event))[:2] == [
            ("generating", ["first"]),
            ("generating", ["second"]),
        ]
        assert event.last_query_status == "error"


# --- the command line -------------------------------------------------------------------------


def _run_on_a_terminal(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return its exit code and output."""
    main, secondary = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "powershai_py", *args],
        stdout=secondary, stderr=secondary, stdin=subprocess.DEVNULL, env={**os.environ, **env},
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                data = os.read(main, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif child.poll() is not None:
            break
    os.close(main)
    return child.wait(timeout=10), b"".join(chunks).decode(errors="replace")


def test_the_cli_shows_a_live_queue_line_and_the_apps_messages(queue_lab, tmp_path):
    env = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert (
        cli("session", "new", queue_lab.url, "--name", "q", "--transport", "queue", env=env).returncode == 0
    )
    # long enough for the CLI to start and join behind it, even on a slow machine
    blocker = send_gradio_api(queue_lab.url, "slow", [4], transport="queue")
    code, shown = _run_on_a_terminal(["call", "slow", "-p", "seconds=0.2"], env)
    update_gradio_api_result(blocker)
    assert code == 0, shown
    assert "\r\x1b[K/slow: queued 1/" in shown  # the live line, rewritten in place
    assert "/slow: running" in shown
    assert "complete" in shown and "slept 0.2" in shown
    code, shown = _run_on_a_terminal(["call", "talk", "-p", "text=hi"], env)
    assert code == 0 and "/talk warning: careful: hi" in shown and "/talk info: info: hi" in shown
    ran = cli("call", "talk", "-p", "text=hi", "--json", env=env)
    kinds = [json.loads(line)["event"] for line in ran.stdout.splitlines()]
    assert "estimation" in kinds and kinds.count("log") == 2 and kinds[-1] == "complete"


def test_the_cli_cancels_a_call_by_id(queue_lab, tmp_path):
    env = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert cli("session", "new", queue_lab.url, "--name", "q", env=env).returncode == 0
    started = json.loads(cli("call", "ticker", "-p", "n=300", "--manual", "--json", env=env).stdout)
    ran = cli("cancel", started["event_id"], "--json", env=env)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [
        {"event_id": started["event_id"], "cancelled": True, "last_query_status": "Cancelled"}
    ]
    [listed] = json.loads(cli("calls", "list", "--json", env=env).stdout)
    assert listed["status"] == "complete" and listed["last_query_status"] == "Cancelled"
    assert listed["state"] == "cancelled"  # one word for how it stands, not "complete"
    again = cli("update", started["event_id"], env=env)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1, again.stderr  # one message
    assert "cancelled" in again.stderr


def test_ctrl_c_on_a_cli_call_cancels_it_on_the_server(queue_lab, tmp_path):
    env = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert cli("session", "new", queue_lab.url, "--name", "q", env=env).returncode == 0
    length = 311  # a ticker of its own, told apart on the server
    child = subprocess.Popen(
        [sys.executable, "-m", "powershai_py", "call", "ticker", "-p", f"n={length}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    lines_until(child, "tick 3")
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "cancelled on the server" in err
    assert err.count("interrupted") == 1, err  # one message for one Ctrl-C
    count = ticks_when_it_ended(queue_lab.url, length)  # the server closed the generator
    assert count < length and produced(queue_lab.url, length) == count


def test_a_powershell_script_stops_a_call_with_stop_gradio_session_api(queue_lab):
    """Stop-GradioSessionApi (new in powershai-py, named in the cmdlets' style) in a script."""
    from powershai_py import compat

    script = f"""
    New-GradioSession {queue_lab.url} -Name q -Transport queue | Out-Null
    $call = Invoke-GradioSessionApi ticker @(300)
    $stopped = $call | Stop-GradioSessionApi
    $call.api_event.last_query_status
    """
    ran = compat.run(script)
    assert ran.output[-1] == "Cancelled"
    translated = compat.translate(script)
    assert "stop_gradio_session_api(" in translated
