"""``powershai-py``: call Gradio apps from a shell. Each command calls one library function.

Sessions and calls live in a SQLite store (``--store``, ``$POWERSHAI_PY_STORE``, or the
platform's state folder), so a call made by one command can be read by the next.

Exit codes: 0 success; 1 the app answered with an error event; 2 bad input (usage, a bad
``-p`` value, a missing file, a bad option value); 3 a connection, HTTP, protocol or
timeout problem; 4 not found (session, endpoint or call); 5 an unexpected internal error;
130 interrupted (Ctrl-C), as shells expect.

Everything printed passes through :func:`terminal_safe`: a server's text (an error, an
event id, a file name) cannot move the cursor, retitle the window or hide what it says.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import sys
import traceback
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
import powershai_py as ps

from .errors import (
    CallFailed,
    ConnectionLost,
    EndpointNotFound,
    FileSaveError,
    HttpError,
    InvalidEvent,
    PowershaiError,
    ProtocolError,
    RequestTimeout,
    SessionBusy,
    SessionNotFound,
    StillRunning,
    StreamLost,
    Unsupported,
    ValidationError,
)

if TYPE_CHECKING:
    from .gradio.protocol.models import GradioApiEventResult, GradioSession, SessionApiEvent

STORE_ENV = "POWERSHAI_PY_STORE"  # also in gradio/sqlite_store.py
PASSWORD_ENV = "POWERSHAI_PY_PASSWORD"  # the password of --auth USER

__all__ = ["main", "parse_param", "EXIT_CODES", "ERROR_EXITS"]

EXIT_CODES = {
    "ok": 0,
    "app_error": 1,
    "usage": 2,
    "connection": 3,
    "not_found": 4,
    "internal": 5,
    "local_file": 6,
    "interrupted": 130,
}


# C0 and C1 control characters, DEL, and the bidirectional overrides that can reorder text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character but newline and tab written as an escape (``\\x1b``)."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def _json_safe(text: str) -> str:
    """JSON text with the control characters json.dumps leaves raw (DEL, C1, bidi) escaped."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json_line(value: Any) -> None:
    """``value`` as one line of JSON on stdout: valid JSON, with no raw control character."""
    click.echo(_json_safe(json.dumps(value, ensure_ascii=False, default=str)))


def _say(text: str, err: bool = False, nl: bool = True) -> None:
    click.echo(terminal_safe(text), err=err, nl=nl)


# The library's advice names Python arguments; a shell user needs the flag or the command.
CLI_WORDS = (
    ("pass auth=(user, password) (CLI: --auth USER)", "use --auth USER"),
    ("pass token=..., or set HF_TOKEN", "use --token, or set HF_TOKEN"),
    ("or pass force=True to replace it", "or use --force to replace it"),
    ("pass overwrite=True or another destination", "use --overwrite, or another --dest"),
    ("open one with new_gradio_session, or choose one with set_gradio_session(name, default=True)",
     "open one with 'powershai-py session new URL', or choose one with 'powershai-py session set NAME "
     "--default'"),
    ("remove_gradio_session_api('clean'), or raise the limit or change the policy with "
     "set_gradio_session(max_calls=..., max_calls_policy=...)",
     "'powershai-py calls remove clean', or raise the limit or change the policy with "
     "'powershai-py session set NAME --max-calls N --policy error|warning|remove'"),
    ("see 'calls list' or get_gradio_session_api for the ids", "see 'powershai-py calls list' for the ids"),
    ("(see get_gradio_session_api)", "(see 'powershai-py calls list')"),
    ("(None is a value too)", "(-p NAME=null sends an empty value)"),
    ("Remove finished calls with remove_gradio_session_api('clean')",
     "Remove finished calls with 'powershai-py calls remove clean'"),
    ("Open it without stateful=True, or with transport 'auto' or 'queue'",
     "Open it without --stateful, or with --transport auto or queue"),
)  # fmt: skip


_DYNAMIC_CALL = re.compile(r"invoke_gradio_dynamic_api\('([^']*)'\)")


class _SafeFormatter(logging.Formatter):
    """Log lines with every control character written as an escape (see :func:`terminal_safe`)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


def _show_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
    """A warning as one line on stderr, in the command line's words (no Python file and line)."""
    _say(f"powershai-py: warning: {cli_words(str(message))}", err=True)


def cli_words(message: str) -> str:
    """``message`` with the Python advice of the library said in the command line's words."""
    for python, shell in CLI_WORDS:
        message = message.replace(python, shell)
    return _DYNAMIC_CALL.sub(r"'powershai-py call \1'", message)


# The exit code of each kind of library error: the first class the error is an instance of
# gives it (a class before its bases). tests/test_cli.py checks the README's table against it.
ERROR_EXITS: tuple[tuple[type[PowershaiError], str], ...] = (
    (ValidationError, "usage"),  # an HttpError, but the app refused the input: bad input
    (CallFailed, "app_error"),  # CallCancelled too
    (SessionNotFound, "not_found"),
    (EndpointNotFound, "not_found"),
    (InvalidEvent, "not_found"),
    (FileSaveError, "local_file"),
    (HttpError, "connection"),  # AuthenticationRequired, QueueFull, RedirectError too
    (ConnectionLost, "connection"),
    (RequestTimeout, "connection"),
    (ProtocolError, "connection"),
    (StreamLost, "connection"),
    (StillRunning, "connection"),
    (SessionBusy, "connection"),
    (Unsupported, "connection"),
    (PowershaiError, "usage"),  # PathNotFound, SessionExists, MaxCallsReached, the rest
)


def exit_code_for(error: PowershaiError) -> int:
    """The documented exit code of a library error (see :data:`ERROR_EXITS`)."""
    kind = next(kind for cls, kind in ERROR_EXITS if isinstance(error, cls))
    return EXIT_CODES[kind]


class _Group(click.Group):
    """Turns every error into one line on stderr and a documented exit code."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "powershai-py"
            _say(f"powershai-py: {error.format_message()} (see '{where} --help')", err=True)
            sys.exit(EXIT_CODES["usage"])
        except click.ClickException as error:
            _say(f"powershai-py: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort as error:
            if isinstance(error.__context__, KeyboardInterrupt):
                _say("powershai-py: interrupted", err=True)
                sys.exit(EXIT_CODES["interrupted"])
            _say("powershai-py: aborted", err=True)
            sys.exit(EXIT_CODES["usage"])
        except KeyboardInterrupt:
            _say("powershai-py: interrupted", err=True)
            sys.exit(EXIT_CODES["interrupted"])
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PowershaiError as error:
            _fail(ctx, cli_words(str(error)), exit_code_for(error))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # a bug: say so in one line, the traceback with --verbose
            _fail(ctx, f"internal error: {type(error).__name__}: {error}", EXIT_CODES["internal"])


def _fail(ctx: click.Context, message: str, code: int) -> NoReturn:
    if _verbose(ctx):
        traceback.print_exc()
    _say(f"powershai-py: {message}", err=True)
    ctx.exit(code)


def _verbose(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("verbose")) if root is not None else False


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables."
)


def _emit(data: Any, as_json: bool, headers: Iterable[str] = (), rows: Iterable[Iterable[Any]] = ()) -> None:
    from tabulate import tabulate

    if as_json:
        click.echo(_json_safe(json.dumps(data, ensure_ascii=False, default=str, indent=2)))
    else:
        _say(tabulate(list(rows), headers=list(headers)))


def _compact(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Progress:
    """A one-line indicator on stderr, shown only when both stdout and stderr are terminals."""

    def __init__(self) -> None:
        self.active = sys.stdout.isatty() and sys.stderr.isatty()
        self.shown = False

    def show(self, text: str) -> None:
        if self.active:
            click.echo(f"\r\033[K{terminal_safe(text)}", err=True, nl=False)
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            click.echo("\r\033[K", err=True, nl=False)
            self.shown = False


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=STORE_ENV,
    help="The session store file (default: $XDG_STATE_HOME/powershai-py/store.sqlite3).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what the library does, and show tracebacks.")
@click.option(
    "--auth",
    "auth",
    metavar="USER[:PASSWORD]",
    help="Log in to an app launched with auth=...: the password comes after a colon, else from "
    f"${PASSWORD_ENV}, else from a hidden prompt. Never stored.",
)
@click.version_option(ps.__version__, prog_name="powershai-py")
@click.pass_context
def main(ctx: click.Context, store: Path | None, verbose: bool, auth: str | None) -> None:
    """Call Gradio apps (Hugging Face Spaces or your own) from the shell, the PowershAI way.

    Open a session once, then call its endpoints; sessions and calls are kept in a store,
    so later commands (and other shells) can use them.

    \b
    Example:
      powershai-py session new http://127.0.0.1:7860 --name demo
      powershai-py call greet -p name=Ana
      powershai-py calls list
    """
    # Every log line goes through the terminal escaper: an app's gr.Warning is server text
    handler = logging.StreamHandler()
    handler.setFormatter(_SafeFormatter("%(name)s: %(message)s" if verbose else "powershai-py: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])
    if not verbose:
        warnings.showwarning = _show_warning
    # the command's own client (the library's globals stay as they are): the app's warnings
    # are printed here, once, as lines; its store is chosen by the command (_open_store)
    from .client import Client

    ctx.with_resource(Client(app_warnings="log"))
    ctx.obj = {"store_path": store, "auth": auth}


def _open_store(ctx: click.Context) -> None:
    from .gradio.sessions.store import use_store
    from .gradio.storage.sqlite_store import SQLiteStore

    root = ctx.find_root()
    if root.obj.get("opened"):
        return
    use_store(SQLiteStore(root.obj.get("store_path")))
    root.obj["opened"] = True


def _resolve(session: Any) -> GradioSession:
    from .gradio.sessions.sessions import resolve_session

    found = resolve_session(session)
    login = _login(click.get_current_context(), found.app_url)
    if login is not None:
        found.login = login  # this process only: the store never keeps a login
    return found


def _login(ctx: click.Context, app_url: str) -> Any:
    """The login of ``--auth`` for the app at ``app_url`` (None without --auth)."""
    given = ctx.find_root().obj.get("auth")
    if not given:
        return None
    from .gradio.protocol.login import login_for

    user, colon, password = given.partition(":")
    if not colon:
        password = os.environ.get(PASSWORD_ENV) or ""
        if not password:
            if not sys.stdin.isatty():
                raise click.UsageError(
                    f"--auth {user}: give the password as {user}:PASSWORD or in ${PASSWORD_ENV}"
                )
            password = click.prompt(f"password of {user}", hide_input=True, err=True)
    return login_for(app_url, (user, password))


# --- info ---------------------------------------------------------------------------------------


def _describe(parameter: dict[str, Any]) -> str:
    text = f"{parameter.get('parameter_name')}: {(parameter.get('python_type') or {}).get('type', '')}"
    if parameter.get("parameter_has_default"):
        text += f" = {parameter.get('parameter_default')!r}"
    return text


@main.command()
@click.argument("app")
@json_option
@click.pass_context
def info(ctx: click.Context, app: str, as_json: bool) -> None:
    """List an app's endpoints and their parameters (APP: a URL or a session name).

    \b
    Example:
      powershai-py info http://127.0.0.1:7860
    """
    if not app.lower().startswith(("http://", "https://")):
        _open_store(ctx)
    if app.lower().startswith(("http://", "https://")):
        result = ps.get_gradio_info(app, auth=_login(ctx, app))
    else:
        result = ps.get_gradio_info(_resolve(app))
    rows = [
        (
            "/" + name.lstrip("/"),
            ", ".join(_describe(p) for p in spec.get("parameters") or []),
            ", ".join(str(r.get("component")) for r in spec.get("returns") or []),
        )
        for name, spec in result.named_endpoints.items()
    ]
    rows += [(name, f"cannot be called: {why}", "") for name, why in result.unusable_endpoints.items()]
    data = {
        "app_url": result.real_app_url,
        "version": result.version,
        "endpoints": result.named_endpoints,
        "unusable_endpoints": result.unusable_endpoints,
    }
    _emit(data, as_json, ["endpoint", "parameters", "returns"], rows)


# --- sessions --------------------------------------------------------------------------------------


@main.group()
@click.pass_context
def session(ctx: click.Context) -> None:
    """Open, list, change and remove sessions."""
    _open_store(ctx)


def _session_row(item: GradioSession, default: str | None) -> dict[str, Any]:
    from .gradio.sessions.policy import effective_limit

    return {
        "name": item.name,
        "default": default is not None and default.casefold() == item.name.casefold(),
        "app_url": item.app_url,
        "version": item.info.version,
        "calls": len(item.api_calls.all_events),
        "max_calls": effective_limit(item.option("MaxCalls")),  # the limit in force (0 means the default)
        "policy": item.option("MaxCallsPolicy"),
        "transport": item.option("Transport") or "auto",
        "stateful": item.stateful,
        "session_id": item.session_id,
    }


def _print_sessions(sessions: list[GradioSession], as_json: bool) -> None:
    from .gradio.sessions.store import current_store

    default = current_store().get_default()
    rows = [_session_row(s, default) for s in sessions]
    columns = ["name", "default", "app_url", "version", "calls", "max_calls", "policy"]
    _emit(rows, as_json, columns, [[row[c] for c in columns] for row in rows])


_TRANSPORT_HELP = (
    "How calls reach the app: 'queue' (also tells the place in the queue, progress and the app's "
    "messages), 'call' (POST /call) or 'auto' (the queue where the app's /config lists the "
    "endpoint, else /call)."
)
transport_option = click.option(
    "--transport", type=click.Choice(["auto", "call", "queue"], case_sensitive=False), help=_TRANSPORT_HELP
)


@session.command("new")
@click.argument("url")
@click.option("--name", help="The session's name (default: the app's URL).")
@click.option("--download-path", type=click.Path(file_okay=False), help="Save file outputs in this folder.")
@click.option("--stateful", is_flag=True, help="Share gr.State between calls.")
@click.option("--force", is_flag=True, help="Replace a session of that name.")
@click.option("--token", help="Token for opening a private app (never stored).")
@transport_option
@json_option
def session_new(
    url: str,
    name: str | None,
    download_path: str | None,
    stateful: bool,
    force: bool,
    token: str | None,
    transport: str | None,
    as_json: bool,
) -> None:
    """Open a session on the app at URL.

    \b
    Example:
      powershai-py session new http://127.0.0.1:7860 --name demo
    """
    login = _login(click.get_current_context(), url)
    created = ps.new_gradio_session(
        url, name, download_path, force, stateful=stateful, token=token, auth=login, transport=transport
    )
    _print_sessions([created], as_json)


@session.command("list")
@click.argument("pattern", required=False)
@json_option
def session_list(pattern: str | None, as_json: bool) -> None:
    """List sessions, or those whose name or URL match PATTERN (a glob).

    \b
    Example:
      powershai-py session list 'de*'
    """
    found = ps.get_gradio_session(pattern or "*", like=pattern is not None)
    _print_sessions(found if isinstance(found, list) else [found], as_json)


@session.command("show")
@click.argument("name", default=".")
@json_option
def session_show(name: str, as_json: bool) -> None:
    """Show one session (NAME, or '.' for the default one) and its endpoints.

    \b
    Example:
      powershai-py session show demo
    """
    found = _resolve(name)
    from .gradio.sessions.store import current_store

    row = _session_row(found, current_store().get_default())
    row["endpoints"] = found.info.endpoint_names
    if as_json:
        _emit(row, True)
    else:
        from tabulate import tabulate

        _say(tabulate([(key, value) for key, value in row.items()], tablefmt="plain"))


@session.command("set")
@click.argument("name", default=".")
@click.option("--default", "make_default", is_flag=True, help="Make it the default session ('.').")
@click.option(
    "--max-calls",
    type=click.IntRange(min=0),
    help="How many calls the session keeps before --policy applies (0 means the default, 10).",
)
@click.option(
    "--policy",
    type=click.Choice(["error", "warning", "remove"], case_sensitive=False),
    help="Past --max-calls: refuse the call (error), warn and go on (warning), or drop the oldest (remove).",
)
@transport_option
@json_option
def session_set(
    name: str,
    make_default: bool,
    max_calls: int | None,
    policy: str | None,
    transport: str | None,
    as_json: bool,
) -> None:
    """Change a session's options, or make it the default; print it.

    \b
    Example:
      powershai-py session set demo --default --max-calls 20 --policy remove
      powershai-py session set demo --transport queue
    """
    ps.set_gradio_session(name, make_default, max_calls, policy, transport)
    _print_sessions([_resolve(name)], as_json)


@session.command("remove")
@click.argument("names", nargs=-1, required=True)
@json_option
def session_remove(names: tuple[str, ...], as_json: bool) -> None:
    """Remove sessions: names, '*' for all, '.' for the default one; print those removed.

    \b
    Example:
      powershai-py session remove demo
    """
    gone = [item.name for item in ps.remove_gradio_session(list(names))]
    _emit(gone, as_json, ["removed"], [[name] for name in gone])


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


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not JSON")  # NaN and Infinity stay text, as strict JSON says


def _event_json(result: GradioApiEventResult) -> dict[str, Any]:
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
    from .gradio.protocol.models import STATUS_EVENTS

    progress = _Progress()
    beats = 0
    reader = ps.update_gradio_session_api_result(call, max_heartbeats, session_ref, stream=True, status=True)
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
                _json_line(_event_json(result))
            elif name == "log" and isinstance(result.data, dict):
                progress.clear()
                level = str(result.data.get("level") or "info")
                _say(f"/{call.api_name} {level}: {result.data.get('message')}", err=True)
            elif name in STATUS_EVENTS:
                progress.show(f"/{call.api_name}: {call.queue.describe()}")
                continue
            else:
                progress.clear()
                _say(f"#{result.num:<3} {result.event or '':<10} {_compact(result.data, 200)}")
            sys.stdout.flush()
    except KeyboardInterrupt:
        # This process is the only one that can read the stream, and it is ending: cancel the
        # call on the server (unless --no-cancel) and close it, so the store says what happened.
        progress.clear()
        from .gradio.protocol.calls import close_gradio_api_event, stop_gradio_api

        said = "interrupted"
        if cancel and call.status != "complete":
            try:
                if stop_gradio_api(call.api_event):
                    said = "interrupted and cancelled on the server"
            except PowershaiError as exc:
                said = f"interrupted (not cancelled on the server: {exc.message})"
        close_gradio_api_event(call.api_event)
        reader.close()
        _say(
            f"powershai-py: the call {call.id} was {said}; its {call.api_event.last_event_num} "
            "events read are kept (see 'powershai-py calls list')",
            err=True,
        )
        raise
    progress.clear()
    call.raise_for_outcome(_resolve(session_ref).info.version)


@main.command()
@click.argument("endpoint")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter (repeat).")
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
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
        from .gradio.sessions.store import MemoryStore, use_store

        use_store(MemoryStore())
        session_ref = ps.new_gradio_session(url, "cli", token=chosen, auth=_login(ctx, url)).name
    else:
        _open_store(ctx)
    _resolve(session_ref)  # attaches the --auth login to the stored session
    started = ps.invoke_gradio_dynamic_api(
        endpoint, session_ref, params=values, manual=True, api_token=chosen, transport=transport
    )
    if manual:
        _emit(
            {"event_id": started.id, "api_name": "/" + started.api_name},  # as 'calls list' shows it
            as_json,
            ["event_id", "api_name"],
            [[started.id, "/" + started.api_name]],
        )
        return
    _stream(started, session_ref, max_heartbeats, as_json, cancel=not no_cancel)


@main.command()
@click.argument("event_ids", nargs=-1, required=True)
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
@json_option
@click.pass_context
def cancel(ctx: click.Context, event_ids: tuple[str, ...], session_ref: str, as_json: bool) -> None:
    """Cancel calls on the server: a queued call leaves the queue, a running generator stops.

    \b
    Example:
      powershai-py call countdown -p start=100 -p delay=1 --manual   # prints EVENT_ID
      powershai-py cancel EVENT_ID
    """
    _open_store(ctx)
    _resolve(session_ref)  # attaches the --auth login to the stored session
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
    _emit(rows, as_json, columns, [[row[c] for c in columns] for row in rows])


@main.command()
@click.argument("event_id")
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
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
    _open_store(ctx)
    _resolve(session_ref)  # attaches the --auth login to the stored session
    found = [c for c in ps.get_gradio_session_api(session_ref) if c.id == event_id]
    if not found:
        raise InvalidEvent(
            f"Event with id {event_id} not found in session {session_ref!r}: see 'powershai-py calls list'",
            code="POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
        )
    _stream(found[0], session_ref, max_heartbeats, as_json)


@main.group()
@click.pass_context
def calls(ctx: click.Context) -> None:
    """List and remove the calls a session keeps."""
    _open_store(ctx)


def _call_row(item: SessionApiEvent) -> dict[str, Any]:
    return {
        "event_id": item.id,
        "api_name": "/" + item.api_name,
        "status": item.status,
        "last_query_status": item.api_event.last_query_status,
        "events_read": item.api_event.last_event_num,
        "last_data": item.last_data,
        "error": item.api_event.error,
    }


@calls.command("list")
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
@json_option
def calls_list(session_ref: str, as_json: bool) -> None:
    """List a session's calls, oldest first.

    \b
    Example:
      powershai-py calls list --session demo --json
    """
    rows = [_call_row(c) for c in ps.get_gradio_session_api(session_ref)]
    columns = ["event_id", "api_name", "status", "last_query_status", "events_read"]
    table = [[row[c] for c in columns] + [_compact(row["last_data"], 40)] for row in rows]
    _emit(rows, as_json, [*columns, "last_data"], table)


@calls.command("remove")
@click.argument("targets", nargs=-1, required=True)
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
@click.option("--force", is_flag=True, help="Remove targeted calls even when not finished.")
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
    chosen = ps.remove_gradio_session_api(list(targets), force, eligible, session_ref)
    rows = [_call_row(c) for c in chosen]
    _emit(
        rows,
        as_json,
        ["event_id", "api_name", "status"],
        [[r["event_id"], r["api_name"], r["status"]] for r in rows],
    )


# --- files -------------------------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
@json_option
@click.pass_context
def upload(ctx: click.Context, paths: tuple[str, ...], session_ref: str, as_json: bool) -> None:
    """Upload local files to the session's app and print their FileData.

    \b
    Example:
      powershai-py upload notes.txt picture.png
    """
    _open_store(ctx)
    progress = _Progress()
    progress.show(f"uploading {len(paths)} file(s)...")
    try:
        sent = ps.send_gradio_session_files(list(paths), _resolve(session_ref))
    finally:
        progress.clear()
    _emit(sent, as_json, ["orig_name", "path"], [[f.get("orig_name"), f.get("path")] for f in sent])


@main.command()
@click.argument("event_id")
@click.option("-s", "--session", "session_ref", default=".", help="The session (default: '.').")
@click.option(
    "-d",
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="The folder to save into (default: here).",
)
@click.option("--overwrite", is_flag=True, help="Replace files that exist.")
@json_option
@click.pass_context
def download(
    ctx: click.Context, event_id: str, session_ref: str, dest: Path, overwrite: bool, as_json: bool
) -> None:
    """Save the files a call returned (its last result) into a folder.

    \b
    Example:
      powershai-py download 3f2a9c... --dest out/
    """
    _open_store(ctx)
    owner = _resolve(session_ref)
    found = [c for c in ps.get_gradio_session_api(owner) if c.id == event_id]
    if not found:
        raise InvalidEvent(
            f"Event with id {event_id} not found in session {owner.name!r}",
            code="POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
        )
    from .gradio.sessions.session_files import filedata_in

    files = filedata_in(found[0].last_data)
    if not files:
        raise PowershaiError(
            f"the last result of {event_id} holds no file (read it first with 'update')",
            code="POWERSHAI_GRADIO_FILE_INVALID",
        )
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = exc.strerror or exc
        raise FileSaveError(f"cannot create the folder {str(dest)!r}: {why}", path=str(dest)) from None
    saved = [
        str(ps.download_gradio_file(owner.app_url, f, dest, overwrite=overwrite, auth=owner.login))
        for f in files
    ]
    _emit(saved, as_json, ["saved"], [[path] for path in saved])


# --- PowerShell: the compat package, loaded only by these two commands ---------------------------------


@main.command()
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "target", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
def migrate(script: Path, target: Path | None) -> None:
    """Translate a PowerShell script that uses PowershAI's cmdlets into Python.

    Lines it cannot translate are kept as '# TODO(migrate):' comments.

    \b
    Example:
      powershai-py migrate call-space.ps1 -o call_space.py
    """
    compat = importlib.import_module("compat")
    source = compat.translate(script.read_text(encoding="utf-8-sig", errors="replace"))
    if target is None:
        click.echo(source, nl=False)
    else:
        target.write_text(source, encoding="utf-8")
        todo = source.count("# TODO(migrate):")
        _say(f"wrote {target}" + (f" ({todo} lines to finish by hand: see TODO(migrate))" if todo else ""))


def _show_object(item: GradioSession | SessionApiEvent, as_json: bool) -> None:
    """A session or a call that a PowerShell line gave: as ``session show`` / ``calls list`` show it."""
    if isinstance(item, ps.GradioSession):
        from .gradio.sessions.store import current_store

        row = _session_row(item, current_store().get_default())
    else:
        row = _call_row(item)
    if as_json:
        _json_line(row)
    else:
        from tabulate import tabulate

        _say(
            tabulate(
                [(key, value if isinstance(value, str) else _compact(value)) for key, value in row.items()],
                tablefmt="plain",
            )
        )


@main.command("ps")
@click.argument("line")
@json_option
@click.pass_context
def ps_line(ctx: click.Context, line: str, as_json: bool) -> None:
    """Run a PowerShell line (a subset) with the ported cmdlets, on the stored sessions.

    \b
    Example:
      powershai-py ps 'Invoke-GradioSessionApi greet @{name="Ana"} | Update-GradioSessionApiResult'
    """
    _open_store(ctx)
    compat = importlib.import_module("compat")
    result = compat.run(line)
    for note in result.notes:
        _say(f"powershai-py: note: {note}", err=True)
    for text in result.host:
        _say(text)
    for item in result.output:
        plain = compat.unwrap(item)
        if isinstance(plain, (ps.GradioSession, ps.SessionApiEvent)):
            _show_object(plain, as_json)
            continue
        if as_json:  # one JSON line per output, written by the one JSON writer
            _json_line(_event_json(plain) if isinstance(plain, ps.GradioApiEventResult) else plain)
        elif isinstance(plain, ps.GradioApiEventResult):
            _say(f"#{plain.num:<3} {plain.event or '':<10} {_compact(plain.data)}")
        else:
            _say(plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False, default=str))


def run() -> None:
    """Entry point of the console script."""
    main(prog_name="powershai-py")
