"""A server that lies, stalls and cuts, and a careless user: the promises of docs/reliability.md.

One section per item of issue 13. A local fault server (tests/faultserver.py) plays what a
real Gradio server cannot be made to do; the real lab app is used wherever it can show the
behaviour (interruptions, the CLI store across processes, tokens on real calls).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import tracemalloc
from pathlib import Path

import pytest
from conftest import lines_until, run_without_rights
from faultserver import (
    FaultServer,
    end_chunks,
    events,
    send_bytes,
    send_chunk,
    send_json,
    start_event_stream,
    stream_of,
    trickle,
    wait_for_release,
)
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from powershai_py import (
    CallFailed,
    InvalidEvent,
    PowershaiError,
    PowershaiWarning,
    ProtocolError,
    RequestTimeout,
    StreamLost,
    download_gradio_file,
    get_gradio_info,
    invoke_gradio_http,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    send_gradio_api,
    send_gradio_file,
    settings,
    update_gradio_api_result,
    update_gradio_session_api_result,
)
from powershai_py.gradio.protocol.app import layout_from_config
from powershai_py.gradio.protocol.files import NAME_BYTES, safe_file_name
from powershai_py.gradio.protocol.shapes import read_info
from powershai_py.gradio.sessions.session_calls import params_to_list
from powershai_py.gradio.storage.sqlite_store import APPLICATION_ID
from powershai_py.http import resolve_token
from powershai_py.sse import SSEParser

CANARY = "hf_canary_0xBADC0DE"
FILEDATA = {"_type": "gradio.FileData"}


@pytest.fixture
def foreign(fast):
    """A second server: another origin (other port, and 'localhost' instead of 127.0.0.1)."""
    with FaultServer() as server:
        server.route_prefix("GET", "/", lambda h: send_bytes(h, b"foreign file body"))
        yield server


def cli(*args: str, env: dict[str, str] | None = None, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "powershai_py", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        **options,
    )


# --- 1. a token goes only to its app's origin, downloads included -------------------------------------


def foreign_urls(foreign: FaultServer) -> list[str]:
    port = foreign.url.rsplit(":", 1)[1]
    return [
        f"{foreign.url}/leak.txt",  # same host, another port
        f"http://localhost:{port}/leak.txt",  # another host name, another port
    ]


def test_a_file_on_another_origin_is_downloaded_without_the_token(fault, foreign, tmp_path):
    fault.route_prefix("GET", "/file=", lambda h: send_bytes(h, b"own file body"))
    for number, url in enumerate(foreign_urls(foreign)):
        filedata = {"path": url, "url": url, "orig_name": f"leak{number}.txt", "meta": FILEDATA}
        saved = download_gradio_file(fault.url, filedata, tmp_path, token=CANARY)
        assert saved.read_bytes() == b"foreign file body"
    own = download_gradio_file(fault.url, {"path": "/tmp/own.txt", "meta": FILEDATA}, tmp_path, token=CANARY)
    assert own.read_bytes() == b"own file body"
    assert len(foreign.requests) == 2 and foreign.sent_to(header="Authorization") == []
    # the app's own file did get the token: the rule is the origin, not "never"
    assert [r["headers"]["Authorization"] for r in fault.sent_to(header="Authorization")][
        -1
    ] == f"Bearer {CANARY}"


def test_the_environment_token_does_not_follow_a_file_either(fault, foreign, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", CANARY)
    url = foreign_urls(foreign)[1]
    download_gradio_file(fault.url, {"path": url, "orig_name": "x.txt", "meta": FILEDATA}, tmp_path)
    assert foreign.requests and foreign.sent_to(header="Authorization") == []


def file_result_app(fault: FaultServer, url: str) -> None:
    filedata = {"path": url, "url": url, "orig_name": "result.txt", "meta": FILEDATA}
    fault.gradio_app("make", stream_of(events(("complete", [filedata]))))


def test_a_session_saving_outputs_sends_no_token_to_another_origin(fault, foreign, tmp_path):
    file_result_app(fault, foreign_urls(foreign)[0])
    session = new_gradio_session(fault.url, "files", download_path=str(tmp_path), token=CANARY)
    call = invoke_gradio_session_api("make", [], session=session)
    [result] = update_gradio_session_api_result(call, session=session)
    assert Path(result.data[0]["local_path"]).read_bytes() == b"foreign file body"
    assert foreign.requests and foreign.sent_to(header="Authorization") == []
    assert fault.sent_to(header="Authorization")  # the app itself got it


def test_the_cli_download_sends_no_token_to_another_origin(fault, foreign, tmp_path):
    file_result_app(fault, foreign_urls(foreign)[1])
    env = {"HF_TOKEN": CANARY, "POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert cli("session", "new", fault.url, "--name", "app", "--transport", "call", env=env).returncode == 0
    ran = cli("call", "make", "--json", env=env)
    assert ran.returncode == 0, ran.stderr
    out = tmp_path / "out"
    out.mkdir()
    got = cli("download", "e1", "--dest", str(out), env=env)
    assert got.returncode == 0, got.stderr
    assert (out / "result.txt").read_bytes() == b"foreign file body"
    assert foreign.requests and foreign.sent_to(header="Authorization") == []
    assert CANARY not in got.stdout + got.stderr + ran.stdout + ran.stderr


# --- 2. tokens with blanks or control characters ------------------------------------------------------


def test_blanks_around_a_token_are_stripped(fault, monkeypatch):
    fault.route("GET", "/ping", lambda h: send_json(h, 200, {"ok": True}))
    invoke_gradio_http(fault.url + "/ping", token=f"  {CANARY}\n")
    monkeypatch.setenv("HF_TOKEN", f"{CANARY}\r\n")
    invoke_gradio_http(fault.url + "/ping")
    assert [r["headers"]["Authorization"] for r in fault.requests] == [f"Bearer {CANARY}"] * 2


@pytest.mark.parametrize("bad", [f"{CANARY[:6]}\n{CANARY[6:]}", f"{CANARY}\x1bx", f"a\t{CANARY}"])
def test_a_token_with_a_control_character_inside_is_refused_without_showing_it(bad, monkeypatch):
    with pytest.raises(PowershaiError) as caught:
        resolve_token(bad)
    assert caught.value.code == "POWERSHAI_TOKEN_INVALID"
    shown = str(caught.value) + repr(caught.value) + repr(caught.value.facts)
    assert CANARY[:6] not in shown and CANARY[6:] not in shown
    monkeypatch.setenv("HF_API_TOKEN", bad)
    with pytest.raises(PowershaiError, match=r"\$HF_API_TOKEN"):
        resolve_token(None)


def test_the_cli_never_echoes_a_bad_token(fault):
    fault.gradio_app("echo", stream_of(events(("complete", ["x"]))))
    ran = cli(
        "--verbose",
        "call",
        "--url",
        fault.url,
        "echo",
        "--transport",
        "call",
        "--token",
        f"{CANARY}\nsecond line",
    )
    assert ran.returncode == 2, ran.stderr
    assert "POWERSHAI_TOKEN_INVALID" in ran.stderr
    assert CANARY not in ran.stdout + ran.stderr and "second line" not in ran.stdout + ran.stderr


# --- 3. complete means a complete event arrived -------------------------------------------------------


@pytest.mark.parametrize(("kind", "cut_text"), [("generating", "tw"), ("complete", "par")])
def test_an_event_cut_at_the_end_is_never_shown_in_the_cli(fault, kind, cut_text):
    """The stream ends inside an event (a result, or the final one): the call is not complete
    (exit 3), what came before is shown, the cut event is not, and the error says so."""

    def cut(handler):
        start_event_stream(handler)
        send_chunk(handler, f'event: generating\ndata: ["one"]\n\nevent: {kind}\ndata: ["{cut_text}'.encode())
        end_chunks(handler)

    fault.gradio_app("cut", cut)
    ran = cli("call", "--url", fault.url, "cut", "--transport", "call")
    assert ran.returncode == 3, (ran.stdout, ran.stderr)
    assert '["one"]' in ran.stdout and "before the call completed" in ran.stderr
    assert cut_text not in ran.stdout and "complete" not in ran.stdout
    assert f"cut a {kind} event before its end" in ran.stderr


INTERRUPTED_READER = textwrap.dedent(
    """
    import json, sys, time
    from powershai_py import (
        StreamLost, invoke_gradio_session_api, new_gradio_session, send_gradio_api,
        iter_gradio_api_result, iter_gradio_session_api_result,
    )
    url, way, where = sys.argv[1], sys.argv[2], sys.argv[3]
    if way == "session":
        session = new_gradio_session(url, "s")
        call = invoke_gradio_session_api("count_up", [20], session=session)
        read = lambda: iter_gradio_session_api_result(call, session=session)
        event = call.api_event
    else:
        event = send_gradio_api(url, "count_up", [20])
        read = lambda: iter_gradio_api_result(event)
    before, after, outcome, status_after_interrupt = [], [], "resumed", "not interrupted"
    try:
        for result in read():
            before.append(result.num)
            print("event", result.num, flush=True)
            if where == "consumer" and result.num == 2:
                time.sleep(120)  # the test interrupts this wait: between two results
    except KeyboardInterrupt:
        status_after_interrupt = event.status
    try:
        after = [r.num for r in read()]
    except StreamLost:
        outcome = "StreamLost"
    print(json.dumps({"before": before, "after": after, "outcome": outcome,
                      "status_after_interrupt": status_after_interrupt,
                      "status": event.status, "last_query_status": event.last_query_status}))
    """
)


def default_sigint() -> None:
    """In the child: SIGINT raises KeyboardInterrupt, even when the tests run in the background
    (where a shell starts them with SIGINT ignored, and Python keeps it so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("where", ["read", "consumer"])
@pytest.mark.parametrize("way", ["stateless", "session"])
def test_ctrl_c_while_streaming_never_fakes_a_complete_call(lab, tmp_path, way, where):
    script = tmp_path / "reader.py"
    script.write_text(INTERRUPTED_READER)
    child = subprocess.Popen(
        [sys.executable, str(script), lab.url, way, where],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    lines_until(child, "event 2")  # interrupt after the second event, the generator still going
    child.send_signal(signal.SIGINT)
    rest, _ = child.communicate(timeout=60)
    assert child.returncode == 0, rest
    report = json.loads(rest.strip().splitlines()[-1])
    assert report["status_after_interrupt"] not in ("complete", "not interrupted")
    nums = report["before"] + report["after"]
    assert len(nums) == len(set(nums)), "an event was repeated"
    if report["outcome"] == "resumed":  # same open stream: nothing lost, nothing repeated
        # 20 steps and the last value twice (the queue's status events are not results)
        assert nums == list(range(1, 23)) and report["status"] == "complete"
    else:  # the interruption tore a read: the call is lost, never complete
        assert report["status"] != "complete" and report["last_query_status"] == "Interrupted"
    if where == "consumer":
        assert report["outcome"] == "resumed"  # between two results the stream is intact


# --- 4. bounded memory --------------------------------------------------------------------------------


def test_an_endless_line_is_a_protocol_error_within_the_event_limit(fault):
    size = 80 * 1024 * 1024  # past the 64 MiB default, without a line end

    def endless(handler):
        start_event_stream(handler)
        send_chunk(handler, b'event: generating\ndata: ["kept"]\n\nevent: generating\ndata: "')
        block = b"x" * (1 << 20)
        try:
            for _ in range(size >> 20):
                send_chunk(handler, block)
            end_chunks(handler)
        except OSError:
            pass  # the client stopped reading: expected

    fault.gradio_app("big", endless)
    event = send_gradio_api(fault.url, "big", [])
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError, match="max_event_bytes") as caught:
            update_gradio_api_result(event, history=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.size > settings.max_event_bytes == 64 * 1024 * 1024
    assert event.data == [["kept"]] and event.status != "complete"
    assert peak < 1.6 * settings.max_event_bytes, peak  # about one copy of the pending event


def test_the_parser_holds_about_one_copy_of_a_pending_event():
    limit = 8 << 20
    parser = SSEParser(max_event_bytes=limit)
    chunk = b"y" * 65536
    tracemalloc.start()
    try:
        done = parser.feed(b"data: 1\n\ndata: ")
        with pytest.raises(ProtocolError):
            for _ in range(4 * limit // len(chunk)):
                done += parser.feed(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [e.data for e in done] == ["1"]
    assert peak < 1.3 * limit, peak
    # just under the limit, a long data line arrives whole, copied once
    parser = SSEParser(max_event_bytes=limit)
    pieces = [parser.feed(b"data: ")] + [parser.feed(chunk) for _ in range(limit // len(chunk) - 1)]
    [event] = parser.feed(b"\n\n")
    assert all(p == [] for p in pieces) and len(event.data) == limit - len(chunk)


# --- 5. reads that cannot outlive their timeouts ------------------------------------------------------


@pytest.mark.parametrize("keepalive", [b": ping\n", b"id: 7\n\n"], ids=["comments", "id-only"])
def test_keepalive_lines_do_not_reset_the_silence_timer(fault, fast, keepalive):
    fast.settings.stream_read_timeout = 1.0
    still_sending = threading.Event()

    def chatty(handler):
        start_event_stream(handler)
        send_chunk(handler, b'event: generating\ndata: ["first"]\n\n')
        still_sending.set()
        for _ in range(100):  # 20 s at most, so a client that never times out still ends
            if handler.server.fault.release.wait(0.2):
                break
            try:
                send_chunk(handler, keepalive)
            except OSError:
                return
        still_sending.clear()

    fault.gradio_app("chatty", chatty)
    event = send_gradio_api(fault.url, "chatty", [])
    with pytest.raises(RequestTimeout):
        update_gradio_api_result(event, history=True)
    assert still_sending.is_set()  # the server was still sending keep-alives when we gave up
    assert event.data == [["first"]] and event.last_query_status == "Timeout"


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers"])
def test_a_trickled_answer_cannot_stretch_the_request_deadline(fault, fast, headers):
    fast.settings.request_deadline = 1.5
    body = json.dumps({"version": "6.31.0", "dependencies": [], "pad": "x" * 200}).encode()
    fault.route("GET", "/config", lambda h: trickle(h, body, 0.1, headers=headers))
    with pytest.raises(RequestTimeout) as caught:
        get_gradio_info(fault.url)
    assert caught.value.code == "timeout" and caught.value.kind == "deadline"
    assert "request_deadline" in str(caught.value)


def test_a_trickled_download_is_bounded_by_its_deadline(fault, fast, tmp_path):
    fast.settings.download_deadline = 1.0
    fault.route_prefix("GET", "/file=", lambda h: trickle(h, b"z" * 500, 0.05))
    fault.route("GET", "/config", lambda h: send_json(h, 200, {"version": "6.31.0", "dependencies": []}))
    with pytest.raises(RequestTimeout, match="did not arrive"):
        download_gradio_file(fault.url, "/tmp/slow.bin", tmp_path)
    assert list(tmp_path.iterdir()) == []  # no partial file


# --- 6. odd server values never lose results ----------------------------------------------------------


def test_a_very_long_file_name_is_shortened_keeping_its_extension(fault, tmp_path):
    name = "文" * 199 + ".png"  # 601 bytes in UTF-8
    files = [{"path": f"/tmp/{n}/{name}", "orig_name": name, "meta": FILEDATA} for n in range(2)]
    fault.gradio_app("pics", stream_of(events(("complete", [files]))))
    fault.route_prefix("GET", "/file=", lambda h: send_bytes(h, b"png"))
    session = new_gradio_session(fault.url, "pics", download_path=str(tmp_path))
    call = invoke_gradio_session_api("pics", [], session=session)
    [result] = update_gradio_session_api_result(call, session=session)
    saved = [Path(f["local_path"]) for f in result.data[0]]
    assert call.status == "complete" and call.last_data == result.data
    assert len(set(saved)) == 2 and all(p.read_bytes() == b"png" for p in saved)
    assert all(p.suffix == ".png" and len(p.name.encode()) <= 255 for p in saved)


WIDE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.characters(
    min_codepoint=0x1F300, max_codepoint=0x1F5FF
)
LONG_WIDE_NAMES = st.builds(
    lambda stem, ext: stem + ext,
    st.text(WIDE, min_size=60, max_size=300),
    st.sampled_from(["", ".png", ".tar.gz"]),
)


@given(st.text(min_size=1, max_size=400) | LONG_WIDE_NAMES)
def test_every_safe_name_fits_a_file_system(name):
    safe = safe_file_name(name)
    assert 0 < len(safe.encode("utf-8", "surrogatepass")) <= NAME_BYTES and "/" not in safe


def test_json_nested_too_deep_is_a_protocol_error_and_keeps_what_came(fault):
    deep = b"[" * 100_000 + b"]" * 100_000
    fault.gradio_app(
        "deep", stream_of(events(("generating", ["ok"])) + b"event: generating\ndata: " + deep + b"\n\n")
    )
    event = send_gradio_api(fault.url, "deep", [])
    with pytest.raises(ProtocolError, match="nested too deep"):
        update_gradio_api_result(event, history=True)
    assert event.data == [["ok"]] and event.status != "complete"
    with pytest.raises(StreamLost):
        update_gradio_api_result(event)
    assert event.status != "complete"


# --- 7. malformed /config and /info -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "info", "field"),
    [
        ({"version": "6.31.0", "dependencies": 5}, None, "dependencies"),
        ({"version": 6, "dependencies": []}, None, "version"),
        ({"version": "6.31.0", "dependencies": [], "components": 3}, None, "components"),
        (None, {"named_endpoints": []}, "named_endpoints"),
        (None, ["named_endpoints"], "document"),
    ],
)
def test_a_malformed_document_is_a_protocol_error_naming_the_field(fault, config, info, field):
    """What no call can be made without: the document's own shape, for the whole app."""
    config = config or {"version": "6.31.0", "dependencies": []}
    fault.route("GET", "/config", lambda h: send_json(h, 200, config))
    fault.route("GET", "/info", lambda h: send_json(h, 200, info or {"named_endpoints": {}}))
    with pytest.raises(ProtocolError) as caught:
        get_gradio_info(fault.url)
    assert caught.value.field.startswith(field) or field in caught.value.field
    ran = cli("info", fault.url)
    assert ran.returncode == 3 and field in ran.stderr, ran.stderr


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"parameters": "abc"}, "parameters"),
        ({"parameters": [3]}, "parameters[0]"),
        ({"parameters": [{"parameter_name": 5}]}, "parameter_name"),
        ({"parameters": [{"parameter_name": "a", "parameter_has_default": "yes"}]}, "parameter_has_default"),
        ({"parameters": [{"parameter_name": "a", "type": "string"}]}, "type"),
        ("an endpoint", "named_endpoints['/x']"),
    ],
)
def test_an_endpoint_described_wrongly_is_unusable_alone(fault, spec, field):
    """One endpoint's broken description costs that endpoint: the others stay callable, and a
    call to it is a ProtocolError naming it and the field."""
    fault.route("GET", "/config", lambda h: send_json(h, 200, {"version": "6.31.0", "dependencies": []}))
    good = {
        "parameters": [{"parameter_name": "text", "label": {"key": "k", "_type": "translation_metadata"}}]
    }
    fault.route("GET", "/info", lambda h: send_json(h, 200, {"named_endpoints": {"/x": spec, "/ok": good}}))
    session = new_gradio_session(fault.url, "one-broken")
    assert list(session.info.named_endpoints) == ["/ok"] and list(session.info.unusable_endpoints) == ["/x"]
    with pytest.raises(ProtocolError) as caught:
        invoke_gradio_session_api("X", ["v"], session=session)
    assert caught.value.api_name == "x" and field in caught.value.field and "/x" in str(caught.value)
    with pytest.warns(PowershaiWarning, match="no function for /x"):
        [function] = new_gradio_session_api_proxy_function(session=session)
    assert function.gradio_proxy.api_name == "ok" and "    k. Component" in (function.__doc__ or "")
    ran = cli("info", fault.url)
    assert ran.returncode == 0 and "/ok" in ran.stdout and "/x" in ran.stdout, ran.stderr


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["version", "api_prefix", "components", "dependencies", "id", "type", "api_name", "inputs",
             "named_endpoints", "unnamed_endpoints", "parameters", "returns", "parameter_name",
             "parameter_has_default", "parameter_default", "python_type", "component", "label", "/x"]
        ),
        inner,
        max_size=6,
    ),
    max_leaves=30,
)  # fmt: skip


@hsettings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_as_config_builds_a_layout_or_a_protocol_error(document):
    with contextlib.suppress(ProtocolError):
        layout_from_config(
            "http://app", document if isinstance(document, dict) else {"dependencies": document}
        )


@hsettings(max_examples=300, deadline=None)
@given(JSON, st.dictionaries(st.text(max_size=4), st.integers(), max_size=3))
def test_any_json_as_info_is_read_before_anything_reads_it(document, params):
    from powershai_py.gradio.proxies.param_types import gradio_param_type
    from powershai_py.gradio.proxies.proxy_call import parameters_of as _parameters

    try:
        read = read_info(document, "http://app")
    except ProtocolError:
        return
    for spec in read.named_endpoints.values():
        with contextlib.suppress(PowershaiError):
            params_to_list(params, spec, "x")
        for parameter in spec["parameters"]:
            gradio_param_type(parameter)
            assert all(isinstance(parameter.get(k), (str, type(None))) for k in ("label", "component"))
        _parameters(spec)


# Valid documents, written as Gradio writes them: the reader must accept every one.
COMPONENT_TYPES = st.sampled_from(["textbox", "number", "image", "state", "chatbot", "file", "json"])
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@st.composite
def valid_configs(draw):
    ids = draw(st.lists(st.integers(0, 50), unique=True, min_size=1, max_size=6))
    components = [{"id": i, "type": draw(COMPONENT_TYPES), "props": {}} for i in ids]
    names = draw(st.lists(NAMES, unique=True, max_size=5))
    dependencies = [
        {
            "id": n,
            "api_name": name,
            "inputs": draw(st.lists(st.sampled_from(ids), max_size=4)),
            "outputs": draw(st.lists(st.sampled_from(ids), max_size=3)),
            "queue": draw(st.booleans()),
        }
        for n, name in enumerate(names)
    ]
    version = draw(st.sampled_from(["4.44.1", "5.50.0", "6.31.0"]))
    prefix = "" if version.startswith("4") else "/gradio_api"
    return {"version": version, "api_prefix": prefix, "components": components, "dependencies": dependencies}


@hsettings(max_examples=200, deadline=None)
@given(valid_configs())
def test_every_valid_config_is_accepted_whole(config):
    layout = layout_from_config("http://app", config)
    named = [d["api_name"] for d in config["dependencies"]]
    assert list(layout.api_names) == named
    assert layout.fn_indexes == {d["api_name"]: d["id"] for d in config["dependencies"]}
    states = {c["id"] for c in config["components"] if c["type"] == "state"}
    for d in config["dependencies"]:
        hidden = tuple(i for i, cid in enumerate(d["inputs"]) if cid in states)
        assert layout.state_slots[d["api_name"]] == (len(d["inputs"]), hidden)


@st.composite
def valid_infos(draw):
    def parameter(n):
        has_default = draw(st.booleans())
        return {
            "label": draw(st.text(max_size=10)),
            "parameter_name": draw(NAMES),
            "parameter_has_default": has_default,
            "parameter_default": draw(st.none() | st.integers() | st.text(max_size=5))
            if has_default
            else None,
            "type": {"type": "string"},
            "python_type": {"type": "str", "description": ""},
            "component": draw(st.sampled_from(["Textbox", "Number", "Image"])),
            "example_input": "x",
        }

    endpoints = draw(st.lists(NAMES, unique=True, max_size=4))
    return {
        "named_endpoints": {
            "/" + name: {"parameters": [parameter(n) for n in range(draw(st.integers(0, 4)))], "returns": []}
            for name in endpoints
        },
        "unnamed_endpoints": {},
    }


@hsettings(max_examples=200, deadline=None)
@given(valid_infos())
def test_every_valid_info_is_accepted_whole(document):
    read = read_info(document, "http://app")
    assert read.unusable == {}
    assert list(read.named_endpoints) == list(document["named_endpoints"])
    for name, spec in document["named_endpoints"].items():
        names = [p["parameter_name"] for p in read.named_endpoints[name]["parameters"]]
        assert names == [p["parameter_name"] for p in spec["parameters"]]


# --- 8. the CLI store across processes ----------------------------------------------------------------


@pytest.mark.parametrize("policy", ["error", "remove"])
def test_max_calls_holds_across_twenty_processes(lab, tmp_path, policy):
    """20 CLI processes start a call at once on a session limited to 2: with "error", 18 are
    refused; with "remove", all go and 2 calls are kept (18 were, before the fix)."""
    env = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert cli("session", "new", lab.url, "--name", "lab", env=env).returncode == 0
    assert cli("session", "set", "lab", "--max-calls", "2", "--policy", policy, env=env).returncode == 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "powershai_py", "call", "echo", "-p", f"text={n}", "--manual"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
        )
        for n in range(20)
    ]  # fmt: skip
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    refused = [err for code, err in outcomes if code != 0]
    if policy == "error":
        assert len(refused) == 18 and all("MAXCALLS" in err for err in refused), refused[:2]
    else:
        assert refused == []
    listed = json.loads(cli("calls", "list", "--json", env=env).stdout)
    assert len(listed) == 2


def test_max_calls_remove_holds_when_processes_reserve_together(tmp_path):
    """Three processes (three stores on one file) each reserve a slot before any of them has
    recorded its call, under MaxCalls 2 and policy remove: a slot in flight cannot be evicted,
    so three rows are held at once; once all have recorded their calls, two remain."""
    from powershai_py.gradio.protocol.models import GradioApiEvent, GradioInfo, GradioSession, SessionApiEvent
    from powershai_py.gradio.storage.sqlite_store import SQLiteStore

    path = tmp_path / "store.sqlite3"
    info = GradioInfo({}, {}, "http://h/api", "http://h", "/api")
    options = {"MaxCalls": 2, "MaxCallsPolicy": "remove"}
    SQLiteStore(path).add(
        GradioSession(session_id="s-id", app_url="http://h/api", info=info, name="s", options=options)
    )
    stores = [SQLiteStore(path) for _ in range(3)]
    sessions = [store.get("s") for store in stores]
    slots = [store.claim_slot(session) for store, session in zip(stores, sessions, strict=True)]  # all first
    trimmed = []
    for n, (store, session, slot) in enumerate(zip(stores, sessions, slots, strict=True)):
        call = SessionApiEvent(
            id=f"e{n}", api_event=GradioApiEvent(event_id=f"e{n}", api_name="echo", app_url="http://h")
        )
        trimmed += store.add_call(session, call, slot.key)
    kept = [c.id for c in SQLiteStore(path).get("s").api_calls.all_events]
    assert kept == ["e1", "e2"] and trimmed == ["e0"]


def test_a_stream_is_read_by_one_process_only(lab, tmp_path):
    env = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert cli("session", "new", lab.url, "--name", "lab", env=env).returncode == 0
    started = json.loads(cli("call", "nap", "-p", "seconds=2", "--manual", "--json", env=env).stdout)
    readers = [
        subprocess.Popen(
            [sys.executable, "-m", "powershai_py", "update", started["event_id"]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
        )
        for _ in range(2)
    ]  # fmt: skip
    results = sorted((p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in readers)  # type: ignore[union-attr]
    (ok, out, _), (busy, _, err) = results
    assert ok == 0 and "slept 2" in out
    assert busy == 3 and "by another process" in err and "one process only" in err


def test_a_sqlite_file_of_another_application_is_never_modified(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
    db.close()
    before = other.read_bytes()
    ran = cli("--store", str(other), "session", "list")
    assert ran.returncode == 2 and "POWERSHAI_STORE_FOREIGN" in ran.stderr
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm


def test_a_store_is_marked_as_ours(tmp_path):
    store = tmp_path / "store.sqlite3"
    assert cli("--store", str(store), "session", "list").returncode == 0
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    db.close()


def test_a_store_another_process_creates_meanwhile_is_used(tmp_path, monkeypatch):
    from powershai_py.gradio.storage.sqlite_store import SQLiteStore

    path = tmp_path / "new" / "store.sqlite3"
    real_open = os.open

    def loses_the_race(file, flags, *rest):
        if flags & os.O_EXCL and not os.path.exists(file):
            os.close(real_open(file, os.O_CREAT | os.O_WRONLY, 0o600))  # the other process wins
        return real_open(file, flags, *rest)

    monkeypatch.setattr(os, "open", loses_the_race)
    store = SQLiteStore(path)
    monkeypatch.undo()
    assert not store.read_only and store.all() == []
    store.close()


def test_a_store_another_process_creates_between_our_reads_is_used(tmp_path, monkeypatch):
    """The check reads the file in one snapshot: a creation committed midway is not 'foreign'."""
    from powershai_py.gradio.storage import sqlite_store

    path = tmp_path / "store.sqlite3"
    failures: list[BaseException] = []

    def create() -> None:
        try:
            sqlite_store.SQLiteStore(path).close()
        except BaseException as exc:
            failures.append(exc)

    other = threading.Thread(target=create)
    real_connect = sqlite_store.SQLiteStore._connect

    def connect(self):
        db = real_connect(self)

        def trace(statement: str) -> None:
            if statement.startswith("PRAGMA user_version") and not other.is_alive() and other.ident is None:
                other.start()  # the other process creates the store now, as soon as it may
                other.join(timeout=1)

        db.set_trace_callback(trace)
        return db

    monkeypatch.setattr(sqlite_store.SQLiteStore, "_connect", connect)
    store = sqlite_store.SQLiteStore(path)
    monkeypatch.undo()
    other.join(timeout=60)
    assert other.ident is not None and not other.is_alive() and failures == []
    assert not store.read_only and store.all() == []
    store.close()


def run_as_other_user(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the CLI as a user who cannot write the store (nobody, when the tests run as root)."""
    cli = "import sys\nfrom powershai_py.cli import main\nmain(sys.argv[1:], prog_name='powershai-py')"
    return run_without_rights(cli, args, env)


def test_a_read_only_store_still_lists_and_shows(lab):
    top = Path(tempfile.mkdtemp(prefix="powershai-ro-"))  # pytest's own folders are 0700: nobody cannot enter
    folder = top / "shared"
    folder.mkdir()
    store = folder / "store.sqlite3"
    env = {"POWERSHAI_PY_STORE": str(store)}
    assert cli("session", "new", lab.url, "--name", "lab", env=env).returncode == 0
    assert cli("call", "echo", "-p", "text=hi", env=env).returncode == 0
    os.chmod(top, 0o755)
    os.chmod(folder, 0o555)
    for item in folder.iterdir():
        os.chmod(item, 0o444)
    try:
        listed = run_as_other_user(["session", "list", "--json"], env)
        assert listed.returncode == 0, listed.stderr
        assert [s["name"] for s in json.loads(listed.stdout)] == ["lab"]
        calls = run_as_other_user(["calls", "list", "--json"], env)
        assert calls.returncode == 0 and json.loads(calls.stdout)[0]["last_data"] == ["hi"]
        shown = run_as_other_user(["session", "show", "lab"], env)
        assert shown.returncode == 0 and "echo" in shown.stdout
        changed = run_as_other_user(["session", "set", "lab", "--max-calls", "3"], env)
        assert changed.returncode == 2 and "read-only" in changed.stderr
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(top)


# --- 9. error classes that say what happened ----------------------------------------------------------


def test_a_read_timeout_before_the_headers_is_a_timeout(fault, fast):
    fast.settings.read_timeout = 0.5
    fault.route("GET", "/silent", wait_for_release)
    with pytest.raises(RequestTimeout) as caught:
        invoke_gradio_http(fault.url + "/silent")
    assert caught.value.code == "timeout"


@pytest.mark.parametrize("text", ["<html><body>502 Bad Gateway</body></html>", "plain failure text"])
def test_an_error_event_with_text_is_the_apps_error(fault, text):
    fault.gradio_app("fails", stream_of(f"event: error\ndata: {text}\n\n".encode()))
    event = send_gradio_api(fault.url, "fails", [])
    results = update_gradio_api_result(event)
    assert results[-1].data == text and event.error == text and event.last_query_status == "error"
    new_gradio_session(fault.url, "fails")
    [fails] = new_gradio_session_api_proxy_function("fails")
    with pytest.raises(CallFailed, match=text[:10]):
        fails().result()
    ran = cli("call", "--url", fault.url, "fails", "--transport", "call")
    assert ran.returncode == 1 and text[:10] in ran.stderr


def test_nan_in_a_cli_parameter_is_text(lab):
    for word in ("NaN", "Infinity", "-Infinity"):
        ran = cli("call", "--url", lab.url, "echo", "-p", f"text={word}", "--json")
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout.splitlines()[-1])["data"] == [word]


# --- 10. careless input gets a clear error ------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [{1, 2}, b"bytes", object(), [float("nan"), {3}]], ids=["set", "bytes", "object", "nested"]
)
def test_a_value_json_cannot_carry_is_a_clear_error(fault, value):
    fault.gradio_app("echo", stream_of(events(("complete", ["x"]))))
    with pytest.raises(PowershaiError) as caught:
        send_gradio_api(fault.url, "echo", ["ok", value])
    assert caught.value.code == "POWERSHAI_GRADIO_INVOKEAPI_PARAM" and caught.value.position == 1
    assert [r for r in fault.requests if r["method"] == "POST"] == []


@pytest.mark.parametrize("call", [get_gradio_info, lambda u: send_gradio_api(u, "x"), invoke_gradio_http,
                                  lambda u: new_gradio_session(u, "bad")])  # fmt: skip
def test_an_unclosed_ipv6_bracket_is_an_invalid_url(call):
    with pytest.raises(PowershaiError) as caught:
        call("http://[::1:8100")
    assert caught.value.code == "POWERSHAI_HTTP_INVALIDURL"


def test_careless_arguments_get_clear_errors(fault, tmp_path):
    with pytest.raises(PowershaiError) as caught:
        download_gradio_file(fault.url, "/tmp/x.txt", tmp_path / "missing" / "deeper" / "x.txt")
    assert caught.value.code == "POWERSHAI_GRADIO_FILE_NOFOLDER"
    with pytest.raises(PowershaiError) as caught:
        download_gradio_file(fault.url, "/tmp/x.txt", str(tmp_path / "missing") + "/")
    assert caught.value.code == "POWERSHAI_GRADIO_FILE_NOFOLDER"
    with pytest.raises(PowershaiError) as caught:
        invoke_gradio_http(fault.url + "/x", method="GE T")
    assert caught.value.code == "POWERSHAI_HTTP_INVALIDMETHOD"
    with pytest.raises(PowershaiError) as caught:
        send_gradio_file(fault.url, None)  # type: ignore[arg-type]
    assert caught.value.code == "POWERSHAI_GRADIO_FILE_INVALID"
    assert fault.requests == []  # each was refused before any request


def test_an_unusable_store_path_is_bad_input(tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    ran = cli("--store", str(afile / "store.sqlite3"), "session", "list")
    assert ran.returncode == 2 and "POWERSHAI_STORE_PATH" in ran.stderr
    ran = cli("session", "list", env={"XDG_STATE_HOME": str(afile), "POWERSHAI_PY_STORE": ""})
    assert ran.returncode == 2 and "POWERSHAI_STORE_PATH" in ran.stderr


# --- 11. server text on the terminal, event ids in URLs -----------------------------------------------


def test_escapes_in_server_text_are_never_printed_raw(fault):
    evil = "\x1b]0;owned\x07\x1b[2J\u202eerror"
    fault.gradio_app("evil", stream_of(events(("generating", [evil]), ("error", evil))))
    for args in (["call", "--url", fault.url, "evil"], ["call", "--url", fault.url, "evil", "--json"]):
        args += ["--transport", "call"]  # the fault server speaks /call
        ran = cli(*args)
        assert ran.returncode == 1
        for stream in (ran.stdout, ran.stderr):
            assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
        assert "x1b" in ran.stdout + ran.stderr or "u001b" in ran.stdout + ran.stderr


@pytest.mark.parametrize("bad_id", ["../../x", "a/b", "..", "id with space"])
def test_a_bad_event_id_never_reaches_a_url(fault, bad_id):
    fault.gradio_app("app", stream_of(events(("complete", ["x"]))))
    fault.route("POST", "/call/app", lambda h: send_json(h, 200, {"event_id": bad_id}))
    with pytest.raises(ProtocolError, match="not one"):
        send_gradio_api(fault.url, "app", [])
    with pytest.raises(InvalidEvent):
        send_gradio_api(fault.url, "app", [], event_id=bad_id)
    assert [r["path"] for r in fault.requests if r["method"] == "GET" and "/call/" in r["path"]] == []


# --- 12. Ctrl-C in the CLI ----------------------------------------------------------------------------


def test_ctrl_c_in_the_cli_exits_130_and_leaves_the_call_marked(lab, tmp_path):
    env = {**os.environ, "POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert cli("session", "new", lab.url, "--name", "lab", env=env).returncode == 0
    child = subprocess.Popen(
        [sys.executable, "-m", "powershai_py", "call", "count_up", "-p", "n=60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_sigint,
    )  # fmt: skip
    assert "step 1" in lines_until(child, "step")[0]
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    [listed] = json.loads(cli("calls", "list", "--json", env=env).stdout)
    assert listed["status"] != "complete" and listed["last_query_status"] in ("Closed", "Interrupted")
    again = cli("update", listed["event_id"], env=env)
    assert again.returncode == 3 and "POWERSHAI_GRADIO_STREAM_LOST" in again.stderr


# --- 13. the store is private -------------------------------------------------------------------------


def test_the_state_folder_and_store_are_private_whatever_the_umask(lab, tmp_path):
    state = tmp_path / "state"
    env = {"XDG_STATE_HOME": str(state), "POWERSHAI_PY_STORE": ""}
    ran = cli("session", "new", lab.url, "--name", "lab", env=env, preexec_fn=lambda: os.umask(0))
    assert ran.returncode == 0, ran.stderr
    assert cli("call", "echo", "-p", "text=private", env=env, preexec_fn=lambda: os.umask(0)).returncode == 0
    folder = state / "powershai-py"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    made = list(folder.iterdir())
    assert {p.name for p in made} >= {"store.sqlite3"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made), [
        (p.name, oct(p.stat().st_mode)) for p in made
    ]


# --- the canary over the new paths --------------------------------------------------------------------


def test_a_canary_token_with_blanks_leaks_nowhere_on_the_new_paths(fault, foreign, tmp_path, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    file_result_app(fault, foreign_urls(foreign)[0])
    spaced = f"  {CANARY}\n"
    session = new_gradio_session(fault.url, "canary", download_path=str(tmp_path / "dl"), token=spaced)
    call = invoke_gradio_session_api("make", [], session=session)
    results = update_gradio_session_api_result(call, session=session)
    seen = [repr(session), repr(call), repr(results), repr(vars(call.api_event)), caplog.text]
    env = {"HF_TOKEN": spaced, "POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    for args in (
        ["session", "new", fault.url, "--name", "app"],
        ["call", "make"],
        ["download", "e1", "-d", str(tmp_path)],
    ):
        ran = cli("--verbose", *args, env=env)
        seen += [ran.stdout, ran.stderr]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("store.sqlite3*"))
    assert [text for text in seen if CANARY in text] == [] and CANARY.encode() not in stored
    assert foreign.requests and all(CANARY not in json.dumps(r["headers"]) for r in foreign.requests)
