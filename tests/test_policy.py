"""The MaxCalls policy, driven by hypothesis (the session tests will check it on a real server)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.errors import PowershaiError
from powershai_py.gradio.sessions.policy import DEFAULT_LIMIT, decide, trim

limits = st.one_of(st.none(), st.just(0), st.integers(min_value=1, max_value=50))
policy_names = st.sampled_from(["error", "warning", "remove"]).flatmap(
    lambda name: st.sampled_from([name, name.upper(), name.title(), f" {name} "])
)


def simulate(calls: int, max_calls, policy) -> tuple[list[int], list[str]]:
    """Make ``calls`` calls on a model session; return the ids it holds and the actions taken."""
    held: list[int] = []
    actions = []
    for call_id in range(calls):
        decision = decide(len(held), max_calls, policy)
        actions.append(decision.action)
        if decision.action == "refuse":
            continue
        del held[: decision.evict]
        held.append(call_id)
    return held, actions


@given(st.integers(min_value=0, max_value=120), limits)
def test_error_never_exceeds_the_limit_and_refuses_past_it(calls, max_calls):
    limit = max_calls or DEFAULT_LIMIT
    held, actions = simulate(calls, max_calls, "Error")
    assert held == list(range(min(calls, limit)))
    assert actions.count("refuse") == max(0, calls - limit)


@given(st.integers(min_value=0, max_value=120), limits)
def test_remove_keeps_exactly_the_limit_and_evicts_the_oldest(calls, max_calls):
    limit = max_calls or DEFAULT_LIMIT
    held, actions = simulate(calls, max_calls, "REMOVE")
    assert held == list(range(max(0, calls - limit), calls))
    assert "refuse" not in actions


@given(st.integers(min_value=0, max_value=120), limits)
def test_warning_grows_by_one_and_warns_past_the_limit(calls, max_calls):
    limit = max_calls or DEFAULT_LIMIT
    held, actions = simulate(calls, max_calls, "warning")
    assert held == list(range(calls))
    assert actions.count("warn") == max(0, calls - limit)


@given(st.integers(min_value=0, max_value=60), limits, policy_names)
def test_under_the_limit_every_policy_goes_ahead(count, max_calls, policy):
    decision = decide(count, max_calls, policy)
    assert (decision.action == "go") == (count < (max_calls or DEFAULT_LIMIT))


def test_unset_options_take_the_defaults_of_a_new_session():
    # one source of defaults (D-3): what a new session gets, 100 and "warning"
    from powershai_py.gradio.protocol.models import DEFAULT_OPTIONS

    assert (DEFAULT_OPTIONS["MaxCalls"], DEFAULT_OPTIONS["MaxCallsPolicy"]) == (100, "warning")
    assert decide(99).action == "go"
    assert decide(100).action == "warn"
    assert decide(100, 0, None).limit == 100


@pytest.mark.parametrize("max_calls, policy", [(-1, "error"), (2.5, "error"), (True, "error"), (5, "drop")])
def test_invalid_options_are_refused_with_a_code(max_calls, policy):
    with pytest.raises(PowershaiError) as caught:
        decide(0, max_calls, policy)
    assert caught.value.code == "POWERSHAI_GRADIO_SESSION_INVALIDOPTION"


@given(
    calls=st.lists(st.text(min_size=1, max_size=4), unique=True, max_size=30),
    limit=st.integers(min_value=1, max_value=12),
    stay=st.sets(st.text(min_size=1, max_size=4)),
)
def test_trim_drops_the_oldest_it_may_until_the_limit(calls, limit, stay):
    dropped = trim(calls, limit, stay.__contains__)
    movable = [call for call in calls if call not in stay]
    assert not set(dropped) & stay  # a call in flight, or the one just made, stays
    assert dropped == movable[: len(dropped)]  # the oldest first
    assert len(dropped) == min(max(len(calls) - limit, 0), len(movable))
