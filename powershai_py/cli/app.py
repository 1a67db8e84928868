"""The ``powershai-py`` group: its options, its error handling (one line, a documented exit
code), the client each command runs with, and what commands share (store, session, login).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
import powershai_py as ps

from ..errors import (
    PowershaiError,
)

if TYPE_CHECKING:
    from ..gradio.protocol.models import GradioSession
from .exits import (
    EXIT_CODES,
    PASSWORD_ENV,
    STORE_ENV,
    cli_words,
    exit_code_for,
)
from .terminal import (
    SafeFormatter,
    say,
    show_warning,
)

# The main group's options, and whether each takes a value: accepted anywhere on the line.
GLOBAL_OPTIONS = {"-v": False, "--verbose": False, "--store": True, "--auth": True}


def hoist_global_options(args: list[str]) -> list[str]:
    """Move the global options found after the subcommand to the front (pure); what follows
    ``--`` is left alone."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            rest += args[i:]
            break
        name = word.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            takes = GLOBAL_OPTIONS[name] and "=" not in word
            front += args[i : i + 1 + takes]
            i += 1 + takes
            continue
        rest.append(word)
        i += 1
    return front + rest


class Group(click.Group):
    """Turns every error into one line on stderr and a documented exit code."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "powershai-py"
            say(f"powershai-py: {error.format_message()} (see '{where} --help')", err=True)
            sys.exit(EXIT_CODES["usage"])
        except click.ClickException as error:
            say(f"powershai-py: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort as error:
            if isinstance(error.__context__, KeyboardInterrupt):
                say("powershai-py: interrupted", err=True)
                sys.exit(EXIT_CODES["interrupted"])
            say("powershai-py: aborted", err=True)
            sys.exit(EXIT_CODES["usage"])
        except KeyboardInterrupt:
            say("powershai-py: interrupted", err=True)
            sys.exit(EXIT_CODES["interrupted"])
        sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Global options are taken after the subcommand too (``call greet -v``)."""
        if ctx.parent is None:
            args = hoist_global_options(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PowershaiError as error:
            fail(ctx, cli_words(error), exit_code_for(error))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # a bug: say so in one line, the traceback with --verbose
            fail(ctx, f"internal error: {type(error).__name__}: {error}", EXIT_CODES["internal"])


def fail(ctx: click.Context, message: str, code: int) -> NoReturn:
    if verbose(ctx):
        traceback.print_exc()
    say(f"powershai-py: {message}", err=True)
    ctx.exit(code)


def verbose(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("verbose")) if root is not None else False


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables."
)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    handler.setFormatter(SafeFormatter("%(name)s: %(message)s" if verbose else "powershai-py: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])
    # urllib3's own lines repeat ours (each request is logged once, by powershai_py); its retry
    # notes are left out unless verbose: the final error says what went wrong
    logging.getLogger("urllib3").setLevel(logging.WARNING if verbose else logging.ERROR)
    if not verbose:
        warnings.showwarning = show_warning
    # the command's own client (the library's globals stay as they are): the app's warnings
    # are printed here, once, as lines; its store is chosen by the command (open_store)
    from ..client import Client

    client = ctx.with_resource(Client(app_warnings="log"))
    ctx.obj = {"store_path": store, "auth": auth, "client": client}


def open_store(ctx: click.Context) -> None:
    from ..gradio.sessions.store import use_store
    from ..gradio.storage.sqlite_store import SQLiteStore

    root = ctx.find_root()
    if root.obj.get("opened"):
        return
    use_store(SQLiteStore(root.obj.get("store_path")))
    root.obj["opened"] = True


def resolve(session: Any) -> GradioSession:
    from ..gradio.sessions.sessions import resolve_session

    found = resolve_session(session)
    login = app_login(click.get_current_context(), found.app_url)
    if login is not None:
        found.login = login  # this process only: the store never keeps a login
    return found


def app_login(ctx: click.Context, app_url: str) -> Any:
    """The login of ``--auth`` for the app at ``app_url`` (None without --auth)."""
    given = ctx.find_root().obj.get("auth")
    if not given:
        return None
    from ..gradio.protocol.login import login_for

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


_TRANSPORT_HELP = (
    "How calls reach the app: 'queue' (also tells the place in the queue, progress and the app's "
    "messages), 'call' (POST /call) or 'auto' (the queue where the app's /config lists the "
    "endpoint, else /call)."
)
transport_option = click.option(
    "--transport", type=click.Choice(["auto", "call", "queue"], case_sensitive=False), help=_TRANSPORT_HELP
)
