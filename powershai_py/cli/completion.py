"""Shell completion of what the store knows: session names, a session's endpoints, its calls'
event ids (click's completion calls these while the user presses Tab).

A completer never fails and never writes: with no store yet, or one it cannot read, it offers
nothing. The store is the one the command line names (``--store``), else the default one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

__all__ = ["complete_session", "complete_endpoint", "complete_event_id", "complete_call_target",
           "session_option"]  # fmt: skip


def _open(ctx: click.Context) -> bool:
    """Use the command line's store for this process; False when there is none to read."""
    from ..gradio.sessions.store import use_store
    from ..gradio.storage.sqlite_store import SQLiteStore, default_store_path

    given = ctx.find_root().params.get("store")
    path = Path(given).expanduser() if given else default_store_path()
    if not path.is_file():
        return False
    use_store(SQLiteStore(path))
    return True


def _matching(words: list[str], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(w) for w in words if w.casefold().startswith(incomplete.casefold())]


def complete_session(ctx: click.Context, param: Any, incomplete: str) -> list[CompletionItem]:
    """The stored sessions' names."""
    try:
        if not _open(ctx):
            return []
        import powershai_py as ps

        return _matching([s.name for s in ps.get_gradio_sessions()], incomplete)
    except Exception:  # noqa: BLE001 - completion offers nothing rather than a traceback
        return []


def _session(ctx: click.Context) -> Any:
    import powershai_py as ps

    return ps.get_gradio_session(ctx.params.get("session_ref") or ".")


def complete_endpoint(ctx: click.Context, param: Any, incomplete: str) -> list[CompletionItem]:
    """The endpoints of the command's session (``--session``, else ``.``), as its /info lists them."""
    try:
        if not _open(ctx):
            return []
        return _matching(list(_session(ctx).info.endpoint_names), incomplete)
    except Exception:  # noqa: BLE001
        return []


def complete_event_id(ctx: click.Context, param: Any, incomplete: str) -> list[CompletionItem]:
    """The event ids of the command's session's calls."""
    try:
        if not _open(ctx):
            return []
        return _matching([call.id for call in _session(ctx).api_calls.all_events], incomplete)
    except Exception:  # noqa: BLE001
        return []


def complete_call_target(ctx: click.Context, param: Any, incomplete: str) -> list[CompletionItem]:
    """``all``, ``clean``, or an event id (``calls remove``)."""
    return _matching(["all", "clean"], incomplete) + complete_event_id(ctx, param, incomplete)


session_option = click.option(
    "-s", "--session", "session_ref", default=".", help="The session (default: '.').",
    shell_complete=complete_session,
)  # fmt: skip
