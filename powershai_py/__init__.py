"""powershai-py: drive Gradio apps from Python, the PowershAI way.

The public functions carry the names of PowershAI's cmdlets in snake_case
(``Send-GradioApi`` is :func:`send_gradio_api`). They are loaded on first use, so
``import powershai_py`` stays cheap; ``requests`` is imported only when a function that
needs it is first touched.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    # stateless Gradio calls
    "invoke_gradio_http": "powershai_py.gradio.info",
    "get_gradio_info": "powershai_py.gradio.info",
    "send_gradio_api": "powershai_py.gradio.calls",
    "update_gradio_api_result": "powershai_py.gradio.calls",
    "send_gradio_file": "powershai_py.gradio.files",
    "download_gradio_file": "powershai_py.gradio.files",
    # objects
    "GradioApiEvent": "powershai_py.gradio.models",
    "GradioApiEventResult": "powershai_py.gradio.models",
    "GradioInfo": "powershai_py.gradio.models",
    # settings
    "settings": "powershai_py.http",
    "resolve_token": "powershai_py.http",
    # errors
    "PowershaiError": "powershai_py.errors",
    "PowershaiWarning": "powershai_py.errors",
    "HttpError": "powershai_py.errors",
    "AuthenticationRequired": "powershai_py.errors",
    "QueueFull": "powershai_py.errors",
    "RedirectError": "powershai_py.errors",
    "ConnectionLost": "powershai_py.errors",
    "RequestTimeout": "powershai_py.errors",
    "ProtocolError": "powershai_py.errors",
    "EndpointNotFound": "powershai_py.errors",
    "InvalidEvent": "powershai_py.errors",
    "StreamLost": "powershai_py.errors",
    "PathNotFound": "powershai_py.errors",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # let type checkers and IDEs see the real objects
    from .errors import (  # noqa: F401
        AuthenticationRequired,
        ConnectionLost,
        EndpointNotFound,
        HttpError,
        InvalidEvent,
        PathNotFound,
        PowershaiError,
        PowershaiWarning,
        ProtocolError,
        QueueFull,
        RedirectError,
        RequestTimeout,
        StreamLost,
    )
    from .gradio.calls import send_gradio_api, update_gradio_api_result  # noqa: F401
    from .gradio.files import download_gradio_file, send_gradio_file  # noqa: F401
    from .gradio.info import get_gradio_info, invoke_gradio_http  # noqa: F401
    from .gradio.models import GradioApiEvent, GradioApiEventResult, GradioInfo  # noqa: F401
    from .http import resolve_token, settings  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'powershai_py' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
