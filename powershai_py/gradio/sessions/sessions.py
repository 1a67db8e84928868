"""Sessions: open an app once, find it again by name, set its options, close it.

PowerShell equivalents: New-, Get-, Set- and Remove-GradioSession. The calls made through
a session live in :mod:`.session_calls`, its files in :mod:`.session_files`.

Where a function takes ``session``, it accepts a name (any case), ``"."`` for the default
session, a :class:`GradioSession`, or (where noted) an iterable of those. ``"."`` is the
only session when there is exactly one, else the one made default with
``set_gradio_session(default=True)``.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Iterable
from typing import Any, cast

from ...errors import Advice, PowershaiError, SessionExists, SessionNotFound, deprecated, refuse_switch
from ...http import resolve_token, settings
from ..protocol.app import app_layout, is_url
from ..protocol.calls import check_transport
from ..protocol.info import fetch_gradio_info
from ..protocol.login import login_for
from ..protocol.models import GradioInfo, GradioSession, Secret, SessionApiEvent, SessionList
from ..protocol.results import close_gradio_api_event
from .policy import effective_limit, effective_policy
from .store import current_store

__all__ = [
    "new_gradio_session",
    "get_gradio_session",
    "get_gradio_sessions",
    "remove_gradio_session",
    "set_gradio_session",
    "get_gradio_info",
    "resolve_session",
    "retire_call",
    "reread_app",
    "as_items",
    "SessionRef",
]

SessionRef = str | GradioSession


def new_gradio_session(
    app_url: str,
    name: str | None = None,
    download_path: str | None = None,
    *,
    force: bool = False,
    disable_retry: bool = False,
    stateful: bool = False,
    token: str | None = None,
    auth: Any = None,
    transport: str | None = None,
) -> GradioSession:
    """Open an app: fetch its ``/info`` and store a session for it under ``name``.

    PowerShell equivalent: ``New-GradioSession URL [-Name N] [-DownloadPath P] [-Force]``.

    ``name`` defaults to the app's API URL. An existing name is an error unless
    ``force=True``, which replaces that session and closes its open streams.
    ``download_path`` is a folder where file outputs of the session's calls are saved
    as they arrive. ``stateful=True`` makes all calls share one server session, so
    ``gr.State`` persists between them (on Gradio 4 and 5 over the queue transport).
    ``transport`` (``"call"``, ``"queue"`` or ``"auto"``) is the session's default way to
    call; a call may choose another. ``token`` is used for every call of
    the session unless a call gives its own; ``"public"`` sends none. ``auth=(user,
    password)`` logs in to an app launched with ``auth=``: the login's cookie belongs to the
    session, is shared by its threads, and is renewed on a 401 (never stored or shown).
    """
    if name is not None and (not isinstance(name, str) or name.strip() in ("", ".", "*")):
        raise PowershaiError(
            f"{name!r} cannot be a session name: '.' and '*' have a meaning of their own; "
            "give a name with at least one other character",
            code="POWERSHAI_GRADIO_SESSION_INVALIDNAME",
        )
    resolve_token(token)  # a bad token fails here, before any request
    login = login_for(app_url, auth)
    if transport is not None:
        check_transport(transport)
    info = fetch_gradio_info(app_url, disable_retry=disable_retry, token=token, auth=login)
    if stateful and not _can_keep_state(info, transport, token, login):
        raise PowershaiError(
            f"the app runs Gradio {info.version or '(unknown version)'}; a stateful session needs "
            "Gradio 6, or the queue transport (Gradio 4 and 5 do not stream the results of a /call "
            "made with a session hash).",
            advice=Advice(
                "Open it without stateful=True, or with transport 'auto' or 'queue'",
                "Open it without --stateful, or with --transport auto or queue",
            ),
            code="POWERSHAI_GRADIO_SESSION_STATEFUL",
            version=info.version,
        )
    session = GradioSession(
        session_id=str(uuid.uuid4()),
        app_url=info.real_app_url,
        info=info,
        name=(name or info.real_app_url).strip(),
        download_path=str(download_path) if download_path is not None else None,
        session_hash=uuid.uuid4().hex if stateful else None,
        token=Secret(token),
        login=login,
    )
    if transport is not None:
        session.options["Transport"] = transport.strip().lower()
    try:
        replaced = current_store().add(session, replace=force)
    except KeyError:
        raise SessionExists(
            f"a session named {session.name!r} exists already:",
            advice=Advice(
                "choose another name, or pass force=True to replace it",
                "choose another name, or use --force to replace it",
            ),
            name=session.name,
        ) from None
    if replaced is not None:
        _close_calls(replaced)
    return session


def _can_keep_state(info: GradioInfo, transport: str | None, token: str | None, login: Any) -> bool:
    """True when calls sharing a session hash can be read: Gradio 6, or the queue transport."""
    layout = app_layout(info.root_url, token, credentials=login)
    if layout.major is None:
        return False
    wanted = check_transport(transport or settings.transport or "auto")
    return layout.major >= 6 or (wanted != "call" and bool(layout.fn_indexes))


def resolve_session(session: Any = ".") -> GradioSession:
    """The one stored session that ``session`` designates (a name, ``"."``, a session or a Space).

    A session object is looked up by its id, so one that was removed (or replaced) is
    an error rather than a ghost. A Hugging Face Space gives the session it is linked to.
    """
    store = current_store()
    if isinstance(session, GradioSession):
        stored = store.get_by_id(session.session_id)
        if stored is None:
            raise SessionNotFound(
                f"the session {session.name!r} was removed or replaced; "
                "open it again with new_gradio_session",
                session=session.name,
            )
        return stored
    if not isinstance(session, str) and hasattr(session, "gradio_session") and hasattr(session, "id"):
        return _session_of_space(session)
    if not isinstance(session, str):
        raise PowershaiError(
            f"expected a session name or a GradioSession, got {type(session).__name__}",
            code="POWERSHAI_GRADIO_SESSION_INVALID",
        )
    name = session.strip()
    if name == ".":
        return _default_session()
    if name == "*":
        raise PowershaiError(
            "'*' means every session; this function works on one: give a name or '.'",
            code="POWERSHAI_GRADIO_SESSION_INVALID",
        )
    found = store.get(name)
    if found is None:
        known = ", ".join(s.name for s in store.all()) or "none"
        raise SessionNotFound(
            f"no session named {name!r}. Sessions: {known}. Open one with new_gradio_session",
            session=name,
        )
    return found


def _session_of_space(space: Any) -> GradioSession:
    """The session a Hugging Face Space object is linked to (SPEC 4.0)."""
    linked = space.gradio_session
    found = current_store().get(linked) if linked else None
    if found is None:
        raise SessionNotFound(
            f"the Space {space.id} has no Gradio session: connect it with connect_hugging_face_space_gradio",
            code="POWERSHAI_HUGGINGFACE_GETSESSION_HFNOSESSION",
            session=linked,
        )
    return found


def _default_session() -> GradioSession:
    store = current_store()
    sessions = store.all()
    if len(sessions) == 1:
        return sessions[0]
    default = store.get_default()
    if not default:
        what = "no session is open" if not sessions else f"{len(sessions)} sessions are open"
        raise SessionNotFound(
            f"'.' means the default session, and there is none ({what}):",
            advice=Advice(
                "open one with new_gradio_session, or choose one with set_gradio_session(name, default=True)",
                "open one with 'powershai-py session new URL', or choose one with "
                "'powershai-py session set NAME --default'",
            ),
            code="POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT",
        )
    found = store.get(default)
    if found is None:
        raise SessionNotFound(f"the default session {default!r} no longer exists", session=default)
    return found


def get_gradio_session(session: Any = ".", *, by_id: bool = False, like: bool = False) -> GradioSession:
    """One session: by name (any case), the default (``"."``, the default), or a session
    object; ``by_id=True`` looks a session id up. A missing one is :class:`SessionNotFound`.

    PowerShell equivalent: ``Get-GradioSession NAME [-ById]``. For ``Get-GradioSession``
    alone, ``*`` or ``-Like``, which give a list, use :func:`get_gradio_sessions`.
    """
    items = as_items(session)  # read once: it may be a generator
    several = len(items) != 1 or items[0] is not session
    if like or several or (isinstance(session, str) and session.strip() == "*"):
        deprecated(
            "get_gradio_session() with a pattern, like=True or several sessions returns a list, and "
            "will stop doing so: use get_gradio_sessions(), which always returns one"
        )
        return cast(GradioSession, get_gradio_sessions(items, like=like, by_id=by_id))
    return _one_session(session, by_id)


def get_gradio_sessions(
    pattern: Any = "*", *, like: bool = False, by_id: bool = False
) -> list[GradioSession]:
    """Sessions, as a list: every one (``"*"``, the default), those whose name or app URL
    matches the glob ``pattern`` with ``like=True`` (any case), or those an iterable names.

    PowerShell equivalent: ``Get-GradioSession [PATTERN] [-Like]`` (a list on the pipeline).
    """
    found: list[GradioSession] = SessionList()
    for item in as_items(pattern):
        if isinstance(item, str) and like:
            folded = item.strip().casefold()
            found.extend(
                s
                for s in current_store().all()
                if fnmatch.fnmatchcase(s.name.casefold(), folded)
                or fnmatch.fnmatchcase(s.app_url.casefold(), folded)
            )
        elif isinstance(item, str) and item.strip() == "*":
            found.extend(current_store().all())
        else:
            found.append(_one_session(item, by_id))
    return found


def _one_session(session: Any, by_id: bool) -> GradioSession:
    store = current_store()
    if by_id:
        wanted = session.session_id if isinstance(session, GradioSession) else str(session).strip()
        stored = store.get_by_id(wanted)
        if stored is None:
            raise SessionNotFound(
                f"no session has the id {wanted!r}",
                code="POWERSHAI_HUGGINGFACE_GETSESSION_HFNOSESSIONID",
                session_id=wanted,
            )
        return stored
    return resolve_session(session)


def remove_gradio_session(session: Any) -> list[GradioSession]:
    """Remove sessions from the store and close their open streams; return those removed.

    PowerShell equivalent: ``Remove-GradioSession NAME`` (or piped sessions).

    ``session`` is a name, a session object, ``"*"`` (every session), ``"."`` (the
    default one) or an iterable of those. A name that is not stored is skipped. The
    default is cleared when its session goes.
    """
    store = current_store()
    items = as_items(session)
    removed: list[GradioSession] = []
    for item in items:
        if isinstance(item, str) and item.strip() == "*":
            targets = store.all()
        elif isinstance(item, str) and item.strip() == ".":
            targets = [_default_session()]
        elif isinstance(item, GradioSession):
            targets = [item]
        elif isinstance(item, str):
            targets = [s for s in [store.get(item.strip())] if s is not None]
        else:
            raise PowershaiError(
                f"expected a session name or a GradioSession, got {type(item).__name__}",
                code="POWERSHAI_GRADIO_SESSION_INVALID",
            )
        for target in targets:
            stored = store.get(target.name)
            if stored is None or stored.session_id != target.session_id:
                continue  # already gone, or the name now belongs to a newer session
            if store.remove(target.name) is not None:
                _close_calls(target)
                removed.append(target)
    return removed


def set_gradio_session(
    session: Any = ".",
    max_calls: int | None = None,
    max_calls_policy: str | None = None,
    *,
    default: bool = False,
    transport: str | None = None,
) -> None:
    """Make a session the default and/or change its MaxCalls options or its transport.

    PowerShell equivalent: ``Set-GradioSession [NAME] [-Default] [-MaxCalls N] [-MaxCallsPolicy P]``.

    ``max_calls`` is how many calls the session keeps (0 means the default, 100);
    ``max_calls_policy`` says what a call beyond it does: ``"error"`` refuses it,
    ``"remove"`` drops the oldest calls, ``"warning"`` warns and goes on (any case).
    ``transport`` (``"call"``, ``"queue"``, ``"auto"``) is how its calls reach the app.
    Values are checked before anything changes; only these options are stored.
    """
    refuse_switch(
        max_calls, "set_gradio_session", "max_calls", "default", code="POWERSHAI_GRADIO_SESSION_INVALIDOPTION"
    )
    if transport is not None:
        transport = check_transport(transport)
    if max_calls is not None:
        effective_limit(max_calls)
    policy = effective_policy(max_calls_policy) if max_calls_policy is not None else None
    targets = [resolve_session(item) for item in as_items(session)]
    for target in targets:
        if default:
            current_store().set_default(target.name)
        with target.lock:
            if max_calls is not None:
                _set_option(target, "MaxCalls", max_calls)
            if policy is not None:
                _set_option(target, "MaxCallsPolicy", policy)
            if transport is not None:
                _set_option(target, "Transport", transport)
        if max_calls is not None or policy is not None or transport is not None:
            current_store().save_options(target)


def get_gradio_info(
    app_url: Any = ".", *, disable_retry: bool = False, token: str | None = None, auth: Any = None
) -> GradioInfo:
    """Fetch an app's ``/info``: of a URL, of a session, or of the default session (``"."``).

    PowerShell equivalent: ``Get-GradioInfo [URL|SESSION] [-DisableRetry]``.

    A URL is fetched as :func:`powershai_py.gradio.protocol.info.fetch_gradio_info` does. A session
    (object, name or ``"."``) has its app fetched again, with the session's token unless
    ``token`` is given, and with its login unless ``auth`` is given.
    """
    if is_url(app_url):
        return fetch_gradio_info(app_url, disable_retry=disable_retry, token=token, auth=auth)
    target = resolve_session(app_url)
    chosen = token if token is not None else target.token.value
    login = auth if auth is not None else target.login
    return fetch_gradio_info(target.app_url, disable_retry=disable_retry, token=chosen, auth=login)


def reread_app(session: GradioSession) -> GradioInfo:
    """Read a session's ``/config`` and ``/info`` again and keep them (its app restarted, and
    may have changed); the next calls find their endpoints by name in what it says now.

    PowerShell equivalent: none (PowershAI reads ``/info`` once, when the session opens).
    """
    info = get_gradio_info(session)
    with session.lock:
        session.info = info
    return info


def _set_option(session: GradioSession, name: str, value: Any) -> None:
    for key in [k for k in session.options if str(k).casefold() == name.casefold()]:
        del session.options[key]
    session.options[name] = value


def _close_calls(session: GradioSession) -> None:
    with session.lock:
        calls = list(session.api_calls.all_events)
    for call in calls:
        retire_call(call)


def retire_call(call: SessionApiEvent) -> None:
    """Mark a call as gone from its session and close its stream.

    When another thread is reading the call at this moment, that reader closes the
    stream itself after its current event (closing under its feet could break it).
    """
    call.removed = True
    if call.lock.acquire(blocking=False):
        try:
            close_gradio_api_event(call.api_event)
        finally:
            call.lock.release()


def as_items(value: Any) -> list[Any]:
    """What a PowerShell pipeline would bind one by one: the items of an iterable, else the value.

    Strings, bytes, dicts, sessions and calls count as one value.
    """
    single = (str, bytes, dict, GradioSession, SessionApiEvent)
    if isinstance(value, Iterable) and not isinstance(value, single):
        return list(value)
    return [value]
