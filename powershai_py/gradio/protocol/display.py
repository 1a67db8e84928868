"""Rich display in Jupyter and IPython: HTML tables, and images, audio and video inline.

The objects' ``_repr_html_`` and ``_repr_mimebundle_`` methods (in ``models.py``) call the views
this module installs there on import (``models.VIEWS``): the models stay pure data. A media
file is fetched by the library, through the same request function as every
call (so a token only ever goes to its app's origin), and embedded as a ``data:`` URI: the
notebook holds the bytes, never a URL a browser would need a credential for, and never a token.
Only files of the app's own origin and of a type in ``DISPLAYABLE`` are embedded, within a
budget per rendering; others are shown by name. Every text from the server is escaped here,
and the only markup is written here. Nothing here changes the objects.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import mimetypes
import os
from typing import Any

from ...errors import PowershaiError, excerpt
from .files import fetch_bytes, same_origin
from .models import (
    VIEWS,
    CallList,
    GradioApiEvent,
    GradioApiEventResult,
    GradioInfo,
    GradioSession,
    SessionApiEvent,
    SessionList,
    carries_data,
    error_message,
    is_filedata,
)

__all__ = [
    "MAX_INLINE_BYTES",
    "MAX_FETCHES",
    "MAX_RENDER_BYTES",
    "FETCH_DEADLINE",
    "DISPLAYABLE",
    "table",
    "grid",
    "media_kind",
    "value_html",
    "single_image",
    "Fetcher",
]

MAX_INLINE_BYTES = 8 * 1024 * 1024  # one file
MAX_FETCHES = 12  # files fetched for one rendering
MAX_RENDER_BYTES = 24 * 1024 * 1024  # bytes fetched for one rendering
FETCH_DEADLINE = 10.0  # seconds for one file, however slowly the server sends it
# The only types shown inline, each as written here (never the server's own text). No SVG: it
# can carry script. A type outside this list is shown by the file's name.
DISPLAYABLE = {
    "image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
    "audio/mpeg": "audio", "audio/wav": "audio", "audio/x-wav": "audio", "audio/wave": "audio",
    "audio/ogg": "audio", "audio/flac": "audio", "audio/mp4": "audio", "audio/webm": "audio",
    "video/mp4": "video", "video/webm": "video", "video/ogg": "video",
}  # fmt: skip


class Fetcher:
    """Fetches the bytes of files of one app for one rendering, with that app's credentials.

    Only files on the app's own origin (scheme, host, port) are fetched, never through a
    redirect, each within :data:`FETCH_DEADLINE` and :data:`MAX_INLINE_BYTES`, and at most
    :data:`MAX_FETCHES` files and :data:`MAX_RENDER_BYTES` in all: a display must not wait
    long, grow without end, or send requests where a server points it.
    """

    def __init__(self, app_url: str | None, token: str | None = None, credentials: Any = None) -> None:
        self.app_url = app_url
        self.token = token
        self.credentials = credentials
        self.fetches = 0
        self.bytes = 0
        self.why_not = ""  # why the last file was not fetched

    def __call__(self, filedata: dict[str, Any]) -> bytes | None:
        """The file's bytes, or None (``why_not`` says why)."""
        url = filedata.get("url")
        if not self.app_url or not isinstance(url, str):
            self.why_not = "no address"
            return None
        if not same_origin(url, self.app_url):
            self.why_not = "on another site"
            return None
        if self.fetches >= MAX_FETCHES or self.bytes >= MAX_RENDER_BYTES:
            self.why_not = "more files than one display shows"
            return None
        self.fetches += 1
        limit = min(MAX_INLINE_BYTES, MAX_RENDER_BYTES - self.bytes)
        try:
            content = fetch_bytes(
                url,
                self.app_url,
                self.token,
                self.credentials,
                limit,
                deadline=FETCH_DEADLINE,
                redirects=False,
            )
        except PowershaiError:
            self.why_not = "not reachable"
            return None
        if content is None:
            self.why_not = "too large"
            return None
        self.bytes += len(content)
        return content


def media_kind(filedata: dict[str, Any]) -> tuple[str | None, str | None]:
    """``("image" | "audio" | "video", MIME type)`` of a FileData whose type (its ``mime_type``,
    else its file name's) is one of :data:`DISPLAYABLE`, spelled as written there; else
    ``(None, None)``."""
    mime = filedata.get("mime_type")
    if isinstance(mime, str):
        mime = mime.split(";", 1)[0].strip().lower()
    if mime not in DISPLAYABLE:
        name = filedata.get("orig_name") or filedata.get("path") or ""
        mime = mimetypes.guess_type(str(name))[0]
    for known, kind in DISPLAYABLE.items():
        if mime == known:
            return kind, known
    return None, None


def _name(filedata: dict[str, Any]) -> str:
    name = filedata.get("orig_name") or str(filedata.get("path") or "").rsplit("/", 1)[-1]
    return str(name or "file")


def _media_html(filedata: dict[str, Any], fetch: Fetcher) -> str:
    kind, mime = media_kind(filedata)
    label = html.escape(_name(filedata), quote=True)
    if kind is None or fetch.app_url is None:  # not a medium, or shown by name only
        return f"<code>{label}</code>"
    content = fetch(filedata)
    if content is None:
        return f"<code>{label}</code> <small>({kind}, not shown: {html.escape(fetch.why_not)})</small>"
    source = f"data:{mime};base64,{base64.b64encode(content).decode()}"  # both from our own alphabet
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


# --- the views of the models ------------------------------------------------------------------


def fetcher_for(event: GradioApiEvent | None) -> Fetcher:
    """A :class:`Fetcher` with the credentials of the call ``event`` (or none)."""
    if event is None:
        return Fetcher(None)
    return Fetcher(event.app_url, event.token.value, event.credentials)


def call_rows(event: GradioApiEvent) -> list[tuple[str, Any]]:
    """The rows every view of a call shows."""
    rows: list[tuple[str, Any]] = [
        ("endpoint", "/" + event.api_name),
        ("event id", event.event_id),
        ("status", event.status),
        ("last read", event.last_query_status),
        ("events read", event.last_event_num),
    ]
    if event.transport == "queue":
        rows.append(("queue", event.queue.describe()))
    if event.error is not None:
        rows.append(("error", error_message(event.error)))
    return rows


def object_html(obj: Any) -> str:
    """The HTML of one of the models (or a list of them)."""
    if isinstance(obj, GradioInfo):
        rows: list[tuple[str, Any]] = [("app", obj.real_app_url), ("Gradio", obj.version)]
        for name, spec in obj.named_endpoints.items():
            params = [
                str(p.get("parameter_name") or p.get("label") or "") for p in spec.get("parameters") or []
            ]
            rows.append((name, "(" + ", ".join(params) + ")"))
        for name, reason in obj.unusable_endpoints.items():
            rows.append((name, f"cannot be called: {reason}"))
        return table(rows)
    if isinstance(obj, GradioApiEvent):
        rows = call_rows(obj)
        if obj.data:
            rows.append(("last data", obj.data[-1]))
        return table(rows, fetcher_for(obj))
    if isinstance(obj, SessionApiEvent):
        return table([*call_rows(obj.api_event), ("last data", obj.last_data)], fetcher_for(obj.api_event))
    if isinstance(obj, GradioSession):
        limit, policy = obj._limits()
        return table(
            [
                ("session", obj.name),
                ("app", obj.app_url),
                ("Gradio", obj.info.version),
                ("calls", f"{len(obj.api_calls.all_events)} kept (MaxCalls {limit}, policy {policy})"),
                ("transport", obj.option("Transport") or "auto"),
                ("stateful", obj.stateful),
                ("endpoints", ", ".join("/" + name for name in obj.info.endpoint_names)),
            ]
        )
    if isinstance(obj, SessionList):
        cells = [
            [s.name, s.app_url, s.info.version, len(s.api_calls.all_events), s.option("Transport") or "auto"]
            for s in obj
        ]
        return grid(["session", "app", "Gradio", "calls", "transport"], cells)
    if isinstance(obj, CallList):
        cells = [
            [
                "/" + c.api_name,
                c.id,
                c.status,
                c.api_event.last_query_status,
                c.api_event.last_event_num,
                error_message(c.error) if c.error is not None else "",
                c.last_data,
            ]
            for c in obj
        ]
        return grid(["endpoint", "event id", "status", "last read", "events", "error", "last data"], cells)
    return table([("value", obj)])


class _FileName:
    """A file output in a result's plain text: its name, not its URL (no link lands in a notebook)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<file {self.name}>"


def _named_files(value: Any) -> Any:
    if is_filedata(value):
        return _FileName(os.path.basename(str(value.get("orig_name") or value.get("path") or "")))
    if isinstance(value, list):
        return [_named_files(item) for item in value]
    if isinstance(value, dict):
        return {key: _named_files(item) for key, item in value.items()}
    return value


def plain_text(result: GradioApiEventResult) -> str:
    """A result's plain text for a notebook: its repr, with each file by its name."""
    return repr(dataclasses.replace(result, data=_named_files(result.data)))


def result_bundle(result: GradioApiEventResult) -> dict[str, str]:
    """A result in Jupyter: one image output as the image itself, anything else as a table."""
    fetch = fetcher_for(result.source)
    image = single_image(result.data, fetch) if carries_data(result) else None
    if image is not None:
        return {image[0]: image[1], "text/plain": plain_text(result)}
    rows = [("event", result.event), ("num", result.num), ("at", result.ts.isoformat(timespec="seconds"))]
    return {"text/html": table([*rows, ("data", result.data)], fetch), "text/plain": plain_text(result)}


VIEWS.html = object_html  # type: ignore[method-assign]
VIEWS.bundle = result_bundle  # type: ignore[method-assign,assignment]
