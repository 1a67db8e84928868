"""Exceptions and the warning category of powershai-py.

Every error the library raises on purpose is a :class:`PowershaiError`. Its ``code`` is
the error code string of the original PowerShell module where one exists, spelled as the
original spells it (scripts match on these), and ``str(error)`` starts with that code.
Extra facts (HTTP status, URL, event id, an excerpt of a body) are kept in ``facts`` and
are also readable as attributes. Tokens are never stored in an error.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from types import FrameType
from typing import Any

__all__ = [
    "PowershaiError",
    "Advice",
    "PowershaiWarning",
    "HttpError",
    "AuthenticationRequired",
    "QueueFull",
    "ValidationError",
    "RedirectError",
    "ConnectionLost",
    "RequestTimeout",
    "ProtocolError",
    "EndpointNotFound",
    "InvalidEvent",
    "StreamLost",
    "PathNotFound",
    "excerpt",
]


def excerpt(text: str | bytes | None, limit: int = 300) -> str:
    """Return at most ``limit`` characters of ``text``, marking a cut with an ellipsis."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class Advice:
    """What to do about an error or a warning, said for each place it is read: in Python
    terms (``pass force=True``) and on the command line (``use --force``). It follows the
    message after a space; the CLI shows the ``shell`` wording, everything else the
    ``python`` one, so rewording a message never loses the CLI's advice (the CLI rewrote
    messages by substring before)."""

    python: str
    shell: str

    def after(self, message: str, shell: bool = False) -> str:
        return f"{message} {self.shell if shell else self.python}"


# A parameter left out where None would do: said by the session API and the proxies alike
NONE_IS_A_VALUE = Advice("(None is a value too)", "(-p NAME=null sends an empty value)")


class PowershaiError(Exception):
    """An error with a stable code, a readable message and the facts behind it.

    PowerShell equivalent: the errors thrown by the PowershAI cmdlets (``CODE: message``).
    ``advice`` (an :class:`Advice`) follows the message; :meth:`shell_message` is the
    message in the command line's words.
    """

    default_code = "POWERSHAI_ERROR"

    def __init__(
        self, message: str, *, code: str | None = None, advice: Advice | None = None, **facts: Any
    ) -> None:
        self.code = code or self.default_code
        self.advice = advice
        self.template = message
        self.message = advice.after(message) if advice else message
        self.facts = facts
        super().__init__(f"{self.code}: {self.message}")

    def shell_message(self) -> str:
        """The message as the command line says it (its advice in shell terms)."""
        return self.advice.after(self.template, shell=True) if self.advice else self.message

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not found normally: expose the facts.
        facts = self.__dict__.get("facts", {})
        if name in facts:
            return facts[name]
        raise AttributeError(name)

    def __reduce__(self):  # keep pickling (multiprocessing, pytest-xdist) working
        return (_rebuild, (type(self), self.template, self.code, self.advice, self.facts))


def _rebuild(cls, message, code, advice, facts):
    return cls(message, code=code, advice=advice, **facts)


class PowershaiWarning(UserWarning):
    """Category of every warning powershai-py emits (filter it with :mod:`warnings`).

    ``advice`` and :meth:`shell_message` as on :class:`PowershaiError`."""

    def __init__(self, message: str = "", advice: Advice | None = None) -> None:
        self.template = message
        self.advice = advice
        super().__init__(advice.after(message) if advice else message)

    def shell_message(self) -> str:
        return self.advice.after(self.template, shell=True) if self.advice else str(self)


_PACKAGE = __name__.split(".")[0]


def _ours(frame: FrameType) -> bool:
    name = str(frame.f_globals.get("__name__", ""))
    return name == _PACKAGE or name.startswith(_PACKAGE + ".")


def warn(message: str, advice: Advice | None = None) -> None:
    """Emit a :class:`PowershaiWarning` attributed to the user's own line.

    The warning names the first frame outside this package (the script, notebook cell or test
    that called us), however deep in the library it was raised, so ``warnings`` filters by
    module and the shown location are the caller's, not ours.
    """
    warnings.warn(PowershaiWarning(message, advice), stacklevel=_users_level())


def _users_level() -> int:
    """The ``stacklevel``, for the warning function that calls this, of the first frame
    outside this package."""
    frame: FrameType | None = sys._getframe(2)
    level = 2  # stacklevel 2 is the warning function's caller, the frame examined first
    while frame is not None and _ours(frame):
        frame, level = frame.f_back, level + 1
    return level


def deprecated(message: str) -> None:
    """Emit a :class:`DeprecationWarning` attributed to the user's own line (as :func:`warn`)."""
    warnings.warn(message, DeprecationWarning, stacklevel=_users_level())


def refuse_switch(
    value: Any, function: str, parameter: str, switch: str, code: str = "POWERSHAI_ARGUMENT_SWITCH"
) -> None:
    """Refuse a bool for ``parameter``, where the switch ``switch`` sat before it moved to the
    keywords: a PowerShell switch is never positional, and neither is ours."""
    if isinstance(value, bool):
        raise PowershaiError(
            f"{function}() got {value!r} for {parameter}, which takes no True/False; if you meant "
            f"the switch, write {switch}={value} (switches are keyword-only, as PowerShell's are "
            "never positional)",
            code=code,
            parameter=parameter,
        )


class HttpError(PowershaiError):
    """The server answered with an HTTP error status. Facts: ``status``, ``url``, ``body``."""

    default_code = "POWERSHAI_HTTP_ERROR"


class AuthenticationRequired(HttpError):
    """HTTP 401 or 403: the app needs a token or a login, or refused the one sent."""

    default_code = "POWERSHAI_HTTP_AUTH"


class QueueFull(HttpError):
    """HTTP 503 from ``/call``: the app's queue is full; nothing was submitted."""

    default_code = "POWERSHAI_GRADIO_QUEUEFULL"


class ValidationError(HttpError):
    """HTTP 422: the app's validator refused the input. Facts: ``errors``, a list of
    ``{"parameter": name, "message": text}``, one per refused parameter."""

    default_code = "POWERSHAI_GRADIO_VALIDATION"


class RedirectError(HttpError):
    """A redirect that was not allowed (``max_redirects=0``) or too many of them."""

    default_code = "HTTP_REDIRECT"


class ConnectionLost(PowershaiError):
    """The connection could not be made, or was cut before the answer was complete."""

    default_code = "POWERSHAI_HTTP_CONNECTION"


class RequestTimeout(PowershaiError):
    """The server did not answer (connect) or went silent (read) for longer than allowed."""

    default_code = "timeout"


class ProtocolError(PowershaiError):
    """The server sent something that does not follow the Gradio protocol."""

    default_code = "POWERSHAI_GRADIO_PROTOCOL"


class EndpointNotFound(PowershaiError):
    """The app has no endpoint of that name. Facts: ``api_name``, ``available``."""

    default_code = "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"


class InvalidEvent(PowershaiError):
    """An object that is not a Gradio API event was given where one is needed."""

    default_code = "POWERSHAI_HUGGINFACE_GRADIO_UPDATE_INVALIDEVENT"


class StreamLost(PowershaiError):
    """The event's stream was cut or timed out earlier; Gradio cannot replay it."""

    default_code = "POWERSHAI_GRADIO_STREAM_LOST"


class PathNotFound(PowershaiError):
    """A local file given for upload does not exist."""

    default_code = "PathNotFound"


class SessionNotFound(PowershaiError):
    """No stored session answers to that name, id or default. Facts: ``session``."""

    default_code = "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND"


class SessionExists(PowershaiError):
    """A session of that name exists already (pass ``force=True`` to replace it)."""

    default_code = "POWERSHAI_HUGGINGFACE_GRADIOSESSION"


class MaxCallsReached(PowershaiError):
    """The session holds its ``MaxCalls`` and its policy is ``error``. Facts: ``count``, ``limit``."""

    default_code = "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS"


class SessionBusy(PowershaiError):
    """A stateful session (or a call) is still used by another reader after the wait allowed."""

    default_code = "POWERSHAI_GRADIO_SESSION_BUSY"


class CallFailed(PowershaiError):
    """The app answered a call with an ``error`` event. Facts: ``api_name``, ``event_id``, ``error``."""

    default_code = "POWERSHAI_GRADIO_CALL_ERROR"


class QuotaExceeded(CallFailed):
    """The app (a ZeroGPU Space) refused the call: the caller's GPU quota is spent. Facts:
    ``retry_after`` (seconds the app says to wait, or None), and those of :class:`CallFailed`."""

    default_code = "POWERSHAI_GRADIO_QUOTA_EXCEEDED"


class CallCancelled(CallFailed):
    """The call was cancelled before it gave a result. Facts: ``api_name``, ``event_id``."""

    default_code = "POWERSHAI_GRADIO_CALL_CANCELLED"


class StillRunning(PowershaiError):
    """A call sent only heartbeats for ``settings.heartbeat_limit`` in a row; it may still finish."""

    default_code = "POWERSHAI_GRADIO_HEARTBEATEXPIRED"


class Unsupported(PowershaiError):
    """The app or its server cannot do what was asked (cancel a call without a ``/cancel``
    route, or one its ``/config`` does not list)."""

    default_code = "POWERSHAI_GRADIO_UNSUPPORTED"


class FileSaveError(PowershaiError):
    """A file could not be written on this machine (a full disk, a folder that cannot be
    created). Facts: ``path``. What was received stays on the call."""

    default_code = "POWERSHAI_GRADIO_FILE_SAVE"
