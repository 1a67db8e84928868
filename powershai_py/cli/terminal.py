"""What the command prints: every line through one escaper (server text cannot drive the
terminal), JSON through one writer, tables, and the live status line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from .exits import cli_words

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.


if TYPE_CHECKING:
    pass


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character but newline and tab written as an escape (``\\x1b``)."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def json_safe(text: str) -> str:
    """JSON text with the control characters json.dumps leaves raw (DEL, C1, bidi) escaped."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_line(value: Any) -> None:
    """``value`` as one line of JSON on stdout: valid JSON, with no raw control character."""
    click.echo(json_safe(json.dumps(value, ensure_ascii=False, default=str)))


def say(text: str, err: bool = False, nl: bool = True) -> None:
    click.echo(terminal_safe(text), err=err, nl=nl)


# The library's advice names Python arguments; a shell user needs the flag or the command.


class SafeFormatter(logging.Formatter):
    """Log lines with every control character written as an escape (see :func:`terminal_safe`)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


def show_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
    """A warning as one line on stderr, in the command line's words (no Python file and line)."""
    say(f"powershai-py: warning: {cli_words(message)}", err=True)


def emit(data: Any, as_json: bool, headers: Iterable[str] = (), rows: Iterable[Iterable[Any]] = ()) -> None:
    from tabulate import tabulate

    if as_json:
        click.echo(json_safe(json.dumps(data, ensure_ascii=False, default=str, indent=2)))
    else:
        say(tabulate(list(rows), headers=list(headers)))


def compact(value: Any, limit: int = 80) -> str:
    """``value`` as JSON on one line, cut to ``limit`` characters for a terminal; whole when
    stdout is not a terminal (piped into a file or another program, nothing is cut)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= limit or not sys.stdout.isatty():
        return text
    return text[: limit - 1] + "…"


class Progress:
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
