"""``info`` and ``session new|list|show|set|remove``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
import powershai_py as ps

if TYPE_CHECKING:
    from ..gradio.protocol.models import GradioSession
from .app import (
    app_login,
    json_option,
    main,
    open_store,
    resolve,
    transport_option,
)
from .completion import complete_session
from .terminal import (
    emit,
    say,
)

# --- info ---------------------------------------------------------------------------------------


def _describe(parameter: dict[str, Any]) -> str:
    text = f"{parameter.get('parameter_name')}: {(parameter.get('python_type') or {}).get('type', '')}"
    if parameter.get("parameter_has_default"):
        text += f" = {parameter.get('parameter_default')!r}"
    return text


@main.command()
@click.argument("app")
@json_option
@click.pass_context
def info(ctx: click.Context, app: str, as_json: bool) -> None:
    """List an app's endpoints and their parameters (APP: a URL or a session name).

    \b
    Example:
      powershai-py info http://127.0.0.1:7860
    """
    if not app.lower().startswith(("http://", "https://")):
        open_store(ctx)
    if app.lower().startswith(("http://", "https://")):
        result = ps.get_gradio_info(app, auth=app_login(ctx, app))
    else:
        result = ps.get_gradio_info(resolve(app))
    rows = [
        (
            "/" + name.lstrip("/"),
            ", ".join(_describe(p) for p in spec.get("parameters") or []),
            ", ".join(str(r.get("component")) for r in spec.get("returns") or []),
        )
        for name, spec in result.named_endpoints.items()
    ]
    rows += [(name, f"cannot be called: {why}", "") for name, why in result.unusable_endpoints.items()]
    data = {
        "app_url": result.real_app_url,
        "version": result.version,
        "endpoints": result.named_endpoints,
        "unusable_endpoints": result.unusable_endpoints,
    }
    emit(data, as_json, ["endpoint", "parameters", "returns"], rows)


# --- sessions --------------------------------------------------------------------------------------


@main.group()
@click.pass_context
def session(ctx: click.Context) -> None:
    """Open, list, change and remove sessions."""
    open_store(ctx)


def session_row(item: GradioSession, default: str | None) -> dict[str, Any]:
    from ..gradio.sessions.policy import effective_limit

    return {
        "name": item.name,
        "default": default is not None and default.casefold() == item.name.casefold(),
        "app_url": item.app_url,
        "version": item.info.version,
        "calls": len(item.api_calls.all_events),
        "max_calls": effective_limit(item.option("MaxCalls")),  # the limit in force (0 means the default)
        "policy": item.option("MaxCallsPolicy"),
        "transport": item.option("Transport") or "auto",
        "stateful": item.stateful,
        "session_id": item.session_id,
    }


def dot_name() -> str | None:
    """The session ``.`` resolves to: the one chosen as default, or the only one; else None."""
    try:
        return ps.get_gradio_session(".").name
    except ps.PowershaiError:
        return None


def _print_sessions(sessions: list[GradioSession], as_json: bool) -> None:
    default = dot_name()
    rows = [session_row(s, default) for s in sessions]
    columns = ["name", "default", "app_url", "version", "calls", "max_calls", "policy", "transport"]
    emit(rows, as_json, columns, [[row[c] for c in columns] for row in rows])


@session.command("new")
@click.argument("url")
@click.option("--name", help="The session's name (default: the app's URL).")
@click.option("--download-path", type=click.Path(file_okay=False), help="Save file outputs in this folder.")
@click.option("--stateful", is_flag=True, help="Share gr.State between calls.")
@click.option("--force", is_flag=True, help="Replace a session of that name.")
@click.option("--token", help="Token for opening a private app (never stored).")
@transport_option
@json_option
def session_new(
    url: str,
    name: str | None,
    download_path: str | None,
    stateful: bool,
    force: bool,
    token: str | None,
    transport: str | None,
    as_json: bool,
) -> None:
    """Open a session on the app at URL.

    \b
    Example:
      powershai-py session new http://127.0.0.1:7860 --name demo
    """
    login = app_login(click.get_current_context(), url)
    created = ps.new_gradio_session(
        url, name, download_path, force=force, stateful=stateful, token=token, auth=login, transport=transport
    )
    _print_sessions([created], as_json)


@session.command("list")
@click.argument("pattern", required=False)
@json_option
def session_list(pattern: str | None, as_json: bool) -> None:
    """List sessions, or those whose name or URL match PATTERN (a glob).

    \b
    Example:
      powershai-py session list 'de*'
    """
    found = ps.get_gradio_session(pattern or "*", like=pattern is not None)
    _print_sessions(found if isinstance(found, list) else [found], as_json)


@session.command("show")
@click.argument("name", default=".", shell_complete=complete_session)
@json_option
def session_show(name: str, as_json: bool) -> None:
    """Show one session (NAME, or '.' for the default one) and its endpoints.

    \b
    Example:
      powershai-py session show demo
    """
    found = resolve(name)
    row = session_row(found, dot_name())
    row["endpoints"] = found.info.endpoint_names
    if as_json:
        emit(row, True)
    else:
        from tabulate import tabulate

        say(tabulate([(key, value) for key, value in row.items()], tablefmt="plain"))


@session.command("set")
@click.argument("name", default=".", shell_complete=complete_session)
@click.option("--default", "make_default", is_flag=True, help="Make it the default session ('.').")
@click.option(
    "--max-calls",
    type=click.IntRange(min=0),
    help="How many calls the session keeps before --policy applies (0 means the default, 10).",
)
@click.option(
    "--policy",
    type=click.Choice(["error", "warning", "remove"], case_sensitive=False),
    help="Past --max-calls: refuse the call (error), warn and go on (warning), or drop the oldest (remove).",
)
@transport_option
@json_option
def session_set(
    name: str,
    make_default: bool,
    max_calls: int | None,
    policy: str | None,
    transport: str | None,
    as_json: bool,
) -> None:
    """Change a session's options, or make it the default; print it.

    \b
    Example:
      powershai-py session set demo --default --max-calls 20 --policy remove
      powershai-py session set demo --transport queue
    """
    ps.set_gradio_session(name, max_calls, policy, default=make_default, transport=transport)
    _print_sessions([resolve(name)], as_json)


@session.command("remove")
@click.argument("names", nargs=-1, required=True, shell_complete=complete_session)
@json_option
def session_remove(names: tuple[str, ...], as_json: bool) -> None:
    """Remove sessions: names, '*' for all, '.' for the default one; print those removed.

    \b
    Example:
      powershai-py session remove demo
    """
    gone = [item.name for item in ps.remove_gradio_session(list(names))]
    emit(gone, as_json, ["removed"], [[name] for name in gone])
