"""``powershai-py``: call Gradio apps from a shell. Each command calls one library function.

Sessions and calls live in a SQLite store (``--store``, ``$POWERSHAI_PY_STORE``, or the
platform's state folder), so a call made by one command can be read by the next. The exit
codes are in :mod:`.exits` (and the README); everything printed passes through
:func:`~.terminal.terminal_safe`: a server's text cannot move the cursor, retitle the window
or hide what it says.

One module per concern: :mod:`.app` (the group, its options and error handling),
:mod:`.terminal` (output), :mod:`.exits` (exit codes and the command line's words), and the
commands: :mod:`.sessions`, :mod:`.calls`, :mod:`.files`, :mod:`.powershell`, :mod:`.batch`,
:mod:`.agent_tools` (``mcp``).
"""

from __future__ import annotations

from . import agent_tools, batch, calls, files, powershell, sessions  # noqa: F401 (they add their commands to main)
from .app import main
from .calls import parse_param
from .exits import ERROR_EXITS, EXIT_CODES, cli_words, exit_code_for
from .terminal import terminal_safe

__all__ = [
    "main",
    "run",
    "parse_param",
    "EXIT_CODES",
    "ERROR_EXITS",
    "exit_code_for",
    "cli_words",
    "terminal_safe",
]


def run() -> None:
    """Entry point of the console script."""
    main(prog_name="powershai-py")
