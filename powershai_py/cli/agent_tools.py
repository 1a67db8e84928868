"""``mcp``: serve apps' endpoints as tools for AI agents, over the Model Context Protocol.

The SDK (the extra ``powershai-py[mcp]``) is imported only when the command runs, so
``powershai-py --help`` and every other command start as fast as without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

import powershai_py as ps

from ..errors import PowershaiError
from .app import app_login, json_option, main, transport_option
from .terminal import emit, say

_SPACE_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def split_address(text: str) -> tuple[str, int]:
    """``[HOST:]PORT`` -> (host, port); the host is 127.0.0.1 unless given (pure)."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = "127.0.0.1", text
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise click.BadParameter(f"{text!r} is not [HOST:]PORT (a port from 0 to 65535)", param_hint="--http")
    return host, int(port)


def app_label(url: str) -> str:
    """A short name of the app at ``url``: its host and port, and its path if any (pure)."""
    parts = urlsplit(url)
    path = parts.path.strip("/").replace("gradio_api", "").strip("/")
    return parts.netloc + (f"/{path}" if path else "")


def _stored(ctx: click.Context, names: list[str]) -> dict[str, Any]:
    """The sessions of the user's store that ``names`` name (read only; no call is kept there).
    A store that does not exist is not created for the lookup (a Space id is not a session)."""
    from ..gradio.storage.sqlite_store import SQLiteStore, default_store_path

    path = ctx.find_root().obj.get("store_path") or default_store_path()
    if not names or not Path(path).exists():
        return {}
    store = SQLiteStore(path)
    try:
        return {name: found for name in names if (found := store.get(name)) is not None}
    finally:
        store.close()


def open_apps(
    ctx: click.Context,
    apps: tuple[str, ...],
    token: str | None,
    transport: str | None,
    downloads: Path | None,
) -> list[tuple[str, Any, Any]]:
    """Open a session on each app (a URL, a stored session's name or a Space id), in this
    command's own memory store; ``(label, session, layout)`` for each."""
    from ..gradio.protocol.app import app_layout, is_url
    from ..gradio.sessions.store import MemoryStore, use_store

    stored = _stored(ctx, [app for app in apps if not is_url(app)])
    use_store(MemoryStore())
    opened: list[tuple[str, Any, Any]] = []
    labels: set[str] = set()
    for app in apps:
        if is_url(app):
            url, label, chosen = app.strip(), app_label(app.strip()), transport
        elif app in stored:
            url, label = stored[app].app_url, app
            chosen = transport or stored[app].option("Transport")
        elif _SPACE_ID.fullmatch(app):
            session = ps.connect_hugging_face_space_gradio(app, token=token, auth=None)
            url, label, chosen = session.app_url, app.split("/", 1)[1], transport
        else:
            raise click.BadParameter(
                f"{app!r} is neither a URL, nor a session of the store ('powershai-py session list'), "
                "nor a Space id (owner/name)",
                param_hint="APP",
            )
        name = label
        while name in labels:
            name += "_"
        labels.add(name)
        folder = str(downloads) if downloads else None
        session = ps.new_gradio_session(
            url, name, folder, force=True, token=token, auth=app_login(ctx, url), transport=chosen
        )
        ps.set_gradio_session(name, 0, "remove")  # calls leave when answered; never refuse one
        layout = app_layout(session.app_url, token=session.token.value, credentials=session.login)
        opened.append((name, session, layout))
    return opened


@main.command("mcp")
@click.argument("apps", nargs=-1, required=True, metavar="APP...")
@click.option(
    "--http",
    "address",
    metavar="[HOST:]PORT",
    help="Serve over streamable HTTP at http://HOST:PORT/mcp (HOST: 127.0.0.1; PORT 0: a free one) "
    "instead of stdin/stdout.",
)
@click.option(
    "-e", "--endpoint", "endpoints", multiple=True, metavar="NAME", help="Offer only this endpoint (repeat)."
)
@click.option("--token", help="Use this token (default: $HF_API_TOKEN, $HF_TOKEN). Never shown to the agent.")
@click.option("--public", is_flag=True, help="Send no token at all.")
@click.option(
    "--allow-files",
    "allowed",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder whose files the agent may upload (repeat; default: the current folder).",
)
@click.option(
    "--download-path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save file outputs here (default: a new temporary folder, kept after the server stops).",
)
@click.option(
    "--inline-limit",
    type=click.IntRange(min=0),
    default=2_000_000,
    show_default=True,
    help="Images and sounds up to this many bytes are sent inline; larger files are linked.",
)
@transport_option
@click.option(
    "--list", "list_only", is_flag=True, help="Print the tools and exit (--json: their schemas too)."
)
@json_option
@click.pass_context
def mcp(
    ctx: click.Context,
    apps: tuple[str, ...],
    address: str | None,
    endpoints: tuple[str, ...],
    token: str | None,
    public: bool,
    allowed: tuple[Path, ...],
    download_path: Path | None,
    inline_limit: int,
    transport: str | None,
    list_only: bool,
    as_json: bool,
) -> None:
    """Serve the endpoints of APPs as tools for AI agents (MCP), over stdio or HTTP.

    APP is a URL, a session of the store, or a Hugging Face Space id (owner/name). Each
    endpoint is one tool; its arguments are checked against the app's /info schema, file
    arguments take a local path or URL (uploaded for you), and progress, cancel and app
    errors reach the agent. Over stdio (the default) an agent's host starts this command;
    --http [HOST:]PORT serves agents at http://HOST:PORT/mcp until Ctrl-C. Needs the MCP
    SDK: pip install 'powershai-py[mcp]'. See docs/mcp.md.

    \b
    Example:
      powershai-py mcp http://127.0.0.1:7860 --list           # the tools (--json: their schemas)
      powershai-py mcp http://127.0.0.1:7860 --endpoint greet  # serve one tool over stdio
    """
    if token and public:
        raise click.UsageError("give --token or --public, not both")
    host_port = split_address(address) if address else None
    if not list_only:
        _need_sdk()
    chosen = "public" if public else token
    from ..agents.tools import make_tools

    if list_only:
        tools = make_tools(open_apps(ctx, apps, chosen, transport, None), endpoints)
        listing = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in tools
        ]
        rows = [
            [t.name, ", ".join(t.input_schema["properties"]), t.description.splitlines()[0]] for t in tools
        ]
        emit(listing, as_json, ["tool", "arguments", "description"], rows)
        return
    # a folder of our own (mkdtemp: private, never one someone prepared), removed at the end if empty
    downloads = (download_path or Path(tempfile.mkdtemp(prefix="powershai-py-mcp-"))).expanduser().absolute()
    try:
        _serve(ctx, open_apps(ctx, apps, chosen, transport, downloads), endpoints, host_port, allowed,
               downloads, inline_limit)  # fmt: skip
    finally:
        if download_path is None:
            with contextlib.suppress(OSError):
                downloads.rmdir()  # only when no file was saved


def _serve(
    ctx: click.Context,
    opened: list[tuple[str, Any, Any]],
    endpoints: tuple[str, ...],
    host_port: tuple[str, int] | None,
    allowed: tuple[Path, ...],
    downloads: Path,
    inline_limit: int,
) -> None:
    from ..agents.mcp_server import ToolServer, serve_http, serve_stdio
    from ..agents.tools import make_tools

    labels = ", ".join(label for label, _, _ in opened)
    folders = [folder.absolute() for folder in allowed] or [Path(os.getcwd())]
    server = ToolServer(
        client=ctx.find_root().obj["client"],
        tools=make_tools(opened, endpoints),
        download_path=downloads,
        allowed=[*folders, downloads],
        inline_limit=inline_limit,
        instructions=f"Each tool calls an endpoint of a Gradio app ({labels}).",
    )
    what = f"{len(server.tools)} tools of {labels}"
    say(f"powershai-py: file outputs are saved in {downloads}", err=True)
    if host_port is None:
        say(f"powershai-py: serving {what} over stdio", err=True)
        serve_stdio(server)
    else:
        serve_http(
            server, *host_port, announce=lambda url: say(f"powershai-py: serving {what} at {url}", err=True)
        )


def _need_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise PowershaiError(
            "powershai-py mcp needs the MCP SDK, an optional extra: pip install 'powershai-py[mcp]'",
            code="POWERSHAI_MCP_SDK_MISSING",
        ) from None
