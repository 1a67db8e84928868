"""The README's Python snippets, run as written against the bundled demo app.

Each ```python block runs in a fresh interpreter, in an empty folder, with only the demo
app's address changed from http://127.0.0.1:7860 to the port the fixture chose. A block
that fails here fails for a reader too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RunningApp, free_port, running, start_app, stop_app, wait_ready

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
# Blocks that need what a test machine has not got, with the reason; everything else runs.
NOT_RUN = {
    'get_hf_space("owner/name")': "needs a Space on the Hugging Face Hub (tests/test_hub.py covers it "
    "against a local Hub)",
}


def scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty folder to run in, and an environment whose temporary folder (where the
    snippets' mkdtemp and mktemp write) is beside it, inside the test's own folder."""
    here, temporary = tmp_path / "here", tmp_path / "tmp"
    here.mkdir()
    temporary.mkdir()
    return here, {**os.environ, "TMPDIR": str(temporary)}


def runnable() -> list[tuple[int, str]]:
    return [(n, block) for n, block in enumerate(BLOCKS, 1) if not any(mark in block for mark in NOT_RUN)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    logs = tmp_path_factory.mktemp("demo")
    with running([start_app(ROOT / "scripts" / "demo_app.py", logs / "demo.log")]) as (app,):
        yield app


def test_the_readme_has_snippets_and_only_named_ones_are_left_out():
    assert len(BLOCKS) >= 4
    assert len(BLOCKS) - len(runnable()) == len(NOT_RUN)  # each exclusion matches one block, no more


@pytest.mark.parametrize(("number", "code"), runnable(), ids=[f"block{n}" for n, _ in runnable()])
def test_a_readme_snippet_runs_as_written(demo, tmp_path, number, code):
    assert "http://127.0.0.1:7860" in code or "compat" in code, "a snippet that talks to no app?"
    source = code.replace("http://127.0.0.1:7860", demo.url)
    here, env = scratch(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", source], cwd=here, capture_output=True, text=True, timeout=180, env=env
    )
    assert done.returncode == 0, f"README block {number} failed:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    assert done.stdout.strip(), f"README block {number} printed nothing"


# --- the examples of every `powershai-py ... --help` ----------------------------------------------

HELP_PAGES = [[], ["info"], ["session", "new"], ["session", "list"], ["session", "show"], ["session", "set"],
              ["session", "remove"], ["call"], ["update"], ["calls", "list"], ["calls", "remove"], ["upload"],
              ["download"], ["cancel"], ["batch"], ["mcp"]]  # fmt: skip
EVENT_ID = re.compile(r"\b[0-9a-f]{32}\b")
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _examples(page: list[str]) -> list[str]:
    """The command lines under "Example" in a help page, as a user would copy them."""
    from click.testing import CliRunner

    from powershai_py.cli import main

    text = CliRunner().invoke(main, [*page, "--help"]).output
    block = text.split("Example", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in block.splitlines()[1:] if line.strip().startswith("powershai-py")]


@pytest.mark.parametrize("page", HELP_PAGES, ids=lambda p: " ".join(p) or "main")
def test_every_help_example_runs_against_the_demo_app(demo, tmp_path, page):
    """Each help page's examples, in order, in a fresh store: those that need a session, a call
    or a file get them first (the demo session, a countdown started with --manual, a file the
    app made), and a placeholder id is the id such a call printed."""
    import shlex

    env = {**os.environ, "POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    (tmp_path / "notes.txt").write_text("three\nshort\nlines\n")
    (tmp_path / "picture.png").write_bytes(TINY_PNG)
    (tmp_path / "names.jsonl").write_text('{"name": "Ana"}\n["Bo"]\n')

    def run(line: str) -> str:
        args = shlex.split(line.replace("http://127.0.0.1:7860", demo.url), comments=True)[1:]
        done = subprocess.run(
            [sys.executable, "-m", "powershai_py", *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
        )  # fmt: skip  (no input: a server over stdio, `mcp`, ends at once)
        assert done.returncode == 0, f"{line!r} failed:\n{done.stderr}"
        return done.stdout

    examples = _examples(page)
    assert examples, "a help page without an example"
    ids = {}
    if not any(" session new " in f" {line} " for line in examples):
        run("powershai-py session new http://127.0.0.1:7860 --name demo")
        ids["file"] = EVENT_ID.findall(run("powershai-py call shout_file -p path=@notes.txt --manual"))[0]
        run(f"powershai-py update {ids['file']}")  # the app has made its file
        ids["manual"] = EVENT_ID.findall(run("powershai-py call countdown --manual"))[0]
    for line in examples:
        placeholder = "file" if line.startswith("powershai-py download") else "manual"
        line = line.replace("3f2a9c...", ids.get(placeholder, "")).replace("EVENT_ID", ids.get("manual", ""))
        printed = run(line)
        if "--manual" in line:
            ids["manual"] = EVENT_ID.findall(printed)[0]


@pytest.mark.parametrize(("number", "code"), runnable(), ids=[f"block{n}" for n, _ in runnable()])
def test_a_readme_snippet_pastes_into_the_repl_twice_and_leaves_no_file(demo, tmp_path, number, code):
    """Pasted into the plain `python` prompt (where a `for` needs a blank line after it), twice
    in a row in the same folder: no error either time, and nothing written in that folder."""
    source = code.replace("http://127.0.0.1:7860", demo.url)
    here, env = scratch(tmp_path)
    for attempt in (1, 2):
        done = subprocess.run(
            [sys.executable, "-i", "-q"],  # the interactive prompt, reading what is pasted
            input=source + "\n",
            cwd=here,
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
        problems = [line for line in done.stderr.splitlines() if "Error" in line or "Traceback" in line]
        assert not problems, f"README block {number}, paste {attempt}:\n{done.stderr[-3000:]}"
        assert done.stdout.strip(), f"README block {number} printed nothing"
    assert list(here.iterdir()) == [], "a README snippet wrote into the folder it ran in"


CONSOLE = re.findall(r"```console\n(.*?)```", README, flags=re.S)[0]


def _tokens(text: str) -> list[list[str]]:
    """Lines as words, event ids, versions and table rules made alike (they differ from run to run)."""
    text = re.sub(r"\b[0-9a-f]{32}\b", "<id>", text)
    text = re.sub(r"\b\d+\.\d+\.\d+\b", "<version>", text)
    text = re.sub(r"-{3,}", "---", text)  # a table's rule is as wide as its widest cell
    return [line.split() for line in text.strip().splitlines()]


def test_the_readme_console_session_replays_line_for_line(demo, tmp_path):
    """The first console session of the README, command by command, against the demo app in
    an empty store: the same lines come out (event ids and the Gradio version aside); then
    once more in the same store, where every command works again."""
    steps = re.split(r"^\$ ", CONSOLE, flags=re.M)[1:]
    env = {**os.environ, "POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}  # fmt: skip
    ids: dict[str, str] = {}
    for attempt in (1, 2):  # a second time in the same store: every command works again
        for step in steps:
            command, _, expected = step.partition("\n")
            for written, real in ids.items():
                command = command.replace(written, real)
            command = command.replace("http://127.0.0.1:7860", demo.url)
            done = subprocess.run(["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=120, env=env)  # fmt: skip  (as a terminal shows both)
            shown = done.stdout.replace(demo.url, "http://127.0.0.1:7860")
            if attempt == 1:
                assert _tokens(shown) == _tokens(expected), f"$ {command}\n{shown}"
            else:  # the same commands, more calls in the store: each works as it did
                assert "Traceback" not in shown and ("exit 2" in shown) == ("exit 2" in expected), shown
            if "--manual" in command:  # the README's later lines name this call by its id
                [written] = re.findall(r"\b[0-9a-f]{32}\b", expected)
                ids[written] = re.findall(r"\b[0-9a-f]{32}\b", done.stdout)[0]


def test_the_demo_app_takes_a_port_and_says_when_it_is_busy(tmp_path):
    """`scripts/demo --serve --port N` runs scripts/demo_app.py with those arguments (after
    installing, which this test does not repeat): on a port in use, one clear line and exit 2
    (was: a traceback from Gradio after 19 s); on a free one, the app answers there."""
    import socket

    app_script = str(ROOT / "scripts" / "demo_app.py")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        refused = subprocess.run([sys.executable, app_script, "--port", str(busy)],
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
    assert refused.returncode == 2 and f"port {busy} is in use" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    port = free_port()
    log = (tmp_path / "demo.log").open("w")
    child = subprocess.Popen([sys.executable, app_script, "--port", str(port)], stdout=log,
                             stderr=subprocess.STDOUT)  # fmt: skip
    app = RunningApp(url=f"http://127.0.0.1:{port}", process=child, log=tmp_path / "demo.log")
    try:
        assert wait_ready(app).version  # the demo app answers on the port asked for
    finally:
        stop_app(app)
        log.close()
    assert 'exec "$VENV/bin/python" scripts/demo_app.py "$@"' in (ROOT / "scripts" / "demo").read_text()


SHELL_BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
# The quick start's own commands (they build .venv and run the whole suite) are not replayed here.
CLI_EXAMPLES = [b for b in SHELL_BLOCKS if "scripts/" not in b]


def test_the_readme_cli_examples_run_twice_and_leave_no_file(demo, tmp_path):
    """Every ```bash block with powershai-py commands, as written (the demo app's address
    aside), twice in a row in one store: both runs succeed, and the folder it ran in stays
    empty (the issue-27 acceptance)."""
    assert CLI_EXAMPLES, "the README has no CLI example?"
    folder, env = scratch(tmp_path)
    env.update(POWERSHAI_PY_STORE=str(tmp_path / "store.sqlite3"),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])  # fmt: skip
    for block in CLI_EXAMPLES:
        script = "set -e\n" + block.replace("http://127.0.0.1:7860", demo.url)
        for attempt in (1, 2):
            done = subprocess.run(["bash", "-c", script], cwd=folder, capture_output=True, text=True,
                                  timeout=180, env=env)  # fmt: skip
            assert done.returncode == 0, f"attempt {attempt}:\n{block}\n{done.stderr[-2000:]}"
            assert "Hello, Ana!" in done.stdout or "demo" in done.stdout
    assert list(folder.iterdir()) == []
