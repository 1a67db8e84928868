"""Record the ``/info`` document of tests/apps/components.py as a real Gradio server writes it.

    python scripts/capture_info.py .venv-gradio-5.50.0/bin/python > tests/data/components-info-5.50.0.json

Starts the app with the given interpreter the way the test fixtures do (tests/conftest.py: a
free port, waiting until it answers), saves its ``/info`` and stops it. The pure schema tests
(tests/test_schema_pure.py) read these files, so they hold Gradio's own schemas for every
component, not ones written here.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import APPS, running, start_app  # noqa: E402


def main(python: str) -> None:
    os.environ["GRADIO_PYTHON"] = python  # the interpreter start_app runs the app with
    log = Path(tempfile.mkdtemp()) / "components.log"
    with running([start_app(APPS / "components.py", log)]) as [app]:
        answer = requests.get(app.api_url + "/info", timeout=30)
        answer.raise_for_status()
        json.dump(answer.json(), sys.stdout, indent=1, sort_keys=True)
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.executable)
