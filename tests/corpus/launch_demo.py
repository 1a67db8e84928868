"""Start one app of the gradio repository's ``demo/`` folder on 127.0.0.1, offline.

    python tests/corpus/launch_demo.py --port N DEMO_DIR

Runs ``DEMO_DIR/run.py`` as ``__main__`` from its own folder (demos read their files by
relative paths) with ``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT`` set, which ``launch()``
honours. The demos are not part of this repository: ``scripts/conformance`` takes their
folder from ``GRADIO_DEMOS`` (see tests/test_demo_corpus.py).
"""

from __future__ import annotations

import os
import runpy
import sys

for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_SERVER_NAME": "127.0.0.1",
}.items():
    os.environ.setdefault(_name, _value)


def main(argv: list[str]) -> None:
    port = argv[argv.index("--port") + 1] if "--port" in argv else "7860"
    rest = [a for i, a in enumerate(argv) if a != "--port" and argv[i - 1 : i] != ["--port"]]
    folder = os.path.abspath(rest[0])
    os.environ["GRADIO_SERVER_PORT"] = port
    os.chdir(folder)
    sys.path.insert(0, folder)
    sys.argv = [os.path.join(folder, "run.py")]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
