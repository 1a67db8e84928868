"""What a call returned, as the content blocks of a tool result (no MCP import here).

PowerShell equivalent: none (a script gets the values themselves).

One output of the endpoint gives one block, in the order ``/info`` lists them (gr.State
outputs left out): text as it is, other values as JSON. A file the library downloaded (it
carries a ``local_path``) gives an image or audio block with its bytes when it is an image
or a sound of at most ``inline_limit`` bytes, else a link to the saved file. A value that
holds files among other things (a gallery's captions, a chat history) also gives its JSON,
with each file replaced by its local path. Nothing from the app's URLs is passed on: the
agent never sees the app's address of a file, nor a token, nor a login.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..gradio.protocol.models import is_filedata
from ..gradio.sessions.session_files import filedata_in

__all__ = ["Block", "INLINE_LIMIT", "result_blocks", "shown_outputs", "local_view"]

INLINE_LIMIT = 2_000_000  # bytes of an image or a sound sent inline; a larger one is linked


@dataclass(frozen=True)
class Block:
    """One content block: ``text``, ``image``/``audio`` (inline ``data``) or ``file`` (a link)."""

    kind: Literal["text", "image", "audio", "file"]
    text: str = ""
    data: bytes = b""
    mime: str = ""
    path: str = ""
    size: int = 0


def shown_outputs(values: list[Any], returns: list[Any]) -> list[Any]:
    """The outputs an agent is shown: those of gr.State components left out, when ``returns``
    (the endpoint's ``/info`` outputs) describes each value (pure)."""
    if len(returns) != len(values):
        return list(values)
    return [
        v
        for v, r in zip(values, returns, strict=True)
        if not (isinstance(r, dict) and r.get("component") == "State")
    ]


def local_view(value: Any) -> Any:
    """``value`` with every downloaded FileData replaced by its local path (pure)."""
    if is_filedata(value):
        return value.get("local_path") or value.get("orig_name") or value.get("path")
    if isinstance(value, list):
        return [local_view(item) for item in value]
    if isinstance(value, dict):
        return {key: local_view(item) for key, item in value.items()}
    return value


def file_block(filedata: dict[str, Any], inline_limit: int = INLINE_LIMIT) -> Block:
    """A downloaded file as a block: inline when it is a small image or sound, else a link."""
    path = Path(str(filedata.get("local_path")))
    size = path.stat().st_size
    given = filedata.get("mime_type")
    mime = given if isinstance(given, str) and "/" in given else mimetypes.guess_type(path.name)[0] or ""
    kind = mime.split("/", 1)[0]
    if kind in ("image", "audio") and size <= inline_limit:
        inline: Literal["image", "audio"] = "image" if kind == "image" else "audio"
        return Block(inline, data=path.read_bytes(), mime=mime, path=str(path), size=size)
    return Block("file", text=path.name, mime=mime or "application/octet-stream", path=str(path), size=size)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def result_blocks(values: list[Any], returns: list[Any], inline_limit: int = INLINE_LIMIT) -> list[Block]:
    """The blocks of a call's outputs ``values`` (the data of its last event), ``returns``
    being the endpoint's ``/info`` outputs."""
    blocks: list[Block] = []
    for value in shown_outputs(values, returns):
        files = [f for f in filedata_in(value) if f.get("local_path")]
        alone = is_filedata(value) or (
            isinstance(value, list) and value and all(is_filedata(v) for v in value)
        )
        if not files or not alone:
            blocks.append(Block("text", text=_text(local_view(value))))
        blocks.extend(file_block(found, inline_limit) for found in files)
    return blocks
