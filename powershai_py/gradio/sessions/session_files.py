"""Files of a session: uploads for its calls, and downloads of what its calls return.

PowerShell equivalent: Send-GradioSessionFiles; the downloads into ``download_path`` are
new (the original accepted the parameter and ignored it, D-7).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ...errors import FileSaveError, PowershaiError
from ..protocol.app import is_url
from ..protocol.files import download_gradio_file, local_files, safe_file_name, send_gradio_file
from ..protocol.models import FILEDATA_TYPE, GradioApiEventResult, GradioSession, is_filedata
from ..protocol.schema import map_files
from .sessions import resolve_session

__all__ = [
    "send_gradio_session_files",
    "safe_file_name",
    "save_file_outputs",
    "url_filedata",
    "filedata_in",
    "prepare_inputs",
]


def send_gradio_session_files(
    files: Any, session: Any = ".", *, token: str | None = None, auth: Any = None
) -> list[dict[str, Any]]:
    """Give one FileData per file, ready to pass as a file input of the session's app.

    PowerShell equivalent: ``Send-GradioSessionFiles FILES [-Session S]``.

    Local paths (wildcards expand) are uploaded, all in one request; URLs become a
    FileData that points at them; a FileData of the same app is passed as it is, and one
    of another app is referenced by its URL. The order of ``files`` is kept. ``token`` and
    ``auth=(user, password)`` override the session's token and login for the upload.
    """
    target = resolve_session(session)
    items = list(files) if isinstance(files, (list, tuple)) else [files]
    slots: list[dict[str, Any] | Path] = []
    for item in items:
        if is_url(item):
            slots.append(url_filedata(item.strip()))
        elif is_filedata(item):
            slots.append(_reference(item, target.app_url))
        elif isinstance(item, (str, os.PathLike)):
            slots.extend(local_files(item))
        else:
            raise PowershaiError(
                f"cannot send {type(item).__name__} as a file: give a path, a URL or a FileData dict",
                code="POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND",
            )
    paths = [slot for slot in slots if isinstance(slot, Path)]
    uploaded: dict[Path, dict[str, Any]] = {}
    if paths:
        chosen = token if token is not None else target.token.value
        login = target.login if auth is None else auth
        answers = send_gradio_file(target.app_url, paths, token=chosen, auth=login)
        uploaded = dict(zip(paths, answers, strict=True))
        with target.lock:
            for path, filedata in uploaded.items():
                target.uploads[str(path)] = filedata
    return [uploaded[slot] if isinstance(slot, Path) else slot for slot in slots]


def prepare_inputs(
    session: GradioSession,
    spec: dict[str, Any],
    data: list[Any],
    token: str | None = None,
    auth: Any = None,
) -> list[Any]:
    """``data`` with every local path, URL or FileData at a place where the endpoint's schema
    puts a file made a FileData of the session's app (local paths uploaded, all in one request).

    Nothing is uploaded where the schema says data: a path in a Textbox stays text.
    """
    parameters = [p for p in spec.get("parameters") or [] if isinstance(p, dict)]
    if not parameters:
        return data
    schemas = [p.get("type") for p in parameters]
    local: dict[str, Path] = {}

    def collect(value: Any) -> Any:
        if isinstance(value, (str, os.PathLike)) and not is_url(value) and not is_filedata(value):
            for found in local_files(value):
                local.setdefault(str(found), found)
        return value

    for value, schema in zip(data, schemas, strict=False):
        map_files(value, schema, collect)
    uploaded: dict[str, dict[str, Any]] = {}
    if local:
        answers = send_gradio_session_files(list(local.values()), session, token=token, auth=auth)
        uploaded = dict(zip(local, answers, strict=True))

    def convert(value: Any) -> Any:
        if isinstance(value, (str, os.PathLike)) and not is_url(value):
            found = local_files(value)
            return uploaded[str(found[0])] if len(found) == 1 else [uploaded[str(f)] for f in found]
        if is_url(value):
            return url_filedata(str(value).strip())
        if isinstance(value, dict):
            return _reference({**value, "meta": {"_type": FILEDATA_TYPE}}, session.app_url)
        return value

    mapped = [
        map_files(value, schemas[i], convert) if i < len(schemas) else value for i, value in enumerate(data)
    ]
    return [_paths_as_text(value) for value in mapped]


def _paths_as_text(value: Any) -> Any:
    """A path left where the schema says data (a Textbox) is sent as its text."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, list):
        return [_paths_as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _paths_as_text(item) for key, item in value.items()}
    return value


def url_filedata(url: str) -> dict[str, Any]:
    """A FileData that points at ``url`` (its name is the last path segment, no query)."""
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "file"
    return {"path": url, "url": url, "orig_name": name, "meta": {"_type": FILEDATA_TYPE}}


def _reference(filedata: dict[str, Any], app_url: str) -> dict[str, Any]:
    url = filedata.get("url")
    if not isinstance(url, str) or not url or url.startswith(app_url.rstrip("/") + "/"):
        return dict(filedata)  # the app's own file: its path is valid there
    reference = url_filedata(url)
    if filedata.get("orig_name"):
        reference["orig_name"] = filedata["orig_name"]
    return reference


def save_file_outputs(session: GradioSession, result: GradioApiEventResult) -> None:
    """Download every FileData of ``result`` into ``session.download_path``, once per server file.

    Each FileData gets a ``local_path``. A file already saved by this session is not
    fetched again (a ``complete`` event repeats the last ``generating`` value).
    """
    if session.download_path is None or result.data is None:
        return
    for filedata in filedata_in(result.data):
        server_path = filedata.get("path")
        if not isinstance(server_path, str) or not server_path:
            continue
        with session.lock:
            local = session.downloads.get(server_path)
        if local is None:
            folder = Path(session.download_path).expanduser()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                name = filedata.get("orig_name") or server_path
                target = _claim(folder, safe_file_name(name))
            except OSError as exc:
                raise FileSaveError(
                    f"cannot save the files of this result in {str(folder)!r} "
                    f"({exc.strerror or exc}); the result itself is kept on the call",
                    path=str(folder),
                ) from None
            try:
                download_gradio_file(
                    session.app_url,
                    filedata,
                    target,
                    token=session.token.value,
                    overwrite=True,
                    auth=session.login,
                )
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            local = str(target)
            with session.lock:
                session.downloads[server_path] = local
        filedata["local_path"] = local


def filedata_in(value: Any) -> list[dict[str, Any]]:
    """Every FileData in ``value``, nested lists and dicts included, in order."""
    if is_filedata(value):
        return [value]
    if isinstance(value, list):
        return [found for item in value for found in filedata_in(item)]
    if isinstance(value, dict):
        return [found for item in value.values() for found in filedata_in(item)]
    return []


def _claim(folder: Path, name: str) -> Path:
    """Create an empty file named ``name`` in ``folder`` (``name (2)``... if taken) and return it."""
    stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
    root = folder.resolve()
    for number in range(1, 10_000):
        candidate = root / (name if number == 1 else f"{stem} ({number}){dot}{suffix}")
        if candidate.resolve().parent != root:  # belt and braces: safe_file_name already forbids it
            raise PowershaiError(
                f"refusing to write {name!r} outside {root}", code="POWERSHAI_GRADIO_FILE_INVALID"
            )
        try:
            with candidate.open("x"):
                return candidate
        except FileExistsError:
            continue
    raise PowershaiError(f"no free name for {name!r} in {root}", code="POWERSHAI_GRADIO_FILE_EXISTS")
