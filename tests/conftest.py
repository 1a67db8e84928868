"""Fixtures that start real Gradio apps on 127.0.0.1 for the tests.

The app runs in a subprocess on a free port; the fixture waits until ``/config`` answers
(never a fixed sleep). ``GRADIO_PYTHON`` picks the interpreter that runs it, which is how
``scripts/conformance`` runs the same tests against Gradio 4, 5 and 6.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from faultserver import FaultServer

APPS = Path(__file__).parent / "apps"
OFFLINE = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
READY_TIMEOUT = 180.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log: Path
    version: str = ""

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def api_url(self) -> str:
        return self.url + ("/gradio_api" if self.major >= 5 else "")


def start_app(
    script: Path,
    log: Path,
    extra_env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    port: int | None = None,
) -> RunningApp:
    """Start ``script --port N`` (a free port unless given: an app restarted keeps its port) and
    return without waiting (see :func:`wait_ready`)."""
    port = port or free_port()
    env = {**os.environ, **OFFLINE, **(extra_env or {})}
    for name in ("HF_TOKEN", "HF_API_TOKEN"):
        env.pop(name, None)
    python = os.path.abspath(os.environ.get("GRADIO_PYTHON") or sys.executable)
    handle = log.open("w")
    process = subprocess.Popen(
        [python, str(script), "--port", str(port), *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=str(script.parent),
    )
    handle.close()  # the app writes through its own copy of the descriptor
    return RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=log)


def lines_until(child: subprocess.Popen, wanted: str, timeout: float = 60) -> list[str]:
    """The lines a child process writes to its stdout, up to the first that holds ``wanted``.

    Fails (never hangs) if the child ends first or ``wanted`` does not come within ``timeout``.
    A thread reads, so the wait is bounded even when the child writes nothing at all."""
    assert child.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stream = child.stdout

    def pump() -> None:
        for line in iter(stream.readline, ""):
            lines.put(line)
            if wanted in line:
                return
        lines.put("")  # the end of the output

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            raise AssertionError(
                f"no line with {wanted!r} within {timeout:g} s; last lines: {seen[-5:]}"
            ) from None
        if not line:
            raise AssertionError(f"the process ended before writing {wanted!r}; last lines: {seen[-5:]}")
        seen.append(line)
        if wanted in line:
            return seen


# The start of a process that cannot read or write what only its owner may: the package is
# imported whole while its files can be read (wherever the clone lives, a 0700 folder
# included), then a process of root drops to "nobody"; another user stays itself.
_DROP_RIGHTS = """
import importlib, os, pkgutil
import click, tabulate, powershai_py
for module in pkgutil.walk_packages(powershai_py.__path__, "powershai_py."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
"""


def run_without_rights(
    code: str, args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the Python ``code`` (with ``args`` in ``sys.argv[1:]``) as a user who cannot read
    a file of mode 0 nor write a read-only one: "nobody" when the tests run as root."""
    return subprocess.run(
        [sys.executable, "-c", _DROP_RIGHTS + code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {}), "HOME": "/tmp"},
    )


def wait_ready(app: RunningApp) -> RunningApp:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(
                f"the app exited with {app.process.returncode}:\n{app.log.read_text()[-3000:]}"
            )
        try:
            answer = requests.get(app.url + "/config", timeout=(1, 5))
            if answer.status_code == 200:
                app.version = answer.json()["version"]
                return app
            if answer.status_code == 401:  # an app behind a login answers, but hides its config
                return app
        except requests.RequestException:
            pass
        time.sleep(0.1)  # polling interval while waiting for readiness, not a fixed wait
    stop_app(app)
    raise RuntimeError(f"the app did not answer within {READY_TIMEOUT} s:\n{app.log.read_text()[-3000:]}")


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait(timeout=15)


@contextmanager
def running(apps: list[RunningApp]) -> Iterator[list[RunningApp]]:
    """Wait for apps started together (they boot in parallel); stop them all at the end."""
    try:
        yield [wait_ready(app) for app in apps]
    finally:
        for app in apps:
            stop_app(app)


@contextmanager
def app_copies(tmp_path_factory, script: str, count: int = 2) -> Iterator[list[RunningApp]]:
    """``count`` copies of ``tests/apps/<script>`` started together, each on its own port;
    stopped at the end."""
    logs = tmp_path_factory.mktemp(Path(script).stem)
    with running([start_app(APPS / script, logs / f"copy{n}.log") for n in range(count)]) as ready:
        yield ready


@pytest.fixture(scope="session")
def lab_apps(tmp_path_factory):
    """Three copies of tests/apps/lab.py started together: plain, fast heartbeats, behind a login."""
    logs = tmp_path_factory.mktemp("apps")
    apps = [
        start_app(APPS / "lab.py", logs / "lab.log"),
        start_app(APPS / "lab.py", logs / "lab-beats.log", {"GRADIO_HEARTBEAT_INTERVAL": "0.2"}),
        start_app(APPS / "lab.py", logs / "lab-auth.log", args=("--auth", "user:secret")),
    ]
    with running(apps) as ready:
        yield ready


@pytest.fixture(scope="session")
def lab(lab_apps) -> RunningApp:
    """The lab app (tests/apps/lab.py) on a real Gradio server."""
    return lab_apps[0]


@pytest.fixture(scope="session")
def lab_beats(lab_apps) -> RunningApp:
    """The lab app with heartbeats every 0.2 s (Gradio 6 honours GRADIO_HEARTBEAT_INTERVAL)."""
    return lab_apps[1]


@pytest.fixture(scope="session")
def lab_auth(lab_apps) -> RunningApp:
    """The lab app behind a login (user "user", password "secret")."""
    return lab_apps[2]


@pytest.fixture(scope="session")
def queue_lab(tmp_path_factory) -> Iterator[RunningApp]:
    """tests/apps/queue_lab.py: a queue that forms, gr.Progress, gr.Info/Warning, a generator
    that can be cancelled, gr.Error, show_error, gr.State."""
    logs = tmp_path_factory.mktemp("queue-app")
    with running([start_app(APPS / "queue_lab.py", logs / "queue_lab.log")]) as [app]:
        yield app


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch):
    """Tests start with no token in the environment; a test that wants one sets it."""
    for name in ("HF_TOKEN", "HF_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    from powershai_py.http import set_default_token

    set_default_token(None)


@pytest.fixture
def heartbeat_app(lab_beats):
    """An app and a sleep long enough for two heartbeats (0.2 s on Gradio 6, 15 s before)."""
    if lab_beats.major >= 6:
        return lab_beats, 1.5
    return lab_beats, 33


@pytest.fixture(scope="session", autouse=True)
def _never_the_users_store(tmp_path_factory):
    """No test can reach the user's own things: the default store lives in a folder of the
    test run (``XDG_STATE_HOME``), a store the user chose (``POWERSHAI_PY_STORE``) is not seen,
    and each test has a home of its own (``_own_home``). CLI processes and apps started by the
    tests inherit all three. At the end the suite fails if the user's store (its file, its
    journal files, its folder) or the list of names in the user's home has changed."""
    from powershai_py.gradio.storage.sqlite_store import default_store_path

    home = Path.home()
    stores = [default_store_path()]  # as the user's environment names it: theirs, or the default
    saved = {name: os.environ.get(name) for name in ("XDG_STATE_HOME", "POWERSHAI_PY_STORE", "HOME")}
    os.environ.pop("POWERSHAI_PY_STORE", None)
    stores.append(default_store_path())  # the default place, when the user had chosen another
    before = _fingerprint(home, stores)
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    after = _fingerprint(home, stores)
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    if changed:
        pytest.fail(f"the test suite changed the user's things: {changed}", pytrace=False)


def _fingerprint(home: Path, stores: list[Path]) -> dict[str, Any]:
    """What the suite must leave as it found it: the names in the user's home, and each store
    file (with its journal files) and folder."""

    def names(folder: Path) -> list[str] | None:
        try:
            return sorted(os.listdir(folder))
        except OSError:
            return None

    marks: dict[str, Any] = {str(home): names(home)}
    for store in stores:
        marks[str(store.parent)] = names(store.parent)
        for suffix in ("", "-wal", "-shm", "-journal"):
            file = store.with_name(store.name + suffix)
            try:
                info = file.stat()
            except OSError:
                marks[str(file)] = None
            else:
                marks[str(file)] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return marks


@pytest.fixture(autouse=True)
def _own_home(monkeypatch, tmp_path_factory):
    """Each test has a home of its own: nothing a test (or a process it starts) writes under
    ``~`` reaches the user's."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture(autouse=True)
def _fresh_sessions():
    """Each test starts with an empty session store and no proxies; all are removed after it.

    Only the sessions of the memory store made here are removed: a test that switched stores
    (the CLI run in-process opens the default one) leaves that store as it is."""
    from powershai_py.gradio.proxies.proxy import (
        get_gradio_session_api_proxy_function,
        remove_gradio_session_api_proxy_function,
    )
    from powershai_py.gradio.sessions.sessions import remove_gradio_session
    from powershai_py.gradio.sessions.store import MemoryStore, use_store

    mine = MemoryStore()
    previous = use_store(mine)
    yield
    remove_gradio_session_api_proxy_function(get_gradio_session_api_proxy_function("*"))
    use_store(mine)
    remove_gradio_session("*")
    use_store(previous)


@pytest.fixture(scope="session")
def proxy_apps(tmp_path_factory):
    """Two copies of tests/apps/proxy_app.py: a source (adds /numbers) and a relay (adds /relay)."""
    logs = tmp_path_factory.mktemp("proxy-apps")
    apps = [
        start_app(APPS / "proxy_app.py", logs / "source.log", args=("--role", "source")),
        start_app(APPS / "proxy_app.py", logs / "relay.log", args=("--role", "relay")),
    ]
    with running(apps) as ready:
        yield ready


@pytest.fixture(scope="session")
def source_app(proxy_apps) -> RunningApp:
    return proxy_apps[0]


@pytest.fixture(scope="session")
def relay_app(proxy_apps) -> RunningApp:
    return proxy_apps[1]


@pytest.fixture
def fast():
    """A client with short limits (2 s of silence, quick retries), active for the test: the
    library's functions called in the test use it (its own settings, pool and store)."""
    from powershai_py import Client

    limits = {"read_timeout": 2.0, "stream_read_timeout": 2.0, "backoff_factor": 0.0, "retries": 2}
    with Client(max_retry_after=0.2, **limits) as client:
        yield client


@pytest.fixture
def fault(fast):
    """A local fault server (tests/faultserver.py), called through the ``fast`` client.

    Its Gradio app (``FaultServer.gradio_app``) speaks the ``/call`` protocol, so the client's
    calls default to that transport; the queue's faults are in tests/test_queue_pure.py
    (``queue_app``), whose calls ask for the queue."""
    fast.settings.transport = "call"
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def media() -> dict[str, str]:
    """Sample files Gradio itself ships (an image, a sound, a video, a 3D model, a text)."""
    from gradio import media

    return {
        "image": media.get_image("bus.png"),
        "audio": media.get_audio("audio_sample.wav"),
        "video": media.get_video("muted_b.mp4"),
        "model3d": media.get_model3d("Bunny.obj"),
        "text": media.get_file("sample.txt"),
    }


@pytest.fixture(scope="session")
def component_apps(tmp_path_factory) -> Iterator[list[RunningApp]]:
    """tests/apps/components.py (every component), and a copy behind a login (user:secret)."""
    logs = tmp_path_factory.mktemp("components")
    apps = [
        start_app(APPS / "components.py", logs / "components.log"),
        start_app(APPS / "components.py", logs / "locked.log", args=("--auth", "user:secret")),
    ]
    with running(apps) as ready:
        yield ready
