"""Stateless calls to Gradio apps (the Send-GradioApi family of cmdlets)."""

from .calls import send_gradio_api, update_gradio_api_result
from .files import download_gradio_file, send_gradio_file
from .info import get_gradio_info, invoke_gradio_http
from .models import GradioApiEvent, GradioApiEventResult, GradioInfo

__all__ = [
    "invoke_gradio_http",
    "send_gradio_file",
    "download_gradio_file",
    "send_gradio_api",
    "update_gradio_api_result",
    "get_gradio_info",
    "GradioApiEvent",
    "GradioApiEventResult",
    "GradioInfo",
]
