"""docs/notebook.ipynb, executed by a real Jupyter kernel (nbclient + ipykernel) against the
demo app: what a notebook user sees is rich output (HTML tables, an image inline), and no
token ever lands in the notebook."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from conftest import running, start_app

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).parent.parent
CANARY = "hf_notebookCANARY0123456789"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    logs = tmp_path_factory.mktemp("notebook-demo")
    with running([start_app(ROOT / "scripts" / "demo_app.py", logs / "demo.log")]) as (app,):
        yield app


def _outputs(cell) -> dict[str, object]:
    """The MIME bundle of a code cell's result (its execute_result or display_data)."""
    shown = [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
    assert shown, f"no rich output for: {''.join(cell.source)[:80]}"
    return dict(shown[-1]["data"])


def test_the_notebook_runs_and_shows_tables_and_an_image_inline(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_URL", demo.url)
    monkeypatch.setenv("HF_TOKEN", CANARY)  # sent to the demo app (its own origin) only
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    notebook = nbformat.read(ROOT / "docs" / "notebook.ipynb", as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert errors == []

    session = _outputs(cells[0])
    assert "<table>" in session["text/html"] and "notebook" in session["text/html"]
    assert demo.url in session["text/html"] and "badge" in session["text/html"]  # its endpoints
    call = _outputs(cells[1])
    assert "<table>" in call["text/html"] and "Hello, Notebook!" in call["text/html"]
    assert "complete" in call["text/html"]
    for cell in cells[2:4]:
        bundle = _outputs(cell)
        assert "image/png" in bundle, list(bundle)  # the image itself, inline
        assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
        assert "text/plain" in bundle
    calls = _outputs(cells[4])["text/html"]  # the session's calls, one row each
    assert calls.count("<tr>") == 1 + 3 and "/greet" in calls and "/badge" in calls and "<thead>" in calls
    batch = cells[5]  # a batch draws tqdm's widget and hands back every result
    widgets = [o for o in batch.outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, [o.output_type for o in batch.outputs]
    assert "0/6" in widgets[-1]["data"]["text/plain"]  # drawn with its total (later states go to the widget)
    assert "Hello, Flo!" in _outputs(batch)["text/plain"] and "failed" not in _outputs(batch)["text/plain"]
    written = json.dumps(notebook)
    assert CANARY not in written
    assert 'src=\\"http' not in written and "href=" not in written  # media are embedded, not linked
    assert "/file=" not in written  # no file URL in any output, plain text included (issue 27)


def test_the_html_of_every_object_escapes_server_text(demo):
    """A value the server sent is text in the table, never markup."""
    from powershai_py import invoke_gradio_session_api, new_gradio_session, update_gradio_session_api_result

    new_gradio_session(demo.url, "escape")
    call = invoke_gradio_session_api("greet", {"name": "<script>alert(1)</script>"}, session="escape")
    last = update_gradio_session_api_result(call, session="escape")[-1]
    for shown in (call._repr_html_(), last._repr_mimebundle_()["text/html"]):
        assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert os.environ.get("HF_TOKEN") is None
