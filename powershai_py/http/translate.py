"""What went wrong, as the library's errors: HTTP statuses (with their advice), Gradio's
validation answers, and requests' and urllib3's exceptions.
"""

from __future__ import annotations

import json
import re
import socket

import requests
import urllib3

from ..errors import (
    Advice,
    AuthenticationRequired,
    ConnectionLost,
    HttpError,
    PowershaiError,
    QueueFull,
    RequestTimeout,
    ValidationError,
    excerpt,
)
from .deadlines import (
    under_way,
)
from .tokens import (
    invalid_url,
    settings,
)


def _deadline_words() -> str:
    """The deadline of the calling thread's request, named as the user can change it."""
    budget = getattr(under_way, "budget", None)
    if budget is None or budget == settings.request_deadline:
        return f"settings.request_deadline ({settings.request_deadline:g} s)"
    return f"its own deadline ({budget:g} s)"


def deadline_error(method: str, url: str) -> RequestTimeout:
    return RequestTimeout(
        f"{method} {url}: no complete answer within {_deadline_words()}; the server is sending too slowly",
        url=url,
        kind="deadline",
    )


def http_error(response: requests.Response, method: str) -> HttpError:
    """Build the error for an HTTP error response (and close it)."""
    connection = getattr(response.raw, "connection", None)
    try:
        body = response.raw.read(4096, decode_content=True)
    except Exception:  # the body is only for the message; a broken one must not hide the status
        body = b""
    finally:
        # Drop the connection rather than pool it: servers often close it after an error
        # (uvicorn does after a 500), and a pooled dead connection fails the next request.
        if connection is not None:
            connection.close()
        response.close()
    status = response.status_code
    text = excerpt(body)
    cls: type[HttpError] = HttpError
    advice = None
    if status in (401, 403):
        cls = AuthenticationRequired
        if "not authenticated" in text.lower():  # what Gradio answers for an app launched with auth=
            advice = Advice(
                "The app is behind a Gradio login: pass auth=(user, password).",
                "The app is behind a Gradio login: use --auth USER.",
            )
        else:
            advice = Advice(
                "The app needs a token: pass token=..., or set HF_TOKEN (a private Space).",
                "The app needs a token: use --token, or set HF_TOKEN (a private Space).",
            )
    elif status == 503 and "queue" in text.lower():
        cls = QueueFull
        advice = Advice(
            "The app's queue is full; try again later.", "The app's queue is full; try again later."
        )
    elif status == 422:
        refused = _validation_errors(body)
        if refused:
            listing = "; ".join(f"{e['parameter']}: {e['message']}" for e in refused)
            return ValidationError(
                f"the app refused the input ({listing}): fix the values and call again",
                status=status,
                url=response.url,
                body=text,
                errors=refused,
            )
    message = f"{method} {response.url} failed with HTTP {status}: {text or response.reason}."
    return cls(message, status=status, url=response.url, body=text, advice=advice)


def _validation_errors(body: bytes) -> list[dict[str, str]]:
    """``[{"parameter", "message"}]`` from the 422 answer of a Gradio validator (empty when it is not one)."""
    try:
        detail = json.loads(body.decode("utf-8", "replace")).get("detail")
    except (ValueError, AttributeError):
        return []
    if not isinstance(detail, list):
        return []
    return [
        {"parameter": str(item.get("parameter_name") or ""), "message": str(item.get("message") or "")}
        for item in detail
        if isinstance(item, dict) and item.get("is_valid") is False
    ]


def translate(
    exc: requests.exceptions.RequestException, method: str, url: str, past_deadline: bool = False
) -> PowershaiError:
    what = f"{method} {url}"
    if past_deadline:
        return deadline_error(method, url)
    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", None)
    if isinstance(inner, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
        return ConnectionLost(f"{what}: cannot connect ({reason_of(exc)})", url=url)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(
        inner, urllib3.exceptions.ConnectTimeoutError
    ):
        return RequestTimeout(f"{what}: no connection within the connect timeout", url=url, kind="connect")
    if isinstance(exc, requests.exceptions.ReadTimeout) or isinstance(
        inner, (urllib3.exceptions.ReadTimeoutError, TimeoutError, socket.timeout)
    ):
        return RequestTimeout(
            f"{what}: the server sent nothing within the read timeout", url=url, kind="read"
        )
    if isinstance(exc, requests.exceptions.InvalidHeader):
        # requests quotes the header value, which may be the token: never repeat it
        return PowershaiError(
            f"{what}: a header value is not valid (blanks or control characters around or inside it)",
            code="POWERSHAI_HTTP_INVALIDHEADER",
            url=url,
        )
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return invalid_url(url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ConnectionLost(f"{what}: the connection failed ({reason_of(exc)})", url=url)
    return ConnectionLost(f"{what}: {reason_of(exc)}", url=url)


# urllib3 names the connection object in its texts: "_DeadlineConnection(host='h', port=1): "
# or "<...Connection object at 0x7f...>: "; the reader needs the reason after it.
_CONNECTION_NAME = re.compile(r"<?\w*Connection(?: object at 0x[0-9a-fA-F]+>|\(host='[^']*', port=\d+\)): ")


def reason_of(exc: BaseException) -> str:
    """Why a request failed, in urllib3's words without its internal object names."""
    inner = exc.args[0] if exc.args else exc
    reason = getattr(inner, "reason", None)
    return _CONNECTION_NAME.sub("", str(reason or inner))
