"""PowershAI's own test app, tests/ps_corpus/powershai/simple-app.py (kept as published),
launched on a port for the tests:

    python tests/apps/powershai_simple_app.py --port 7860
"""

from __future__ import annotations

import argparse
import runpy
from pathlib import Path

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

APP = Path(__file__).parent.parent / "ps_corpus" / "powershai" / "simple-app.py"

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    demo = runpy.run_path(str(APP))["demo"]  # its own launch() is for `python simple-app.py` only
    demo.queue(default_concurrency_limit=None)
    demo.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=False)
