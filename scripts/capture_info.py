"""Record the ``/info`` document of tests/apps/components.py as a real Gradio server writes it.

    python scripts/capture_info.py .venv-gradio-5.50.0/bin/python > tests/data/components-info-5.50.0.json

Starts the app with the given interpreter on a free port, waits until it answers, saves its
``/info`` (under ``/gradio_api`` or not, whichever the version serves) and stops it. The pure
schema tests (tests/test_schema_pure.py) read these files, so they hold Gradio's own schemas for
every component, not ones written here.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

APP = Path(__file__).resolve().parent.parent / "tests" / "apps" / "components.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(python: str) -> None:
    port = free_port()
    command = [str(Path(python).absolute()), str(APP), "--port", str(port)]
    app = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=APP.parent)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for path in ("/gradio_api/info", "/info"):
                try:
                    answer = requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
                except requests.ConnectionError:
                    break
                if answer.ok:
                    json.dump(answer.json(), sys.stdout, indent=1, sort_keys=True)
                    print()
                    return
            time.sleep(0.5)
        raise SystemExit("the app did not answer within 120 s")
    finally:
        app.terminate()
        app.wait(30)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.executable)
