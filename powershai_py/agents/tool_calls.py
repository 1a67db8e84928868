"""One tool call as library calls: start it, read it (reporting progress), stop it, answer.

PowerShell equivalent: Invoke-GradioSessionApi, then Update-GradioSessionApiResult, as a
proxy function does; Stop-GradioSessionApi when the agent cancels.

These are plain blocking functions over a :class:`~powershai_py.client.Client`; the MCP
server runs them in worker threads. A call is kept in its session only while it runs:
:func:`forget_call` removes it (cancelling it on the server if it is still running), so a
server that answers for days holds no more than its calls in flight.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..client import Client
from ..errors import PowershaiError, QuotaExceeded, excerpt
from ..gradio.protocol.models import STATUS_EVENTS, SessionApiEvent
from .content import INLINE_LIMIT, Block, local_view, result_blocks
from .tools import AppTool, check_local_files, entries

__all__ = ["start_call", "read_call", "call_blocks", "forget_call", "error_text"]


def start_call(
    client: Client, tool: AppTool, arguments: dict[str, Any], roots: list[Path]
) -> SessionApiEvent:
    """Check the local files among ``arguments``, upload them and submit the call."""
    check_local_files(tool, arguments, roots)
    call: SessionApiEvent = client.invoke_gradio_session_api(tool.endpoint, arguments, session=tool.session)
    return call


def read_call(
    client: Client,
    tool: AppTool,
    call: SessionApiEvent,
    report: Callable[[str], None],
    received: list[Any] | None = None,
) -> None:
    """Read ``call`` to its end, telling ``report`` each step worth showing: the place in
    the queue, the app's progress and messages, each partial result of a generator (whose
    data is also appended to ``received``, so that what came is kept if the call fails)."""
    partial = 0
    for result in client.iter_gradio_session_api_result(call, None, tool.session, status=True):
        name = (result.event or "").lower()
        if name == "log" and isinstance(result.data, dict):
            report(f"{result.data.get('level') or 'info'}: {excerpt(str(result.data.get('message')), 300)}")
        elif name in STATUS_EVENTS:
            report(call.queue.describe())
        elif name == "generating":
            partial += 1
            if received is not None:
                received.append(result.data)
            report(f"partial result {partial}: {excerpt(repr(result.data), 300)}")


def call_blocks(tool: AppTool, call: SessionApiEvent, inline_limit: int = INLINE_LIMIT) -> list[Block]:
    """The content blocks of a finished call; its failure as a PowershaiError."""
    call.raise_for_outcome(tool.version)
    values = call.last_data if isinstance(call.last_data, list) else [call.last_data]
    return result_blocks(values, entries(tool.spec.get("returns")), inline_limit)


def forget_call(client: Client, tool: AppTool, call: SessionApiEvent) -> None:
    """Remove ``call`` from its session; one still running is cancelled on the server first."""
    with contextlib.suppress(PowershaiError):  # already removed, or the app gone: nothing to free
        client.remove_gradio_session_api(call, tool.session, force=True)


def error_text(error: PowershaiError, now: float | None = None, partial: Any = None) -> str:
    """What an agent is told when a call fails: the app's own words, for a spent ZeroGPU quota
    when to try again, and the last partial result received before the end (``partial``, the
    data of the call's last event; files as their local paths), so that nothing received is lost."""
    text = error.message
    if partial is not None:
        shown = json.dumps(local_view(partial), ensure_ascii=False, default=str)
        text += f"\nReceived before the call ended: {excerpt(shown, 4000)}"
    if isinstance(error, QuotaExceeded):
        wait = error.facts.get("retry_after")
        if isinstance(wait, (int, float)):
            at = time.strftime("%H:%M:%S UTC", time.gmtime((time.time() if now is None else now) + wait))
            text += f"\nRetry in {wait:.0f} seconds (at about {at})."
        else:
            text += "\nThe app named no wait: retry later, or with a token that has GPU quota left."
    return f"{text} [{error.code}]"
