"""The powershai-py command: arguments with CliRunner, the end-to-end path in real processes."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.cli import main, parse_param
from powershai_py.gradio.storage.sqlite_store import APPLICATION_ID

COMMANDS = [
    [],
    ["info"],
    ["session"],
    ["session", "new"],
    ["session", "list"],
    ["session", "show"],
    ["session", "set"],
    ["session", "remove"],
    ["call"],
    ["update"],
    ["calls"],
    ["calls", "list"],
    ["calls", "remove"],
    ["upload"],
    ["download"],
    ["cancel"],
]


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "store.sqlite3"
    monkeypatch.setenv("POWERSHAI_PY_STORE", str(path))
    return path


def cli(*args: str, env: dict[str, str] | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the real console entry point in a new process."""
    result = subprocess.run(
        [sys.executable, "-m", "powershai_py", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


# --- help and arguments (CliRunner) --------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "main")
def test_every_help_reads_well_and_shows_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    if command not in (["session"], ["calls"]):
        assert "Example" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name=Ana", ("name", "Ana")),
        ("times=3", ("times", 3)),
        ("flag=true", ("flag", True)),
        ('items=["a", "b"]', ("items", ["a", "b"])),
        ("text=a=b", ("text", "a=b")),
        ("empty=", ("empty", "")),
        ('quoted="3"', ("quoted", "3")),
    ],
)
def test_parameters_are_json_when_they_parse(text, expected):
    assert parse_param(text) == expected


def test_an_at_sign_is_a_local_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("x")
    assert parse_param(f"file=@{target}") == ("file", target)


@given(st.text())
def test_the_param_parser_either_parses_or_says_why(text):
    import click

    try:
        name, _ = parse_param(text)
    except click.BadParameter as error:
        assert "NAME=VALUE" in error.message or "no such file" in error.message
    else:
        assert name and "=" in text


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["bogus"], 2, "No such command"),
        (["call", "echo", "-p", "novalue"], 2, "NAME=VALUE"),
        (["call", "echo", "-p", "file=@/no/such/file"], 2, "no such file"),
        (["session", "set", "--policy", "never"], 2, "never"),
        (["call", "echo", "--token", "t", "--public"], 2, "not both"),
        (["call", "echo", "-s", "ghost"], 4, "no session named 'ghost'"),
        (["update", "some-id"], 4, "GETSESSIONS_DEFAULT"),
    ],
)
def test_bad_input_is_one_line_and_its_exit_code(store, args, code, words):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("powershai-py: ") and words in lines[0]
    assert "Traceback" not in result.output


def test_a_corrupt_store_is_reported_and_left_alone(tmp_path):
    broken = tmp_path / "store.sqlite3"
    broken.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(main, ["--store", str(broken), "session", "list"])
    assert result.exit_code == 2 and "POWERSHAI_STORE_CORRUPT" in result.output
    assert broken.read_bytes() == b"not a database at all" * 100


def test_a_newer_store_is_reported_and_left_alone(tmp_path):
    newer = tmp_path / "store.sqlite3"
    with sqlite3.connect(newer) as db:  # a store of ours, written by a later version
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 99")
    before = newer.read_bytes()
    result = CliRunner().invoke(main, ["--store", str(newer), "session", "list"])
    assert result.exit_code == 2 and "POWERSHAI_STORE_NEWER" in result.output
    assert newer.read_bytes() == before


# --- end to end, one process per command, against a real server ----------------------------------


def test_create_call_update_and_list_across_processes(lab, store):
    cli("session", "new", lab.url, "--name", "lab", check=True)
    endpoints = cli("info", "lab", check=True).stdout
    assert "/greet" in endpoints and "name: str = 'World'" in endpoints
    assert json.loads(cli("info", lab.url, "--json", check=True).stdout)["app_url"] == lab.api_url
    second = cli("call", "greet", "-p", "name=Ana", "-p", "times=2", check=True)
    assert "Hello Ana! Hello Ana!" in second.stdout and "complete" in second.stdout
    started = cli("call", "count_up", "-p", "n=3", "--manual", "--json", check=True)
    event_id = json.loads(started.stdout)["event_id"]
    assert json.loads(started.stdout)["api_name"] == "/count_up"  # spelled as 'calls list' spells it
    third = cli("update", event_id, "--json", check=True)
    events = [json.loads(line) for line in third.stdout.splitlines()]
    assert [e["data"] for e in events if e["event"] != "heartbeat"][-1] == ["done"]
    assert [e["event"] for e in events][-1] == "complete"
    table = cli("calls", "list", check=True).stdout
    assert event_id in table and "/count_up" in table and " done " in table
    listed = json.loads(cli("calls", "list", "--json", check=True).stdout)
    assert [c["api_name"] for c in listed] == ["/greet", "/count_up"]
    assert listed[1]["last_data"] == ["done"] and listed[1]["status"] == "complete"
    again = cli("update", event_id)
    assert again.returncode == 0 and again.stdout == ""  # nothing more to read


def test_exit_codes_of_real_calls(lab, store):
    cli("session", "new", lab.url, "--name", "lab", check=True)
    failed = cli("call", "user_error", "-p", "text=x")
    assert failed.returncode == 1 and "error" in failed.stdout
    assert failed.stderr.startswith("powershai-py: POWERSHAI_GRADIO_CALL_ERROR")
    missing = cli("call", "no_such_endpoint")
    assert missing.returncode == 4 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    # one code for one failure, in Python and here; and no history lesson in the message
    assert missing.stderr.startswith("powershai-py: POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI: ")
    assert "kept for scripts" not in missing.stderr and "count_up" in missing.stderr
    verbose = cli("--verbose", "call", "no_such_endpoint")
    assert verbose.returncode == 4 and "Traceback" in verbose.stderr
    down = cli("call", "--url", "http://127.0.0.1:9", "echo")
    assert down.returncode == 3 and "POWERSHAI_HTTP_CONNECTION" in down.stderr
    assert "Connection(" not in down.stderr and "Retrying" not in down.stderr  # no urllib3 insides
    assert len(down.stderr.strip().splitlines()) == 1 and "Connection refused" in down.stderr


def test_values_are_checked_against_the_endpoints_types_before_sending(lab, store):
    cli("session", "new", lab.url, "--name", "lab", check=True)
    wrong = cli("call", "greet", "-p", "name=Ana", "-p", "times=abc")
    assert wrong.returncode == 2 and "times is a whole number (integer in the app's /info)" in wrong.stderr
    assert '"abc"' in wrong.stderr
    assert json.loads(cli("calls", "list", "--json", check=True).stdout) == []  # nothing was sent
    right = cli("call", "greet", "-p", "name=Ana", "-p", "times=2.0", "--json", check=True)
    assert "Hello Ana! Hello Ana!" in right.stdout  # a number where an integer goes: the app's to take


def test_removing_an_unfinished_call_needs_force_and_cancels_it_on_the_server(lab, store):
    cli("session", "new", lab.url, "--name", "lab", check=True)
    started = json.loads(cli("call", "count_up", "-p", "n=400", "--manual", "--json", check=True).stdout)
    kept = cli("calls", "remove", "all")
    assert kept.returncode == 0 and "1 unfinished call(s) kept: force (--force) cancels them" in kept.stderr
    assert [c["event_id"] for c in json.loads(cli("calls", "list", "--json", check=True).stdout)] == [
        started["event_id"]
    ]
    gone = cli("calls", "remove", "all", "--force", "--json", check=True)
    assert [c["event_id"] for c in json.loads(gone.stdout)] == [started["event_id"]]
    assert json.loads(gone.stdout)[0]["last_query_status"] == "Cancelled"  # stopped on the server
    assert json.loads(cli("calls", "list", "--json", check=True).stdout) == []


def test_one_shot_calls_store_nothing(lab, store):
    result = cli("call", "--url", lab.url, "echo", "-p", "text=once", "--json", check=True)
    assert json.loads(result.stdout.splitlines()[-1])["data"] == ["once"]
    assert json.loads(cli("session", "list", "--json", check=True).stdout) == []


def test_sessions_options_upload_and_download(lab, store, tmp_path):
    cli("session", "new", lab.url, "--name", "one", check=True)
    only = json.loads(cli("session", "list", "--json", check=True).stdout)
    assert only[0]["default"] is True  # the only session: '.' resolves to it
    table = cli("session", "list", check=True).stdout
    assert "transport" in table.splitlines()[0] and "auto" in table
    cli("session", "set", "one", "--max-calls", "0", check=True)  # 0: the default, as for a new session
    assert json.loads(cli("session", "show", "one", "--json", check=True).stdout)["max_calls"] == 100
    cli("session", "set", "one", "--max-calls", "100", check=True)
    cli("session", "new", lab.url, "--name", "two", check=True)
    cli("session", "set", "two", "--default", "--max-calls", "5", "--policy", "REMOVE", check=True)
    rows = json.loads(cli("session", "list", "--json", check=True).stdout)
    assert [(r["name"], r["default"], r["max_calls"], r["policy"]) for r in rows] == [
        ("one", False, 100, "warning"),
        ("two", True, 5, "remove"),
    ]
    assert json.loads(cli("session", "show", "--json", check=True).stdout)["name"] == "two"
    assert [r["name"] for r in json.loads(cli("session", "list", "t*", "--json", check=True).stdout)] == [
        "two"
    ]
    source = tmp_path / "notes ç.txt"
    source.write_text("hello")
    uploaded = json.loads(cli("upload", str(source), "--json", check=True).stdout)
    assert uploaded[0]["orig_name"] == "notes ç.txt"
    copied = cli("call", "copy_file", "-p", f"path=@{source}", "--manual", "--json", check=True)
    event_id = json.loads(copied.stdout)["event_id"]
    cli("update", event_id, check=True)
    out = tmp_path / "out"
    saved = json.loads(cli("download", event_id, "--dest", str(out), "--json", check=True).stdout)
    assert Path(saved[0]).read_text() == "hello" and Path(saved[0]).name == "copy of notes ç.txt"
    removed = json.loads(cli("calls", "remove", "clean", "--json", check=True).stdout)
    assert [r["event_id"] for r in removed] == [event_id]
    assert json.loads(cli("session", "remove", "*", "--json", check=True).stdout) == ["one", "two"]
    assert json.loads(cli("session", "list", "--json", check=True).stdout) == []


def test_a_token_is_never_written_to_the_store(lab, store):
    canary = "hf_canary_5f3e9a"
    cli("session", "new", lab.url, "--name", "t", "--token", canary, check=True)
    cli("call", "echo", "-p", "text=x", "--token", canary, check=True)  # (auth_header would echo it back)
    cli("call", "echo", "-p", "text=y", "--manual", check=True, env={"HF_TOKEN": canary})
    for path in store.parent.iterdir():
        assert canary.encode() not in path.read_bytes(), path


WORKER = textwrap.dedent(
    """
    import sys
    from powershai_py import invoke_gradio_session_api, new_gradio_session
    from powershai_py.gradio.storage.sqlite_store import SQLiteStore
    from powershai_py.gradio.sessions.store import use_store

    url, path, worker = sys.argv[1], sys.argv[2], sys.argv[3]
    use_store(SQLiteStore(path))
    for k in range(3):
        name = f"w{worker}-s{k}"
        new_gradio_session(url, name)
        for _ in range(5):
            invoke_gradio_session_api("echo", ["x"], session=name)
    """
)


def test_ten_processes_at_once_lose_no_write(lab, tmp_path):
    path = tmp_path / "shared.sqlite3"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, lab.url, str(path), str(n)], stderr=subprocess.PIPE)
        for n in range(10)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err.decode()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 30
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 150
        per_session = db.execute("SELECT COUNT(*) FROM calls GROUP BY session_id").fetchall()
    assert sorted(n for (n,) in per_session) == [5] * 30


def test_shell_completion_uses_clicks_mechanism():
    result = subprocess.run(
        [sys.executable, "-m", "powershai_py"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "_POWERSHAI_PY_COMPLETE": "bash_complete",
            "COMP_WORDS": "powershai-py ses",
            "COMP_CWORD": "1",
        },
    )
    assert "session" in result.stdout


def test_a_wait_that_runs_out_is_exit_3_and_shows_no_progress_when_piped(lab_beats, store):
    if lab_beats.major < 6:
        pytest.skip("needs fast heartbeats (Gradio 6)")
    cli("session", "new", lab_beats.url, "--name", "beats", check=True)
    result = cli("call", "nap", "-p", "seconds=3", "--max-heartbeats", "2")
    assert result.returncode == 3
    assert "still running after 2 heartbeats" in result.stderr
    assert "waiting for" not in result.stderr and "\r" not in result.stderr  # stdout is not a terminal


PYTHON_ADVICE = re.compile(r"\b[a-z_]+=(True|False|\.\.\.|\()|[a-z]+_gradio_[a-z_]+|\bNone\b")


def test_no_cli_message_names_a_python_argument(lab, lab_auth, store):
    said = []
    assert cli("session", "new", lab.url, "--name", "one").returncode == 0
    again = cli("session", "new", lab.url, "--name", "one")  # exists: the flag to use
    assert again.returncode == 2 and "--force" in again.stderr
    assert cli("session", "new", lab.url, "--name", "two").returncode == 0
    no_default = cli("call", "echo", "-p", "text=x")  # two sessions, no default
    assert "session set NAME --default" in no_default.stderr
    assert cli("session", "set", "one", "--default", "--max-calls", "1", "--policy", "error").returncode == 0
    assert cli("call", "echo", "-p", "text=x", "--manual").returncode == 0
    refused = cli("call", "echo", "-p", "text=y", "--manual")
    assert "calls remove clean" in refused.stderr and "--max-calls" in refused.stderr
    assert cli("session", "set", "one", "--policy", "warning").returncode == 0
    warned = cli("call", "echo", "-p", "text=z", "--manual")
    assert (
        warned.returncode == 0
        and "powershai-py: warning:" in warned.stderr
        and "calls remove clean" in warned.stderr
    )
    missing = cli("call", "echo")  # a required parameter
    assert "-p NAME=null" in missing.stderr
    unknown = cli("update", "0123abcd")
    assert "calls list" in unknown.stderr
    locked = cli("info", lab_auth.url)
    assert "--auth USER" in locked.stderr
    stateful = cli("session", "new", lab.url, "--name", "kept", "--stateful", "--transport", "call")
    assert stateful.returncode == (0 if lab.major >= 6 else 2)  # /call keeps no gr.State before 6
    cut = cli("call", "--url", lab.url, "user_error", "-p", "text=x")  # the app's text, every version
    assert cut.returncode == 1 and "user error: x" in cut.stderr
    said += [again.stderr, no_default.stderr, refused.stderr, warned.stderr, missing.stderr, unknown.stderr,
             locked.stderr, stateful.stderr, cut.stderr]  # fmt: skip
    assert [text for text in said if PYTHON_ADVICE.search(text)] == []


def test_the_test_suite_never_touches_the_users_store(tmp_path, requests_mock):
    """A store made by the README's ``powershai-py session new`` in the default place, or named
    by POWERSHAI_PY_STORE, keeps its sessions through tests that run the CLI in-process (which
    once emptied the user's real store)."""
    from powershai_py import new_gradio_session
    from powershai_py.gradio.protocol.app import forget_app
    from powershai_py.gradio.sessions.store import use_store
    from powershai_py.gradio.storage.sqlite_store import SQLiteStore

    state = tmp_path / "state"
    path = state / "powershai-py" / "store.sqlite3"
    base = "http://127.0.0.1:9"
    requests_mock.get(base + "/config", json={"version": "6.31.0", "api_prefix": "", "dependencies": []})
    requests_mock.get(base + "/info", json={"named_endpoints": {}, "unnamed_endpoints": {}})
    previous = use_store(SQLiteStore(path))
    try:
        new_gradio_session(base, "precious")
    finally:
        use_store(previous)
        forget_app(base)
    for env in ({"XDG_STATE_HOME": str(state)}, {"POWERSHAI_PY_STORE": str(path)}):
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cli.py",
             "-k", "test_every_help_reads_well"],
            capture_output=True, text=True, timeout=300, env={**os.environ, **env},
            cwd=Path(__file__).parent.parent,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stdout[-2000:]
        assert [s.name for s in SQLiteStore(path).all()] == ["precious"], env


GLOBALS = st.sampled_from([["-v"], ["--verbose"], ["--store", "s.db"], ["--auth=u:p"]])


@given(st.lists(st.sampled_from(["call", "greet", "-p", "name=Ana", "--json", "x"]), max_size=6),
       st.integers(0, 6), GLOBALS)  # fmt: skip
def test_global_options_are_moved_to_the_front_wherever_they_are(words, at, option):
    from powershai_py.cli.app import hoist_global_options

    line = words[:at] + option + words[at:]
    assert hoist_global_options(line) == option + words
    assert hoist_global_options([*words, "--", *option]) == [*words, "--", *option]  # after --: as given


def test_verbose_after_the_subcommand_logs_each_request_once(lab, store):
    cli("session", "new", lab.url, "--name", "lab", check=True)
    ran = cli("call", "echo", "-p", "text=x", "-v", check=True)
    requests_seen = [line for line in ran.stderr.splitlines() if line.startswith("powershai_py: ")]
    assert any("/config -> 200" in line for line in requests_seen)
    assert not any("urllib3" in line for line in ran.stderr.splitlines())  # one line per request
    assert not any("gradio_api/config" in line for line in requests_seen)  # no 404 probe each call


def test_output_that_is_not_a_terminal_is_never_cut(lab, store):
    long_text = "x" * 400 + "END"
    ran = cli("call", "--url", lab.url, "echo", "-p", f"text={long_text}", check=True)
    assert long_text in ran.stdout and "…" not in ran.stdout


def complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What the shell is offered on Tab after ``words`` (click's bash completion protocol)."""
    parts = words.split(" ")
    given = {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    given["_POWERSHAI_PY_COMPLETE"] = "bash_complete"
    done = cli(env={**given, **(env or {})})
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line]


def test_completion_offers_sessions_endpoints_and_event_ids_from_the_store(lab, store, tmp_path):
    cli("session", "new", lab.url, "--name", "lab", check=True)
    started = json.loads(cli("call", "echo", "-p", "text=x", "--manual", "--json", check=True).stdout)
    assert complete("powershai-py session show l") == ["lab"]
    assert complete("powershai-py call --session lab ec") == ["echo"]
    assert "count_up" in complete("powershai-py call ")
    assert complete("powershai-py update ") == [started["event_id"]]
    assert complete("powershai-py calls remove ") == ["all", "clean", started["event_id"]]
    missing = tmp_path / "none" / "store.sqlite3"
    assert complete("powershai-py call ", env={"POWERSHAI_PY_STORE": str(missing)}) == []
    assert not missing.parent.exists()  # completion never creates a store


def test_json_works_on_every_command_that_prints(tmp_path):
    """The README says --json works on any command: every command with output takes it."""
    from powershai_py.cli import main as group

    def commands(command, path=()):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from commands(sub, (*path, name))
        else:
            yield path, command

    lacking = [" ".join(path) for path, command in commands(group)
               if not any(p.name == "as_json" for p in command.params)]  # fmt: skip
    assert lacking == [], lacking
    script = tmp_path / "s.ps1"
    script.write_text("Get-GradioSession\n")
    made = cli("migrate", str(script), "-o", str(tmp_path / "s.py"), "--json", check=True)
    assert json.loads(made.stdout) == {"written": [str(tmp_path / "s.py")], "todo": 0, "pester": False}
