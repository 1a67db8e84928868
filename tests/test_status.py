"""The call's read status as one enum, and the exception each way of ending gives (pure)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.errors import CallCancelled, CallFailed, StillRunning, StreamLost
from powershai_py.gradio.protocol.models import GradioApiEvent
from powershai_py.gradio.protocol.status import ReadStatus, outcome_error

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
