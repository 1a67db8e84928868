"""The MaxCalls rule of a session, as a pure function (PowerShell: Invoke-GradioSessionApi, step 4).

Before a session makes a new call it asks :func:`decide` what to do, given how many calls
it holds and its ``MaxCalls`` / ``MaxCallsPolicy`` options:

* under the limit: go ahead;
* ``error``: refuse, before any request is sent;
* ``remove``: drop the oldest calls so that, with the new one, the list holds the limit;
* ``warning``: warn and go ahead.

A limit that is unset or 0 and a policy that is unset take the defaults every new session
gets, ``models.DEFAULT_OPTIONS`` (100, ``warning``): one source (the original had two, D-3).
Policy names are compared in any case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ...errors import Advice, MaxCallsReached, PowershaiError
from ..protocol.models import DEFAULT_OPTIONS

__all__ = [
    "POLICIES",
    "DEFAULT_LIMIT",
    "DEFAULT_POLICY",
    "Decision",
    "effective_limit",
    "effective_policy",
    "decide",
    "max_calls_reached",
    "trim",
]

POLICIES = ("error", "warning", "remove")
DEFAULT_LIMIT: int = DEFAULT_OPTIONS["MaxCalls"]  # when MaxCalls is unset or 0
DEFAULT_POLICY: str = DEFAULT_OPTIONS["MaxCallsPolicy"]  # when MaxCallsPolicy is unset

Action = Literal["go", "refuse", "evict", "warn"]


@dataclass(frozen=True)
class Decision:
    """What to do before a new call: ``action``, and for ``evict`` how many oldest calls to drop."""

    action: Action
    count: int
    limit: int
    evict: int = 0


def effective_limit(max_calls: Any) -> int:
    """The limit in force: ``max_calls``, or :data:`DEFAULT_LIMIT` when it is unset or 0."""
    if max_calls is None or max_calls == 0:
        return DEFAULT_LIMIT
    if isinstance(max_calls, bool) or not isinstance(max_calls, int) or max_calls < 0:
        raise PowershaiError(
            f"MaxCalls must be a whole number of 0 or more, not {max_calls!r}",
            code="POWERSHAI_GRADIO_SESSION_INVALIDOPTION",
        )
    return max_calls


def effective_policy(policy: Any) -> str:
    """The policy in force, lower-cased: ``policy``, or :data:`DEFAULT_POLICY` when it is unset."""
    if not policy:
        return DEFAULT_POLICY
    name = str(policy).strip().lower()
    if name not in POLICIES:
        raise PowershaiError(
            f"MaxCallsPolicy must be one of {', '.join(POLICIES)}, not {policy!r}",
            code="POWERSHAI_GRADIO_SESSION_INVALIDOPTION",
        )
    return name


def decide(count: int, max_calls: Any = None, policy: Any = None) -> Decision:
    """Decide what a session holding ``count`` calls does before one more."""
    limit = effective_limit(max_calls)
    name = effective_policy(policy)
    if count < limit:
        return Decision("go", count, limit)
    if name == "error":
        return Decision("refuse", count, limit)
    if name == "remove":
        return Decision("evict", count, limit, evict=count - limit + 1)
    return Decision("warn", count, limit)


def trim(calls: list[str], limit: int, untouchable: Callable[[str], bool]) -> list[str]:
    """Under ``remove``: the oldest of ``calls`` (oldest first) to drop so that at most
    ``limit`` remain, skipping those ``untouchable`` says must stay (a call in flight, the
    call just made). Fewer are dropped when too many are untouchable."""
    excess = len(calls) - limit
    if excess <= 0:
        return []
    return [call for call in calls if not untouchable(call)][:excess]


def max_calls_reached(count: int, limit: int, session_name: str) -> MaxCallsReached:
    """The error for a refused call (policy ``error``), with what to do about it."""
    return MaxCallsReached(
        f"Max calls reached. {count}/{limit}.",
        advice=Advice(
            "Remove finished calls with remove_gradio_session_api('clean'), or raise the limit or "
            "change the policy with set_gradio_session(max_calls=..., max_calls_policy=...)",
            "Remove finished calls with 'powershai-py calls remove clean', or raise the limit or "
            "change the policy with 'powershai-py session set NAME --max-calls N --policy "
            "error|warning|remove'",
        ),
        count=count,
        limit=limit,
        session=session_name,
    )
