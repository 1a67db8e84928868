"""``upload`` and ``download``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
import powershai_py as ps

from ..errors import (
    FileSaveError,
    InvalidEvent,
    PowershaiError,
)

if TYPE_CHECKING:
    pass
from .app import (
    json_option,
    main,
    open_store,
    resolve,
)
from .completion import complete_event_id, session_option
from .terminal import (
    Progress,
    emit,
)

# --- files -------------------------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@session_option
@json_option
@click.pass_context
def upload(ctx: click.Context, paths: tuple[str, ...], session_ref: str, as_json: bool) -> None:
    """Upload local files to the session's app and print their FileData.

    \b
    Example:
      powershai-py upload notes.txt picture.png
    """
    open_store(ctx)
    progress = Progress()
    progress.show(f"uploading {len(paths)} file(s)...")
    try:
        sent = ps.send_gradio_session_files(list(paths), resolve(session_ref))
    finally:
        progress.clear()
    emit(sent, as_json, ["orig_name", "path"], [[f.get("orig_name"), f.get("path")] for f in sent])


@main.command()
@click.argument("event_id", shell_complete=complete_event_id)
@session_option
@click.option(
    "-d",
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="The folder to save into (default: here).",
)
@click.option("--overwrite", is_flag=True, help="Replace files that exist.")
@json_option
@click.pass_context
def download(
    ctx: click.Context, event_id: str, session_ref: str, dest: Path, overwrite: bool, as_json: bool
) -> None:
    """Save the files a call returned (its last result) into a folder.

    \b
    Example:
      powershai-py download 3f2a9c... --dest out/
    """
    open_store(ctx)
    owner = resolve(session_ref)
    found = [c for c in ps.get_gradio_session_api(owner) if c.id == event_id]
    if not found:
        raise InvalidEvent(
            f"Event with id {event_id} not found in session {owner.name!r}",
            code="POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
        )
    from ..gradio.sessions.session_files import filedata_in

    files = filedata_in(found[0].last_data)
    if not files:
        raise PowershaiError(
            f"the last result of {event_id} holds no file (read it first with 'update')",
            code="POWERSHAI_GRADIO_FILE_INVALID",
        )
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = exc.strerror or exc
        raise FileSaveError(f"cannot create the folder {str(dest)!r}: {why}", path=str(dest)) from None
    saved = [
        str(ps.download_gradio_file(owner.app_url, f, dest, overwrite=overwrite, auth=owner.login))
        for f in files
    ]
    emit(saved, as_json, ["saved"], [[path] for path in saved])
