"""Record the ``/info`` and ``/config`` documents of the test apps as a real Gradio server writes them.

    python scripts/capture_info.py .venv-gradio-5.50.0/bin/python tests/data

Starts tests/apps/components.py and tests/apps/others_shapes.py with the given interpreter the
way the test fixtures do (tests/conftest.py: a free port, waiting until it answers), saves each
app's documents as ``<app>-info-<version>.json`` and ``<app>-config-<version>.json`` in the
folder given, and stops them. The pure tests (tests/test_schema_pure.py,
tests/test_info_documents.py) read these files, so they hold the documents Gradio itself
serves, not ones written here.
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

CAPTURED = ("components", "others_shapes")


def main(python: str, folder: Path) -> None:
    os.environ["GRADIO_PYTHON"] = python  # the interpreter start_app runs the apps with
    logs = Path(tempfile.mkdtemp())
    apps = [start_app(APPS / f"{name}.py", logs / f"{name}.log") for name in CAPTURED]
    with running(apps) as ready:
        for name, app in zip(CAPTURED, ready, strict=True):
            for document, url in (("info", app.api_url + "/info"), ("config", app.url + "/config")):
                answer = requests.get(url, timeout=30)
                answer.raise_for_status()
                target = folder / f"{name.replace('_', '-')}-{document}-{app.version}.json"
                target.write_text(json.dumps(answer.json(), indent=1, sort_keys=True) + "\n")
                print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    python = sys.argv[1] if len(sys.argv) > 1 else sys.executable
    main(python, Path(sys.argv[2] if len(sys.argv) > 2 else "."))
