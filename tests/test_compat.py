"""compat: the PowerShell corpus run three ways against real servers, objects, binding, syntax errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hubserver import TOKEN, FakeSpace, LocalHub
from hypothesis import example, given
from hypothesis import strategies as st

from powershai_py import PowershaiError, compat, new_gradio_session
from powershai_py.cli import main
from powershai_py.compat import CompatSyntaxError, Hashtable, PSObject, is_type, run, translate, unwrap
from powershai_py.compat.names import variable_name as snake
from powershai_py.compat.translator import TODO
from powershai_py.gradio.proxies.proxy import (
    get_gradio_session_api_proxy_function,
    remove_gradio_session_api_proxy_function,
)
from powershai_py.gradio.sessions.sessions import remove_gradio_session

CORPUS = Path(__file__).parent / "ps_corpus"
sys.path.insert(0, str(CORPUS))
import twins  # noqa: E402

ROOT = Path(__file__).parent.parent


def reset() -> None:
    remove_gradio_session_api_proxy_function(get_gradio_session_api_proxy_function("*"))
    remove_gradio_session("*")


def plain(items) -> list:
    return [unwrap(item) for item in items]


@pytest.fixture
def corpus_vars(lab, source_app, relay_app, tmp_path, monkeypatch):
    upload = tmp_path / "five.txt"
    upload.write_text("12345")
    with LocalHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        hub.add(FakeSpace("owner/public", host=lab.url))
        yield {
            "LabUrl": lab.url,
            "SourceUrl": source_app.url,
            "RelayUrl": relay_app.url,
            "FilePath": str(upload),
        }


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.ps1")))
def test_the_corpus_agrees_three_ways(name, corpus_vars, monkeypatch):
    script = (CORPUS / f"{name}.ps1").read_text()
    by_compat = plain(run(script, corpus_vars).output)
    reset()
    source = translate(script)
    assert "TODO(migrate)" not in source
    for key, value in corpus_vars.items():  # the translation reads its inputs from the environment
        monkeypatch.setenv(snake(key).upper(), value)
    namespace: dict = {}
    exec(compile(source, f"{name}.py", "exec"), namespace)
    by_translation = plain(namespace["output"])
    reset()
    by_hand = getattr(twins, name)(**{snake(key): value for key, value in corpus_vars.items()})
    assert by_compat == by_translation == by_hand
    assert by_compat  # every script writes something


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.ps1")))
def test_migrate_writes_python_that_passes_ruff(name, tmp_path):
    target = tmp_path / f"{name}.py"
    result = subprocess.run(
        [sys.executable, "-m", "powershai_py", "migrate", str(CORPUS / f"{name}.ps1"), "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    ruff = Path(sys.executable).with_name("ruff")
    check = subprocess.run(
        [str(ruff), "check", "--config", str(ROOT / "pyproject.toml"), "--no-cache", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout
    compile(target.read_text(), str(target), "exec")


# --- objects -----------------------------------------------------------------------------------------


def test_psobject_reads_and_writes_with_powershell_names(lab):
    session = new_gradio_session(lab.url, "lab")
    view = PSObject(session)
    assert view.AppUrl == lab.api_url and view.name == "lab" and view.SessionId == session.session_id
    assert view.options.MaxCalls == 100 and view.OPTIONS.maxcalls == 100
    view.options.MaxCalls = 5
    assert session.options == {"MaxCalls": 5, "MaxCallsPolicy": "warning"}  # the spelling is kept
    [call] = compat.invoke("Invoke-GradioSessionApi", ApiName="echo", Params=["x"])
    assert call.EventId is None and call.id == call.ApiEvent.EventId
    [result] = compat.invoke("Update-GradioSessionApiResult", pipeline=[call])
    assert result.data == ["x"] and call.ApiEvent.LastQueryStatus == "complete"
    assert PSObject(session).ApiCalls.AllEvents[0].id == call.id
    assert PSObject(session).ApiCalls.ById[call.id].id == call.id
    assert is_type(session, "GradioSession") and is_type(view, "PowershaiType:GradioSession")
    assert is_type(call, "Deserialized.PowershaiType:SessionApiEvent") and not is_type(call, "GradioSession")
    assert view.NoSuchThing is None  # PowerShell gives $null


def test_errors_keep_their_code_and_error_name():
    with pytest.raises(PowershaiError) as caught:
        compat.invoke("Get-GradioSession", Name="nobody")
    assert str(caught.value).startswith("POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND: ")
    assert PSObject(caught.value).ErrorName == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND"


def test_binding_names_aliases_prefixes_switches_and_positions(lab):
    compat.invoke("New-GradioSession", lab.url, "lab")
    [session] = compat.invoke("Get-GradioSession", Name="LAB")  # the -Name alias of -Session
    assert session.name == "lab"
    compat.invoke("Set-GradioSession", "lab", maxcalls=3, MaxCallsP="error")  # any case; a unique prefix
    assert session.options.MaxCalls == 3
    assert compat.invoke("New-GradioSession", lab.url, "lab", Force=True)[0].name == "lab"
    with pytest.raises(PowershaiError, match="ambiguous"):
        compat.invoke("Set-GradioSession", "lab", MaxCall=3)
    with pytest.raises(PowershaiError, match="has no parameter -Nope"):
        compat.invoke("Get-GradioSession", Nope=1)
    assert compat.invoke("Get-GradioSession", "lab", Like=False)[0].name == "lab"  # -Like:$false


def test_pipeline_input_processes_every_item(lab):
    for name in ("a", "b", "c"):
        new_gradio_session(lab.url, name)
    result = run(
        "Get-GradioSession | ? { $_.name -ne 'b' } | Remove-GradioSession; @(Get-GradioSession).Count"
    )
    assert result.output == [1]


@given(st.lists(st.tuples(st.text(max_size=8), st.integers())))
def test_a_hashtable_is_a_dict_with_case_folded_keys(pairs):
    table = Hashtable()
    model: dict = {}
    for key, value in pairs:
        table[key] = value
        model[key.casefold()] = value
    assert len(table) == len(model)
    for key, value in model.items():
        assert table[key.upper()] == value if key.upper().casefold() == key else table[key] == value
    assert {k.casefold(): v for k, v in table.items()} == model


# --- the language --------------------------------------------------------------------------------------


def test_expressions_of_the_subset():
    result = run(
        """
        $h = @{ Name = 'x'; n = 2 }
        $h.NAME; $h.n
        1..3 | % { $_ }
        @(1, 2, 3) -gt 1
        'abc' -like 'A*'; 'abc' -match 'B'; 3 -eq '3'
        "n is $($h.n) and name is $($h.name)"
        $a = 1, 2; $a.Count; $a[-1]
        $true -and -not $false
        Write-Host 'to the host'
        Write-Output 'out'
        """
    )
    assert result.output == [
        "x",
        2,
        1,
        2,
        3,
        2,
        3,
        True,
        True,
        True,
        "n is 2 and name is x",
        2,
        2,
        True,
        "out",
    ]
    assert result.host == ["to the host"]
    assert result.variables["A"] == [1, 2]  # variables ignore case too


@pytest.mark.parametrize(
    ("script", "line", "column", "words"),
    [
        ("$a = 1\nswitch ($a) { 1 { 'one' } }", 2, 1, "switch is not supported"),
        ("try { 1 } catch { 2 }", 1, 1, "try is not supported"),
        ("Get-GradioSession\n[Math]::Round(2.5)", 2, 1, "static methods"),
        ("$a = 'open", 1, 1, "cannot read"),
        (". ./other.ps1 -Verbose", 1, 1, "dot-sourcing with arguments"),
        ("$x = 1\n& $cmd", 2, 1, "call operator"),
        ("$a = 1\n$b = 1 -band 2", 2, 6, "bitwise"),
        ("Get-GradioSession > out.txt", 1, 19, "redirection"),
        ("$a = 1\n$b = ;", 2, 1, "assignment without a value"),
    ],
)
def test_unsupported_syntax_names_line_and_column(script, line, column, words):
    with pytest.raises(CompatSyntaxError) as caught:
        run(script)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.message and caught.value.hint
    assert f"{TODO} " in translate(script)  # the translator keeps the same statement as a TODO


@given(st.text(max_size=80))
@example("0d")  # a [decimal] literal, found by hypothesis
@example("0x1fl + 3ul + 2y + 1.5d")
def test_the_parser_never_raises(text):
    tree = compat.parse(text)
    assert tree.kind == "script"


def test_untranslatable_statements_become_todo_comments():
    source = translate("$x = 1\n$y = Get-Service -Name spooler\n$z = 3")
    assert "x = 1" in source and "z = 3" in source
    assert "# TODO(migrate): $y = Get-Service -Name spooler -- Get-Service is not a PowershAI" in source
    assert "call_proxy" not in source and "_proxy_call" not in source


def test_the_cli_runs_a_powershell_line(lab, tmp_path):
    from click.testing import CliRunner

    store = tmp_path / "store.sqlite3"
    script = f"New-GradioSession {lab.url} -Name lab | % {{ $_.name }}"
    result = CliRunner().invoke(main, ["--store", str(store), "ps", script])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "lab"
    echo = "Invoke-GradioSessionApi echo @('hi') | Update-GradioSessionApiResult"
    result = CliRunner().invoke(main, ["--store", str(store), "ps", echo])
    assert result.exit_code == 0 and '["hi"]' in result.output
    shown = CliRunner().invoke(main, ["--store", str(store), "ps", "Get-GradioSession lab"])
    assert shown.exit_code == 0 and lab.api_url in shown.output and "max_calls" in shown.output
    as_json = CliRunner().invoke(main, ["--store", str(store), "ps", "Get-GradioSession lab", "--json"])
    assert json.loads(as_json.output)["app_url"] == lab.api_url
    call = CliRunner().invoke(
        main, ["--store", str(store), "ps", "Invoke-GradioSessionApi echo @('x')", "--json"]
    )
    assert json.loads(call.output)["api_name"] == "/echo"
    bad = CliRunner().invoke(main, ["--store", str(store), "ps", "switch ($x) { 1 { 2 } }"])
    assert bad.exit_code == 2 and "POWERSHAI_COMPAT_SYNTAX: line 1, column 1" in bad.output


def test_a_space_shows_its_session_as_control_gradio_session():
    from powershai_py import HuggingFaceSpace

    space = PSObject(HuggingFaceSpace(id="a/b", gradio_session="Space:a/b"))
    assert space.control.GradioSession == "Space:a/b" and space.Id == "a/b"
    assert is_type(space, "HuggingFaceSpace")
