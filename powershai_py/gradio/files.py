"""Files: uploads to an app, URLs of the files it serves, and downloads.

File URLs are always built here from the server path, ``{api root}/file=`` plus the
percent-encoded path; the ``url`` a server puts in its answers is not trusted (Gradio
4.44 sends broken ones).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ..errors import PathNotFound, PowershaiError, ProtocolError
from ..http import iter_body, request
from .app import app_layout
from .models import FILEDATA_TYPE, is_filedata

__all__ = [
    "file_url",
    "fix_file_urls",
    "local_files",
    "send_gradio_file",
    "download_gradio_file",
]

FileArg = str | os.PathLike[str]
FileArgs = FileArg | Sequence[FileArg]


def file_url(app_url: str, path: str) -> str:
    """The URL that serves the server file ``path`` (every character but ``A-Za-z0-9-._~`` encoded)."""
    return f"{app_url.rstrip('/')}/file=" + quote(path, safe="")


def fix_file_urls(value: Any, app_url: str) -> Any:
    """Rewrite the ``url`` of every FileData in ``value`` (nested lists and dicts too), in place.

    Returns ``value``. A FileData whose ``path`` is itself a URL is left alone.
    """
    if isinstance(value, list):
        for item in value:
            fix_file_urls(item, app_url)
    elif isinstance(value, dict):
        if is_filedata(value):
            path = value.get("path")
            if isinstance(path, str) and path and not re.match(r"https?://", path):
                value["url"] = file_url(app_url, path)
        else:
            for item in value.values():
                fix_file_urls(item, app_url)
    return value


def local_files(files: FileArgs) -> list[Path]:
    """Resolve local paths (``~`` and wildcards expanded) to existing files, in order.

    Raises :class:`PathNotFound` (the original's ``PathNotFound``) for a path that does
    not exist or a pattern that matches nothing, and for a directory.
    """
    items: list[Any] = list(files) if isinstance(files, (list, tuple)) else [files]
    found: list[Path] = []
    for item in items:
        path = Path(os.fspath(item)).expanduser()
        if path.exists():
            matches = [path]
        elif glob.has_magic(str(path)):
            matches = [Path(p) for p in sorted(glob.glob(str(path)))]
        else:
            matches = []
        if not matches:
            raise PathNotFound(f"cannot find the file {str(item)!r}: check the path", path=str(item))
        for match in matches:
            if not match.is_file():
                raise PathNotFound(f"{str(match)!r} is not a file: give files, not folders", path=str(match))
            found.append(match.resolve())
    return found


def send_gradio_file(
    app_url: Any,
    files: FileArgs,
    raw: bool = False,
    *,
    token: str | None = None,
) -> list[Any]:
    """Upload local files to an app in one request and return one FileData per file.

    PowerShell equivalent: ``Send-GradioFile -AppUrl URL -Files F [-Raw]``.

    Each FileData is ``{"orig_name", "path", "url", "meta": {"_type": "gradio.FileData"}}``,
    ready to pass as a file input. ``raw=True`` returns the server's list of paths.
    """
    paths = local_files(files)
    layout = app_layout(app_url, token)
    url = f"{layout.real_app_url}/upload"
    with ExitStack() as stack:
        parts = [
            ("files", (path.name, stack.enter_context(path.open("rb")), "application/octet-stream"))
            for path in paths
        ]
        response = request("POST", url, files=parts, token=token)
        answer = _json_list(response, url)
    if len(answer) != len(paths) or not all(isinstance(p, str) for p in answer):
        raise ProtocolError(
            f"{url} accepted {len(answer)} of {len(paths)} files; the app may not accept uploads",
            url=url,
        )
    if raw:
        return answer
    return [
        {
            "orig_name": local.name,
            "path": server_path,
            "url": file_url(layout.real_app_url, server_path),
            "meta": {"_type": FILEDATA_TYPE},
        }
        for local, server_path in zip(paths, answer, strict=True)
    ]


def _json_list(response: Any, url: str) -> list[Any]:
    try:
        answer = response.json()
    except ValueError:
        raise ProtocolError(f"{url} did not answer with JSON", url=url) from None
    if not isinstance(answer, list):
        raise ProtocolError(f"{url} answered {type(answer).__name__}, expected a list of paths", url=url)
    return answer


def download_gradio_file(
    app_url: Any,
    file: Any,
    destination: FileArg = ".",
    *,
    token: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Save a file that an app returned and give its local path.

    ``file`` is a FileData dict or a server path. ``destination`` is a folder (the file
    keeps its original name) or a file path. An existing file is kept unless
    ``overwrite``; the download is written to a temporary name and renamed when complete.
    """
    if isinstance(file, dict):
        server_path = file.get("path")
        name = file.get("orig_name")
    else:
        server_path, name = file, None
    if not isinstance(server_path, str) or not server_path:
        raise PowershaiError(
            "give a FileData dict (with a 'path') or a server path to download",
            code="POWERSHAI_GRADIO_FILE_INVALID",
        )
    if re.match(r"https?://", server_path):
        url = server_path
    else:
        url = file_url(app_layout(app_url, token).real_app_url, server_path)
    name = name or unquote(urlsplit(url).path).rsplit("/", 1)[-1] or "download"
    target = Path(os.fspath(destination)).expanduser()
    if target.is_dir():
        target = target / Path(name).name
    if target.exists() and not overwrite:
        raise PowershaiError(
            f"{str(target)!r} already exists: pass overwrite=True or another destination",
            code="POWERSHAI_GRADIO_FILE_EXISTS",
            path=str(target),
        )
    partial = target.with_name(target.name + ".part")
    response = request("GET", url, token=token, stream=True)
    try:
        with partial.open("wb") as out:
            for chunk in iter_body(response, f"GET {url}"):
                out.write(chunk)
        partial.replace(target)
    finally:
        response.close()
        partial.unlink(missing_ok=True)
    return target
