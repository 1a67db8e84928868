"""Exit codes: one table from the library's error classes to the codes the README documents,
and the command line's words for the advice library messages give in Python terms.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

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


# C0 and C1 control characters, DEL, and the bidirectional overrides that can reorder text

CLI_WORDS = (
    ("pass auth=(user, password) (CLI: --auth USER)", "use --auth USER"),
    ("pass token=..., or set HF_TOKEN", "use --token, or set HF_TOKEN"),
    ("or pass force=True to replace it", "or use --force to replace it"),
    ("pass overwrite=True or another destination", "use --overwrite, or another --dest"),
    ("open one with new_gradio_session, or choose one with set_gradio_session(name, default=True)",
     "open one with 'powershai-py session new URL', or choose one with 'powershai-py session set NAME "
     "--default'"),
    ("remove_gradio_session_api('clean'), or raise the limit or change the policy with "
     "set_gradio_session(max_calls=..., max_calls_policy=...)",
     "'powershai-py calls remove clean', or raise the limit or change the policy with "
     "'powershai-py session set NAME --max-calls N --policy error|warning|remove'"),
    ("see 'calls list' or get_gradio_session_api for the ids", "see 'powershai-py calls list' for the ids"),
    ("(see get_gradio_session_api)", "(see 'powershai-py calls list')"),
    ("(None is a value too)", "(-p NAME=null sends an empty value)"),
    ("Remove finished calls with remove_gradio_session_api('clean')",
     "Remove finished calls with 'powershai-py calls remove clean'"),
    ("Open it without stateful=True, or with transport 'auto' or 'queue'",
     "Open it without --stateful, or with --transport auto or queue"),
)  # fmt: skip


_DYNAMIC_CALL = re.compile(r"invoke_gradio_dynamic_api\('([^']*)'\)")


def cli_words(message: str) -> str:
    """``message`` with the Python advice of the library said in the command line's words."""
    for python, shell in CLI_WORDS:
        message = message.replace(python, shell)
    return _DYNAMIC_CALL.sub(r"'powershai-py call \1'", message)


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
