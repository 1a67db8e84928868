"""`powershai-py mcp`, driven by the official MCP SDK's own client, against real Gradio apps.

The server runs as a child process, as an agent's host runs it: over stdio (the SDK's
``StdioServerParameters``) and over streamable HTTP (``--http 127.0.0.1:0``, the address read
from its stderr). The reference for every result is a session call of the library to the same
app: a text output is the same text, a JSON output the same value, a file the same bytes. The
apps: tests/apps/components.py (every component, and behind a login), queue_lab.py (gr.Progress,
a cancellable generator, gr.Error) and batch_app.py (ZeroGPU quota errors).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import mcp
import pytest
from conftest import APPS, lines_until, running, start_app
from faultserver import FaultServer, end_chunks, send_chunk, start_event_stream
from hubserver import TOKEN as HUB_TOKEN
from hubserver import FakeSpace, LocalHub
from jsonschema import Draft202012Validator
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from test_components import cases  # the component corpus: an input for every endpoint
from test_queue_real import ended, produced  # the queue app's own counts of its generators

from powershai_py import Client, get_gradio_info
from powershai_py.gradio.protocol.app import app_layout
from powershai_py.gradio.protocol.models import is_filedata
from powershai_py.gradio.proxies.tool_schema import input_schema
from powershai_py.gradio.sessions.session_files import filedata_in

SECRET = "hf_mcpTOKENneverSHOWN0123456789"


# --- running the server and its client -----------------------------------------------------------


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_API_TOKEN")}
    env["XDG_STATE_HOME"] = str(tmp / "state")  # never the user's store
    env["TMPDIR"] = str(tmp)  # the server's download folder, in the test's own
    return env


def over_stdio(tmp: Path, *args: str, errlog: Any = None, cwd: Path | None = None) -> Any:
    """The SDK's stdio transport to ``powershai-py <args>`` run as a child process."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "powershai_py", *args], env=_env(tmp), cwd=str(cwd or tmp)
    )
    return stdio_client(params, errlog=errlog or sys.stderr)


def talk(server: Any, body: Callable[[Any], Awaitable[Any]], timeout: float = 240) -> Any:
    """Connect the SDK's client to ``server`` (a transport or a URL) and run ``body(client)``."""

    async def main() -> Any:
        with anyio.fail_after(timeout):
            async with mcp.Client(server, read_timeout_seconds=120) as client:
                return await body(client)

    return anyio.run(main)


class HttpServer:
    """``powershai-py mcp ... --http 127.0.0.1:0``: its URL as it announces it on stderr."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "powershai_py", "mcp", *args, "--http", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_env(tmp),
            cwd=str(tmp),
        )
        said = lines_until(self.process, "/mcp", timeout=120)
        self.url = said[-1].rsplit(" at ", 1)[1].strip()

    def __enter__(self) -> HttpServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- what a result holds, compared with a session call -------------------------------------------


def sha(data: bytes) -> str:
    return "sha:" + hashlib.sha256(data).hexdigest()[:16]


def _path_of(uri: str) -> Path:
    return Path(unquote(urlsplit(uri).path))


def _files_as_hashes(value: Any) -> Any:
    """A session value with each FileData, or an agent's JSON with each saved file's path, as
    the hash of the file's bytes."""
    if is_filedata(value):
        return sha(Path(value["local_path"]).read_bytes())
    if isinstance(value, str) and os.path.isabs(value) and os.path.isfile(value):
        return sha(Path(value).read_bytes())
    if isinstance(value, list):
        return [_files_as_hashes(v) for v in value]
    if isinstance(value, dict):
        return {k: _files_as_hashes(v) for k, v in value.items()}
    return value


def expected_blocks(values: list[Any], returns: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """What docs/mcp.md promises for a session call's outputs: a block per output (State left
    out) - a file's bytes, or its text - and for a value holding files among other things its
    JSON too."""
    if len(values) == len(returns):
        values = [v for v, r in zip(values, returns, strict=True) if r.get("component") != "State"]
    out: list[tuple[str, Any]] = []
    for value in values:
        files = filedata_in(value)
        alone = is_filedata(value) or (
            isinstance(value, list) and value and all(is_filedata(v) for v in value)
        )
        if not files or not alone:
            out.append(("text", value if isinstance(value, str) else _files_as_hashes(value)))
        out += [("file", sha(Path(f["local_path"]).read_bytes())) for f in files]
    return out


def got_blocks(result: Any) -> list[tuple[str, Any]]:
    """An MCP tool result's content as (kind, value): text parsed as JSON where it is, files
    (inline, or linked and read from disk) as the hash of their bytes."""
    out: list[tuple[str, Any]] = []
    for block in result.content:
        if block.type == "text":
            try:
                out.append(("text", _files_as_hashes(json.loads(block.text))))
            except ValueError:
                out.append(("text", block.text))
        elif block.type in ("image", "audio"):
            out.append(("file", sha(base64.b64decode(block.data))))
        elif block.type == "resource_link":
            out.append(("file", sha(_path_of(block.uri).read_bytes())))
        else:
            out.append((block.type, block))
    return out


def same_blocks(got: list[tuple[str, Any]], want: list[tuple[str, Any]]) -> bool:
    """Equal, a text output that reads as JSON being compared as that text."""
    if len(got) != len(want):
        return False
    for (kind, value), (want_kind, wanted) in zip(got, want, strict=True):
        if kind != want_kind:
            return False
        if value != wanted and not (
            isinstance(wanted, str) and json.dumps(value) == wanted or str(value) == wanted
        ):
            return False
    return True


def session_call(url: str, api_name: str, values: Any, folder: Path, auth: Any = None) -> list[Any]:
    """The reference: the library's own session call, files saved in ``folder``."""
    with Client(app_warnings="log") as client:
        client.new_gradio_session(url, "reference", str(folder), auth=auth)
        call = client.invoke_gradio_session_api(api_name, values)
        client.update_gradio_session_api_result(call)
        call.raise_for_outcome()
        data: list[Any] = call.last_data
        return data


# --- the apps ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(component_apps, queue_lab):
    """Every component, the same behind a login, and the queue lab (conftest's servers)."""
    return {"components": component_apps[0], "locked": component_apps[1], "queue": queue_lab}


def _json_ready(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return value


# --- the tool list --------------------------------------------------------------------------------


def test_the_tools_are_what_the_endpoints_say(apps, tmp_path):
    url = apps["components"].url
    listed = talk(over_stdio(tmp_path, "mcp", url), lambda client: client.list_tools())
    info = get_gradio_info(url)
    bounds = app_layout(url).bounds
    callable_ = {n.lstrip("/") for n in info.named_endpoints if not info.why_unusable(n.lstrip("/"))}
    assert {tool.name for tool in listed.tools} == callable_
    for tool in listed.tools:
        spec = info.named_endpoints["/" + tool.name]
        Draft202012Validator.check_schema(tool.input_schema)  # valid JSON Schema 2020-12
        assert tool.input_schema == input_schema(spec["parameters"], bounds.get(tool.name))
        names = [p["parameter_name"] for p in spec["parameters"]]
        assert list(tool.input_schema["properties"]) == names
        assert tool.input_schema["required"] == [p["parameter_name"] for p in spec["parameters"]
                                                 if not p["parameter_has_default"]]  # fmt: skip
        assert f"/{tool.name}" in tool.description
        if spec.get("description"):
            assert tool.description.startswith(spec["description"])
    first = {tool.name: next(iter(tool.input_schema["properties"].values())) for tool in listed.tools}
    assert (first["slider"]["minimum"], first["slider"]["maximum"]) == (0, 10)  # from /config
    assert "numeric value between 0 and 10" in first["slider"]["description"]  # Gradio's words kept
    assert first["radio"]["enum"] == ["x", "y"] and first["dropdown"]["enum"] == ["one", "two"]


def test_every_component_through_mcp_equals_a_session_call(apps, media, tmp_path):
    """The component corpus: each endpoint's arguments validate against its tool's schema, and
    the tool's result holds what a session call returns (texts, JSON, the files' bytes)."""
    url = apps["components"].url
    info = get_gradio_info(url)
    media_root = os.path.commonpath(list(media.values()))
    # the schema's own forms where the corpus uses a shorthand the library also takes
    image = media["image"]
    full_forms = {
        "gallery": [[{"image": image, "caption": None}, {"image": image, "caption": "bus"}]],
        "multimodal": [{"text": "just text", "files": []}],
    }
    if apps["components"].major >= 6:  # a chat message's content: a list of parts
        full_forms["chatbot"] = [[{"role": "user", "content": [{"type": "text", "text": "before"}]}], "now"]
    else:  # a video: a VideoData object
        full_forms["video"] = [{"video": media["video"], "subtitles": None}]
    runs = []
    for api_name, corpus, _ in cases(media, apps["components"].major):
        shorthand = api_name in full_forms and (api_name != "multimodal" or isinstance(corpus[0], str))
        ours = full_forms[api_name] if shorthand else corpus
        spec = info.named_endpoints.get("/" + api_name)
        if spec is None:
            continue
        names = [p["parameter_name"] for p in spec["parameters"]]
        runs.append((api_name, dict(zip(names, _json_ready(ours), strict=False)), ours, spec))

    async def body(client: Any) -> dict[str, Any]:
        schemas = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
        results = {}
        for number, (api_name, arguments, _, _) in enumerate(runs):
            problems = [e.message for e in Draft202012Validator(schemas[api_name]).iter_errors(arguments)]
            if problems:
                invalid[f"{number}: {api_name}"] = problems
            results[number] = await client.call_tool(api_name, arguments)
        return results

    invalid: dict[str, list[str]] = {}

    results = talk(over_stdio(tmp_path, "mcp", url, "--allow-files", media_root), body)
    assert invalid == {}  # every call was built from its tool's schema
    wrong = {}
    for number, (api_name, _, ours, spec) in enumerate(runs):
        result = results[number]
        if result.is_error:
            wrong[api_name] = result.content[0].text
            continue
        reference = session_call(url, api_name, ours, tmp_path / f"ref{number}")
        want = expected_blocks(reference, spec["returns"])
        got = got_blocks(result)
        if not same_blocks(got, want):
            wrong[api_name] = (got, want)
    assert wrong == {}
    assert len(runs) >= 35  # the corpus was run, not skipped


def test_over_http_the_same_tools_and_results(apps, media, tmp_path):
    url = apps["components"].url
    image = media["image"]
    allowed = os.path.dirname(image)

    async def body(client: Any) -> tuple[Any, ...]:
        tools = await client.list_tools()
        text = await client.call_tool("text", {"value": "hello"})
        picture = await client.call_tool("image_path", {"path": image})
        return tools, text, picture

    with HttpServer(tmp_path, url, "--allow-files", allowed) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/mcp")
        tools, text, picture = talk(server.url, body)
    by_stdio = talk(over_stdio(tmp_path, "mcp", url), lambda client: client.list_tools())
    assert [t.model_dump() for t in tools.tools] == [t.model_dump() for t in by_stdio.tools]
    spec = get_gradio_info(url).named_endpoints
    assert got_blocks(text) == expected_blocks(session_call(url, "text", ["hello"], tmp_path / "a"),
                                               spec["/text"]["returns"])  # fmt: skip
    want = expected_blocks(
        session_call(url, "image_path", [image], tmp_path / "b"), spec["/image_path"]["returns"]
    )
    assert got_blocks(picture) == want
    assert picture.content[0].type == "image" and picture.content[0].mime_type == "image/png"


# --- progress, errors, cancel ---------------------------------------------------------------------


def test_progress_of_a_long_call_reaches_the_agent(apps, tmp_path):
    url = apps["queue"].url
    seen: dict[str, list[tuple[float, Any, Any]]] = {"steps": [], "ticker": []}

    def recorder(name: str) -> Callable[..., Awaitable[None]]:
        async def progress(value: float, total: float | None, message: str | None) -> None:
            seen[name].append((value, total, message))

        return progress

    async def body(client: Any) -> tuple[Any, Any]:
        steps = await client.call_tool("steps", {"n": 3}, progress_callback=recorder("steps"))
        ticks = await client.call_tool("ticker", {"n": 4}, progress_callback=recorder("ticker"))
        return steps, ticks

    steps, ticks = talk(over_stdio(tmp_path, "mcp", url), body)
    assert got_blocks(steps) == [("text", session_call(url, "steps", [3], tmp_path / "s")[0])]
    assert got_blocks(ticks) == [("text", "tick 4")]
    messages = [m for _, _, m in seen["steps"]]
    assert any("denoising" in str(m) and "steps" in str(m) for m in messages), messages  # gr.Progress
    assert [m for _, _, m in seen["ticker"] if str(m).startswith("partial result")] == [
        f"partial result {n}: ['tick {n}']" for n in range(1, 5)
    ]  # each value of the generator, in order
    for name, steps_seen in seen.items():
        values = [v for v, _, _ in steps_seen]
        assert values == sorted(set(values)), name  # progress only grows


def test_calls_in_parallel_each_get_their_own_result_and_progress(apps, tmp_path):
    """An agent may run tools side by side: over one connection, each call's result and
    progress are its own."""
    url = apps["queue"].url
    lengths = [3, 5, 7, 9]
    seen: dict[int, list[str]] = {n: [] for n in lengths}
    results: dict[int, Any] = {}

    async def body(client: Any) -> None:
        async def one(n: int) -> None:
            async def progress(value: float, total: float | None, message: str | None) -> None:
                seen[n].append(str(message))

            results[n] = await client.call_tool("ticker", {"n": n}, progress_callback=progress)

        async with anyio.create_task_group() as group:
            for n in lengths:
                group.start_soon(one, n)

    talk(over_stdio(tmp_path, "mcp", url), body)
    for n in lengths:
        assert got_blocks(results[n]) == [("text", f"tick {n}")]
        assert [m for m in seen[n] if m.startswith("partial")] == [
            f"partial result {i}: ['tick {i}']" for i in range(1, n + 1)
        ]


def test_an_app_error_is_a_tool_error_with_the_apps_text(apps, tmp_path):
    url = apps["queue"].url

    async def body(client: Any) -> tuple[Any, Any]:
        failed = await client.call_tool("divide", {"a": 1, "b": 0})
        after = await client.call_tool("divide", {"a": 1, "b": 4})  # the server goes on
        return failed, after

    failed, after = talk(over_stdio(tmp_path, "mcp", url), body)
    assert failed.is_error and "Cannot divide by zero!" in failed.content[0].text
    assert "Received before" not in failed.content[0].text  # it gave no partial result
    assert not after.is_error and got_blocks(after) == [("text", 0.25)]


def _ends_early(handler: Any) -> None:
    start_event_stream(handler)
    send_chunk(handler, b'event: generating\ndata: ["only"]\n\nevent: gener')  # then the end
    end_chunks(handler)


def _cut(handler: Any) -> None:
    start_event_stream(handler)
    send_chunk(handler, b'event: generating\ndata: ["only"]\n\n')
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(2)  # the connection dropped mid-stream


@pytest.mark.parametrize(
    ("stream", "said"),
    [(_ends_early, "ended the stream before the call completed"),
     (_cut, "the connection was cut mid-stream")],  # fmt: skip
    ids=["ends-early", "cut"],
)
def test_a_stream_without_its_result_is_a_tool_error_that_keeps_what_came(tmp_path, stream, said):
    """Never a false success: a stream that ends before the app said "complete" is an error,
    with the partial result received in it; the server serves the next call."""
    with FaultServer() as fault:
        fault.gradio_app("short", stream)

        async def body(client: Any) -> list[Any]:
            return [await client.call_tool("short", {}) for _ in range(2)]

        results = talk(over_stdio(tmp_path, "mcp", fault.url, "--transport", "call"), body)
    for result in results:
        assert result.is_error
        assert said in result.content[0].text
        assert 'Received before the call ended: ["only"]' in result.content[0].text


def test_wrong_arguments_are_a_tool_error_the_agent_can_correct(apps, tmp_path):
    url = apps["components"].url

    async def body(client: Any) -> list[Any]:
        return [
            await client.call_tool("radio", {"value": "z"}),
            await client.call_tool("number", {"value": "many"}),
            await client.call_tool("file", {}),
            await client.call_tool("radio", {"choice": "y"}),
            await client.call_tool("radio", {"value": "y"}),
        ]

    enum, kind, missing, unknown, right = talk(over_stdio(tmp_path, "mcp", url), body)
    assert enum.is_error and "value: 'z' is not one of ['x', 'y']" in enum.content[0].text
    assert kind.is_error and "value: 'many' is not of type 'number'" in kind.content[0].text
    assert missing.is_error and "'path' is a required property" in missing.content[0].text
    assert unknown.is_error and "'choice' was unexpected" in unknown.content[0].text
    assert not right.is_error and got_blocks(right) == [("text", "radio:y")]  # the app answers


def wait_until_ended(url: str, length: int, timeout: float = 30) -> int:
    """Ticks produced by the app's ticker of ``length`` once the app says it ended (polled)."""
    deadline = time.monotonic() + timeout
    while ended(url, length) < 1:  # the app's own count: its generator was closed
        assert time.monotonic() < deadline, "the generator was not stopped on the server"
        time.sleep(0.2)
    return produced(url, length)


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_a_cancel_by_the_agent_stops_the_call_on_the_server(apps, tmp_path, transport):
    """The agent cancels its request while the server stays connected: the generator stops on
    the Gradio server then (not when the MCP server goes), and the server serves on."""
    url = apps["queue"].url
    length = 401 if transport == "stdio" else 402  # each test its own ticker, counted by the app

    async def body(client: Any) -> tuple[int, Any]:
        started = anyio.Event()

        async def progress(value: float, total: float | None, message: str | None) -> None:
            if str(message).startswith("partial result 3"):
                started.set()

        async with anyio.create_task_group() as group:

            async def call() -> None:
                await client.call_tool("ticker", {"n": length}, progress_callback=progress)

            group.start_soon(call)
            await started.wait()
            group.cancel_scope.cancel()  # the SDK sends notifications/cancelled
        count = await anyio.to_thread.run_sync(wait_until_ended, url, length)
        return count, await client.call_tool("ticker", {"n": 2})

    if transport == "stdio":
        count, after = talk(over_stdio(tmp_path, "mcp", url), body)
    else:
        with HttpServer(tmp_path, url) as server:
            count, after = talk(server.url, body)
    assert 3 <= count < length
    assert got_blocks(after) == [("text", "tick 2")]


def test_a_spent_gpu_quota_says_when_to_retry(tmp_path):
    with running([start_app(APPS / "batch_app.py", tmp_path / "batch.log")]) as [app]:

        async def body(client: Any) -> list[Any]:
            return [await client.call_tool("gpu", {"n": 2}) for _ in range(4)]

        first, second, third, fourth = talk(over_stdio(tmp_path, "mcp", app.url, "-e", "gpu"), body)
    for refused in (first, second):  # the app's text names a wait of 0:00:01
        assert refused.is_error and "exceeded your GPU quota" in refused.content[0].text
        assert "Retry in 1 seconds (at about " in refused.content[0].text
    assert third.is_error and "The app named no wait" in third.content[0].text  # its text names none
    assert not fourth.is_error and got_blocks(fourth) == [("text", 1002)]


# --- logins, tokens, files -------------------------------------------------------------------------


def test_an_app_behind_a_login_and_a_token_never_shown(apps, media, tmp_path):
    url = apps["locked"].url
    image = media["image"]
    errlog = (tmp_path / "server.err").open("w")

    async def body(client: Any) -> tuple[Any, Any]:
        tools = await client.list_tools()
        return tools, await client.call_tool("image_path", {"path": image})

    server = over_stdio(
        tmp_path, "--auth", "user:secret", "mcp", url, "--token", SECRET,
        "--allow-files", os.path.dirname(image), errlog=errlog,
    )  # fmt: skip
    tools, picture = talk(server, body)
    errlog.close()
    assert "image_path" in {t.name for t in tools.tools}
    want = expected_blocks(
        session_call(url, "image_path", [image], tmp_path / "ref", auth=("user", "secret")),
        get_gradio_info(url, auth=("user", "secret")).named_endpoints["/image_path"]["returns"],
    )
    assert got_blocks(picture) == want
    shown = json.dumps([t.model_dump() for t in tools.tools]) + picture.model_dump_json()
    shown += (tmp_path / "server.err").read_text()
    for secret in (SECRET, 'secret"', ":secret", url):
        assert secret not in shown  # neither the token, the password, nor the app's address


def test_a_local_file_outside_the_allowed_folders_is_refused(apps, tmp_path):
    url = apps["components"].url
    inside = tmp_path / "work"
    inside.mkdir()
    (inside / "note.txt").write_text("inside\n")
    outside = tmp_path / "private.txt"
    outside.write_text("outside\n")
    (inside / "link.txt").symlink_to(outside)

    async def body(client: Any) -> list[Any]:
        return [
            await client.call_tool("file", {"path": "note.txt"}),
            await client.call_tool("file", {"path": str(outside)}),
            await client.call_tool("file", {"path": "link.txt"}),
            await client.call_tool("file", {"path": "../private.txt"}),
        ]

    ok, absolute, link, relative = talk(over_stdio(tmp_path, "mcp", url, cwd=inside), body)
    assert not ok.is_error
    assert ok.content[0].type == "resource_link" and _path_of(ok.content[0].uri).read_text() == "inside\n"
    for refused in (absolute, link, relative):
        assert refused.is_error and "POWERSHAI_MCP_FILE_NOT_ALLOWED" in refused.content[0].text


def test_a_linked_file_can_be_read_as_a_resource(apps, tmp_path):
    url = apps["components"].url
    (tmp_path / "note.txt").write_text("read me\n")

    async def body(client: Any) -> tuple[Any, Any, Any]:
        result = await client.call_tool("file", {"path": "note.txt"})
        link = result.content[0]
        read = await client.read_resource(link.uri)
        try:
            await client.read_resource((tmp_path / "note.txt").as_uri())
            outside = None
        except MCPError as error:
            outside = error
        return link, read, outside

    link, read, outside = talk(over_stdio(tmp_path, "mcp", url), body)
    assert base64.b64decode(read.contents[0].blob) == b"read me\n"
    assert outside is not None and "is not a file this server saved" in str(outside)


# --- the documentation ---------------------------------------------------------------------------

DOCS = Path(__file__).parent.parent / "docs" / "mcp.md"


def test_the_worked_example_of_the_docs_runs_against_the_demo_app(tmp_path):
    """docs/mcp.md's Python block, as written (the demo app's port aside), with the command on
    the PATH as after `pip install`: it prints the tool names, then the app's greeting."""
    import re

    [block] = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    root = Path(__file__).parent.parent
    with running([start_app(root / "scripts" / "demo_app.py", tmp_path / "demo.log")]) as [demo]:
        env = _env(tmp_path)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
        done = subprocess.run(
            [sys.executable, "-c", block.replace("http://127.0.0.1:7860", demo.url)],
            capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['countdown', 'shout_file', 'greet', 'badge']", "Hello, Ana!"]


# --- the command line ---------------------------------------------------------------------------


def run_cli(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "powershai_py", *args],
        capture_output=True, text=True, env={**_env(tmp), **env}, cwd=str(tmp), timeout=120,
    )  # fmt: skip


def test_several_apps_and_chosen_endpoints(apps, tmp_path):
    components, queue = apps["components"].url, apps["queue"].url
    both = run_cli(tmp_path, "mcp", components, queue, "-e", "text", "-e", "talk", "--list", "--json")
    assert both.returncode == 0, both.stderr
    names = [tool["name"] for tool in json.loads(both.stdout)]
    port_of = {url: url.rsplit(":", 1)[1] for url in (components, queue)}
    assert names == [f"127_0_0_1_{port_of[components]}_text", f"127_0_0_1_{port_of[queue]}_talk"]
    missing = run_cli(tmp_path, "mcp", components, "-e", "nope", "--list")
    assert missing.returncode != 0 and "/nope" in missing.stderr and "/text" in missing.stderr
    stored = run_cli(tmp_path, "session", "new", queue, "--name", "lab")
    assert stored.returncode == 0, stored.stderr
    by_name = run_cli(tmp_path, "mcp", "lab", "--list", "--json")
    assert [t["name"] for t in json.loads(by_name.stdout)] == [
        n.lstrip("/") for n in get_gradio_info(queue).named_endpoints
    ]
    table = run_cli(tmp_path, "mcp", "lab", "--list").stdout.splitlines()  # for a person: a table
    assert table[0].split() == ["tool", "arguments", "description"]
    assert any(line.split()[:3] == ["divide", "a,", "b"] for line in table), table
    unknown = run_cli(tmp_path, "mcp", "no-such-session", "--list")
    assert unknown.returncode == 2 and "neither a URL" in unknown.stderr


def test_a_space_is_served_by_its_id(apps, tmp_path):
    """owner/name: the Space's host from the Hub (a local one here), its private twin with the
    token only, and the token kept to the Hub and the Space's own host."""
    queue = apps["queue"].url
    names = [n.lstrip("/") for n in get_gradio_info(queue).named_endpoints]
    with LocalHub() as hub:
        hub.add(FakeSpace("owner/lab", host=queue))
        hub.add(FakeSpace("owner/hidden", host=queue, private=True))
        public = run_cli(tmp_path, "mcp", "owner/lab", "--list", "--json", HF_ENDPOINT=hub.url)
        assert public.returncode == 0, public.stderr
        assert [tool["name"] for tool in json.loads(public.stdout)] == names
        assert "(lab, Gradio " in json.loads(public.stdout)[0]["description"]
        refused = run_cli(tmp_path, "mcp", "owner/hidden", "--list", HF_ENDPOINT=hub.url)
        assert refused.returncode != 0 and "owner/hidden" in refused.stderr
        hub_env = {"HF_ENDPOINT": hub.url}
        private = run_cli(tmp_path, "mcp", "owner/hidden", "--list", "--token", HUB_TOKEN, **hub_env)
        assert private.returncode == 0, private.stderr
        assert HUB_TOKEN not in private.stdout + private.stderr
    assert not list((tmp_path / "state").rglob("*.sqlite3"))  # no store made to look an id up


def test_the_token_given_is_sent_to_the_app_and_public_sends_none(tmp_path):
    with FaultServer() as fault:
        fault.gradio_app("short", _ends_early)
        given = run_cli(tmp_path, "mcp", fault.url, "--token", SECRET, "--list")
        assert given.returncode == 0, given.stderr
        sent = {r["headers"].get("Authorization") for r in fault.sent_to(header="Authorization")}
        assert sent == {f"Bearer {SECRET}"} and SECRET not in given.stdout + given.stderr
        fault.requests.clear()
        public = run_cli(tmp_path, "mcp", fault.url, "--public", "--list", HF_TOKEN=SECRET)
        assert public.returncode == 0, public.stderr
        assert fault.requests and fault.sent_to(header="Authorization") == []
    both = run_cli(tmp_path, "mcp", "http://127.0.0.1:9", "--token", SECRET, "--public", "--list")
    assert both.returncode == 2 and "give --token or --public, not both" in both.stderr


def test_a_busy_port_is_said_in_one_line(apps, tmp_path):
    url = apps["queue"].url
    busy = url.rsplit(":", 1)[1]  # the app's own port
    done = run_cli(tmp_path, "mcp", url, "--http", busy)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"POWERSHAI_MCP_ADDRESS: cannot serve on 127.0.0.1:{busy}" in done.stderr
    assert not list(tmp_path.glob("powershai-py-mcp-*"))  # the empty download folder is gone


def test_import_and_help_stay_light(tmp_path):
    code = (
        "import sys, powershai_py; from powershai_py.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'powershai_py.agents'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert any(line.split()[:1] == ["mcp"] for line in out.splitlines())  # the help lists the command
    assert out.splitlines()[-1] == "[]"  # and neither the SDK nor the agents package was imported


def test_without_the_sdk_the_command_says_how_to_get_it(tmp_path):
    code = (
        "import sys; sys.modules['mcp'] = None\n"
        "from powershai_py.cli import run\n"
        "sys.argv = ['powershai-py', 'mcp', 'http://127.0.0.1:9']\nrun()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(tmp_path))
    assert done.returncode != 0
    assert "pip install 'powershai-py[mcp]'" in done.stderr and "Traceback" not in done.stderr
