"""Trust, second round (issue 23): what a hostile app can do through the notebook, the login,
the queue and the terminal. Each test plays the hostile side with the local fault server (or a
real app where one can play it) and checks what the user gets.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from faultserver import FaultServer, end_chunks, events, send_bytes, send_json, start_event_stream, stream_of
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from powershai_py import (
    PowershaiError,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    send_gradio_api,
    update_gradio_api_result,
    update_gradio_session_api_result,
)
from powershai_py.gradio.protocol import display

FILEDATA = {"_type": "gradio.FileData"}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def send_png(handler, payload: bytes = PNG) -> None:
    send_bytes(handler, payload, "image/png")


def redirect(handler, target: str) -> None:
    handler.send_response(302)
    handler.send_header("Location", target)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def filedata(path: str, **fields: Any) -> dict[str, Any]:
    """A FileData as a server sends it: a server path (whose URL the library builds for the app)
    or a URL, which is kept as the server wrote it."""
    url = path if path.startswith("http") else None
    return {"path": path, "url": url, "orig_name": "x.png", "meta": FILEDATA, **fields}


@pytest.fixture
def other(fast):
    """Another origin: whatever it is asked, it answers a PNG and records the request."""
    with FaultServer() as server:
        server.route_prefix("GET", "/", lambda h: send_png(h))
        yield server


class Markup(HTMLParser):
    """The elements and attributes of a piece of HTML, as a browser's parser would find them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "src":
                self.sources.append(value or "")

    handle_startendtag = handle_starttag


def markup(text: str) -> Markup:
    parser = Markup()
    parser.feed(text)
    parser.close()
    return parser


OUR_TAGS = {"table", "thead", "tbody", "tr", "th", "td", "ol", "li", "code", "small", "img", "audio", "video"}
OUR_ATTRIBUTES = {"style", "start", "src", "alt", "controls", "title"}


def assert_only_ours(text: str) -> Markup:
    found = markup(text)
    assert found.tags <= OUR_TAGS, found.tags - OUR_TAGS
    assert found.attributes <= OUR_ATTRIBUTES, found.attributes - OUR_ATTRIBUTES
    for source in found.sources:
        kind, _, rest = source.partition(";base64,")
        assert kind.removeprefix("data:") in display.DISPLAYABLE and rest, source[:80]
    return found


# --- 1. the notebook: a file's mime_type cannot write markup ------------------------------------


@pytest.mark.parametrize(
    "mime",
    [
        'image/png" onerror="alert(1)" x="',
        'video/mp4"><script>alert(3)</script>',
        "image/svg+xml",
        "text/html",
    ],
)
def test_a_mime_type_from_the_server_never_becomes_markup(fault, mime):
    fault.route_prefix("GET", "/file=", lambda h: send_png(h))
    result = filedata("/tmp/x.png", mime_type=mime)
    fault.gradio_app("make", stream_of(events(("complete", [result]))))
    session = new_gradio_session(fault.url, "shown")
    call = invoke_gradio_session_api("make", [], session=session)
    [event] = update_gradio_session_api_result(call, session=session)
    bundle = event._repr_mimebundle_()
    assert set(bundle) <= {"text/html", "text/plain", *display.DISPLAYABLE}
    for text in (bundle.get("text/html", ""), call._repr_html_(), call.api_event._repr_html_()):
        assert "script" not in markup(text).tags and "onerror" not in markup(text).attributes
        assert_only_ours(text)
    other = new_gradio_session(fault.url, "proxied")  # the fault server gives every call the id e1
    [function] = new_gradio_session_api_proxy_function("make", session=other)
    proxied = function()
    proxied.result()
    assert_only_ours(proxied._repr_mimebundle_().get("text/html", ""))


class Canned(display.Fetcher):
    """A fetcher that answers every file with a PNG, without a network (for the property)."""

    def __init__(self) -> None:
        super().__init__("http://app")

    def __call__(self, filedata: dict[str, Any]) -> bytes | None:
        return PNG


HOSTILE = ['"><script>alert(1)</script>', "' onerror='x", "</td><img src=x>"]
MIMES = [
    'image/png" onerror="alert(1)" x="',
    'video/mp4"><script>alert(3)</script>',
    "image/svg+xml",
    "text/html",
]
TEXT = st.text(max_size=40) | st.sampled_from(HOSTILE)
MIME = (
    st.sampled_from(MIMES)
    | st.builds("/".join, st.tuples(st.sampled_from(["image", "audio", "video", "text"]), TEXT))
    | TEXT
    | st.integers()
)
ANY_FILEDATA = st.fixed_dictionaries(
    {"meta": st.just(FILEDATA)},
    optional={"path": TEXT, "url": TEXT, "orig_name": TEXT, "mime_type": MIME, "size": st.integers()},
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT | ANY_FILEDATA,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@hsettings(max_examples=300, deadline=None)
@given(VALUES, st.lists(st.tuples(TEXT, VALUES), max_size=3))
@example({"meta": FILEDATA, "mime_type": MIMES[0]}, [])
@example([{"meta": FILEDATA, "mime_type": MIMES[1], "orig_name": HOSTILE[0]}], [(HOSTILE[2], HOSTILE[1])])
def test_no_server_text_adds_an_element_or_attribute(value, rows):
    assert_only_ours(display.value_html(value, Canned()))
    assert_only_ours(display.table(rows, Canned()))
    assert_only_ours(display.grid([str(k) for k, _ in rows], [[v for _, v in rows]]))


# --- 2. the display fetches from the app's own origin only, never through a redirect --------------


def test_the_display_fetches_nothing_from_another_origin(fault, other):
    fault.route_prefix(
        "GET",
        "/file=",
        lambda h: redirect(h, other.url + "/bounced.png") if "bounce" in h.path else send_png(h),
    )
    results = [
        filedata(other.url + "/elsewhere.png"),  # another port
        filedata(other.url.replace("127.0.0.1", "localhost") + "/elsewhere.png"),  # another host
        filedata("/tmp/bounce.png"),  # the app's own file, redirecting away
        filedata("/tmp/own.png"),
    ]
    fault.gradio_app("make", stream_of(events(("complete", results))))
    session = new_gradio_session(fault.url, "origins")
    call = invoke_gradio_session_api("make", [], session=session)
    [event] = update_gradio_session_api_result(call, session=session)
    shown = event._repr_mimebundle_()["text/html"]
    assert other.requests == []  # not one request to a host the server named
    assert len(markup(shown).sources) == 1  # the app's own file, embedded
    assert shown.count("not shown: on another site") == 2 and "not shown: not reachable" in shown


# --- 3. the display has bounds of its own ----------------------------------------------------------


def test_a_trickled_image_cannot_hold_the_display(fault, monkeypatch):
    monkeypatch.setattr(display, "FETCH_DEADLINE", 1.0)
    stop = threading.Event()

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", str(len(PNG)))
        handler.end_headers()
        for byte in PNG:
            if stop.wait(0.3):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    fault.route_prefix("GET", "/file=", trickle)
    fault.gradio_app("make", stream_of(events(("complete", [filedata("/tmp/slow.png")]))))
    event = send_gradio_api(fault.url, "make", [])
    [result] = update_gradio_api_result(event)
    try:
        shown = result._repr_mimebundle_()
    finally:
        stop.set()
    assert "image/png" not in shown and "not shown: not reachable" in shown["text/html"]


def test_one_rendering_fetches_a_bounded_number_of_files(fault):
    fault.route_prefix("GET", "/file=", lambda h: send_png(h))
    grid = [[filedata(f"/tmp/{row}-{column}.png") for column in range(40)] for row in range(40)]
    fault.gradio_app("make", stream_of(events(("complete", [grid]))))
    event = send_gradio_api(fault.url, "make", [])
    [result] = update_gradio_api_result(event)
    before = len(fault.requests)
    shown = result._repr_mimebundle_()["text/html"]
    assert len(fault.requests) - before <= display.MAX_FETCHES
    assert len(markup(shown).sources) <= display.MAX_FETCHES
    assert "more files than one display shows" in shown


# --- 4. the login's cookie goes to its app only ---------------------------------------------------


def test_the_login_cookie_goes_to_its_app_only(lab_auth, other, tmp_path):
    """A login to one app, then requests to another port of the same host: a result file shown or
    saved, a file of the app that redirects there, and an unrelated app's /info. None carries
    the cookie, which the app itself gets."""
    from powershai_py import get_gradio_info, invoke_gradio_http
    from powershai_py.gradio.protocol.files import fetch_bytes

    login = ("user", "secret")
    session = new_gradio_session(lab_auth.url, "locked", auth=login)
    call = invoke_gradio_session_api("greet", {"name": "Ana"}, session=session)
    assert update_gradio_session_api_result(call, session=session)[-1].data == ["Hello Ana! Hello Ana!"]
    config = b'{"version": "6.31.0", "dependencies": []}'
    other.route("GET", "/config", lambda h: send_bytes(h, config, "application/json"))
    with contextlib.suppress(PowershaiError):  # its /info is a PNG: only the headers sent matter
        get_gradio_info(other.url)
    fetch_bytes(other.url + "/elsewhere.png", lab_auth.url, None, session.login, 1000)
    invoke_gradio_http(other.url + "/plain", auth=None)
    sent = [r for r in other.requests if "cookie" in map(str.lower, r["headers"])]
    assert other.requests and sent == [], sent


# --- 7. a generator's diffs cost what changed --------------------------------------------------------


def test_a_long_stream_of_appends_keeps_results_small():
    """1,200 one-message appends to a chat history, every result kept (as a reader keeps them):
    the results share what did not change instead of each holding a deep copy."""
    import tracemalloc

    from powershai_py.gradio.protocol.queue import translate

    message = {"role": "assistant", "content": [{"type": "text", "text": "x" * 200}], "metadata": {"a": 1}}
    previous = None
    kept = []
    tracemalloc.start()
    try:
        first = {"msg": "process_generating", "output": {"data": [[message]]}, "success": True}
        _, data, previous = translate(first, previous)
        kept.append(data)
        for _ in range(1200):
            diff = [[["append", [], [json.loads(json.dumps(message))]]]]
            update = {"msg": "process_generating", "output": {"data": diff}, "success": True}
            _, data, previous = translate(update, previous)
            kept.append(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept[-1][0]) == 1201 and kept[0][0] == [message] and len(kept[600][0]) == 601
    assert peak < 40 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"  # deep copies: 447 MiB


# --- 15. careless arguments get clear errors ------------------------------------------------------


def test_careless_arguments_are_powershai_errors(fault):
    from powershai_py import invoke_gradio_dynamic_api, invoke_gradio_http

    fault.gradio_app("make", stream_of(events(("complete", ["x"]))))
    new_gradio_session(fault.url, "careless")
    for careless in (
        lambda: invoke_gradio_http(fault.url + "/config", "POST", {}, content_type=None),
        lambda: invoke_gradio_http(fault.url + "/config", None),
        lambda: invoke_gradio_dynamic_api(None),
        lambda: new_gradio_session_api_proxy_function(5),
    ):
        with pytest.raises(PowershaiError) as caught:
            careless()
        assert caught.value.code.startswith("POWERSHAI_") and "not" in caught.value.message


# --- 10. the app's messages reach the terminal escaped ----------------------------------------------


def test_an_apps_warning_never_reaches_the_terminal_raw(queue_lab):
    import os
    import subprocess
    import sys

    evil = "\x1b]0;PWNED\x07\x1b[2J\u202e"
    for verbose in ([], ["--verbose"]):
        ran = subprocess.run(
            [sys.executable, "-m", "powershai_py", *verbose, "call", "--url", queue_lab.url, "talk",
             "-p", f"text={evil}"],
            capture_output=True, text=True, timeout=120, env=dict(os.environ),
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        shown = ran.stdout + ran.stderr
        assert "careful" in ran.stderr and "\\x1b" in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown


# --- 12. --json output is JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x7fb", "bidi\u202eoverride", "c1\x85x"])
def test_ps_json_output_is_valid_json_with_no_raw_control_character(text):
    import os
    import subprocess
    import sys

    ran = subprocess.run(
        [sys.executable, "-m", "powershai_py", "ps", f'"{text}"', "--json"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert [json.loads(line) for line in ran.stdout.splitlines()] == [text]
    assert text not in ran.stdout  # escaped, not raw


# --- 13. one table from error class to exit code, and the README's is that one ----------------------


def _readme_exit_table() -> dict[str, int]:
    """Class name -> exit code, from the README's table of exit codes."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table: dict[str, int] = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            for name in re.findall(r"`(\w+)`", cells[2]):
                table[name] = int(cells[0])
    return table


def _every_error_class() -> list[type]:
    import powershai_py.sse  # noqa: F401
    from powershai_py import compat  # noqa: F401 (its errors are PowershaiErrors too)

    found, todo = [], [PowershaiError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_exits_with_the_code_the_readme_gives():
    from powershai_py.cli import exit_code_for

    readme = _readme_exit_table()
    assert {"ValidationError", "HttpError", "FileSaveError", "CallCancelled", "Unsupported"} <= set(readme)
    for cls in _every_error_class():
        # a class the README does not name has the code of its nearest base it names
        named = next(base for base in cls.__mro__ if base.__name__ in readme or base is PowershaiError)
        expected = readme.get(named.__name__, 2)  # "any other PowershaiError": bad input
        error = cls.__new__(cls)  # isinstance is all that decides; some need more than a message
        assert exit_code_for(error) == expected, cls.__name__


def test_the_readme_names_only_classes_that_exist():
    import powershai_py

    for name in _readme_exit_table():
        assert issubclass(getattr(powershai_py, name), PowershaiError), name


def _cli(*args: str, **options) -> Any:
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "powershai_py", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **options.pop("env", {})}, **options,
    )  # fmt: skip


def test_a_login_answered_with_http_500_is_exit_3(fault):
    fault.route("GET", "/config", lambda h: send_json(h, 401, {"detail": "Not authenticated"}))
    fault.route("POST", "/login", lambda h: send_json(h, 500, {"detail": "boom"}))
    ran = _cli("--auth", "alice", "call", "--url", fault.url, "echo", env={"POWERSHAI_PY_PASSWORD": "pw"})
    assert ran.returncode == 3, ran.stderr
    assert "POWERSHAI_GRADIO_LOGIN" in ran.stderr and "HTTP 500" in ran.stderr


def test_a_server_that_cannot_cancel_is_exit_3(fault, tmp_path):
    def stalled(handler):
        start_event_stream(handler)
        end_chunks(handler)

    fault.gradio_app("slow", stalled)
    store = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert _cli("session", "new", fault.url, "--name", "f", env=store).returncode == 0
    started = _cli("call", "slow", "--manual", "--transport", "call", "--json", env=store)
    event_id = json.loads(started.stdout)["event_id"]
    ran = _cli("cancel", event_id, env=store)
    assert ran.returncode == 3, ran.stderr
    assert "POWERSHAI_GRADIO_CANCEL_UNSUPPORTED" in ran.stderr


def test_a_file_that_cannot_be_saved_is_exit_6(lab, tmp_path):
    store = {"POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3")}
    assert _cli("session", "new", lab.url, "--name", "lab", env=store).returncode == 0
    source = tmp_path / "notes.txt"
    source.write_text("hello")
    called = _cli("call", "copy_file", "-p", f"path=@{source}", "--manual", "--json", env=store)
    event_id = json.loads(called.stdout)["event_id"]
    assert _cli("update", event_id, env=store).returncode == 0
    dest = tmp_path / "out"
    first = _cli("download", event_id, "--dest", str(dest), "--json", env=store)
    saved = Path(json.loads(first.stdout)[0])  # the name it saves under
    saved.unlink()
    (saved / "keep.txt").parent.mkdir()
    (saved / "keep.txt").write_text("the user's")  # a folder of the user's where the file would go
    blocked = _cli("download", event_id, "--dest", str(dest), "--overwrite", env=store)
    assert blocked.returncode == 6, blocked.stderr
    assert "POWERSHAI_GRADIO_FILE_SAVE" in blocked.stderr
    assert sorted(p.name for p in dest.iterdir()) == [saved.name]  # nothing left behind
    assert (saved / "keep.txt").read_text() == "the user's"
    # a destination that cannot be a folder: the same kind of failure, not an internal error
    (tmp_path / "plain").write_text("a file")
    inside = _cli("download", event_id, "--dest", str(tmp_path / "plain" / "sub"), env=store)
    assert inside.returncode == 6, inside.stderr


# --- 0. the suite never touches the user's things, and a guard says so -------------------------------


BAD_TESTS = """
import os
from pathlib import Path


def test_writes_in_the_users_home():
    if os.environ["BAD"] == "home":
        (Path(os.environ["USERS_HOME"]) / "left-by-a-test").write_text("x")


def test_writes_the_users_store():
    if os.environ["BAD"] == "store":
        from powershai_py.gradio.storage.sqlite_store import SQLiteStore

        SQLiteStore(os.environ["USERS_STORE"]).close()
"""


@pytest.mark.parametrize("bad", ["home", "store", "none"])
def test_the_guard_fails_a_suite_that_touches_the_users_things(tmp_path, bad):
    """A suite run with this project's conftest, whose tests write in what the guard sees as
    the user's home or default store (here: this test's own home and state folder)."""
    import os
    import subprocess
    import sys

    home, state = tmp_path / "home", tmp_path / "state"
    home.mkdir()
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_bad.py").write_text(BAD_TESTS)
    tests = Path(__file__).parent
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_STATE_HOME": str(state),
        "PYTHONPATH": str(tests),
        "BAD": bad,
        "USERS_HOME": str(home),
        "USERS_STORE": str(state / "powershai-py" / "store.sqlite3"),
    }
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-p", "no:cacheprovider", "suite"]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    if bad == "none":
        assert ran.returncode == 0, ran.stdout
    else:
        assert ran.returncode != 0 and "changed the user's things" in ran.stdout, ran.stdout


def test_a_locked_store_is_waited_for_not_called_corrupt(tmp_path, monkeypatch):
    """SQLite may answer "database is locked" at once, without waiting, while other processes
    open or create the same store (seen in CI: ten CLI processes at once). That is a store to
    open again, never "not a powershai-py store"; one that stays locked says so."""
    import sqlite3

    from powershai_py import PowershaiError
    from powershai_py.gradio.storage import sqlite_store

    real = sqlite_store.SQLiteStore._check_and_upgrade
    answers = iter([sqlite3.OperationalError("database is locked")] * 2)

    def locked_at_first(self):
        failure = next(answers, None)
        if failure is not None:
            raise failure
        real(self)

    monkeypatch.setattr(sqlite_store.SQLiteStore, "_check_and_upgrade", locked_at_first)
    store = sqlite_store.SQLiteStore(tmp_path / "shared.sqlite3")  # was: POWERSHAI_STORE_CORRUPT
    assert store.all() == [] and not store.read_only

    monkeypatch.setattr(sqlite_store, "OPEN_PATIENCE", 0.1)
    def always_locked(self):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(sqlite_store.SQLiteStore, "_check_and_upgrade", always_locked)
    try:
        sqlite_store.SQLiteStore(tmp_path / "other.sqlite3")
    except PowershaiError as error:
        assert error.code == "POWERSHAI_STORE_BUSY" and "try again" in str(error)
    else:
        raise AssertionError("a store that stays locked opened")
