"""Files: uploads to an app, URLs of the files it serves, and downloads.

File URLs are always built here from the server path, ``{api root}/file=`` plus the
percent-encoded path; the ``url`` a server puts in its answers is not trusted (Gradio
4.44 sends broken ones).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ...errors import Advice, FileSaveError, PathNotFound, PowershaiError, ProtocolError, excerpt
from ...http import iter_body, origin_of, request, settings
from .app import app_layout, is_url, normalize_url
from .login import login_for
from .models import FILEDATA_TYPE, is_filedata

__all__ = [
    "file_url",
    "fix_file_urls",
    "local_files",
    "send_gradio_file",
    "download_gradio_file",
    "safe_file_name",
    "MultipartFiles",
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
            if isinstance(path, str) and path and not is_url(path):
                value["url"] = file_url(app_url, path)
        else:
            for item in value.values():
                fix_file_urls(item, app_url)
    return value


# Characters refused in a file name on Windows or meaningful to shells; replaced by "_".
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


NAME_BYTES = 240
"""The longest file name we write, in UTF-8 bytes: 255 (what file systems take) less room for
a `` (NNNN)`` that makes a name unique and the ``.part`` of a download under way."""


def safe_file_name(name: Any, fallback: str = "download") -> str:
    """A file name that cannot leave its folder: no separators, no ``..``, nothing unprintable.

    Keeps the last path segment of ``name``, replaces characters that Windows or a shell
    would misread, trims dots and blanks at the ends, avoids device names, and shortens it
    to :data:`NAME_BYTES` UTF-8 bytes, keeping its extension. Gives ``fallback`` when
    nothing usable is left.
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text)
    text = "".join(ch for ch in text if ch.isprintable()).strip(" .")
    if _RESERVED.match(text):
        text = "_" + text
    return _shorten(text, NAME_BYTES).strip(" .") or fallback


def _shorten(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes on a character boundary, its extension kept."""
    if len(name.encode("utf-8", "surrogatepass")) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode("utf-8", "surrogatepass")) > 16:
        stem, extension = name, ""
    tail = "." + extension if extension else ""
    budget = limit - len(tail.encode("utf-8", "surrogatepass"))
    cut = stem.encode("utf-8", "surrogatepass")[:budget].decode("utf-8", "ignore")
    return cut.rstrip(" .") + tail


def local_files(files: FileArgs) -> list[Path]:
    """Resolve local paths (``~`` and wildcards expanded) to existing files, in order.

    Raises :class:`PathNotFound` (the original's ``PathNotFound``) for a path that does
    not exist or a pattern that matches nothing, and for a directory.
    """
    items: list[Any] = list(files) if isinstance(files, (list, tuple)) else [files]
    found: list[Path] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)) or not str(item).strip():
            raise PowershaiError(
                f"cannot upload {type(item).__name__} {excerpt(repr(item), 60)}: give a local path "
                "(a str or pathlib.Path), or a list of them",
                code="POWERSHAI_GRADIO_FILE_INVALID",
            )
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
            try:
                match.open("rb").close()  # unreadable files are reported before any request
            except OSError as exc:
                raise PathNotFound(
                    f"cannot read {str(match)!r} ({exc.strerror or exc}): check its permissions",
                    path=str(match),
                ) from None
            found.append(match.resolve())
    return found


class MultipartFiles:
    """A ``multipart/form-data`` body that reads each file from disk while it is sent.

    requests would read whole files into memory to build the body; this one yields
    64 KiB at a time and knows its length, so the request has a ``Content-Length``.
    """

    CHUNK = 1 << 16

    def __init__(self, field: str, paths: list[Path]) -> None:
        self.boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self.parts: list[tuple[bytes, Path, int]] = []
        for path in paths:
            name = path.name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
            head = (
                f"--{self.boundary}\r\n"
                f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            self.parts.append((head, path, path.stat().st_size))
        self.tail = f"--{self.boundary}--\r\n".encode()

    def __len__(self) -> int:
        return sum(len(head) + size + 2 for head, _, size in self.parts) + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        for head, path, _ in self.parts:
            yield head
            with path.open("rb") as handle:
                while chunk := handle.read(self.CHUNK):
                    yield chunk
            yield b"\r\n"
        yield self.tail


def send_gradio_file(
    app_url: Any,
    files: FileArgs,
    *,
    raw: bool = False,
    token: str | None = None,
    auth: Any = None,
) -> list[Any]:
    """Upload local files to an app in one request and return one FileData per file.

    PowerShell equivalent: ``Send-GradioFile -AppUrl URL -Files F [-Raw]``.

    Each FileData is ``{"orig_name", "path", "url", "meta": {"_type": "gradio.FileData"}}``,
    ready to pass as a file input. ``raw=True`` returns the server's list of paths.
    """
    paths = local_files(files)
    credentials = login_for(app_url, auth)
    layout = app_layout(app_url, token, credentials=credentials)
    url = f"{layout.real_app_url}/upload"
    body = MultipartFiles("files", paths)
    response = request(
        "POST",
        url,
        data=body,
        headers={"Content-Type": body.content_type},
        token=token,
        credentials=credentials,
    )
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
    auth: Any = None,
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
    name = safe_file_name(name or unquote(urlsplit(server_path.strip()).path).rsplit("/", 1)[-1])
    target = Path(os.fspath(destination)).expanduser()
    if target.is_dir():
        target = target / name  # a server-sent name never leaves the folder
    elif str(destination).endswith(("/", os.sep)) or not target.parent.is_dir():
        folder = target if str(destination).endswith(("/", os.sep)) else target.parent
        raise PowershaiError(
            f"the folder {str(folder)!r} does not exist: create it, or give an existing folder",
            code="POWERSHAI_GRADIO_FILE_NOFOLDER",
            path=str(folder),
        )
    if target.exists() and not overwrite:
        raise PowershaiError(
            f"{str(target)!r} already exists:",
            advice=Advice("pass overwrite=True or another destination", "use --overwrite, or another --dest"),
            code="POWERSHAI_GRADIO_FILE_EXISTS",
            path=str(target),
        )
    if is_url(server_path):
        url = server_path.strip()
    else:
        url = file_url(
            app_layout(app_url, token, credentials=login_for(app_url, auth)).real_app_url, server_path
        )
    # The token belongs to the app: a file on another origin is fetched without it.
    owner = _app_origin(app_url)
    response = request(
        "GET", url, token=token, token_origin=owner, stream=True, credentials=login_for(app_url, auth)
    )
    partial: str | None = None  # a new file of ours beside the target, renamed when complete
    try:
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".powershai-", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            for chunk in iter_body(response, f"GET {url}", deadline=settings.download_deadline):
                out.write(chunk)
        os.replace(partial, target)
        partial = None
    except OSError as exc:
        raise FileSaveError(
            f"cannot save {url} as {str(target)!r}: {exc.strerror or exc}",
            path=str(target),
        ) from None
    finally:
        response.close()
        if partial is not None:
            with contextlib.suppress(OSError):
                os.unlink(partial)
    return target


def fetch_bytes(
    url: str,
    app_url: str,
    token: str | None,
    credentials: Any,
    limit: int,
    *,
    deadline: float | None = None,
    redirects: bool = True,
) -> bytes | None:
    """The body of a file URL of the app at ``app_url`` (its credentials go to its origin only),
    or None when it is larger than ``limit`` bytes. For showing a result, not for saving one.
    ``deadline`` bounds the whole body (default ``settings.download_deadline``); with
    ``redirects=False`` a redirect is an error, not followed."""
    response = request(
        "GET",
        url,
        token=token,
        token_origin=_app_origin(app_url),
        stream=True,
        credentials=credentials,
        max_redirects=None if redirects else 0,
        timeout=None if deadline is None else (min(settings.connect_timeout, deadline), deadline),
        deadline=deadline,
    )
    try:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return None
        content = bytearray()
        for chunk in iter_body(response, f"GET {url}", deadline=deadline or settings.download_deadline):
            content += chunk
            if len(content) > limit:
                return None
        return bytes(content)
    finally:
        response.close()


def same_origin(url: str, app_url: str) -> bool:
    """True when ``url`` has the scheme, host and port of the app at ``app_url`` (pure)."""
    try:
        return origin_of(url) == origin_of(_app_origin(app_url))
    except PowershaiError:
        return False


def _app_origin(app_url: Any) -> str:
    """The app's URL, whose origin the token belongs to; a marker no URL matches when it has none."""
    try:
        return normalize_url(app_url)
    except PowershaiError:
        return "invalid://no-origin"
