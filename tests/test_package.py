"""The package surface: light import, public names, no token in what it shows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import powershai_py


def test_import_loads_nothing_heavy():
    heavy = "('requests', 'urllib3', 'tqdm', 'sqlite3')"
    code = f"import sys, powershai_py; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_batch_without_a_display_never_loads_tqdm():
    code = (
        "import sys, powershai_py; from powershai_py.gradio.batch import runner; print('tqdm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_public_name_resolves():
    for name in powershai_py.__all__:
        assert getattr(powershai_py, name) is not None, name


def test_dir_shows_the_public_api_only():
    shown = dir(powershai_py)
    assert "invoke_gradio_session_api" in shown and "PowershaiError" in shown
    assert not {"Any", "TYPE_CHECKING", "annotations", "import_module", "_EXPORTS"} & set(shown)


def test_the_core_never_imports_compat():
    code = (
        "import sys, powershai_py, powershai_py.gradio, powershai_py.cli; "
        "print('powershai_py.compat' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_powershell_grammar_loads_only_when_a_script_is_parsed():
    code = (
        "import sys, powershai_py, powershai_py.cli; from powershai_py import compat; "
        "before = 'tree_sitter' in sys.modules; "
        "compat.parse('1'); print(before, 'tree_sitter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


LAYERS = ["errors", "state", "sse", "http", "gradio.protocol", "gradio.sessions", "gradio.batch",
          "gradio.proxies", "hub", "gradio.storage", "client", "agents", "cli", "compat"]  # fmt: skip
# compat sits on top: nothing below imports it; the CLI loads it by name (importlib) in the two
# commands that need it, so `powershai-py --help` never does.


def _layer(module: str) -> int | None:
    """The index in LAYERS of ``powershai_py.<module>`` (its folder for the gradio layers)."""
    for index, name in reversed(list(enumerate(LAYERS))):
        if module == name or module.startswith(name + "."):
            return index
    return None


def test_each_layer_imports_only_the_layers_below_it():
    """The folders are the layers: protocol -> sessions -> proxies -> (hub, storage) -> cli."""
    import ast
    from pathlib import Path

    root = Path(powershai_py.__file__).parent
    wrong = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        module = ".".join(p for p in parts if p != "__init__")
        here = _layer(module)
        if here is None:
            continue
        package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                targets = [".".join([*base, node.module])] if node.module else [
                    ".".join([*base, alias.name]) for alias in node.names
                ]  # fmt: skip
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                targets = [
                    n.removeprefix("powershai_py.") for n in names if n and n.startswith("powershai_py.")
                ]
            else:
                continue
            for target in targets:
                there = _layer(target)
                if there is not None and there > here:
                    wrong.append(f"{module} imports {target}")
    assert wrong == []


def _import_graph() -> dict[str, set[str]]:
    """Module -> the modules of powershai_py and compat it imports, anywhere in its code
    (inside functions too): ``from .x import y`` counts ``x`` (and ``x.y`` when a module)."""
    import ast
    from pathlib import Path

    root = Path(powershai_py.__file__).parent.parent
    files = {}
    for package in ("powershai_py",):
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(p for p in parts if p != "__init__")] = path
    graph: dict[str, set[str]] = {module: set() for module in files}
    for module, path in files.items():
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
                target = ".".join(p for p in (base, node.module or "") if p)
                inner = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in files]
                names = inner if inner and not node.module else [target, *inner]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            graph[module] |= {name for name in names if name in files and name != module}
    return graph


def test_no_module_imports_itself_through_others():
    """No import cycle anywhere, even one hidden in a function (a cycle between two folders
    is also a layer fault, but one inside a folder is not, so it is looked for here)."""
    graph = _import_graph()
    cycles = []
    for start in graph:  # a path back to ``start``, searched depth first
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for target in graph[module]:
                if target == start:
                    cycles.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert cycles == [], cycles[:3]


def test_the_import_graph_sees_imports_inside_functions():
    graph = _import_graph()
    assert "powershai_py.gradio.protocol.files" in graph["powershai_py.gradio.protocol.display"]
    assert "powershai_py.compat.cmdlets" in graph["powershai_py.compat.runner"]
    assert "powershai_py.compat.names" in graph["powershai_py.compat.translator"]


def test_the_wheel_and_the_sdist_install_in_a_fresh_venv_and_run(tmp_path):
    """What `python -m build` makes installs on its own (runtime dependencies from the registry)
    and works outside the source tree: the CLI, every public name, compat and its grammar."""
    import shutil
    import tarfile
    import zipfile
    from pathlib import Path

    root = Path(powershai_py.__file__).parent.parent
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(root)],  # as a user builds: isolated
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("powershai_py/gradio/protocol/queue.py", "powershai_py/gradio/storage/sqlite_store.py",
                   "powershai_py/py.typed", "powershai_py/compat/runner.py"):  # fmt: skip
        assert module in names, module
    assert not [n for n in names if n.startswith(("tests/", "compat/"))]  # no top-level `compat` (issue 27)
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    for document in ("README.md", "CHANGELOG.md", "LICENSE"):
        assert any(m.endswith("/" + document) for m in members), document
    check = (
        "import powershai_py; from powershai_py import compat; "
        "[getattr(powershai_py, n) for n in powershai_py.__all__]; "
        "print(powershai_py.__version__, compat.translate('Get-GradioSession').strip())"
    )
    for source in (wheel, sdist):
        venv = tmp_path / f"venv-{source.suffix}"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        python = venv / "bin" / "python"
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", str(source)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert installed.returncode == 0, installed.stderr[-2000:]
        ran = subprocess.run(
            [str(python), "-c", check], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.split()[0] == powershai_py.__version__ and "get_gradio_session" in ran.stdout
        cli = subprocess.run(
            [str(venv / "bin" / "powershai-py"), "--help"], capture_output=True, text=True, timeout=60
        )
        assert cli.returncode == 0 and "cancel" in cli.stdout
        shutil.rmtree(venv)


def test_help_names_every_function_and_every_exception_once():
    import inspect
    import pydoc
    import re

    from powershai_py import errors

    text = pydoc.render_doc(powershai_py, renderer=pydoc.plaintext)
    assert "class PowershaiError(" in text and "invoke_gradio_session_api(" in text  # help() shows both
    doc = powershai_py.__doc__ or ""
    for name in powershai_py.__all__:
        if callable(getattr(powershai_py, name)):
            assert name in doc, f"{name} is not in the module docstring"
    exceptions = [
        n for n, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.PowershaiError)
    ]
    assert len(exceptions) >= 20
    for name in exceptions:
        assert len(re.findall(rf"^    {name} {{2,}}\S", doc, flags=re.M)) == 1, name  # one table row
        assert name in dir(powershai_py) and name in powershai_py.__all__  # `from ... import *` brings it


def _modules():
    root = Path(__file__).resolve().parent.parent
    for folder in ("powershai_py",):
        yield from sorted((root / folder).rglob("*.py"))


def test_each_module_says_its_job_first_and_a_long_one_says_why():
    """docs/architecture.md: each module's first lines say its one job; none is over 500 lines
    without a reason written in it."""
    for path in _modules():
        text = path.read_text()
        tree = ast.parse(text)
        doc = ast.get_docstring(tree)
        assert doc and doc.split("\n")[0].strip(), f"{path} does not open with what it does"
        if len(text.splitlines()) > 500:
            assert "Longer than 500 lines on purpose:" in doc, f"{path}: over 500 lines, and no reason given"


def test_a_star_import_brings_what_a_caller_catches_and_checks():
    """In the REPL: `from powershai_py import *`, then `except PowershaiError` and isinstance
    checks on results work (issue 27)."""
    code = (
        "from powershai_py import *\n"
        "try:\n"
        "    get_gradio_session('nobody-here')\n"
        "except SessionNotFound as error:\n"
        "    print(isinstance(error, PowershaiError), error.code)\n"
        "print(all(isinstance(k, type) for k in (GradioSession, SessionApiEvent, GradioApiEventResult,"
        " ProxyResult, BatchResult, Client, PowershaiWarning, CallFailed, QuotaExceeded)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND", "True"]
