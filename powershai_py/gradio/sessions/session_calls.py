"""Calls made through a session: submit, read, list and remove them, under the MaxCalls policy.

PowerShell equivalents: Invoke-GradioSessionApi, Update-GradioSessionApiResult,
Get-GradioSessionApi and Remove-GradioSessionApi.

Bookkeeping rules, all under ``session.lock``:

* Before a call is submitted it takes a *slot*: the MaxCalls decision counts the calls
  kept plus the slots taken by calls still being submitted, so threads racing on one
  session can never push an ``error`` session past its limit.
* ``remove`` evicts the oldest calls first, from ``all_events`` and ``by_id`` alike, and
  closes their streams.
* A stateful session (one ``session_hash``) shares one result stream on the server, so its
  calls run one at a time: before submitting, the previous calls are read to their end
  (their results wait in ``call.unread`` for the next update).

Longer than 500 lines on purpose: the five session call functions share the bookkeeping above
(slots, locks, the reader claim, unread results); kept together, the rules are read in one place.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ...errors import (
    NONE_IS_A_VALUE,
    Advice,
    InvalidEvent,
    PowershaiError,
    SessionBusy,
    refuse_switch,
    warn,
)
from ...http import settings
from ..protocol.calls import check_transport, find_callable, send_gradio_api
from ..protocol.models import (
    STATUS_EVENTS,
    CallList,
    GradioApiEventResult,
    GradioSession,
    SessionApiEvent,
    carries_data,
)
from ..protocol.results import close_gradio_api_event, iter_gradio_api_result, read_all, stop_gradio_api
from ..protocol.status import ReadStatus
from .session_files import prepare_inputs, save_file_outputs
from .sessions import as_items, resolve_session, retire_call
from .store import current_store

__all__ = [
    "invoke_gradio_session_api",
    "update_gradio_session_api_result",
    "iter_gradio_session_api_result",
    "get_gradio_session_api",
    "remove_gradio_session_api",
    "stop_gradio_session_api",
    "params_to_list",
]


def invoke_gradio_session_api(
    api_name: str,
    params: Any = None,
    event_id: str | None = None,
    session: Any = ".",
    token: str | None = None,
    *,
    transport: str | None = None,
    auth: Any = None,
) -> SessionApiEvent:
    """Submit a call to an endpoint of the session's app and keep it in the session.

    PowerShell equivalent: ``Invoke-GradioSessionApi NAME PARAMS [-EventId ID] [-Session S] [-Token T]``.

    ``params`` is a list (sent as is), a dict (ordered by the endpoint's parameters from
    ``/info``, keys in any case; a missing key gets the endpoint's default, else None), a
    single value (a one-value list) or None. ``event_id`` attaches to a call made
    earlier, without sending anything. ``token`` overrides the session's token
    (``"public"`` sends none). The session's MaxCalls policy applies before anything is
    sent. ``transport`` (``"call"``, ``"queue"``, ``"auto"``) overrides the session's, and
    ``auth=(user, password)`` its login, for this call.
    Read the results with :func:`update_gradio_session_api_result`.
    """
    target = resolve_session(session)
    if transport is not None:
        check_transport(transport)
    if not isinstance(api_name, str) or not api_name.strip("/ "):
        raise PowershaiError("give the endpoint name, e.g. 'predict'", code="POWERSHAI_GRADIO_NOAPINAME")
    name, spec = find_callable(target.info, api_name, target.app_url)
    if event_id:
        with target.lock:
            existing = target.api_calls.by_id.get(event_id)
        if existing is not None:
            return existing
        data: list[Any] = []
    else:
        data = params_to_list(params, spec, name)
    chosen = token if token is not None else target.token.value
    if not event_id:
        data = prepare_inputs(target, spec, data, chosen, auth)  # local paths where the schema says file
    store = current_store()
    with _one_at_a_time(target):
        slot = store.claim_slot(target)  # the store decides MaxCalls, for all who share it
        if slot.decision.action == "warn":
            _warn_max_calls(target, slot.decision.count, slot.decision.limit)
        evicted = _forget(target, slot.evicted)
        _retire_all(evicted)
        store.remove_calls(target, evicted)
        try:
            api_event = send_gradio_api(
                target.app_url,
                name,
                data,
                target.session_hash,
                event_id,
                chosen,
                auth=target.login if auth is None else auth,
                transport=transport or target.option("Transport"),
            )
        except BaseException:
            store.release_slot(target, slot.key)
            raise
        call = _keep(target, SessionApiEvent(id=api_event.event_id, api_event=api_event))
        trimmed = store.add_call(target, call, slot.key)
        _retire_all(_forget(target, trimmed))
    return call


def params_to_list(params: Any, spec: dict[str, Any], api_name: str = "") -> list[Any]:
    """The ``data`` list for an endpoint: a mapping is ordered by the endpoint's parameters.

    Keys are matched in any case; a missing key takes the parameter's default when
    ``/info`` gives one, else None; an unknown key is an error naming the valid ones.
    A list or tuple is copied, None gives ``[]``, any other value is one value.
    """
    if params is None:
        return []
    if isinstance(params, (list, tuple)):
        return list(params)
    if not isinstance(params, Mapping):
        return [params]
    parameters = spec.get("parameters") or []
    names = [str(p.get("parameter_name") or "") for p in parameters]
    given: dict[str, Any] = {}
    for key, value in params.items():
        folded = str(key).casefold()
        if folded in given:
            raise PowershaiError(
                f"the parameter {key!r} of /{api_name} is given twice (names are compared in any case)",
                code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
                parameter=str(key),
            )
        given[folded] = value
    unknown = [key for key in params if str(key).casefold() not in {n.casefold() for n in names}]
    if unknown:
        raise PowershaiError(
            f"/{api_name} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are: {', '.join(names) or 'none'}",
            code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
            unknown=unknown,
            valid=names,
        )
    data = []
    missing = []
    for name, parameter in zip(names, parameters, strict=True):
        if name.casefold() in given:
            data.append(given[name.casefold()])
        elif parameter.get("parameter_has_default"):
            data.append(parameter.get("parameter_default"))
        else:
            missing.append(name)
            data.append(None)
    if missing:
        raise PowershaiError(
            f"/{api_name} needs {', '.join(map(repr, missing))}, which "
            f"{'has' if len(missing) == 1 else 'have'} no default: give "
            f"{'it' if len(missing) == 1 else 'them'}",
            advice=NONE_IS_A_VALUE,
            code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
            missing=missing,
        )
    return data


def update_gradio_session_api_result(
    id: Any,
    max_heartbeats: int | None = None,
    session: Any = ".",
    *,
    no_output: bool = False,
    history: bool = False,
    read_timeout: float | None = None,
    status: bool = False,
    stream: bool = False,
) -> list[GradioApiEventResult]:
    """Read the results of calls of a session, and return them as a list (heartbeats
    included; empty with ``no_output``).

    PowerShell equivalent: ``Update-GradioSessionApiResult ID [-MaxHeartBeats N] [-History] [-NoOutput]``.

    The options are those of :func:`iter_gradio_session_api_result`, which hands each result
    out as it arrives (``stream=True`` did that here, and is deprecated).
    """
    reader = iter_gradio_session_api_result(
        id, max_heartbeats, session, history=history, read_timeout=read_timeout, status=status
    )
    return read_all(reader, "update_gradio_session_api_result", no_output=no_output, stream=stream)


def iter_gradio_session_api_result(
    id: Any,
    max_heartbeats: int | None = None,
    session: Any = ".",
    *,
    history: bool = False,
    read_timeout: float | None = None,
    status: bool = False,
) -> Generator[GradioApiEventResult, None, None]:
    """Read the results of calls of a session as you iterate, each the moment it arrives.

    PowerShell equivalent: ``Update-GradioSessionApiResult ID`` in a pipeline.

    ``id`` is an event id, a :class:`SessionApiEvent`, or an iterable of them, read in
    order; each must belong to the session. File URLs in the results are rebuilt for the
    app; with a session ``download_path`` the files are saved there and their FileData gets
    a ``local_path``. ``status=True`` also hands out the queue transport's status events
    (place in the queue, progress, the app's messages); they always update ``call.queue``.
    ``max_heartbeats``, ``history`` and ``read_timeout`` as in :func:`iter_gradio_api_result`.
    """
    target = resolve_session(session)
    calls = [_find_call(target, item) for item in as_items(id)]
    return (
        result
        for call in calls
        for result in _hand_out(target, call, max_heartbeats, history, read_timeout)
        if status or (result.event or "").lower() not in STATUS_EVENTS
    )


def get_gradio_session_api(session: Any = ".") -> list[SessionApiEvent]:
    """The calls a session keeps, oldest first.

    PowerShell equivalent: ``Get-GradioSessionApi [-Session S]``.
    """
    target = resolve_session(session)
    with target.lock:
        return CallList(target.api_calls.all_events)


def remove_gradio_session_api(
    target: Any,
    session: Any = ".",
    *,
    force: bool = False,
    eligible: bool = False,
    elegible: bool | None = None,
) -> list[SessionApiEvent]:
    """Remove calls from a session and close their streams; return the calls chosen.

    PowerShell equivalent: ``Remove-GradioSessionApi TARGET [-Force] [-Elegible] [-Session S]``.

    ``target`` is ``"all"`` (every call), ``"clean"`` (the finished ones), an event id, a
    :class:`SessionApiEvent`, or an iterable of those. Targeted calls are removed when
    finished, or in any state with ``force=True``: an unfinished call is then cancelled on the
    server first, so nothing keeps running for a call nobody can see. ``eligible=True`` (alias
    ``elegible``) returns the calls that would go and removes nothing.
    """
    refuse_switch(session, "remove_gradio_session_api", "session", "force")
    if elegible is not None:
        eligible = eligible or elegible
    owner = resolve_session(session)
    items = as_items(target)
    everything = clean = False
    wanted: set[str] = set()
    with owner.lock:
        for item in items:
            word = item.strip().lower() if isinstance(item, str) else None
            if word == "all":
                everything = True
            elif word == "clean":
                clean = True
            else:
                wanted.add(_find_call(owner, item).id)
        targeted = [
            call
            for call in owner.api_calls.all_events
            if everything or (clean and call.done) or call.id in wanted
        ]
    chosen = [call for call in targeted if call.done or force]
    if eligible:
        return chosen
    kept = len(targeted) - len(chosen)
    if kept:
        warn(f"{kept} unfinished call(s) kept: force (--force) cancels them on the server and removes them")
    running = [call for call in chosen if not call.done]
    if running:
        stop_gradio_session_api(running, owner)  # cancelled on the server before they are forgotten
    with owner.lock:
        _drop(owner, chosen)
    if chosen:
        _retire_all(chosen)
        current_store().remove_calls(owner, chosen)
    return chosen


def stop_gradio_session_api(id: Any, session: Any = ".") -> list[SessionApiEvent]:
    """Cancel calls of a session on the server: a queued call leaves the queue, a running
    generator stops. Returns the calls a cancel was sent for (not those already over).

    PowerShell equivalent: ``Stop-GradioSessionApi ID [-Session S]`` (compat; new in powershai-py).

    ``id`` is an event id, a :class:`SessionApiEvent`, or an iterable of them. A call that
    nobody is reading is then read to its end (a moment: Gradio ends a cancelled call at
    once), so it shows ``last_query_status == "Cancelled"``; one read elsewhere ends in
    that reader.
    """
    target = resolve_session(session)
    calls = [_find_call(target, item) for item in as_items(id)]
    stopped = []
    for call in calls:
        if call.status == "complete" or call.removed:
            continue
        if call.api_event.credentials is None:
            call.api_event.credentials = target.login
        if stop_gradio_api(call.api_event):
            stopped.append(call)
        if call.lock.acquire(blocking=False):
            try:
                if not call.done and call.api_event.last_query_status != ReadStatus.READ_ELSEWHERE:
                    _read_into_unread(target, call)
            except PowershaiError:
                pass  # the cancel was sent; how the read ended is recorded on the call
            finally:
                call.lock.release()
    return stopped


# --- bookkeeping -----------------------------------------------------------------------


def _find_call(session: GradioSession, item: Any) -> SessionApiEvent:
    if isinstance(item, SessionApiEvent):
        key = item.id
    elif isinstance(item, str) and item.strip():
        key = item.strip()
    else:
        raise InvalidEvent(
            f"expected an event id or a SessionApiEvent, got {type(item).__name__}",
            code="POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
        )
    with session.lock:
        call = session.api_calls.by_id.get(key)
    if call is None:
        raise InvalidEvent(
            f"Event with id {key} not found in session {session.name!r}: it was removed, or it "
            "belongs to another session.",
            advice=Advice("See get_gradio_session_api.", "See 'powershai-py calls list'."),
            code="POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
            event_id=key,
        )
    return call


def _forget(session: GradioSession, event_ids: list[str]) -> list[SessionApiEvent]:
    """Take the calls the store evicted out of memory too; return them."""
    if not event_ids:
        return []
    with session.lock:
        gone = set(event_ids)
        evicted = [call for call in session.api_calls.all_events if call.id in gone]
        _drop(session, evicted)
    return evicted


def _warn_max_calls(session: GradioSession, count: int, limit: int) -> None:
    warn(
        f"max calls reached {count}/{limit} in session {session.name!r}; the call goes on "
        "(policy 'warning').",
        Advice(
            "Remove finished calls with remove_gradio_session_api('clean')",
            "Remove finished calls with 'powershai-py calls remove clean'",
        ),
    )


def _keep(session: GradioSession, call: SessionApiEvent) -> SessionApiEvent:
    """Record a submitted call in the session; return the call kept (one already kept under
    that id wins: two threads attached to one event id)."""
    with session.lock:
        existing = session.api_calls.by_id.get(call.id)
        if existing is not None:
            return existing
        session.api_calls.all_events.append(call)
        session.api_calls.by_id[call.id] = call
        return call


def _drop(session: GradioSession, calls: list[SessionApiEvent]) -> None:
    """Take calls out of both lists of the session (caller holds ``session.lock``)."""
    gone = {id(call) for call in calls}
    session.api_calls.all_events[:] = [c for c in session.api_calls.all_events if id(c) not in gone]
    for call in calls:
        if session.api_calls.by_id.get(call.id) is call:
            del session.api_calls.by_id[call.id]


def _retire_all(calls: list[SessionApiEvent]) -> None:
    for call in calls:
        retire_call(call)


@contextmanager
def _held(lock: Any, what: str) -> Iterator[None]:
    if not lock.acquire(timeout=settings.lock_timeout):
        raise SessionBusy(
            f"{what} is still in use after {settings.lock_timeout:g} s; finish or close the other "
            "reader (an unfinished stream=True iterator holds it), then try again"
        )
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _one_at_a_time(session: GradioSession) -> Iterator[None]:
    """For a stateful session: hold its call lock and read earlier calls to their end first."""
    if not session.stateful:
        yield
        return
    with _held(session.call_lock, f"the stateful session {session.name!r}"):
        with session.lock:
            pending = [c for c in session.api_calls.all_events if not c.done and not c.removed]
        for call in pending:
            _read_ahead(session, call)
        yield


def _read_ahead(session: GradioSession, call: SessionApiEvent) -> None:
    """Read a call of a stateful session to its end, keeping its results for the next update."""
    with _held(call.lock, f"the call {call.id}"):
        if call.done or call.removed:  # its reader finished it while we waited
            return
        _read_into_unread(session, call)
        if not call.done:
            raise SessionBusy(
                f"the previous call {call.id} of the stateful session {session.name!r} is still "
                "running (heartbeat limit reached); its results are kept. Try again when it ends",
                event_id=call.id,
            )


def _read_into_unread(session: GradioSession, call: SessionApiEvent) -> None:
    """Read a call on (caller holds ``call.lock``), keeping what comes for the next update;
    status events too, so the caller sees the whole call."""
    for result in _pull(session, call, None, False, None):
        if (result.event or "").lower() != "heartbeat":
            call.unread.append(result)
    current_store().update_call(session, call)


def _hand_out(
    session: GradioSession,
    call: SessionApiEvent,
    max_heartbeats: int | None,
    history: bool,
    read_timeout: float | None,
) -> Iterator[GradioApiEventResult]:
    """Results of a call for the caller: those read ahead first, then from the stream.

    The call's lock is held while results come, and let go before the last one is handed
    out: a caller that stops there (it has what it wanted) leaves nothing held, even when
    the iterator is garbage collected later in another thread.
    """

    def unread_then_pulled() -> Iterator[GradioApiEventResult]:
        handed = False
        while call.unread:
            handed = True
            yield call.unread.pop(0)
        if not (handed and call.done):
            yield from _pull(session, call, max_heartbeats, history, read_timeout)

    last = None
    with _held(call.lock, f"the call {call.id}"):
        try:
            for result in unread_then_pulled():
                call.last_received_index = result.num
                if call.done and not call.unread:
                    last = result
                    break
                yield result
        finally:
            call.received = call.done and not call.unread
            current_store().update_call(session, call)
    if last is not None:
        yield last


def _pull(
    session: GradioSession,
    call: SessionApiEvent,
    max_heartbeats: int | None,
    history: bool,
    read_timeout: float | None,
) -> Iterator[GradioApiEventResult]:
    """New results from the call's stream (caller holds ``call.lock``), files saved as they come."""
    if call.api_event.stream is None and not call.done:
        current_store().claim_read(session, call)  # one reader per stream, across processes too
    if call.api_event.credentials is None:
        call.api_event.credentials = session.login  # a call read back from a store has none
    reader = iter_gradio_api_result(
        call.api_event,
        max_heartbeats=max_heartbeats,
        history=history,
        read_timeout=read_timeout,
        status=True,  # kept with the call's results; update_gradio_session_api_result filters
    )
    try:
        for result in reader:
            if carries_data(result):
                call.last_data = result.data  # kept even if saving its files fails
            save_file_outputs(session, result)
            yield result
            if call.removed:  # removed by another thread while we were reading
                close_gradio_api_event(call.api_event)
                return
    finally:
        reader.close()
