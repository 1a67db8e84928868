"""What gets uploaded, decided from Gradio's own ``/info`` schemas (pure; no server).

tests/data/components-info-*.json are the ``/info`` documents that Gradio 4.44.1, 5.50.0 and
6.31.0 wrote for tests/apps/components.py (one endpoint per component), recorded by
scripts/capture_info.py. The schemas are Gradio's, so these tests check our reading of what a
real server says, on every version, without starting one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powershai_py.gradio.protocol.schema import is_file_schema, kind_of, map_files

DATA = Path(__file__).parent / "data"
VERSIONS = ["4.44.1", "5.50.0", "6.31.0"]


def info_of(version: str) -> dict[str, Any]:
    return json.loads((DATA / f"components-info-{version}.json").read_text())


def parameters(version: str) -> list[tuple[str, dict[str, Any]]]:
    """(endpoint, parameter) for every parameter of every endpoint."""
    return [
        (name, parameter)
        for name, endpoint in sorted(info_of(version)["named_endpoints"].items())
        for parameter in endpoint["parameters"]
    ]


ALL = [(version, name, p) for version in VERSIONS for name, p in parameters(version)]


def holds_a_file(schema: Any, defs: dict[str, Any] | None = None, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a FileData sits anywhere in the schema (a plain recursive search of the JSON,
    following ``$ref`` into the parameter's ``$defs``)."""
    defs = defs if defs is not None else schema.get("$defs", {}) if isinstance(schema, dict) else {}
    if isinstance(schema, dict):
        if is_file_schema(schema, defs):
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            target = defs.get(ref.rsplit("/", 1)[-1])
            if holds_a_file(target, defs, seen | {ref}):
                return True
        return any(holds_a_file(v, defs, seen) for k, v in schema.items() if k != "$defs")
    if isinstance(schema, list):
        return any(holds_a_file(v, defs, seen) for v in schema)
    return False


def uploads(value: Any, schema: Any) -> tuple[list[Any], Any]:
    """What map_files would upload, and the value it would send."""
    seen: list[Any] = []

    def convert(item: Any) -> Any:
        seen.append(item)
        return {"path": f"/uploaded/{len(seen)}", "meta": {"_type": "gradio.FileData"}}

    return seen, map_files(value, schema, convert)


# What each component's parameter is, by the rule of issue 15: a file is a top-level FileData,
# files a list of them; everything else is data (which may hold files inside).
FILE_COMPONENTS = {"Audio", "Image", "Model3d"}


@pytest.mark.parametrize("version", VERSIONS)
def test_each_component_is_a_file_only_where_its_schema_is_one(version):
    for name, parameter in parameters(version):
        component, kind = parameter["component"], kind_of(parameter["type"])
        if component in FILE_COMPONENTS:
            expected = "file"
        elif component == "File":
            expected = "files" if name == "/files" else "file"
        elif component == "Video":  # a FileData on 6; a VideoData object holding one on 4 and 5
            expected = "file" if version.startswith("6") else "data"
        else:  # Chatbot, MultimodalTextbox, Gallery, ImageEditor, ImageSlider... and plain data
            expected = "data"
        assert kind == expected, (version, name, component)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_local_path_in_a_text_parameter_is_never_uploaded(version, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x")
    for name, parameter in parameters(version):
        if parameter["component"] in {"Textbox", "Code", "Colorpicker", "Datetime", "Markdown"}:
            seen, sent = uploads(str(path), parameter["type"])
            assert seen == [] and sent == str(path), (version, name)


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(ALL),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
        | st.sampled_from(["/etc/hosts", "bus.png", "C:\\x.png"]),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(["text", "files", "path", "image", "content", "role", "video", "x"]),
            inner, max_size=4,
        ),
        max_leaves=12,
    ),
)  # fmt: skip
def test_nothing_is_uploaded_where_the_schema_holds_no_file(case, value):
    """Any value, any real parameter: no upload unless the schema has a FileData somewhere;
    map_files never raises and never changes the value it is given."""
    _, _, parameter = case
    before = json.dumps(value)
    seen, _ = uploads(value, parameter["type"])
    assert json.dumps(value) == before
    if not holds_a_file(parameter["type"]):
        assert seen == []


def test_the_schemas_here_hold_both_kinds():
    """The property above is not empty: some parameters hold files, most do not."""
    held = [holds_a_file(p["type"]) for _, _, p in ALL]
    assert any(held) and not all(held)


def parameter_of(version: str, endpoint: str, position: int = 0) -> dict[str, Any]:
    return info_of(version)["named_endpoints"][endpoint]["parameters"][position]["type"]


@pytest.mark.parametrize("version", VERSIONS)
def test_files_inside_data_are_uploaded_where_the_schema_puts_them(version):
    multimodal = parameter_of(version, "/multimodal")
    seen, sent = uploads({"text": "look", "files": ["a.png", "b.txt"]}, multimodal)
    assert seen == ["a.png", "b.txt"] and sent["text"] == "look"
    assert [f["path"] for f in sent["files"]] == ["/uploaded/1", "/uploaded/2"]

    seen, sent = uploads("just text", multimodal)  # the shorthand: a string is the text
    assert seen == [] and sent == {"text": "just text", "files": []}

    seen, sent = uploads(["a.png", {"image": "b.png", "caption": "bus"}], parameter_of(version, "/gallery"))
    assert seen == ["a.png", "b.png"] and sent[1]["caption"] == "bus"

    editor = {"background": "bg.png", "layers": ["l.png"], "composite": None}
    seen, _ = uploads(editor, parameter_of(version, "/image_editor"))
    assert seen == ["bg.png", "l.png"]

    if not version.startswith("6"):  # Gradio 4 and 5 wrap a video: {"video": FileData, "subtitles": ...}
        seen, sent = uploads("clip.mp4", parameter_of(version, "/video"))
        assert seen == ["clip.mp4"] and sent["video"]["path"] == "/uploaded/1"
    if not version.startswith("4"):  # ImageSlider arrived in Gradio 5
        seen, _ = uploads(["left.png", "right.png"], parameter_of(version, "/image_slider"))
        assert seen == ["left.png", "right.png"]


def test_a_chat_history_uploads_its_file_parts_and_keeps_its_text():
    history = parameter_of("6.31.0", "/chatbot")
    value = [
        {"role": "user", "content": [{"type": "text", "text": "/etc/hosts"}]},
        {"role": "user", "content": [{"type": "file", "file": "photo.png"}]},
        {"role": "assistant", "content": "a plain answer"},
    ]
    seen, sent = uploads(value, history)
    assert seen == ["photo.png"]  # the text part that looks like a path stays text
    assert sent[0]["content"][0]["text"] == "/etc/hosts"
    assert sent[1]["content"][0]["file"]["path"] == "/uploaded/1"
