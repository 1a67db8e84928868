"""``call``, ``update``, ``cancel`` and ``calls list|remove``: a call's events as they arrive."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
import powershai_py as ps

from ..errors import (
    InvalidEvent,
    PowershaiError,
)
from ..gradio.protocol.calls import endpoint_not_found

if TYPE_CHECKING:
    from ..gradio.protocol.models import GradioApiEventResult, SessionApiEvent
from .app import (
    app_login,
    json_option,
    main,
    open_store,
    resolve,
    transport_option,
)
from .completion import complete_call_target, complete_endpoint, complete_event_id, session_option
from .exits import EXIT_CODES
from .terminal import (
    Progress,
    compact,
    emit,
    json_line,
    say,
)

# --- calls -------------------------------------------------------------------------------------------


def parse_param(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` -> (name, value): strict JSON when it parses, else text; ``@path``: a local file."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="-p")
    if raw.startswith("@"):
        path = Path(raw[1:]).expanduser()
        if not path.is_file():
            raise click.BadParameter(f"no such file: {raw[1:]}", param_hint="-p")
        return name.strip(), path
    try:
        return name.strip(), json.loads(raw, parse_constant=_not_json)
    except ValueError:
        return name.strip(), raw


# The /info schema types a -p value is checked against: the values that fit, in words. Only what
# cannot be meant is refused: a number for an integer is the app's to round, null its to judge.
_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "integer": ((int, float), "a whole number"),
    "number": ((int, float), "a number"),
    "boolean": (bool, "true or false"),
}


def check_params(session_ref: str, endpoint: str, values: dict[str, Any]) -> None:
    """Refuse, before anything is sent, an endpoint the app does not have and a ``-p`` value
    of the wrong type for its ``/info`` schema (``start=abc`` where start is an integer)."""
    target = resolve(session_ref)
    found = target.info.find_endpoint(endpoint)
    if found is None:
        if target.info.why_unusable(endpoint):
            return  # the call says which endpoint and why
        raise endpoint_not_found(endpoint.strip().lstrip("/"), target.info.endpoint_names, target.app_url)
    for spec in found[1].get("parameters") or []:
        name = spec.get("parameter_name") or ""
        if name not in values:
            continue
        kind = (spec.get("type") or {}).get("type") if isinstance(spec.get("type"), dict) else None
        wanted = _KINDS.get(str(kind))
        value = values[name]
        if wanted is None or value is None:
            continue
        if not isinstance(value, wanted[0]) or (kind == "boolean") != isinstance(value, bool):
            raise click.BadParameter(
                f"{name} is {wanted[1]} ({kind} in the app's /info), not {json.dumps(value)}",
                param_hint=f"-p {name}",
            )


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")  # NaN and Infinity stay text, as strict JSON says


def event_json(result: GradioApiEventResult) -> dict[str, Any]:
    return {"num": result.num, "ts": result.ts.isoformat(), "event": result.event, "data": result.data}


def _stream(
    call: SessionApiEvent, session_ref: Any, max_heartbeats: int | None, as_json: bool, cancel: bool = True
) -> None:
    """Print each event the moment it arrives (see :func:`_stream_events`); the library's own
    log of the app's messages is quiet meanwhile, since they are printed here."""
    app_log = logging.getLogger("powershai_py.app")
    was = app_log.disabled
    app_log.disabled = True
    try:
        _stream_events(call, session_ref, max_heartbeats, as_json, cancel)
    finally:
        app_log.disabled = was


def _stream_events(
    call: SessionApiEvent, session_ref: Any, max_heartbeats: int | None, as_json: bool, cancel: bool = True
) -> None:
    """Print each event the moment it arrives; exit 1 on an error event, 3 if the wait ran out.

    On a terminal, one status line on stderr tells where the call is (queued, running, its
    progress); the app's gr.Info and gr.Warning messages are lines of their own on stderr.
    With --json every event (status events included) is a JSON line on stdout.
    """
    from ..gradio.protocol.models import STATUS_EVENTS

    progress = Progress()
    beats = 0
    reader = ps.iter_gradio_session_api_result(call, max_heartbeats, session_ref, status=True)
    try:
        for result in reader:
            name = (result.event or "").lower()
            if name == "heartbeat":
                beats += 1
                if call.queue.stage in ("queued", "running") and call.api_event.transport == "queue":
                    progress.show(f"/{call.api_name}: {call.queue.describe()} · {beats} heartbeats")
                else:
                    progress.show(f"waiting for /{call.api_name}: {beats} heartbeats")
                continue
            if as_json:
                progress.clear()
                json_line(event_json(result))
            elif name == "log" and isinstance(result.data, dict):
                progress.clear()
                level = str(result.data.get("level") or "info")
                say(f"/{call.api_name} {level}: {result.data.get('message')}", err=True)
            elif name in STATUS_EVENTS:
                progress.show(f"/{call.api_name}: {call.queue.describe()}")
                continue
            else:
                progress.clear()
                say(f"#{result.num:<3} {result.event or '':<10} {compact(result.data, 200)}")
            sys.stdout.flush()
    except KeyboardInterrupt:
        # This process is the only one that can read the stream, and it is ending: cancel the
        # call on the server (unless --no-cancel) and close it, so the store says what happened.
        progress.clear()
        from ..gradio.protocol.results import close_gradio_api_event, stop_gradio_api

        said = "interrupted"
        if cancel and call.status != "complete":
            try:
                if stop_gradio_api(call.api_event):
                    said = "interrupted and cancelled on the server"
            except PowershaiError as exc:
                said = f"interrupted (not cancelled on the server: {exc.message})"
        close_gradio_api_event(call.api_event)
        reader.close()
        say(
            f"powershai-py: the call {call.id} was {said}; its {call.api_event.last_event_num} "
            "events read are kept (see 'powershai-py calls list')",
            err=True,
        )
        raise SystemExit(EXIT_CODES["interrupted"]) from None  # said once, here
    progress.clear()
    call.raise_for_outcome(resolve(session_ref).info.version)


@main.command()
@click.argument("endpoint", shell_complete=complete_endpoint)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter (repeat).")
@session_option
@click.option("--url", help="Call this app directly, without a stored session.")
@click.option("--token", help="Use this token (default: $HF_API_TOKEN, $HF_TOKEN).")
@click.option("--public", is_flag=True, help="Send no token at all.")
@click.option(
    "--manual", is_flag=True, help="Only start the call; print its event id (read it with 'update')."
)
@click.option(
    "--max-heartbeats", type=click.IntRange(min=1), help="Stop waiting after N heartbeats in a row."
)
@transport_option
@click.option("--no-cancel", is_flag=True, help="On Ctrl-C, leave the call running on the server.")
@json_option
@click.pass_context
def call(
    ctx: click.Context,
    endpoint: str,
    params: tuple[str, ...],
    session_ref: str,
    url: str | None,
    token: str | None,
    public: bool,
    manual: bool,
    max_heartbeats: int | None,
    transport: str | None,
    no_cancel: bool,
    as_json: bool,
) -> None:
    """Call ENDPOINT and print its events as they arrive.

    Values are JSON when they parse (5, true, ["a"]), else text; -p file=@path uploads a
    local file.

    \b
    Examples:
      powershai-py call greet -p name=Ana
      powershai-py call --url http://127.0.0.1:7860 shout_file -p path=@notes.txt
      powershai-py call countdown --manual      # then: powershai-py update EVENT_ID
    """
    if token and public:
        raise click.UsageError("give --token or --public, not both")
    values = dict(parse_param(item) for item in params)
    chosen = "public" if public else token
    if url:
        from ..gradio.sessions.store import MemoryStore, use_store

        use_store(MemoryStore())
        session_ref = ps.new_gradio_session(url, "cli", token=chosen, auth=app_login(ctx, url)).name
    else:
        open_store(ctx)
    check_params(session_ref, endpoint, values)  # also attaches the --auth login to the stored session
    started = ps.invoke_gradio_dynamic_api(
        endpoint, session_ref, params=values, manual=True, api_token=chosen, transport=transport
    )
    if manual:
        emit(
            {"event_id": started.id, "api_name": "/" + started.api_name},  # as 'calls list' shows it
            as_json,
            ["event_id", "api_name"],
            [[started.id, "/" + started.api_name]],
        )
        return
    _stream(started, session_ref, max_heartbeats, as_json, cancel=not no_cancel)


@main.command()
@click.argument("event_ids", nargs=-1, required=True, shell_complete=complete_event_id)
@session_option
@json_option
@click.pass_context
def cancel(ctx: click.Context, event_ids: tuple[str, ...], session_ref: str, as_json: bool) -> None:
    """Cancel calls on the server: a queued call leaves the queue, a running generator stops.

    \b
    Example:
      powershai-py call countdown -p start=100 -p delay=1 --manual   # prints EVENT_ID
      powershai-py cancel EVENT_ID
    """
    open_store(ctx)
    resolve(session_ref)  # attaches the --auth login to the stored session
    stopped = {item.id for item in ps.stop_gradio_session_api(list(event_ids), session_ref)}
    calls = {item.id: item for item in ps.get_gradio_session_api(session_ref)}
    rows = [
        {
            "event_id": event_id,
            "cancelled": event_id in stopped,
            "last_query_status": calls[event_id].api_event.last_query_status,  # unknown ids raised above
        }
        for event_id in event_ids
    ]
    columns = ["event_id", "cancelled", "last_query_status"]
    emit(rows, as_json, columns, [[row[c] for c in columns] for row in rows])


@main.command()
@click.argument("event_id", shell_complete=complete_event_id)
@session_option
@click.option(
    "--max-heartbeats", type=click.IntRange(min=1), help="Stop waiting after N heartbeats in a row."
)
@json_option
@click.pass_context
def update(
    ctx: click.Context, event_id: str, session_ref: str, max_heartbeats: int | None, as_json: bool
) -> None:
    """Read the events of a call started earlier (e.g. with call --manual).

    A call's stream can be read once: by the process that reads it first.

    \b
    Example:
      powershai-py update 3f2a9c... --session demo
    """
    open_store(ctx)
    resolve(session_ref)  # attaches the --auth login to the stored session
    found = [c for c in ps.get_gradio_session_api(session_ref) if c.id == event_id]
    if not found:
        raise InvalidEvent(
            f"Event with id {event_id} not found in session {session_ref!r}: see 'powershai-py calls list'",
            code="POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
        )
    call = found[0]
    with warnings.catch_warnings():
        if call.done and call_state(call) != "done":
            # cancelled, failed, lost: its outcome says it all, without "nothing more to read" besides
            warnings.simplefilter("ignore", ps.PowershaiWarning)
        _stream(call, session_ref, max_heartbeats, as_json)


@main.group()
@click.pass_context
def calls(ctx: click.Context) -> None:
    """List and remove the calls a session keeps."""
    open_store(ctx)


# How a call stands, in one word: its last read, then whether the server finished it.
_STATE_OF_READ = {"Cancelled": "cancelled", "Interrupted": "interrupted", "error": "failed",
                  "ConnectionLost": "lost", "ProtocolError": "lost", "Closed": "removed"}  # fmt: skip


def call_state(item: SessionApiEvent) -> str:
    """``done``, ``failed``, ``cancelled``, ``interrupted``, ``lost``, ``removed`` or ``running``
    (started, not over: ``update EVENT_ID`` reads on)."""
    state = _STATE_OF_READ.get(str(item.api_event.last_query_status or ""))
    if state is not None:
        return state
    if item.api_event.error:
        return "failed"
    return "done" if item.status == "complete" else "running"


def call_row(item: SessionApiEvent) -> dict[str, Any]:
    return {
        "event_id": item.id,
        "api_name": "/" + item.api_name,
        "state": call_state(item),
        "status": item.status,
        "last_query_status": item.api_event.last_query_status,
        "events_read": item.api_event.last_event_num,
        "last_data": item.last_data,
        "error": item.api_event.error,
    }


@calls.command("list")
@session_option
@json_option
def calls_list(session_ref: str, as_json: bool) -> None:
    """List a session's calls, oldest first.

    \b
    Example:
      powershai-py calls list --session demo --json
    """
    rows = [call_row(c) for c in ps.get_gradio_session_api(session_ref)]
    columns = ["event_id", "api_name", "state", "events_read"]
    table = [[row[c] for c in columns] + [compact(row["last_data"], 40)] for row in rows]
    emit(rows, as_json, [*columns, "last_data"], table)


@calls.command("remove")
@click.argument("targets", nargs=-1, required=True, shell_complete=complete_call_target)
@session_option
@click.option("--force", is_flag=True, help="Also remove unfinished calls (cancelled on the server first).")
@click.option("--eligible", is_flag=True, help="Only list what would be removed.")
@json_option
def calls_remove(
    targets: tuple[str, ...], session_ref: str, force: bool, eligible: bool, as_json: bool
) -> None:
    """Remove calls: event ids, 'clean' (the finished ones) or 'all'.

    \b
    Example:
      powershai-py calls remove clean
    """
    chosen = ps.remove_gradio_session_api(list(targets), session_ref, force=force, eligible=eligible)
    rows = [call_row(c) for c in chosen]
    emit(
        rows,
        as_json,
        ["event_id", "api_name", "state"],
        [[r["event_id"], r["api_name"], r["state"]] for r in rows],
    )
