"""``batch``: one endpoint over every line of a JSONL or CSV file, results as JSONL, resumable."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

import click

import powershai_py as ps

from .app import app_login, json_option, main, open_store, resolve
from .calls import parse_param
from .exits import EXIT_CODES
from .terminal import emit, say


def read_inputs(source: IO[str], csv_format: bool) -> Iterator[Any]:
    """The inputs of a batch, one at a time. JSONL: an object is named parameters, a list
    positional ones. CSV: the header names the parameters; a cell is JSON when it parses,
    else text, and ``@path`` is a local file (uploaded where the endpoint takes a file)."""
    if csv_format:
        for row in csv.DictReader(source):
            yield {name: parse_param(f"{name}={cell or ''}")[1] for name, cell in row.items() if name}
        return
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise click.UsageError(f"input line {number} is not JSON ({exc})") from None
        if not isinstance(value, (dict, list)):
            raise click.UsageError(
                f"input line {number} is a {type(value).__name__}: give an object (named "
                "parameters) or a list (positional ones)"
            )
        yield value


def repair_output(path: Path) -> set[int]:
    """The indexes already written to ``path``; a last line torn by a kill is cut off."""
    if not path.exists():
        return set()
    raw = path.read_bytes()
    whole = raw[: raw.rfind(b"\n") + 1]
    if len(whole) != len(raw):
        with path.open("r+b") as handle:
            handle.truncate(len(whole))
    written: set[int] = set()
    for number, line in enumerate(whole.decode("utf-8").splitlines(), 1):
        try:
            written.add(int(json.loads(line)["index"]))
        except (ValueError, KeyError, TypeError):
            raise click.UsageError(
                f"{path} line {number} is not a result line of a batch: is it the output of this run?"
            ) from None
    return written


@main.command()
@click.argument("endpoint")
@click.option(
    "--session", "session_names", metavar="NAME", multiple=True, help="A stored session (repeat: replicas)."
)
@click.option("--url", "urls", metavar="URL", multiple=True, help="An app's URL (repeat: replicas).")
@click.option(
    "--input", "input_path", required=True, metavar="FILE|-", help="JSONL or CSV inputs; - is stdin."
)
@click.option(
    "--output", "output_path", required=True, type=click.Path(path_type=Path), help="Results, JSONL."
)
@click.option(
    "--concurrency", type=click.IntRange(1, 256), default=None, help="Calls in flight (4 per replica)."
)
@click.option(
    "--retries",
    type=click.IntRange(0, 100),
    default=3,
    show_default=True,
    help="Tries after a transient failure.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(0),
    default=600.0,
    show_default=True,
    help="Seconds to wait for GPU quotas in all.",
)
@click.option("--resume", is_flag=True, help="Continue the run of this --output after a crash or Ctrl-C.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress line on stderr (default: when stderr is a terminal).",
)
@json_option
@click.pass_context
def batch(
    ctx: click.Context,
    endpoint: str,
    session_names: tuple[str, ...],
    urls: tuple[str, ...],
    input_path: str,
    output_path: Path,
    concurrency: int | None,
    retries: int,
    max_wait: float,
    resume: bool,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Call ENDPOINT once per input and write one JSON line per input as it finishes.

    Exit 0 when every input is ok, 1 when some failed, 130 on Ctrl-C (then --resume goes on:
    nothing finished runs again, nothing is lost). The journal is OUTPUT.journal. Several
    --url (or --session) serving the same app share the inputs: the least busy takes the
    next one, and one that fails is set aside while the others go on.

    \b
    Example:
      powershai-py batch greet --url http://127.0.0.1:7860 --input names.jsonl --output out.jsonl
      powershai-py batch greet --url http://127.0.0.1:7860 --input names.jsonl --output out.jsonl --resume
    """
    if bool(session_names) == bool(urls):
        raise click.UsageError("give --session NAME or --url URL (either may be repeated), not both")
    journal = output_path.with_name(output_path.name + ".journal")
    if not resume and ((output_path.exists() and output_path.stat().st_size) or journal.exists()):
        raise click.UsageError(
            f"{output_path} (or its journal) exists: add --resume to continue that run, "
            "or choose another --output"
        )
    written = repair_output(output_path) if resume else set()
    if session_names:
        open_store(ctx)
        targets = [resolve(name) for name in session_names]
    else:
        targets = [
            ps.new_gradio_session(url, f"batch-{number}", auth=app_login(ctx, url))
            for number, url in enumerate(urls, 1)
        ]
    source: IO[str] = sys.stdin if input_path == "-" else _open_input(input_path)
    csv_format = input_path.lower().endswith(".csv")
    counts = {"ok": 0, "failed": 0}
    results = ps.map_gradio_session_api(
        endpoint,
        read_inputs(source, csv_format),
        targets,
        concurrency=concurrency,
        retries=retries,
        journal=journal,
        max_wait=max_wait,
        progress=sys.stderr.isatty() if progress is None else progress,
        total=None if input_path == "-" else _count(input_path, csv_format),
        wake=partial(ps.wake_gradio_session, timeout=max_wait),
    )
    try:
        with output_path.open("a", encoding="utf-8") as out:
            for result in results:
                counts["ok" if result.ok else "failed"] += 1
                if result.index not in written:
                    out.write(json.dumps(result.line(), ensure_ascii=False, default=str) + "\n")
                    out.flush()
    except KeyboardInterrupt:
        results.close()
        done = counts["ok"] + counts["failed"]
        say(f"powershai-py: interrupted after {done} inputs; run again with --resume to go on", err=True)
        ctx.exit(EXIT_CODES["interrupted"])
    finally:
        if source is not sys.stdin:
            source.close()
    if as_json:  # the summary for scripts, on stdout (the results are in OUTPUT)
        emit({**counts, "output": str(output_path)}, True)
    else:
        say(f"powershai-py: {counts['ok']} ok, {counts['failed']} failed", err=True)
    ctx.exit(EXIT_CODES["ok"] if not counts["failed"] else EXIT_CODES["app_error"])


def _open_input(path: str) -> IO[str]:
    try:
        return io.open(path, encoding="utf-8", newline="")  # noqa: UP020 (newline for csv)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint="--input") from None


def _count(path: str, csv_format: bool) -> int:
    """How many inputs the file holds (read once, line by line), for the time left."""
    with _open_input(path) as source:
        lines = sum(1 for line in source if line.strip())
    return max(0, lines - 1) if csv_format else lines
