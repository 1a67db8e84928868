"""Apps written by others: the demos of the gradio repository, every named endpoint three ways.

Each app listed in tests/corpus/demos.txt is started from a gradio checkout's ``demo/`` folder
(``GRADIO_DEMOS``; the demos are not part of this repository, so ``scripts/conformance`` runs
this file and the suite skips it). Every named endpoint of its ``/info`` is called as the app's
"Use via API" page shows it: each parameter's ``example_input``, with the example files that
page links to replaced by the sample media Gradio ships (no network here). The call is made
the session way (``invoke_gradio_session_api`` with the list of values), the proxy way (the
generated function, values positional in the documented order) and with ``gradio_client``.

A case passes for a client when the call completes and its outputs have the shape of
``gradio_client``'s (the same number, each of the same JSON kind, files as files); whether the
values are also equal is reported, since many demos answer at random. Where ``gradio_client``
passes, ours must pass too; what each demo gave is written to ``CORPUS_REPORT`` (JSON lines)
for the table of docs/conformance.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import running, start_app
from threeway import api_outputs, by_client, normalise

from powershai_py import (
    get_gradio_info,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    remove_gradio_session,
    update_gradio_session_api_result,
)

HERE = Path(__file__).parent
DEMOS = os.environ.get("GRADIO_DEMOS", "")
LIST = Path(os.environ.get("CORPUS_LIST") or HERE / "corpus" / "demos.txt")  # another list: CORPUS_LIST
CORPUS = [line.split("#")[0].strip() for line in LIST.read_text().splitlines() if line.split("#")[0].strip()]
CALL_TIMEOUT = 60.0
WAYS = ("session", "proxy")

if not DEMOS:  # one skip for the file, not one per demo
    pytest.skip("GRADIO_DEMOS is not set: scripts/conformance runs the demo corpus", allow_module_level=True)


@pytest.fixture(scope="module")
def media(media: dict[str, str]) -> dict[str, str]:
    """conftest's sample files, with a video that has sound (some demos want one)."""
    from gradio import media as gradio_media

    return {**media, "video": gradio_media.get_video("world.mp4")}


KINDS = {
    "image": (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".svg"),
    "audio": (".wav", ".mp3", ".flac", ".ogg", ".m4a"),
    "video": (".mp4", ".webm", ".mov", ".avi", ".mkv"),
    "model3d": (".obj", ".glb", ".gltf", ".stl", ".ply", ".splat"),
}


def local_file(example: dict[str, Any], media: dict[str, str]) -> str:
    """The sample file of the same kind as an example FileData (by its name's extension)."""
    name = str(example.get("orig_name") or example.get("path") or example.get("url") or "").lower()
    name = name.split("?")[0]
    for kind, endings in KINDS.items():
        if name.endswith(endings):
            return media[kind]
    return media["text"]


def is_file_example(value: Any) -> bool:
    return isinstance(value, dict) and (value.get("meta") or {}).get("_type") == "gradio.FileData"


def substitute(value: Any, replace: Callable[[dict[str, Any]], Any]) -> Any:
    """``value`` with every example FileData replaced by ``replace(filedata)``."""
    if is_file_example(value):
        return replace(value)
    if isinstance(value, dict):
        return {k: substitute(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, replace) for v in value]
    return value


def inputs(spec: dict[str, Any], media: dict[str, str]) -> tuple[list[Any], list[Any]]:
    """(our values, gradio_client's values) for an endpoint, from its parameters' examples."""
    from gradio_client import handle_file

    ours: list[Any] = []
    theirs: list[Any] = []
    for parameter in spec.get("parameters") or []:
        if "example_input" in parameter:
            example = parameter["example_input"]
        else:
            example = parameter.get("parameter_default")
        ours.append(substitute(example, lambda f: local_file(f, media)))
        theirs.append(substitute(example, lambda f: handle_file(local_file(f, media))))
    return ours, theirs


def shape(value: Any) -> Any:
    """The JSON kind of a normalised output, recursively: what must agree between clients."""
    if isinstance(value, tuple) and value and value[0] == "file":
        return "file"
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):  # the kinds of its items, not how many (random demos vary it)
        return ["list", *sorted({json.dumps(shape(v), sort_keys=True) for v in value})]
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """Run ``work`` on a thread; its result, or TimeoutError after ``seconds``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # reported below, in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no result within {seconds:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def attempt(work: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", outputs)`` or ``("failed", "ErrorClass: message")``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", normalise(within(CALL_TIMEOUT, work))
    except Exception as exc:
        return "failed", f"{type(exc).__name__}: {str(exc)[:300]}"


def report(row: dict[str, Any]) -> None:
    target = os.environ.get("CORPUS_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, default=str) + "\n")


@pytest.fixture(scope="module")
def server_major() -> int:
    """The major version of the Gradio that serves the demos (GRADIO_PYTHON's)."""
    python = os.environ.get("GRADIO_PYTHON") or sys.executable
    found = subprocess.run(
        [python, "-c", "import gradio; print(gradio.__version__)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return int(found.stdout.strip().split(".")[0])


@pytest.fixture
def demo_app(request: pytest.FixtureRequest, tmp_path: Path, server_major: int) -> Any:
    """The demo, started; on Gradio 5 a demo that needs Gradio 6 to start is skipped, saying why
    (the demos come from gradio's main branch, written for 6); on Gradio 4 the corpus is not run."""
    if server_major < 5:
        pytest.skip("the demos of gradio's main branch are written for Gradio 6; the corpus runs on 5 and 6")
    folder = Path(DEMOS) / request.param
    if not (folder / "run.py").is_file():
        pytest.fail(f"{folder}/run.py is missing: GRADIO_DEMOS must be the demo/ folder of a gradio checkout")
    log = tmp_path / "app.log"
    app = start_app(HERE / "corpus" / "launch_demo.py", log, args=(str(folder),))
    try:
        with running([app]) as [ready]:
            yield request.param, ready
    except RuntimeError as exc:
        if server_major >= 6 or "did not answer" in str(exc):
            raise
        last = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-1:]
        pytest.skip(f"{request.param} does not start on Gradio {server_major}: {''.join(last)[:200]}")


def judge(mine: tuple[str, Any], reference: tuple[str, Any]) -> str:
    """``same``, ``same shape`` (values differ: many demos are random), or why not."""
    if mine[0] != "ok":
        return mine[1]
    if reference[0] != "ok":
        return "ok (gradio_client failed)"
    if mine[1] == reference[1]:
        return "same"
    if shape(mine[1]) == shape(reference[1]):
        return "same shape"
    ours, theirs = (json.dumps(value, default=str)[:200] for value in (mine[1], reference[1]))
    return f"differs: {ours} vs {theirs}"


def session_way(session: Any, config: dict[str, Any], api_name: str, values: list[Any]) -> Any:
    call = invoke_gradio_session_api(api_name, values, session=session)
    events = update_gradio_session_api_result(call, session=session)
    if call.api_event.error is not None or events[-1].event != "complete":
        raise RuntimeError(f"the call ended with {events[-1].event}: {events[-1].data!r}")
    return api_outputs(config, api_name, events[-1].data)


def proxy_way(functions: dict[str, Any], config: dict[str, Any], api_name: str, values: list[Any]) -> Any:
    if api_name not in functions:
        raise RuntimeError("no function was made for it")
    return api_outputs(config, api_name, functions[api_name](*values).result())


@pytest.mark.parametrize("demo_app", CORPUS, indirect=True)
def test_every_endpoint_of_a_demo_three_ways(demo_app: Any, media: dict[str, str]) -> None:
    from gradio_client import Client

    demo, app = demo_app
    info = get_gradio_info(app.url)
    config = requests.get(app.url + "/config", timeout=30).json()
    # gradio_client keeps one session hash per Client, so gr.State lives across its calls: each
    # of our ways gets a stateful session of its own, and sees the same calls in the same order
    made = attempt(lambda: Client(app.url, verbose=False, download_files=True))
    client = made[1] if made[0] == "ok" else None
    sessions = [new_gradio_session(app.url, f"{way}-{demo}", force=True, stateful=True) for way in WAYS]
    failures = []
    try:
        functions = {
            f.gradio_proxy.api_name: f for f in new_gradio_session_api_proxy_function(session=sessions[1])
        }
        for name, spec in info.named_endpoints.items():
            api_name = name.lstrip("/")
            ours, theirs = inputs(spec, media)
            if client is None:
                reference = ("failed", f"Client() failed: {made[1]}")
            else:
                reference = attempt(partial(by_client, client, api_name, theirs, CALL_TIMEOUT))
            by_session = partial(session_way, sessions[0], config, api_name, ours)
            by_proxy = partial(proxy_way, functions, config, api_name, ours)
            results = {"session": attempt(by_session), "proxy": attempt(by_proxy)}
            row = {
                "demo": demo,
                "endpoint": name,
                "version": info.version,
                "gradio_client": "ok" if reference[0] == "ok" else reference[1],
                **{way: judge(result, reference) for way, result in results.items()},
            }
            report(row)
            for way, (status, detail) in results.items():
                if reference[0] == "ok" and status != "ok":
                    failures.append(f"{name} the {way} way: {detail}")
                elif reference[0] == "ok" and row[way].startswith("differs"):
                    failures.append(f"{name} the {way} way: {row[way]}")
    finally:
        remove_gradio_session(sessions)
    assert not failures, "\n".join(failures)
