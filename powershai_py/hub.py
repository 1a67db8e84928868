"""Hugging Face Hub and Spaces: find a Space by its id, wake it, wait for it, open a session on it.

PowerShell equivalents: Invoke-HuggingFaceHub, Get-HuggingFaceWhoami, Get-HuggingFaceSpace,
Wait-HuggingFaceSpace, Start-HuggingFaceSpace and Connect-HuggingFaceSpaceGradio.

The Hub is ``https://huggingface.co`` unless ``HF_ENDPOINT`` names another (the convention
of ``huggingface_hub``). Tokens follow the core rules: the ``token`` given, else
``HF_API_TOKEN``, else ``HF_TOKEN``; ``"public"`` (or ``public=True``) sends none.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .errors import PowershaiError, ProtocolError, deprecated, excerpt, refuse_switch, warn
from .gradio.protocol.models import GradioSession
from .gradio.sessions.sessions import new_gradio_session
from .gradio.sessions.store import current_store
from .http import request, set_default_token

__all__ = [
    "HuggingFaceSpace",
    "hub_url",
    "invoke_hugging_face_hub",
    "invoke_hf_hub",
    "get_hugging_face_whoami",
    "get_hf_whoami",
    "get_hf_me",
    "get_hugging_face_space",
    "get_hf_space",
    "connect_hugging_face_space_gradio",
    "connect_hf_space_gradio",
    "wait_hugging_face_space",
    "wait_hf_space",
    "start_hugging_face_space",
    "wake_gradio_session",
    "set_hugging_face_token",
    "set_hf_token",
    "DEFAULT_WAIT",
]

DEFAULT_WAIT = 1800.0  # seconds wait_hugging_face_space waits when given no timeout
RUNNING = "RUNNING"
SPACE_PREFIX = "Space:"  # the name of a Space's session: Space:<owner>/<name>


_ASK = object()


def set_hugging_face_token(token: Any = _ASK) -> None:
    """Set the token used when a call gives none (before ``HF_API_TOKEN``/``HF_TOKEN``).

    PowerShell equivalent: ``Set-HuggingFaceToken`` (alias ``Set-HfToken``). It lives in this
    process only: never stored, never shown; ``None`` clears it. Given no token, it is asked
    for with a hidden prompt on a terminal, as the original does. ``token="public"`` on a
    call still sends nothing.
    """
    if token is _ASK:
        import getpass
        import sys

        if not sys.stdin.isatty():
            raise PowershaiError(
                "give the token: set_hugging_face_token(token), or run in a terminal to be asked for it",
                code="POWERSHAI_TOKEN_INVALID",
            )
        token = getpass.getpass("Hugging Face access token: ")
    set_default_token(token)


set_hf_token = set_hugging_face_token


def hub_url() -> str:
    """The Hub's base URL: ``$HF_ENDPOINT`` or ``https://huggingface.co``."""
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


@dataclass
class HuggingFaceSpace:
    """A Space as the Hub describes it, plus the name of the Gradio session opened on it.

    PowerShell equivalent: the HuggingFaceSpace of Get-HuggingFaceSpace (``control.GradioSession``
    is ``gradio_session``). ``raw`` holds the Hub's whole answer.
    """

    id: str
    author: str | None = None
    sdk: str | None = None
    host: str | None = None
    stage: str | None = None
    sdk_version: str | None = None
    private: bool = False
    gradio_session: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_hub(cls, answer: dict[str, Any]) -> HuggingFaceSpace:
        runtime: dict[str, Any] = answer["runtime"] if isinstance(answer.get("runtime"), dict) else {}
        card: dict[str, Any] = answer["cardData"] if isinstance(answer.get("cardData"), dict) else {}
        space_id = answer.get("id")
        if not isinstance(space_id, str) or not space_id:
            raise ProtocolError(f"the Hub described a Space without an id: {excerpt(str(answer))}")
        return cls(
            id=space_id,
            author=answer.get("author"),
            sdk=answer.get("sdk") or card.get("sdk"),
            host=answer.get("host"),
            stage=runtime.get("stage"),
            sdk_version=card.get("sdk_version") or answer.get("sdk_version"),
            private=bool(answer.get("private")),
            raw=answer,
        )

    @property
    def sdk_major(self) -> int | None:
        """The major version of ``sdk_version``, compared as a number (D-21)."""
        try:
            return int(str(self.sdk_version).split(".")[0])
        except ValueError:
            return None

    def __str__(self) -> str:
        return self.id


def _token(token: str | None, public: bool) -> str | None:
    return "public" if public else token


def invoke_hugging_face_hub(
    endpoint: str,
    search: str | None = None,
    author: str | None = None,
    filter: str | None = None,
    direction: int | None = None,
    limit: int | None = None,
    sort: str | None = None,
    raw_params: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    desc: bool = False,
    full: bool = False,
    config: bool = False,
    public: bool = False,
) -> Any:
    """GET ``{hub}/api/{endpoint}`` with the given query and return the parsed JSON (or text).

    PowerShell equivalent: ``Invoke-HuggingFaceHub ENDPOINT [-search S] [-author A] [-Desc] ...``.

    ``desc=True`` asks for descending order (``direction=-1``; the original sent ``sort=-1``,
    D-24). ``raw_params`` entries override the others. ``token`` is really used (D-2);
    ``public=True`` sends none (D-1).
    """
    params: dict[str, Any] = {
        "search": search,
        "author": author,
        "filter": filter,
        "direction": -1 if desc and direction is None else direction,
        "limit": limit,
        "sort": sort,
        "full": "True" if full else None,
        "config": "True" if config else None,
    }
    params = {key: value for key, value in params.items() if value not in (None, "")}
    params.update(raw_params or {})
    url = f"{hub_url()}/api/{endpoint.lstrip('/')}"
    response = request("GET", url, params=params, token=_token(token, public))
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(f"{url} sent broken JSON: {excerpt(response.text)}", url=url) from None
    return response.text


invoke_hf_hub = invoke_hugging_face_hub


def get_hugging_face_whoami(token: str | None = None, *, public: bool = False) -> dict[str, Any]:
    """Who the token belongs to (``name``, ``orgs``...). Without a token the Hub answers 401.

    PowerShell equivalent: ``Get-HuggingFaceWhoami`` (aliases Get-HfWhoami, Get-HfMe).
    """
    answer = invoke_hugging_face_hub("whoami-v2", token=token, public=public)
    if not isinstance(answer, dict):
        raise ProtocolError(f"whoami-v2 answered {type(answer).__name__}, expected an object")
    return answer


get_hf_whoami = get_hf_me = get_hugging_face_whoami


def _fetch_space(space_id: str, token: str | None) -> HuggingFaceSpace:
    answer = invoke_hugging_face_hub(f"spaces/{quote(space_id.strip(), safe='/')}", token=token, full=True)
    if not isinstance(answer, dict):
        raise ProtocolError(f"the Hub answered {type(answer).__name__} for the Space {space_id}")
    return HuggingFaceSpace.from_hub(answer)


def get_hugging_face_space(
    space: Any = None,
    *,
    author: str | None = None,
    my: bool = False,
    no_gradio_session: bool = False,
    gradio_server_root: str | None = None,
    token: str | None = None,
) -> Any:
    """Describe a Space (``"owner/name"``), and open a Gradio session on it when it runs Gradio.

    PowerShell equivalent: ``Get-HuggingFaceSpace ID`` (alias Get-HfSpace).

    One id or Space gives one :class:`HuggingFaceSpace`; an iterable gives a list.
    ``author=`` (or ``my=True``, the token's owner) lists that author's Spaces, without
    sessions. A running Gradio Space gets a session named ``Space:<id>``; a failure to
    connect is a :class:`PowershaiWarning`, as in the original, and a Space that is not
    running is not connected (call :func:`wait_hugging_face_space` first).
    """
    if my:
        author = str(get_hugging_face_whoami(token).get("name") or "")
    if author:
        listed = invoke_hugging_face_hub("spaces", author=author, token=token)
        return [HuggingFaceSpace.from_hub(item) for item in listed or [] if isinstance(item, dict)]
    if space is None:
        raise PowershaiError(
            "give a Space id ('owner/name'), author= or my=True", code="POWERSHAI_HUGGINGFACE_NOSPACE"
        )
    many = isinstance(space, (list, tuple))
    found = []
    for item in space if many else [space]:
        described = item if isinstance(item, HuggingFaceSpace) else _fetch_space(str(item), token)
        if described.sdk == "gradio" and not no_gradio_session and described.stage in (RUNNING, None):
            try:
                connect_hugging_face_space_gradio(described, server_root=gradio_server_root, token=token)
            except PowershaiError as error:
                warn(f"Failed connect gradio of {described.id}. Error: {error}")
        found.append(described)
    return found if many else found[0]


get_hf_space = get_hugging_face_space


def connect_hugging_face_space_gradio(
    space: Any,
    server_root: str | None = None,
    *,
    force: bool = False,
    token: str | None = None,
    auth: Any = None,
) -> GradioSession:
    """Open (or find) the Gradio session of a Space and return it.

    PowerShell equivalent: ``Connect-HuggingFaceSpaceGradio SPACE [-Force] [-ServerRoot R]``.

    The session is named ``Space:<id>``. When it exists it is returned as it is (D-22),
    unless ``force=True`` opens it again. ``server_root`` is where the Gradio API lives: a
    full URL replaces the Space's host, anything else is appended to it; without it the
    API root is found from the app's ``/config``. The Space is linked to its session only
    once the connection succeeded. ``auth=(user, password)`` logs in to a Space whose app
    was launched with ``auth=``.
    """
    refuse_switch(server_root, "connect_hugging_face_space_gradio", "server_root", "force")
    described = space if isinstance(space, HuggingFaceSpace) else _fetch_space(str(space), token)
    name = described.gradio_session or f"{SPACE_PREFIX}{described.id}"
    existing = current_store().get(name)
    if existing is not None and not force:
        described.gradio_session = existing.name
        return existing
    if not described.host:
        raise PowershaiError(
            f"the Hub gives no host for the Space {described.id} (sdk {described.sdk}): it cannot be called",
            code="POWERSHAI_HUGGINGFACE_NOHOST",
        )
    url = described.host.rstrip("/")
    if server_root:
        url = server_root if server_root.lower().startswith("http") else f"{url}/{server_root.strip('/')}"
    session = new_gradio_session(
        url, name, force=True, disable_retry=bool(server_root), token=token, auth=auth
    )
    described.gradio_session = session.name
    return session


connect_hf_space_gradio = connect_hugging_face_space_gradio


def start_hugging_face_space(space: Any, *, token: str | None = None) -> bool:
    """Wake a sleeping Space by requesting its host; return True when it answered.

    PowerShell equivalent: ``Start-HuggingFaceSpace SPACE``. A failure is a warning.
    """
    described = space if isinstance(space, HuggingFaceSpace) else _fetch_space(str(space), token)
    if not described.host:
        warn(f"Start Failed: the Space {described.id} has no host")
        return False
    try:
        request("HEAD", described.host, token=token, timeout=(5, 5), raise_for_status=False)
    except PowershaiError as error:
        warn(f"Start Failed: {error}")
        return False
    return True


def wait_hugging_face_space(
    space: Any,
    *,
    timeout: float | None = None,
    interval: float = 5.0,
    no_status: bool = False,
    no_start: bool = False,
    token: str | None = None,
    report: Callable[[str], Any] | None = None,
    sleep_time: int | None = None,
) -> bool:
    """Wait until a Space is RUNNING: True when it is, False when ``timeout`` seconds passed.

    PowerShell equivalent: ``Wait-HuggingFaceSpace SPACE [-timeout S] [-SleepTime MS] [-NoStart]``.

    The Space's stage is read every ``interval`` seconds; each change of stage is reported on
    stderr (or to ``report``) unless ``no_status``. The first pass wakes the Space unless
    ``no_start``. Without ``timeout`` it waits at most :data:`DEFAULT_WAIT`. ``sleep_time``
    (milliseconds, PowerShell's ``-SleepTime``) is deprecated: every duration here is in seconds.
    """
    pause = _interval_seconds(interval, sleep_time)
    say = report or (lambda line: print(line, file=sys.stderr, flush=True))
    limit = DEFAULT_WAIT if timeout is None else float(timeout)
    started = time.monotonic()
    space_id = space.id if isinstance(space, HuggingFaceSpace) else str(space)
    if isinstance(space, HuggingFaceSpace) and space.stage == RUNNING:
        return True
    last: str | None = None
    first = True
    while True:
        described = _fetch_space(space_id, token)
        if described.stage != last and not no_status:
            say(f"{described.id}: {described.stage}")
        last = described.stage
        if described.stage == RUNNING:
            if isinstance(space, HuggingFaceSpace):
                space.stage, space.host = described.stage, described.host
            return True
        if first and not no_start:
            start_hugging_face_space(described, token=token)
        first = False
        if time.monotonic() - started >= limit:
            return False
        time.sleep(min(pause, max(0.0, limit - (time.monotonic() - started))))


def wake_gradio_session(session: Any, *, timeout: float | None = None, token: str | None = None) -> bool:
    """Wake the Space behind a session and wait until it runs: True when it does.

    PowerShell equivalent: ``Wait-HuggingFaceSpace`` on the Space of a ``Space:<id>`` session.
    A session not opened with :func:`connect_hugging_face_space_gradio` (its name does not
    start with ``Space:``) has no Space to wake: False at once. It waits at most ``timeout``
    seconds (default :data:`DEFAULT_WAIT`); the batch runner passes it as ``wake=``.
    """
    name = str(getattr(session, "name", session) or "")
    if not name.startswith(SPACE_PREFIX):
        return False
    chosen = token if token is not None else getattr(getattr(session, "token", None), "value", None)
    return wait_hugging_face_space(
        name[len(SPACE_PREFIX) :], timeout=timeout, interval=2.0, no_status=True, token=chosen
    )


def _interval_seconds(interval: float, sleep_time: int | None) -> float:
    """The pause between two reads of a Space, in seconds, from ``interval`` or the
    deprecated ``sleep_time`` in milliseconds."""
    if sleep_time is None:
        return float(interval)
    deprecated("wait_hugging_face_space(sleep_time=MS) is deprecated: give interval=SECONDS")
    return float(sleep_time) / 1000


wait_hf_space = wait_hugging_face_space
