"""The README's Python snippets, run as written against the bundled demo app.

Each ```python block runs in a fresh interpreter, in an empty folder, with only the demo
app's address changed from http://127.0.0.1:7860 to the port the fixture chose. A block
that fails here fails for a reader too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import running, start_app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
# Blocks that need what a test machine has not got, with the reason; everything else runs.
NOT_RUN = {
    'get_hf_space("owner/name")': "needs a Space on the Hugging Face Hub (tests/test_hub.py covers it "
    "against a local Hub)",
}


def runnable() -> list[tuple[int, str]]:
    return [(n, block) for n, block in enumerate(BLOCKS, 1) if not any(mark in block for mark in NOT_RUN)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    logs = tmp_path_factory.mktemp("demo")
    with running([start_app(ROOT / "scripts" / "demo_app.py", logs / "demo.log")]) as (app,):
        yield app


def test_the_readme_has_snippets_and_only_named_ones_are_left_out():
    assert len(BLOCKS) >= 4
    assert len(BLOCKS) - len(runnable()) == len(NOT_RUN)  # each exclusion matches one block, no more


@pytest.mark.parametrize(("number", "code"), runnable(), ids=[f"block{n}" for n, _ in runnable()])
def test_a_readme_snippet_runs_as_written(demo, tmp_path, number, code):
    assert "http://127.0.0.1:7860" in code or "compat" in code, "a snippet that talks to no app?"
    source = code.replace("http://127.0.0.1:7860", demo.url)
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # compat sits beside the package
    )
    assert done.returncode == 0, f"README block {number} failed:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    assert done.stdout.strip(), f"README block {number} printed nothing"
