"""Exit codes: one table from the library's error classes to the codes the README documents,
and the command line's words for the advice library messages give in Python terms.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
from ..errors import (
    CallFailed,
    ConnectionLost,
    EndpointNotFound,
    FileSaveError,
    HttpError,
    InvalidEvent,
    PowershaiError,
    ProtocolError,
    RequestTimeout,
    SessionBusy,
    SessionNotFound,
    StillRunning,
    StreamLost,
    Unsupported,
    ValidationError,
)

if TYPE_CHECKING:
    pass


STORE_ENV = "POWERSHAI_PY_STORE"  # also in gradio/sqlite_store.py
PASSWORD_ENV = "POWERSHAI_PY_PASSWORD"  # the password of --auth USER


EXIT_CODES = {
    "ok": 0,
    "app_error": 1,
    "usage": 2,
    "connection": 3,
    "not_found": 4,
    "internal": 5,
    "local_file": 6,
    "interrupted": 130,
}


# The dynamic API names itself in its messages as a Python call; the shell calls it 'call'
_DYNAMIC_CALL = re.compile(r"invoke_gradio_dynamic_api\('([^']*)'\)")


def cli_words(said: Any) -> str:
    """An error or warning of the library as the command line says it: the advice it carries
    in shell terms (:class:`~powershai_py.errors.Advice`), ``CODE: `` before an error."""
    if isinstance(said, PowershaiError):
        text = f"{said.code}: {said.shell_message()}"
    else:
        shell = getattr(said, "shell_message", None)
        text = shell() if callable(shell) else str(said)
    return _DYNAMIC_CALL.sub(r"'powershai-py call \1'", text)


# The exit code of each kind of library error: the first class the error is an instance of
# gives it (a class before its bases). tests/test_trust.py checks the README's table against it.
ERROR_EXITS: tuple[tuple[type[PowershaiError], str], ...] = (
    (ValidationError, "usage"),  # an HttpError, but the app refused the input: bad input
    (CallFailed, "app_error"),  # CallCancelled too
    (SessionNotFound, "not_found"),
    (EndpointNotFound, "not_found"),
    (InvalidEvent, "not_found"),
    (FileSaveError, "local_file"),
    (HttpError, "connection"),  # AuthenticationRequired, QueueFull, RedirectError too
    (ConnectionLost, "connection"),
    (RequestTimeout, "connection"),
    (ProtocolError, "connection"),
    (StreamLost, "connection"),
    (StillRunning, "connection"),
    (SessionBusy, "connection"),
    (Unsupported, "connection"),
    (PowershaiError, "usage"),  # PathNotFound, SessionExists, MaxCallsReached, the rest
)


def exit_code_for(error: PowershaiError) -> int:
    """The documented exit code of a library error (see :data:`ERROR_EXITS`)."""
    kind = next(kind for cls, kind in ERROR_EXITS if isinstance(error, cls))
    return EXIT_CODES[kind]
