"""How PowerShell names become Python ones, and the commands compat treats itself: one set of
rules for the runner (which looks members up at run time) and the translator (which writes
them), so the two never disagree."""

from __future__ import annotations

import builtins
import keyword

from powershai_py.gradio.proxies.names import snake_name

__all__ = ["member_name", "variable_name", "mapped_switch", "FOREACH", "WHERE", "NOOP_COMMANDS", "MAPPED"]

FOREACH = {"foreach-object", "%", "foreach"}
WHERE = {"where-object", "?", "where"}
# Commands of PowershAI's scripts that have nothing to do here, and why (a note in both back ends).
_IMPORTED = "nothing to do in Python (powershai_py is imported)"
NOOP_COMMANDS = {
    "import-module": _IMPORTED, "install-module": _IMPORTED, "ipmo": _IMPORTED,
    "set-aiprovider": "nothing to do: this port has no chat providers; the Hugging Face functions are "
    "always there",
    "switch-powershaisetting": "nothing to do: this port keeps no named settings; tokens come from the "
    "environment or token=, sessions from the Client's store",
}  # fmt: skip
# Commands with an obvious Python twin: what the translation writes for them is in translator.py.
MAPPED = {
    "convertfrom-json", "convertto-json", "write-host", "write-output", "echo", "out-null",
    "start-sleep", "sleep", "get-date", "join-path", "test-path", "get-help", "help",
}  # fmt: skip


def mapped_switch(name: str) -> bool:
    """The switches of the mapped commands (``-Compress``, ``-AsHashtable``, Get-Help's ``-Full``...)."""
    return name.casefold().startswith(("comp", "as", "full", "detailed", "examples", "online"))


# Names the translated script itself uses: a variable of the script never takes them.
_TAKEN = {"compat", "output", "result", "item", "value", "os", "time", "datetime", "contextlib"}


def member_name(name: str) -> str:
    """A member or method as Python spells it: ``AllEvents`` -> ``all_events``,
    ``LastQueryStatus`` -> ``last_query_status`` (``class`` -> ``class_``)."""
    text = snake_name(name) or "_"
    if text[0].isdigit():
        text = "_" + text
    return text + "_" if keyword.iskeyword(text) else text


def variable_name(name: str) -> str:
    """A variable or function of the script: as :func:`member_name`, and never one of the
    names Python or the translated script already use (``$output`` -> ``output_``)."""
    text = member_name(name)
    return text + "_" if text in _TAKEN or text in vars(builtins) else text
