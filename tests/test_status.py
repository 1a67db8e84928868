"""The call's read status as one enum, the exception each way of ending gives, and the state
machine that moves a read on event by event (pure)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.errors import (
    CallCancelled,
    CallFailed,
    ConnectionLost,
    HttpError,
    ProtocolError,
    RequestTimeout,
    StillRunning,
    StreamLost,
)
from powershai_py.gradio.protocol.models import GradioApiEvent
from powershai_py.gradio.protocol.status import ReadStatus, outcome_error
from powershai_py.gradio.protocol.transitions import ReadProgress, fault_status, step

# what each ending means, written from the spec and docs/differences.md, not from the code
MEANING = {
    "running": (False, False, True),  # (succeeded, stream ended, resumable)
    "complete": (True, False, False),
    "error": (False, False, False),
    "Cancelled": (False, False, False),
    "HeartBeatExpired": (False, False, True),
    "NotOpened": (False, False, True),
    "ConnectionLost": (False, True, False),
    "Timeout": (False, True, False),
    "ProtocolError": (False, True, False),
    "Closed": (False, True, False),
    "Interrupted": (False, True, False),
    "ReadElsewhere": (False, True, False),
}


def test_every_status_is_its_powershai_string_and_says_what_it_means():
    assert {s.value for s in ReadStatus} == set(MEANING)
    for text, (succeeded, ended, resumable) in MEANING.items():
        status = ReadStatus(text)
        assert status == text and str(status) == text and repr(status) == repr(text)
        assert json.dumps(status) == json.dumps(text)  # stored and printed as the plain string
        assert (status.succeeded, status.stream_ended, status.resumable) == (succeeded, ended, resumable)
        assert status.final is not resumable
    assert ReadStatus.of("NoSuchStatus") is None and ReadStatus.of(None) is None


def event(last: str | None, status: str | None = None, error=None) -> GradioApiEvent:
    made = GradioApiEvent("e1", "echo", "http://app", status=status, error=error)
    made.last_query_status = last
    return made


@pytest.mark.parametrize(
    ("last", "status", "error", "kind"),
    [
        ("complete", "complete", None, None),
        ("error", "complete", "boom", CallFailed),
        ("Cancelled", "complete", None, CallCancelled),
        ("HeartBeatExpired", "heartbeat", None, StillRunning),
        ("NotOpened", None, None, StillRunning),
        ("ConnectionLost", "generating", None, StreamLost),
        ("Interrupted", "generating", None, StreamLost),
        ("ReadElsewhere", None, None, StreamLost),
    ],
)
def test_each_ending_raises_what_it_means(last, status, error, kind):
    made = event(last, status, error)
    if kind is None:
        made.raise_for_outcome()  # completed: nothing to raise
        return
    with pytest.raises(kind) as caught:
        made.raise_for_outcome()
    assert caught.value.facts["event_id"] == "e1" and "/echo" in caught.value.message
    if kind is CallFailed:
        assert "boom" in caught.value.message and caught.value.facts["error"] == "boom"


@given(
    st.sampled_from([s.value for s in ReadStatus]) | st.none(),
    st.sampled_from([None, "complete", "generating"]),
)
def test_only_a_completed_call_raises_nothing(last, status):
    error = outcome_error(event(last, status))
    completed = last == "complete" or (last is None and status == "complete")
    assert (error is None) == completed


# --- errors carry their advice as data (issue 24) -------------------------------------------------


def test_an_error_says_its_advice_in_python_and_on_the_command_line_from_one_object():
    import pickle

    from powershai_py.cli import cli_words
    from powershai_py.errors import NONE_IS_A_VALUE, Advice, PowershaiError, PowershaiWarning
    from powershai_py.gradio.sessions.policy import max_calls_reached

    error = max_calls_reached(3, 3, "lab")
    assert "remove_gradio_session_api('clean')" in error.message and "--max-calls" not in error.message
    assert (
        "'powershai-py calls remove clean'" in error.shell_message()
        and "set_gradio_session" not in error.shell_message()
    )
    assert cli_words(error) == f"{error.code}: {error.shell_message()}"
    assert str(error) == f"{error.code}: {error.message}"  # Python sees Python's words
    again = pickle.loads(pickle.dumps(error))
    assert (again.message, again.shell_message(), again.facts) == (
        error.message,
        error.shell_message(),
        error.facts,
    )
    plain = PowershaiError("no advice here", code="X")
    assert plain.shell_message() == plain.message == "no advice here"
    warning = PowershaiWarning("careful.", Advice("pass x=1", "use --x 1"))
    assert str(warning) == "careful. pass x=1" and cli_words(warning) == "careful. use --x 1"
    assert "-p NAME=null" in NONE_IS_A_VALUE.shell


# --- the call's state machine: transitions.step, driven over any sequence of events ----------


NAMES = ["heartbeat", "generating", "complete", "error", "estimation", "progress", "log", "process_starts"]
events = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from([None, 1, "x", [0.5]])), max_size=30)


def _run(sequence, limit, want_status=False, cancel=False):
    """Drive step over the events as the reading loop does: (handed out, ending, events used)."""
    progress, handed, used = ReadProgress(), [], 0
    for name, data in sequence:
        used += 1
        move = step(progress, name, data, limit=limit, want_status=want_status, cancel_requested=cancel)
        progress = move.progress
        assert 0 <= progress.heartbeats <= limit  # the count never passes the limit
        if move.hand_out:
            handed.append(name)
        if move.ending is not None:
            return handed, move.ending, used
    return handed, None, used


@given(events, st.integers(1, 4), st.booleans(), st.booleans())
def test_a_read_ends_where_a_reader_of_the_stream_would_say(sequence, limit, want_status, cancel):
    handed, ending, used = _run(sequence, limit, want_status, cancel)
    # where it should stop, found by another route: the first final event, or the first
    # place where `limit` events in a row said nothing new (heartbeats, a status repeated)
    stop, why, quiet, said = None, None, 0, None
    for index, (name, data) in enumerate(sequence):
        if name in ("complete", "error"):
            stop, why = index, name
            break
        if name == "heartbeat" or (name in NAMES[4:] and (name, data) == said):
            quiet += 1
        else:
            quiet = 0
        if name in NAMES[4:]:
            said = (name, data)
        if quiet == limit:
            stop, why = index, "expired"
            break
    if stop is None:
        assert ending is None and used == len(sequence)
        return
    assert used == stop + 1
    final_data = sequence[stop][1]
    expected = {
        "complete": ReadStatus.CANCELLED if cancel and final_data is None else ReadStatus.COMPLETE,
        "error": ReadStatus.ERROR,
        "expired": ReadStatus.HEARTBEAT_EXPIRED,
    }[why]
    assert ending is expected
    # heartbeats and results always reach the caller, status events only when asked for
    wanted = [n for n, _ in sequence[:used] if want_status or n not in NAMES[4:]]
    assert handed == wanted


def test_only_heartbeats_end_the_read_at_the_limit_and_a_result_restarts_the_count():
    assert _run([("heartbeat", None)] * 10, limit=3)[1:] == (ReadStatus.HEARTBEAT_EXPIRED, 3)
    beats_then_result = [("heartbeat", None), ("heartbeat", None), ("generating", 1)] * 4
    assert _run(beats_then_result, limit=3)[1] is None


def test_the_same_estimate_again_and_again_is_a_heartbeat_by_another_name():
    same = [("estimation", {"rank": 2})] * 5
    assert _run(same, limit=3)[1:] == (ReadStatus.HEARTBEAT_EXPIRED, 4)  # the first one is news
    moving = [("estimation", {"rank": n}) for n in range(5, 0, -1)]
    assert _run(moving, limit=3)[1] is None


@pytest.mark.parametrize(
    "fault, opened, status",
    [
        (RequestTimeout("silent"), True, "Timeout"),
        (ProtocolError("lies"), True, "ProtocolError"),
        (ConnectionLost("cut"), True, "ConnectionLost"),
        (HttpError("502"), True, "ConnectionLost"),
        (ConnectionLost("refused"), False, "NotOpened"),
    ],
)
def test_a_fault_of_the_stream_ends_the_read_as_what_happened(fault, opened, status):
    ending = fault_status(fault, opened)
    assert ending == status
    assert ending.resumable is (not opened)  # only a stream never opened can be asked for again
