"""The MaxCalls policy and call removal, driven by hypothesis against a model of the call list.

A fake app answers through ``requests-mock`` (speed: hundreds of sessions per run); the same
rules are checked with a few calls each against a real server in test_sessions_real.py.
"""

from __future__ import annotations

import itertools
import re
import warnings

import pytest
import requests_mock
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from powershai_py import (
    Client,
    MaxCallsReached,
    PowershaiWarning,
    invoke_gradio_session_api,
    new_gradio_session,
    remove_gradio_session_api,
    set_gradio_session,
    update_gradio_session_api_result,
)

BASE = "http://127.0.0.1:9"
API = BASE + "/gradio_api"
CONFIG = {
    "version": "6.31.0",
    "api_prefix": "/gradio_api",
    "dependencies": [{"api_name": "echo", "inputs": [1]}],
}
INFO = {
    "named_endpoints": {
        "/echo": {"parameters": [{"parameter_name": "text", "parameter_has_default": False}], "returns": []}
    },
    "unnamed_endpoints": {},
}

LIMITS = st.sampled_from([None, 0, 1, 2, 3, 5])
POLICIES = st.sampled_from([None, "error", "ERROR", "remove", "Remove", "warning", "WARNING", "wArNiNg"])


def fake_app(mocker: requests_mock.Mocker) -> dict[str, int]:
    """Register the fake app; return a dict counting the POSTs it received."""
    counter = itertools.count(1)
    posts = {"count": 0}

    def post(request, context):
        posts["count"] += 1
        return {"event_id": f"ev{next(counter)}"}

    def stream(request, context):
        context.headers["Content-Type"] = "text/event-stream"
        return 'event: complete\ndata: ["ok"]\n\n'

    mocker.get(BASE + "/config", json=CONFIG)
    mocker.get(API + "/info", json=INFO)
    mocker.post(API + "/call/echo", json=post)
    mocker.get(re.compile(re.escape(API) + r"/call/echo/ev\d+$"), text=stream)

    def cancel(request, context):
        posts["cancels"] = posts.get("cancels", 0) + 1
        return {"success": True}

    mocker.post(API + "/cancel", json=cancel)
    return posts


class SessionCalls(RuleBasedStateMachine):
    """Model: the ordered ids the session should keep, which are finished, and its options."""

    def __init__(self) -> None:
        super().__init__()
        # a client of its own (store, caches, settings) for each run; the fake app speaks /call
        self.client = Client(transport="call")
        self.client.__enter__()
        self.mocker = requests_mock.Mocker()
        self.mocker.start()
        self.posts = fake_app(self.mocker)
        self.session = new_gradio_session(BASE, "model")
        self.kept: list[str] = []
        self.finished: set[str] = set()
        self.every_id: list[str] = []
        self.limit: object = 100
        self.policy: object = "warning"

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)
        self.mocker.stop()

    # --- what the rules of SPEC 4.6 say should happen ---

    def effective(self) -> tuple[int, str]:
        limit = self.limit or 100  # unset or 0: a new session's defaults (D-3, one source)
        policy = str(self.policy).lower() if self.policy else "warning"
        return int(limit), policy  # type: ignore[call-overload]

    @rule()
    def invoke(self) -> None:
        limit, policy = self.effective()
        before = self.posts["count"]
        count = len(self.kept)
        if count >= limit and policy == "error":
            with pytest.raises(MaxCallsReached) as caught:
                invoke_gradio_session_api("echo", ["x"])
            assert caught.value.code == "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS"
            assert (caught.value.count, caught.value.limit) == (count, limit)
            assert self.posts["count"] == before  # refused before any request
            return
        if count >= limit and policy == "warning":
            with pytest.warns(PowershaiWarning, match=f"max calls reached {count}/{limit}"):
                call = invoke_gradio_session_api("echo", ["x"])
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", PowershaiWarning)
                call = invoke_gradio_session_api("echo", ["x"])
        assert self.posts["count"] == before + 1
        if count >= limit and policy == "remove":
            evicted, self.kept = self.kept[: count - limit + 1], self.kept[count - limit + 1 :]
            for gone in evicted:
                assert gone not in self.session.api_calls.by_id
        self.kept.append(call.id)
        self.every_id.append(call.id)
        if policy == "error":
            assert len(self.kept) <= limit  # a new call never takes the list past the limit
        if policy == "remove" and count >= limit:
            assert len(self.kept) == limit  # exactly the limit, the oldest gone first

    @rule(limit=LIMITS, policy=POLICIES)
    def set_options(self, limit, policy) -> None:
        set_gradio_session(max_calls=limit, max_calls_policy=policy)
        if limit is not None:
            self.limit = limit
        if policy is not None:
            self.policy = policy

    @rule()
    def forget_options(self) -> None:
        """An imported session may have no options at all: 100 calls, policy warning."""
        self.session.options.clear()
        self.limit = self.policy = None

    @precondition(lambda self: any(i not in self.finished for i in self.kept))
    @rule(data=st.data())
    def complete(self, data) -> None:
        call_id = data.draw(st.sampled_from([i for i in self.kept if i not in self.finished]))
        results = update_gradio_session_api_result(call_id)
        assert [r.data for r in results] == [["ok"]]
        self.finished.add(call_id)

    @rule(force=st.booleans())
    def remove_all(self, force) -> None:
        """'all' takes the finished calls; with force the unfinished ones too, cancelled first."""
        expected = [i for i in self.kept if force or i in self.finished]
        cancels = self.posts.get("cancels", 0)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", PowershaiWarning)
            removed = remove_gradio_session_api("all", force=force)
        assert [c.id for c in removed] == expected
        assert bool(seen) == (len(expected) < len(self.kept))  # what stays is said
        unfinished = [i for i in expected if i not in self.finished]
        assert self.posts.get("cancels", 0) - cancels == len(unfinished)  # stopped on the server first
        self.kept = [i for i in self.kept if i not in expected]

    @rule(dry_run=st.booleans())
    def remove_clean(self, dry_run) -> None:
        expected = [i for i in self.kept if i in self.finished]
        removed = remove_gradio_session_api("clean", eligible=dry_run)
        assert [c.id for c in removed] == expected
        if not dry_run:
            self.kept = [i for i in self.kept if i not in self.finished]

    @precondition(lambda self: self.kept)
    @rule(data=st.data(), force=st.booleans())
    def remove_ids(self, data, force) -> None:
        targets = data.draw(st.lists(st.sampled_from(self.kept), min_size=1, max_size=3, unique=True))
        expected = [i for i in self.kept if i in targets and (force or i in self.finished)]
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", PowershaiWarning)
            removed = remove_gradio_session_api(targets, force=force)
        assert bool(seen) == (len(expected) < len(targets))  # an unfinished call kept is said
        assert [c.id for c in removed] == expected
        self.kept = [i for i in self.kept if i not in expected]

    # --- invariants ---

    @invariant()
    def the_session_keeps_what_the_model_keeps(self) -> None:
        calls = self.session.api_calls
        assert [c.id for c in calls.all_events] == self.kept
        assert set(calls.by_id) == set(self.kept)
        assert all(calls.by_id[c.id] is c for c in calls.all_events)
        assert len(set(self.every_id)) == len(self.every_id)  # no id handed out twice
        assert self.session.reserved == 0


SessionCalls.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSessionCalls = SessionCalls.TestCase
