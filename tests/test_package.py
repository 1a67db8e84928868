"""The package surface: light import, public names, no token in what it shows."""

from __future__ import annotations

import subprocess
import sys

import powershai_py


def test_import_loads_nothing_heavy():
    code = "import sys, powershai_py; print(sorted(m for m in ('requests', 'urllib3') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_resolves():
    for name in powershai_py.__all__:
        assert getattr(powershai_py, name) is not None, name


def test_dir_shows_the_public_api_only():
    shown = dir(powershai_py)
    assert "invoke_gradio_session_api" in shown and "PowershaiError" in shown
    assert not {"Any", "TYPE_CHECKING", "annotations", "import_module", "_EXPORTS"} & set(shown)


def test_the_core_never_imports_compat():
    code = "import sys, powershai_py.gradio; print('compat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_powershell_grammar_loads_only_when_a_script_is_parsed():
    code = (
        "import sys, powershai_py, compat, powershai_py.cli; before = 'tree_sitter' in sys.modules; "
        "compat.parse('1'); print(before, 'tree_sitter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
