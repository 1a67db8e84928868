"""powershai-py: drive Gradio apps from Python, the PowershAI way.

Each function is a PowershAI cmdlet in snake_case, with its parameters and their meaning
(session ``"."`` is the default one, token ``"public"`` sends none). Functions load on first
use, so ``import powershai_py`` stays cheap. ``help(powershai_py.NAME)`` documents each.

Stateless calls            PowerShell
    invoke_gradio_http          Invoke-GradioHttp
    get_gradio_info             Get-GradioInfo
    send_gradio_api             Send-GradioApi
    update_gradio_api_result    Update-GradioApiResult
    iter_gradio_api_result      Update-GradioApiResult, each result as it arrives
    stop_gradio_api             (new) cancel a call on the server
    send_gradio_file            Send-GradioFile
    download_gradio_file        (new) save a file result

Sessions
    new_gradio_session          New-GradioSession
    get_gradio_session          Get-GradioSession NAME (one session)
    get_gradio_sessions         Get-GradioSession [PATTERN] [-Like] (a list)
    set_gradio_session          Set-GradioSession
    remove_gradio_session       Remove-GradioSession
    send_gradio_session_files   Send-GradioSessionFiles
    invoke_gradio_session_api   Invoke-GradioSessionApi
    update_gradio_session_api_result  Update-GradioSessionApiResult
    iter_gradio_session_api_result    the same, each result as it arrives
    get_gradio_session_api      Get-GradioSessionApi
    remove_gradio_session_api   Remove-GradioSessionApi
    stop_gradio_session_api     Stop-GradioSessionApi (new)
    map_gradio_session_api      (new) one endpoint over many inputs: retries, quotas, a journal

One function per endpoint
    new_gradio_session_api_proxy_function  New-GradioSessionApiProxyFunction
    gradio_api_function         GradioApiFunction (its alias)
    get_gradio_session_api_proxy_function  Get-GradioSessionApiProxyFunction
    remove_gradio_session_api_proxy_function  Remove-GradioSessionApiProxyFunction
    invoke_gradio_dynamic_api   Invoke-GradioDynamicApi
    convert_gradio_param_powershell  Convert-GradioParamPowershell
    gradio_param_type           (new) the Python type of a parameter

Hugging Face
    get_hugging_face_space (get_hf_space), wait_hugging_face_space (wait_hf_space),
    start_hugging_face_space, connect_hugging_face_space_gradio (connect_hf_space_gradio),
    wake_gradio_session (a Space's session: wake it and wait; a batch's wake=),
    invoke_hugging_face_hub (invoke_hf_hub), get_hugging_face_whoami (get_hf_whoami,
    get_hf_me), set_hugging_face_token (set_hf_token)

Objects: BatchResult, GradioSession, SessionApiEvent, GradioApiEvent, GradioApiEventResult, QueueStatus,
GradioInfo, ProxyResult, PipelineResult, HuggingFaceSpace. Limits and defaults: ``settings``;
``resolve_token`` tells which token a call would send. ``Client(store=..., token=..., **settings)``
is an independent configuration whose methods are these functions (the functions use a default one).

Errors. Every error is a PowershaiError (from powershai_py.errors); ``error.code`` is the
original's code string (scripts match on it), ``error.facts`` what is known, and
``str(error)`` is ``CODE: message``. Warnings are PowershaiWarning.

    PowershaiError          any error of this library (code POWERSHAI_ERROR, or a specific one)
    HttpError               an HTTP status the call cannot use (status, url, body)
    AuthenticationRequired  401/403: a token or a login is needed, or was refused
    QueueFull               the app's queue is full (503); try later
    ValidationError         the app's validator refused a parameter (422)
    RedirectError           too many redirects, or a redirect where none is allowed
    ConnectionLost          the connection was cut, or a stream ended before its result
    RequestTimeout          silence or a deadline ran out (code "timeout")
    ProtocolError           the server sent something Gradio does not send
    EndpointNotFound        no such endpoint (the app's endpoints are listed)
    InvalidEvent            an event id or call object that cannot be used
    StreamLost              a stream that cannot be read again (Gradio does not replay)
    PathNotFound            a local file that does not exist
    SessionNotFound         no session of that name (or no default one)
    SessionExists           a session of that name exists (force=True replaces it)
    MaxCallsReached         the session's MaxCalls limit, under policy "error"
    SessionBusy             another reader holds the call, past settings.lock_timeout
    CallFailed              the app answered with an error event (its text in the message)
    QuotaExceeded           a ZeroGPU Space's GPU quota is spent (retry_after: seconds to wait)
    CallCancelled           the call was cancelled before it gave a result
    StillRunning            only heartbeats for a long while; read again to keep waiting
    Unsupported             the app or its server cannot do it (cancel without /cancel)
    FileSaveError           a file could not be written here (disk full, no folder)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from ._exports import EXPORTS as _EXPORTS

# What `from powershai_py import *` brings: the functions and settings, and the objects and
# exceptions a caller checks or catches (`except PowershaiError` works after a star import).
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # let type checkers and IDEs see the real objects
    from .errors import (  # noqa: F401
        AuthenticationRequired,
        CallCancelled,
        CallFailed,
        ConnectionLost,
        EndpointNotFound,
        FileSaveError,
        HttpError,
        InvalidEvent,
        MaxCallsReached,
        PathNotFound,
        PowershaiError,
        PowershaiWarning,
        ProtocolError,
        QueueFull,
        QuotaExceeded,
        RedirectError,
        RequestTimeout,
        SessionBusy,
        SessionExists,
        SessionNotFound,
        StillRunning,
        StreamLost,
        Unsupported,
        ValidationError,
    )
    from .gradio.batch.runner import BatchResult, map_gradio_session_api  # noqa: F401
    from .gradio.protocol.calls import send_gradio_api  # noqa: F401
    from .gradio.protocol.files import download_gradio_file, send_gradio_file  # noqa: F401
    from .gradio.protocol.info import invoke_gradio_http  # noqa: F401
    from .gradio.protocol.models import (  # noqa: F401
        GradioApiEvent,
        GradioApiEventResult,
        GradioInfo,
        GradioSession,
        QueueStatus,
        SessionApiEvent,
    )
    from .gradio.protocol.results import (  # noqa: F401
        iter_gradio_api_result,
        stop_gradio_api,
        update_gradio_api_result,
    )
    from .gradio.proxies.param_types import convert_gradio_param_powershell, gradio_param_type  # noqa: F401
    from .gradio.proxies.proxy import (  # noqa: F401
        get_gradio_session_api_proxy_function,
        gradio_api_function,
        new_gradio_session_api_proxy_function,
        remove_gradio_session_api_proxy_function,
    )
    from .gradio.proxies.proxy_call import invoke_gradio_dynamic_api  # noqa: F401
    from .gradio.proxies.proxy_result import PipelineResult, ProxyResult  # noqa: F401
    from .gradio.sessions.session_calls import (  # noqa: F401
        get_gradio_session_api,
        invoke_gradio_session_api,
        iter_gradio_session_api_result,
        remove_gradio_session_api,
        stop_gradio_session_api,
        update_gradio_session_api_result,
    )
    from .gradio.sessions.session_files import send_gradio_session_files  # noqa: F401
    from .gradio.sessions.sessions import (  # noqa: F401
        get_gradio_info,
        get_gradio_session,
        get_gradio_sessions,
        new_gradio_session,
        remove_gradio_session,
        set_gradio_session,
    )
    from .http import resolve_token, settings  # noqa: F401
    from .hub import (  # noqa: F401
        HuggingFaceSpace,
        connect_hf_space_gradio,
        connect_hugging_face_space_gradio,
        get_hf_me,
        get_hf_space,
        get_hf_whoami,
        get_hugging_face_space,
        get_hugging_face_whoami,
        invoke_hf_hub,
        invoke_hugging_face_hub,
        set_hf_token,
        set_hugging_face_token,
        start_hugging_face_space,
        wait_hf_space,
        wait_hugging_face_space,
        wake_gradio_session,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'powershai_py' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    """The public API only (no typing helpers or loader internals)."""
    return [*sorted(_EXPORTS), "__version__"]
