"""Logins to Gradio apps launched with ``auth=``: a cookie per app and user, shared by threads.

PowerShell equivalent: none (PowershAI cannot open such apps). ``POST {app}/login`` with the
user and password sets Gradio's access cookie; every later request to the app's origin carries
it (:func:`powershai_py.http.request` adds it, and only there), and a 401 logs in once more.
The password and the cookie are never shown in a repr, a log line or an error, and never stored.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from ...errors import AuthenticationRequired, HttpError, PowershaiError, ProtocolError
from ...http import request
from ...state import current
from .app import normalize_url
from .models import Secret

__all__ = ["GradioLogin", "login_for"]

_lock = threading.Lock()


class GradioLogin:
    """A user's login to one app. ``renew()`` logs in; ``cookie_header()`` is what requests send."""

    def __init__(self, app_url: str, user: str, password: str) -> None:
        root = normalize_url(app_url)
        parts = urlsplit(root)
        path = parts.path.rstrip("/")
        if path.endswith("/gradio_api"):  # the login lives at the app's root, not under its API
            path = path[: -len("/gradio_api")]
        self.origin = root
        self.login_url = f"{parts.scheme}://{parts.netloc}{path}/login"
        self.user = user
        self._password = Secret(password)
        self._cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GradioLogin(user={self.user!r}, app={self.origin!r})"

    def cookie_header(self) -> str | None:
        """The ``Cookie`` header for the app (logging in first if nobody has yet)."""
        with self._lock:
            if not self._cookies:
                self._login()
            return "; ".join(f"{name}={value}" for name, value in self._cookies.items()) or None

    def renew(self) -> None:
        """Log in again (the app answered 401: the cookie expired or the app restarted)."""
        with self._lock:
            self._login()

    def _login(self) -> None:
        response = request(
            "POST",
            self.login_url,
            data={"username": self.user, "password": self._password.value or ""},
            token="public",
            raise_for_status=False,
            max_redirects=0,
        )
        if response.status_code in (400, 401, 403):
            raise AuthenticationRequired(
                f"{self.login_url} refused the login of user {self.user!r} (HTTP {response.status_code}): "
                "check the user and the password",
                status=response.status_code,
                url=self.login_url,
            )
        if response.status_code >= 400:
            raise HttpError(
                f"{self.login_url} answered HTTP {response.status_code} to the login: is this a Gradio app "
                "launched with auth=...?",
                code="POWERSHAI_GRADIO_LOGIN",
                url=self.login_url,
                status=response.status_code,
            )
        cookies = {cookie.name: cookie.value or "" for cookie in response.cookies}
        if not cookies:
            raise ProtocolError(
                f"{self.login_url} accepted the login but set no cookie: the app may not need one",
                code="POWERSHAI_GRADIO_LOGIN",
                url=self.login_url,
            )
        self._cookies = cookies


def login_for(app_url: Any, auth: Any) -> GradioLogin | None:
    """The login for ``auth``: ``None``, a :class:`GradioLogin`, ``(user, password)`` or
    ``"user:password"``. Logins are kept per app, user and password, so stateless calls with the
    same ``auth`` share one cookie."""
    if auth is None or isinstance(auth, GradioLogin):
        return auth
    if isinstance(auth, str) and ":" in auth:
        auth = tuple(auth.split(":", 1))
    if not (isinstance(auth, (tuple, list)) and len(auth) == 2 and all(isinstance(a, str) for a in auth)):
        raise PowershaiError(
            "auth must be (user, password) or 'user:password'", code="POWERSHAI_GRADIO_LOGIN"
        )
    user, password = auth
    key = (normalize_url(app_url), user, hash(password))
    with _lock:
        logins: dict[tuple[str, str, int], GradioLogin] = current().slot("logins", dict)
        found = logins.get(key)
        if found is None:
            found = logins[key] = GradioLogin(key[0], user, password)
    return found
