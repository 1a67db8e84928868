"""``migrate`` and ``ps``: the PowerShell side (the compat package, loaded only here)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

# The library is loaded when a command needs it (powershai_py's exports are lazy), so that
# `powershai-py --help` starts fast.
import powershai_py as ps

if TYPE_CHECKING:
    from ..gradio.protocol.models import GradioSession, SessionApiEvent
from .app import (
    json_option,
    main,
    open_store,
)
from .calls import call_row, event_json
from .sessions import dot_name, session_row
from .terminal import (
    compact,
    emit,
    json_line,
    say,
)

# --- PowerShell: the compat package, loaded only by these two commands ---------------------------------


@main.command()
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "target", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@json_option
def migrate(script: Path, target: Path | None, as_json: bool) -> None:
    """Translate a PowerShell script that uses PowershAI's cmdlets into Python.

    Lines it cannot translate are kept as '# TODO(migrate):' comments. With -o, the files
    the script dot-sources are translated too and written beside it; a Pester file becomes
    a pytest module. --json: what was done as JSON (without -o: the source in "python").

    \b
    Example:
      powershai-py migrate call-space.ps1 -o call_space.py
      powershai-py migrate app.tests.ps1 -o test_app.py
    """
    compat = importlib.import_module("powershai_py.compat")
    text = script.read_text(encoding="utf-8-sig", errors="replace")
    if target is None:
        source = compat.translate(text, path=script)
        if as_json:
            pester = "import pytest" in source
            emit({"python": source, "todo": compat.todo_count(source), "pester": pester}, True)
        else:
            click.echo(source, nl=False)
        return
    others: dict[str, str] = {}
    source = compat.translate(text, path=script, files=others)
    for name in others:  # never write over a file that an earlier migrate did not write
        beside = target.parent / name
        if beside.exists() and HEADER_MARK not in beside.read_text(encoding="utf-8", errors="replace")[:300]:
            raise click.UsageError(f"{beside} exists and was not written by migrate: move it, then run again")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    for name, other in others.items():
        (target.parent / name).write_text(other, encoding="utf-8")
    todo = sum(text.count("# TODO(migrate):") for text in [source, *others.values()])
    files = [str(target), *(str(target.parent / name) for name in others)]
    if as_json:
        emit({"written": files, "todo": todo, "pester": "import pytest" in source}, True)
        return
    left = f" ({todo} lines to finish by hand: see TODO(migrate))" if todo else ""
    say(f"wrote {', '.join(files)}{left}")
    if "import pytest" in source:
        say(f"a Pester file: run its tests with pytest {target}")


HEADER_MARK = "Translated from PowerShell by powershai-py migrate"


def _show_object(item: GradioSession | SessionApiEvent, as_json: bool) -> None:
    """A session or a call that a PowerShell line gave: as ``session show`` / ``calls list`` show it."""
    row = session_row(item, dot_name()) if isinstance(item, ps.GradioSession) else call_row(item)
    if as_json:
        json_line(row)
    else:
        from tabulate import tabulate

        say(
            tabulate(
                [(key, value if isinstance(value, str) else compact(value)) for key, value in row.items()],
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
    open_store(ctx)
    compat = importlib.import_module("powershai_py.compat")
    result = compat.run(line)
    for note in result.notes:
        say(f"powershai-py: note: {note}", err=True)
    for text in result.host:
        say(text)
    for item in result.output:
        plain = compat.unwrap(item)
        if isinstance(plain, (ps.GradioSession, ps.SessionApiEvent)):
            _show_object(plain, as_json)
            continue
        if as_json:  # one JSON line per output, written by the one JSON writer
            json_line(event_json(plain) if isinstance(plain, ps.GradioApiEventResult) else plain)
        elif isinstance(plain, ps.GradioApiEventResult):
            say(f"#{plain.num:<3} {plain.event or '':<10} {compact(plain.data)}")
        else:
            say(plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False, default=str))
