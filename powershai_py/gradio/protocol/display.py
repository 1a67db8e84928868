"""Rich display in Jupyter and IPython: HTML tables, and images, audio and video inline.

The objects' ``_repr_html_`` and ``_repr_mimebundle_`` methods (in ``models.py``) call these
functions. A media file is fetched by the library, through the same request function as every
call (so a token only ever goes to its app's origin), and embedded as a ``data:`` URI: the
notebook holds the bytes, never a URL a browser would need a credential for, and never a token.
Files over ``MAX_INLINE_BYTES`` are shown by name only. Nothing here changes the objects.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
from typing import Any

from ...errors import PowershaiError, excerpt
from .models import is_filedata

__all__ = ["MAX_INLINE_BYTES", "table", "grid", "media_kind", "value_html", "single_image", "Fetcher"]

MAX_INLINE_BYTES = 8 * 1024 * 1024
_KINDS = ("image", "audio", "video")


class Fetcher:
    """Fetches the bytes of a FileData of one app with that app's credentials (or none)."""

    def __init__(self, app_url: str | None, token: str | None = None, credentials: Any = None) -> None:
        self.app_url = app_url
        self.token = token
        self.credentials = credentials

    def __call__(self, filedata: dict[str, Any]) -> bytes | None:
        """The file's bytes, or None when it cannot be fetched or is larger than the limit."""
        url = filedata.get("url")
        if not self.app_url or not isinstance(url, str):
            return None
        from .files import fetch_bytes

        try:
            return fetch_bytes(url, self.app_url, self.token, self.credentials, MAX_INLINE_BYTES)
        except PowershaiError:
            return None


def media_kind(filedata: dict[str, Any]) -> tuple[str | None, str | None]:
    """``("image" | "audio" | "video" | None, MIME type)`` of a FileData, from its
    ``mime_type`` or else its file name."""
    mime = filedata.get("mime_type")
    if not isinstance(mime, str) or "/" not in mime:
        name = filedata.get("orig_name") or filedata.get("path") or ""
        mime = mimetypes.guess_type(str(name))[0]
    kind = mime.split("/", 1)[0] if mime else None
    return (kind if kind in _KINDS else None), mime


def _name(filedata: dict[str, Any]) -> str:
    name = filedata.get("orig_name") or str(filedata.get("path") or "").rsplit("/", 1)[-1]
    return str(name or "file")


def _media_html(filedata: dict[str, Any], fetch: Fetcher) -> str:
    kind, mime = media_kind(filedata)
    label = html.escape(_name(filedata))
    if kind is None or fetch.app_url is None:  # not a medium, or shown by name only
        return f"<code>{label}</code>"
    content = fetch(filedata)
    if content is None:
        return f"<code>{label}</code> <small>({kind}, not shown: too large or not reachable)</small>"
    source = f"data:{mime};base64,{base64.b64encode(content).decode()}"
    if kind == "image":
        return f'<img src="{source}" alt="{label}" style="max-width: 100%">'
    return f'<{kind} controls src="{source}" title="{label}"></{kind}>'


def value_html(value: Any, fetch: Fetcher, depth: int = 0) -> str:
    """A result value as HTML: FileData as media (or its name), lists and dicts as tables."""
    if is_filedata(value):
        return _media_html(value, fetch)
    if depth < 3 and isinstance(value, list) and value:
        cells = "".join(f"<li>{value_html(item, fetch, depth + 1)}</li>" for item in value[:50])
        more = f"<li>... {len(value) - 50} more</li>" if len(value) > 50 else ""
        return f"<ol start='0'>{cells}{more}</ol>"
    if depth < 3 and isinstance(value, dict) and value:
        return table([(str(k), v) for k, v in list(value.items())[:50]], fetch, depth + 1)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return f"<code>{html.escape(excerpt(text, 2000))}</code>"


def table(rows: list[tuple[str, Any]], fetch: Fetcher | None = None, depth: int = 0) -> str:
    """A two-column HTML table of ``(name, value)``; values go through :func:`value_html`."""
    fetcher = fetch or Fetcher(None)
    body = "".join(
        f"<tr><th style='text-align: left'>{html.escape(name)}</th>"
        f"<td style='text-align: left'>{value_html(value, fetcher, depth)}</td></tr>"
        for name, value in rows
    )
    return f"<table>{body}</table>"


def grid(headers: list[str], rows: list[list[Any]]) -> str:
    """An HTML table with a header row; cells are shown as :func:`value_html` shows them,
    files by name (a list of many calls is no place to fetch every file)."""
    head = "".join(f"<th style='text-align: left'>{html.escape(h)}</th>" for h in headers)
    fetch = Fetcher(None)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align: left'>{value_html(cell, fetch, 2)}</td>" for cell in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def single_image(data: Any, fetch: Fetcher) -> tuple[str, str] | None:
    """``(MIME type, base64)`` when ``data`` is one image output (alone, or the only output)."""
    outputs = data if isinstance(data, list) else [data]
    if len(outputs) != 1 or not is_filedata(outputs[0]):
        return None
    kind, mime = media_kind(outputs[0])
    if kind != "image" or not mime:
        return None
    content = fetch(outputs[0])
    return None if content is None else (mime, base64.b64encode(content).decode())
