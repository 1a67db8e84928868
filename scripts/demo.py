"""The main job of powershai-py, end to end against the bundled demo app.

Starts scripts/demo_app.py on 127.0.0.1, opens a session on it, lists its endpoints, streams
a call, uploads a file and receives the file the app makes from it (saved by the session as it
arrives), chains two endpoints through proxy functions, shows what the session kept, then
stops the app.
Run it through ``scripts/demo``, which prepares the environment first.
"""

from __future__ import annotations

import inspect
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from powershai_py import (
    get_gradio_info,
    get_gradio_session_api,
    invoke_gradio_session_api,
    iter_gradio_session_api_result,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    remove_gradio_session_api,
    send_gradio_session_files,
    update_gradio_session_api_result,
)
from powershai_py.errors import PowershaiError

HERE = Path(__file__).resolve().parent


def start_app() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The app's output goes to a file: a pipe nobody reads could fill and stall the app.
    # The app sets its own offline variables (scripts/demo_app.py).
    log = Path(tempfile.gettempdir()) / f"powershai-demo-{port}.log"
    with log.open("wb") as output:  # the child keeps its own handle
        process = subprocess.Popen(
            [sys.executable, str(HERE / "demo_app.py"), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the demo app failed to start:\n{log.read_text()[-2000:]}")
        try:
            get_gradio_info(url)
            return process, url
        except PowershaiError:
            time.sleep(0.2)  # poll until the app answers
    process.kill()
    raise SystemExit("the demo app did not answer within 120 s")


def describe(parameter: dict) -> str:
    text = f"{parameter['parameter_name']}: {parameter['python_type']['type']}"
    if parameter.get("parameter_has_default"):
        text += f" = {parameter['parameter_default']!r}"
    return text


def main() -> None:
    print("Starting the demo Gradio app ...", flush=True)
    process, url = start_app()
    try:
        with tempfile.TemporaryDirectory() as folder:
            session = new_gradio_session(url, "demo", download_path=folder)  # New-GradioSession
            info = session.info
            print(f"\nOpened {session!r} (Gradio {info.version})\n")
            rows = [
                (
                    "/" + name.lstrip("/"),
                    ", ".join(describe(p) for p in spec["parameters"]),
                    ", ".join(r["component"] for r in spec["returns"]),
                )
                for name, spec in info.named_endpoints.items()
            ]
            print(tabulate(rows, headers=["endpoint", "parameters", "returns"]))

            print("\nStreaming /countdown, each event as it arrives:")
            call = invoke_gradio_session_api("countdown", {"start": 5, "delay": 0.3})
            for result in iter_gradio_session_api_result(call):
                print(
                    f"  {result.ts:%H:%M:%S.%f}  #{result.num:<2} {result.event:<10} {result.data}",
                    flush=True,
                )
            print(f"  -> {call!r}")

            source = Path(folder) / "upload" / "poema ção.txt"
            source.parent.mkdir()
            source.write_text("roses are red\nviolets are blue\n", encoding="utf-8")
            uploaded = send_gradio_session_files(source)[0]
            print(f"\nUploaded {source.name!r} -> {uploaded['path']}")
            call = invoke_gradio_session_api("shout_file", [uploaded])
            returned, lines = update_gradio_session_api_result(call)[-1].data
            saved = Path(returned["local_path"])
            print(f"The app returned {returned['orig_name']!r} ({lines}); saved as {saved.name!r}:")
            print("  " + saved.read_text(encoding="utf-8").replace("\n", "\n  ").rstrip())

            print("\nOne function per endpoint, chained like a PowerShell pipeline (countdown | greet):")
            api: dict = {}
            new_gradio_session_api_proxy_function(session="demo", namespace=api)  # GradioApiFunction
            countdown, greet = api["invoke_gradio_api_countdown"], api["invoke_gradio_api_greet"]
            print(f"  {countdown.__name__}{inspect.signature(countdown)}"[:110] + " ...")
            for event in countdown(start=3, delay=0.1) | greet.map("name=0"):
                if event.event == "complete":
                    print(f"  {event.pipeline[-1].data[0]!r:>12} -> {event.data[0]!r}")

            print(f"\nThe session keeps {len(get_gradio_session_api())} calls: {session!r}")
            removed = remove_gradio_session_api("clean")
            print(f"Removed the {len(removed)} finished ones: {session!r}")
        print("\nDemo finished.")
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
