"""The main job of powershai-py, end to end against the bundled demo app.

Starts scripts/demo_app.py on 127.0.0.1, opens it, lists its endpoints, streams a call,
uploads a file and downloads the file the app makes from it, then stops the app.
Run it through ``scripts/demo``, which prepares the environment first.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from powershai_py import (
    download_gradio_file,
    get_gradio_info,
    send_gradio_api,
    send_gradio_file,
    update_gradio_api_result,
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
        info = get_gradio_info(url)
        print(f"\nOpened {url} (Gradio {info.version}); API at {info.real_app_url}\n")
        rows = [
            (
                "/" + name,
                ", ".join(describe(p) for p in spec["parameters"]),
                ", ".join(r["component"] for r in spec["returns"]),
            )
            for name, spec in ((n.lstrip("/"), s) for n, s in info.named_endpoints.items())
        ]
        print(tabulate(rows, headers=["endpoint", "parameters", "returns"]))

        print("\nStreaming /countdown, each event as it arrives:")
        event = send_gradio_api(url, "countdown", [5, 0.3])
        for result in update_gradio_api_result(event, stream=True):
            print(f"  {result.ts:%H:%M:%S.%f}  #{result.num:<2} {result.event:<10} {result.data}", flush=True)
        print(f"  -> status {event.status}, {event.last_event_num} events")

        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "poema ção.txt"
            source.write_text("roses are red\nviolets are blue\n", encoding="utf-8")
            uploaded = send_gradio_file(url, source)[0]
            print(f"\nUploaded {source.name!r} -> {uploaded['path']}")
            event = send_gradio_api(url, "shout_file", [uploaded])
            returned, lines = update_gradio_api_result(event)[-1].data
            saved = download_gradio_file(url, returned, folder)
            print(f"The app returned {returned['orig_name']!r} ({lines}); downloaded to {saved.name!r}:")
            print("  " + saved.read_text(encoding="utf-8").replace("\n", "\n  ").rstrip())
        print("\nDemo finished.")
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
