"""The MCP server: the official ``mcp`` SDK's low-level server around the tools of open sessions.

PowerShell equivalent: none. Loaded only by ``powershai-py mcp`` (the extra ``powershai-py[mcp]``).

* ``tools/list`` gives every tool of :func:`~.tools.make_tools`, as it is (the schemas are
  valid JSON Schema 2020-12);
* ``tools/call`` checks the arguments against the tool's schema (a mistake is a tool error the
  agent can correct), then runs the call in a worker thread: every status, message and partial
  result of the call becomes a progress notification (when the agent asked for progress), the
  outputs become content blocks (:mod:`.content`), an app error a tool error with the app's text;
* a cancelled request (``notifications/cancelled``, or the agent gone) cancels the call on the
  Gradio server and removes it;
* ``resources/read`` serves the files saved in the download folder, so an agent that is not on
  this machine can read a file a tool result links to.
"""

from __future__ import annotations

import base64
import contextlib
import mimetypes
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import anyio.from_thread
import anyio.to_thread
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from ..client import Client
from ..errors import PowershaiError
from .content import INLINE_LIMIT, Block
from .tool_calls import call_blocks, error_text, forget_call, read_call, start_call
from .tools import AppTool, argument_problems

__all__ = ["ToolServer", "serve_stdio", "serve_http"]


@dataclass
class ToolServer:
    """The tools of a client's sessions, and what a call may touch on this machine."""

    client: Client
    tools: list[AppTool]
    download_path: Path  # where file outputs are saved (the sessions' download_path)
    allowed: list[Path] = field(default_factory=list)  # folders whose files may be uploaded
    inline_limit: int = INLINE_LIMIT
    instructions: str = ""

    def __post_init__(self) -> None:
        self.by_name = {tool.name: tool for tool in self.tools}

    def server(self) -> Server[Any]:
        """The SDK's server, with this object's handlers."""
        from .. import __version__

        return Server(
            "powershai-py",
            version=__version__,
            instructions=self.instructions or None,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_read_resource=self.read_resource,
        )

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=tool.name,
                    title=tool.title,
                    description=tool.description,
                    input_schema=tool.input_schema,
                    annotations=types.ToolAnnotations(title=tool.title, open_world_hint=True),
                )
                for tool in self.tools
            ]
        )

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = self.by_name.get(params.name)
        if tool is None:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message=f"no tool named {params.name!r}; the tools are: {', '.join(self.by_name)}",
            )
        arguments = dict(params.arguments or {})
        problems = argument_problems(tool, arguments)
        if problems:
            return _failed(f"The arguments of {tool.name} are not what it takes:\n" + "\n".join(problems))
        started: list[Any] = []  # the call, once submitted: a cancel during the upload still finds it
        received: list[Any] = []  # its partial results, in order
        try:
            return _result(await self._run(ctx, tool, arguments, started, received))
        except PowershaiError as error:
            return _failed(error_text(error, partial=received[-1] if received else None))

    async def _run(
        self,
        ctx: ServerRequestContext[Any],
        tool: AppTool,
        arguments: dict[str, Any],
        started: list[Any],
        received: list[Any],
    ) -> list[Block]:

        def start() -> None:
            started.append(start_call(self.client, tool, arguments, self.allowed))

        steps = 0

        def report(message: str) -> None:
            nonlocal steps
            steps += 1
            # once the request is over (cancelled, the agent gone), the reading goes on quietly
            with contextlib.suppress(Exception):
                anyio.from_thread.run(ctx.session.report_progress, steps, None, message)

        try:
            await anyio.to_thread.run_sync(start)
            call = started[0]
            await anyio.to_thread.run_sync(
                read_call, self.client, tool, call, report, received, abandon_on_cancel=True
            )
            return call_blocks(tool, call, self.inline_limit)
        finally:
            if started:  # finished, failed or cancelled: the call leaves the session (cancelled if running)
                with anyio.CancelScope(shield=True), anyio.move_on_after(30):
                    await anyio.to_thread.run_sync(forget_call, self.client, tool, started[0])

    async def list_resources(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        files = sorted(p for p in self.download_path.rglob("*") if p.is_file())
        return types.ListResourcesResult(resources=[_resource(path) for path in files])

    async def read_resource(
        self, ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        path = _saved_file(str(params.uri), self.download_path)
        if path is None:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message=f"{params.uri} is not a file this server saved (they are in {self.download_path})",
            )
        blob = base64.b64encode(path.read_bytes()).decode("ascii")
        mime = _resource(path).mime_type
        return types.ReadResourceResult(
            contents=[types.BlobResourceContents(uri=str(params.uri), mime_type=mime, blob=blob)]
        )


def _saved_file(uri: str, folder: Path) -> Path | None:
    """The saved file a ``file://`` URI names, or None when it is not one under ``folder``."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    root = folder.resolve()
    return path if path.is_file() and path.is_relative_to(root) else None


def _resource(path: Path) -> types.Resource:
    return types.Resource(
        name=path.name,
        uri=path.resolve().as_uri(),
        mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        size=path.stat().st_size,
    )


def _content(
    block: Block,
) -> types.TextContent | types.ImageContent | types.AudioContent | types.ResourceLink:
    if block.kind == "text":
        return types.TextContent(text=block.text)
    if block.kind == "image":
        return types.ImageContent(data=base64.b64encode(block.data).decode("ascii"), mime_type=block.mime)
    if block.kind == "audio":
        return types.AudioContent(data=base64.b64encode(block.data).decode("ascii"), mime_type=block.mime)
    path = Path(block.path)
    return types.ResourceLink(
        name=path.name,
        uri=path.resolve().as_uri(),
        mime_type=block.mime,
        size=block.size,
        description=f"saved at {path}",
    )


def _result(blocks: list[Block]) -> types.CallToolResult:
    return types.CallToolResult(content=[_content(block) for block in blocks])


def _failed(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


def serve_stdio(tools: ToolServer) -> None:
    """Answer one agent on stdin/stdout until it closes them."""
    from mcp.server.stdio import stdio_server

    server = tools.server()

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def serve_http(tools: ToolServer, host: str, port: int, announce: Any = None) -> None:
    """Answer agents over streamable HTTP at ``http://host:port/mcp`` until interrupted;
    ``announce(url)`` is told the address once the port is open (port 0: a free one). A port
    that cannot be had is a PowershaiError, before anything is served."""
    import uvicorn  # only when serving over HTTP

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(128)
    except OSError as error:
        listening.close()
        raise PowershaiError(
            f"cannot serve on {host}:{port}: {error.strerror or error}; choose another port "
            "(--http PORT, or 0 for a free one)",
            code="POWERSHAI_MCP_ADDRESS",
        ) from None
    app = tools.server().streamable_http_app(host=host)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{listening.getsockname()[1]}/mcp"

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(_announce_when_started, server, address, announce)
            await server.serve(sockets=[listening])
            group.cancel_scope.cancel()

    try:
        anyio.run(main)
    finally:
        listening.close()


async def _announce_when_started(server: Any, address: str, announce: Any) -> None:
    while not server.started:
        await anyio.sleep(0.05)
    if announce is not None:
        announce(address)
