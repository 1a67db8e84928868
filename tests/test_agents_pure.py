"""The pure parts of `powershai-py mcp`: result blocks, descriptions, file checks, addresses.

Driven by the recorded /info documents of Gradio 4.44, 5.50 and 6.31 and by hypothesis; the
server itself is tested with the MCP SDK's client in tests/test_mcp.py.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powershai_py.agents.content import result_blocks
from powershai_py.agents.tool_calls import error_text
from powershai_py.agents.tools import AppTool, check_local_files, describe_endpoint
from powershai_py.cli.agent_tools import app_label, split_address
from powershai_py.errors import PowershaiError, QuotaExceeded
from powershai_py.gradio.proxies.tool_schema import input_schema

DATA = Path(__file__).parent / "data"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def recorded_endpoints() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in sorted(DATA.glob("*-info-*.json")):
        document = json.loads(path.read_text())
        version = path.stem.rsplit("-", 1)[1]
        found += [(version, name, spec) for name, spec in document["named_endpoints"].items()]
    return found


# --- descriptions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "name", "spec"), recorded_endpoints())
def test_every_recorded_endpoint_is_described(version, name, spec):
    text = describe_endpoint(name.lstrip("/"), spec, "demo", version)
    assert f"/{name.lstrip('/')}" in text and f"(demo, Gradio {version})" in text
    for parameter in spec["parameters"]:
        label = parameter.get("label")  # Gradio 6 may send {"_type": "translation_metadata", ...}
        assert (label if isinstance(label, str) and label else parameter["parameter_name"]) in text
    returns = spec["returns"]
    if len(returns) > 1:
        assert f"Returns {len(returns)} values" in text
    if spec.get("description"):
        assert text.startswith(spec["description"].strip())


@given(st.dictionaries(st.sampled_from(["description", "parameters", "returns", "other"]), json_values))
def test_a_description_never_fails_on_what_is_only_shown(spec):
    """Only shown: any JSON in the endpoint's fields gives a text, never an exception."""
    assert "/x of the Gradio app (demo)" in describe_endpoint("x", spec, "demo", None)


# --- the tool list of spoiled documents ----------------------------------------------------------------

DOCUMENTS = sorted(DATA.glob("*-info-*.json"))


def tools_of(document: dict[str, Any], version: str) -> tuple[list[Any], Any]:
    from powershai_py.agents.tools import make_tools
    from powershai_py.gradio.protocol.models import AppLayout, GradioInfo, GradioSession
    from powershai_py.gradio.protocol.shapes import read_info

    read = read_info(document, "http://app/info")
    app = "http://app"
    info = GradioInfo(read.named_endpoints, read.unnamed_endpoints, unusable_endpoints=read.unusable,
                      real_app_url=app, root_url=app, api_prefix="", version=version)  # fmt: skip
    session = GradioSession(session_id="s", app_url="http://app", info=info, name="app")
    return make_tools([("app", session, AppLayout(root_url="http://app", api_prefix=""))]), read


@settings(deadline=None)  # its first example builds validators: slow once, on a busy machine
@given(
    st.sampled_from(DOCUMENTS),
    st.integers(0, 10_000),
    st.sampled_from(["label", "parameter_name", "type", "python_type", "component", "parameter_default",
                     "parameter_has_default", "example_input", "extra"]),  # fmt: skip
    json_values,
)
def test_a_spoiled_endpoint_costs_only_itself_and_every_schema_stays_valid(path, pick, key, value):
    """One field of one parameter of a recorded /info set to any JSON: the other endpoints stay
    tools, the spoiled one is a tool only if the library can still call it, and every schema
    offered is valid JSON Schema."""
    from jsonschema import Draft202012Validator

    document = json.loads(path.read_text())
    version = path.stem.rsplit("-", 1)[1]
    with_parameters = [n for n, e in document["named_endpoints"].items() if e["parameters"]]
    spoiled = with_parameters[pick % len(with_parameters)]
    parameters = document["named_endpoints"][spoiled]["parameters"]
    parameters[pick % len(parameters)][key] = value
    tools, read = tools_of(document, version)
    offered = {tool.endpoint for tool in tools}
    callable_ = {n.lstrip("/") for n in read.named_endpoints if n not in read.unusable}
    assert offered <= callable_ and callable_ - offered <= {spoiled.lstrip("/")}
    for tool in tools:
        Draft202012Validator.check_schema(tool.input_schema)


# --- bounds from /config ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DATA.glob("*-config-*.json")), ids=lambda p: p.stem)
def test_a_sliders_range_is_read_from_every_recorded_config(path):
    from powershai_py.gradio.protocol.app import layout_from_config

    layout = layout_from_config("http://app", json.loads(path.read_text()))
    if "components" in path.stem:
        assert layout.bounds["slider"] == {0: {"minimum": 0, "maximum": 10}}
        assert "number" not in layout.bounds  # a Number without bounds gives none
    for by_place in layout.bounds.values():
        assert all(set(limits) <= {"minimum", "maximum"} for limits in by_place.values())


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan"), "0", True, None, [1]])
def test_a_bound_that_is_not_a_finite_number_is_left_out(bad):
    from powershai_py.gradio.protocol.shapes import component_bounds

    config = {"components": [{"id": 1, "type": "slider", "props": {"minimum": bad, "maximum": 5}}]}
    assert component_bounds(config) == {1: {"maximum": 5}}


# --- result blocks ----------------------------------------------------------------------------------


@given(st.lists(json_values, max_size=5))
def test_each_output_without_files_is_one_text_block(values):
    returns = [{"component": "Textbox"} for _ in values]
    blocks = result_blocks(values, returns)
    assert [b.kind for b in blocks] == ["text"] * len(values)
    for block, value in zip(blocks, values, strict=True):
        assert block.text == value if isinstance(value, str) else json.loads(block.text) == value


def test_state_outputs_are_left_out_when_info_describes_each_value():
    returns = [{"component": "Textbox"}, {"component": "State"}]
    assert [b.text for b in result_blocks(["shown", {"secret": 1}], returns)] == ["shown"]
    # when /info does not describe each value, nothing is dropped (nothing received is lost)
    assert [b.text for b in result_blocks(["a", "b"], [{"component": "State"}])] == ["a", "b"]


def png(path: Path, extra: int = 0) -> Path:
    """A valid 1x1 PNG, padded with a text chunk of ``extra`` bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", b"c\x00" + b"x" * extra)
    path.write_bytes(data + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return path


def saved(path: Path, **more: Any) -> dict[str, Any]:
    return {"path": f"/srv/{path.name}", "url": f"http://app/file={path.name}", "orig_name": path.name,
            "meta": {"_type": "gradio.FileData"}, "local_path": str(path), **more}  # fmt: skip


def test_files_inline_when_small_images_or_sounds_else_linked(tmp_path):
    small, large = png(tmp_path / "small.png"), png(tmp_path / "large.png", extra=5000)
    sound = tmp_path / "beep.wav"
    sound.write_bytes(b"RIFF" + b"\x00" * 40)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    returns = [{"component": c} for c in ("Image", "Image", "Audio", "File")]
    values = [saved(small), saved(large), saved(sound), saved(text)]
    blocks = result_blocks(values, returns, inline_limit=1000)
    assert [b.kind for b in blocks] == ["image", "file", "audio", "file"]
    # (the name of a WAV's type differs between systems and what a process registered)
    assert [b.mime for b in blocks] == ["image/png", "image/png", blocks[2].mime, "text/plain"]
    assert blocks[2].mime in ("audio/wav", "audio/x-wav", "audio/vnd.wave")
    assert blocks[0].data == small.read_bytes() and blocks[1].path == str(large)
    assert all("http://app" not in repr(b) for b in blocks)  # the app's file URLs stay here


def test_a_value_holding_files_among_other_things_keeps_its_json(tmp_path):
    image = png(tmp_path / "bus.png")
    gallery = [{"image": saved(image), "caption": "a bus"}, {"image": saved(image), "caption": None}]
    blocks = result_blocks([gallery], [{"component": "Gallery"}])
    assert [b.kind for b in blocks] == ["text", "image", "image"]
    assert json.loads(blocks[0].text) == [{"image": str(image), "caption": "a bus"},
                                          {"image": str(image), "caption": None}]  # fmt: skip
    files = result_blocks([[saved(image), saved(image)]], [{"component": "Files"}])
    assert [b.kind for b in files] == ["image", "image"]  # a list of files alone: the files only


# --- errors ------------------------------------------------------------------------------------------


def test_a_spent_quota_says_when_to_retry():
    with_wait = QuotaExceeded("/gpu failed: quota", retry_after=90.0)
    assert error_text(with_wait, now=0) == (
        "/gpu failed: quota\nRetry in 90 seconds (at about 00:01:30 UTC). [POWERSHAI_GRADIO_QUOTA_EXCEEDED]"
    )
    assert "named no wait" in error_text(QuotaExceeded("/gpu failed: quota", retry_after=None))
    assert error_text(PowershaiError("bad", code="X_Y")) == "bad [X_Y]"


# --- local files -------------------------------------------------------------------------------------


def file_tool() -> AppTool:
    spec = json.loads((DATA / "components-info-6.31.0.json").read_text())["named_endpoints"]["/files"]
    schema = input_schema(spec["parameters"])
    return AppTool("files", "", schema, "s", "files", "demo", "6.31.0", spec)


def test_only_files_inside_the_allowed_folders_are_uploaded(tmp_path, monkeypatch):
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir()
    elsewhere.mkdir()
    (allowed / "a.txt").write_text("a")
    (elsewhere / "b.txt").write_text("b")
    (allowed / "out.txt").symlink_to(elsewhere / "b.txt")
    monkeypatch.chdir(allowed)
    tool = file_tool()
    name = tool.spec["parameters"][0]["parameter_name"]
    check_local_files(tool, {name: ["a.txt", str(allowed / "a.txt"), "https://x/b.txt"]}, [allowed])
    for refused in (str(elsewhere / "b.txt"), "../elsewhere/b.txt", "out.txt", str(elsewhere / "*.txt"),
                    str(elsewhere / "missing.txt")):  # fmt: skip
        with pytest.raises(PowershaiError) as caught:
            check_local_files(tool, {name: [refused]}, [allowed])
        assert caught.value.code == "POWERSHAI_MCP_FILE_NOT_ALLOWED" and str(allowed) in caught.value.message
    check_local_files(tool, {name: ["missing.txt"]}, [allowed])  # inside: the call itself says it is missing


# --- the command's words ------------------------------------------------------------------------------


@given(st.integers(0, 65535))
def test_an_address_is_a_port_with_an_optional_host(port):
    assert split_address(str(port)) == ("127.0.0.1", port)
    assert split_address(f"0.0.0.0:{port}") == ("0.0.0.0", port)
    assert split_address(f"[::1]:{port}") == ("::1", port)
    assert split_address(f":{port}") == ("127.0.0.1", port)


@pytest.mark.parametrize("wrong", ["", "host", "host:", "1:99999", "localhost:-1", "x:80a"])
def test_a_wrong_address_is_a_usage_error(wrong):
    with pytest.raises(click.BadParameter):
        split_address(wrong)


def test_an_apps_label_is_its_host_and_path():
    assert app_label("http://127.0.0.1:7860") == "127.0.0.1:7860"
    assert app_label("https://owner-name.hf.space/gradio_api") == "owner-name.hf.space"
    assert app_label("http://host/apps/demo/") == "host/apps/demo"
