"""Tokens and their origins: which token a call sends (explicit, the client's default, the
environment, or none for "public") and the (scheme, host, port) it belongs to.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import (
    PowershaiError,
)
from ..state import SettingsView, current

logger = logging.getLogger("powershai_py")

PUBLIC = "public"
"""The token value that means: send no token at all."""

TOKEN_ENV_VARS = ("HF_API_TOKEN", "HF_TOKEN")


settings: Any = SettingsView()  # the active client's settings (see state.py)


def resolve_token(token: str | None = None) -> str | None:
    """Return the token to send, or None to send none.

    PowerShell equivalent: ResolveHuggingFaceToken, with "public" honoured (D-1).

    Surrounding blanks and line ends (``$(cat token.txt)``) are stripped. A token with a
    control character inside is refused; the error never shows the token.
    """
    if token is not None and not isinstance(token, str):
        raise PowershaiError(
            f"a token must be a string, not {type(token).__name__}",
            code="POWERSHAI_TOKEN_INVALID",
        )
    if token and token.strip():
        value = token.strip()
        return None if value.lower() == PUBLIC else _checked_token(value, "the token given")
    if current().token:
        return current().token
    for name in TOKEN_ENV_VARS:
        value = (os.environ.get(name) or "").strip()
        if value:
            return _checked_token(value, f"the token in ${name}")
    return None


def set_default_token(token: str | None) -> None:
    """Use ``token`` when a call gives none, before the environment's (None clears it).

    Kept in the active client's memory only (the default one outside any client): never
    written anywhere, never shown.
    """
    if token is None or not str(token).strip():
        current().token = None
        return
    if not isinstance(token, str):
        raise PowershaiError(
            f"a token must be a string, not {type(token).__name__}", code="POWERSHAI_TOKEN_INVALID"
        )
    current().token = _checked_token(token.strip(), "the token given")


def _checked_token(value: str, where: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise PowershaiError(
            f"{where} contains a control character (a line break or a tab inside it); "
            "give the token on one line, without control characters",
            code="POWERSHAI_TOKEN_INVALID",
        )
    return value


def origin_of(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, with the default port filled in: what a token belongs to."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        raise invalid_url(url) from None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def invalid_url(url: str) -> PowershaiError:
    return PowershaiError(
        f"{url!r} is not a usable URL: give http(s)://host[:port][/path]",
        code="POWERSHAI_HTTP_INVALIDURL",
        url=url,
    )


METHOD = re.compile(r"[A-Za-z]+")
