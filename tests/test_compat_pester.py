"""Pester files in both back ends: PowershAI's own tests, and each Should form.

The file under test is PowershAI's ``tests/pester/002-providers/huggingface.tests.ps1``, kept
as published (tests/ps_corpus/pester/). Its two Spaces are stood in for by
tests/apps/tests_space.py behind the local Hub (one public, one private), and a second copy of
that app answers wrongly: the runner and the migrated pytest module must pass against the first
and fail, test by test, against the second.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import APPS, running, start_app
from hubserver import TOKEN, FakeSpace, LocalHub
from hypothesis import given, settings
from hypothesis import strategies as st

from powershai_py import PowershaiError
from powershai_py.compat import run, translate
from powershai_py.compat.translator import TODO

PESTER = Path(__file__).parent / "ps_corpus" / "pester"
HF_TESTS = PESTER / "huggingface.tests.ps1"
# The tests of huggingface.tests.ps1 that call the Space's endpoints: those a wrong app fails.
CALLING = ["Test Api Function Call", "Test Api Pipeline", "Test Api Pipeline Connect"]


@pytest.fixture(scope="module")
def tests_spaces(tmp_path_factory):
    """The stand-in of powershai/tests-gradio: a right release and a wrong one."""
    logs = tmp_path_factory.mktemp("tests-space")
    apps = [
        start_app(APPS / "tests_space.py", logs / "right.log"),
        start_app(APPS / "tests_space.py", logs / "wrong.log", args=("--wrong",)),
    ]
    with running(apps) as ready:
        yield {"right": ready[0], "wrong": ready[1]}


@pytest.fixture(params=["right", "wrong"])
def hub_of(request, tests_spaces, monkeypatch):
    """The local Hub with the Pester file's two Spaces on the right or the wrong app; the token
    in HF_API_TOKEN, as PowershAI reads it (the file unsets it for the public Space)."""
    app = tests_spaces[request.param]
    with LocalHub() as hub:
        hub.add(FakeSpace("powershai/tests-gradio", host=app.url))
        hub.add(FakeSpace("powershai/private-tests-gradio", host=app.url, private=True))
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_API_TOKEN", TOKEN)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield request.param, hub


def _reset() -> None:
    import powershai_py as ps

    ps.remove_gradio_session_api_proxy_function(ps.get_gradio_session_api_proxy_function("*"))
    ps.remove_gradio_session("*")


def test_powershais_pester_file_runs_in_the_runner(hub_of):
    which, _ = hub_of
    result = run(HF_TESTS.read_text(encoding="utf-8"))
    _reset()
    names = [test.path[-1] for test in result.tests]
    assert len(result.tests) == 18 and names.count("Get spaces") == 2  # 9 tests for each of 2 Spaces
    assert result.tests[0].path[:2] == ["Space Tests", "HuggingFace Basic Tests: powershai/tests-gradio"]
    failed = sorted(test.path[-1] for test in result.failed)
    if which == "right":
        assert failed == [], [test.line() for test in result.failed]
        assert result.host[-1] == "Tests Passed: 18, Failed: 0, Skipped: 0"
    else:
        assert failed == sorted(CALLING * 2)
        assert any("PowershaiTest:Fail:" in test.message for test in result.failed)
    assert any(note.startswith("Switch-PowershaiSetting: nothing to do") for note in result.notes)


def test_powershais_pester_file_migrates_to_pytest(hub_of, tmp_path):
    """The acceptance of issue 26: the migrated module is green against the stand-in apps and
    red, for the tests that call them, when an app answers wrongly."""
    which, _ = hub_of
    target = tmp_path / "test_huggingface.py"
    made = subprocess.run(
        [sys.executable, "-m", "powershai_py", "migrate", str(HF_TESTS), "-o", str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert TODO not in target.read_text() and "run its tests with pytest" in made.stdout
    ruff = Path(sys.executable).with_name("ruff")
    root = Path(__file__).parent.parent / "pyproject.toml"
    linted = subprocess.run([str(ruff), "check", "--config", str(root), "--no-cache", str(target)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert linted.returncode == 0, linted.stdout
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", str(target)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=dict(os.environ),
    )  # fmt: skip
    report = tested.stdout
    if which == "right":
        assert tested.returncode == 0 and "18 passed" in report, report[-3000:]
    else:
        assert tested.returncode == 1 and "6 failed, 12 passed" in report, report[-3000:]
        for name in (
            "test_test_api_function_call",
            "test_test_api_pipeline",
            "test_test_api_pipeline_connect",
        ):
            assert report.count(f"TestGradioSpaceTests::{name}[") == 2


# --- the order Pester runs things in ------------------------------------------------------------------

ORDER = """
BeforeAll { Write-Host 'file before' }
AfterAll { Write-Host 'file after' }
Describe 'outer' {
    BeforeAll { $shared = 'from BeforeAll'; Write-Host 'outer before' }
    BeforeEach { Write-Host 'outer each' }
    AfterEach { Write-Host 'outer after each' }
    AfterAll { Write-Host 'outer after' }
    It 'reads a BeforeAll variable' {
        Write-Host "first test"
        $shared | Should -Be 'FROM BEFOREALL'
        $shared | Should -Not -BeExactly 'FROM BEFOREALL'
    }
    Context 'inner <n>' -ForEach @(@{ n = 1 }, @{ n = 2 }) {
        BeforeEach { Write-Host "inner each $n" }
        It 'sees its data' {
            Write-Host "test $n"
            $n | Should -BeIn 1, 2
        }
    }
    It 'is skipped' -Skip { Write-Host 'never' }
    It 'fails' { 1 | Should -Be 2 -Because 'one is not two' }
}
"""
# What ORDER's Write-Host lines show, in Pester's order.
ORDER_SHOWN = [
    "file before", "outer before",
    "outer each", "first test", "outer after each",
    "outer each", "inner each 1", "test 1", "outer after each",
    "outer each", "inner each 2", "test 2", "outer after each",
    "outer each", "outer after each",  # 'fails'; the skipped test runs no hook
    "outer after", "file after",
]  # fmt: skip


def test_the_runner_keeps_pesters_order_and_scopes():
    result = run(ORDER)
    shown = [line for line in result.host if not line.startswith(("[", "Tests "))]
    assert shown == ORDER_SHOWN
    assert [(t.path[-1], t.result) for t in result.tests] == [
        ("reads a BeforeAll variable", "passed"),
        ("sees its data", "passed"),
        ("sees its data", "passed"),
        ("is skipped", "skipped"),
        ("fails", "failed"),
    ]
    assert result.tests[-1].message == "Expected -Be 2, because one is not two, but got 1."
    assert result.host[-1] == "Tests Passed: 3, Failed: 1, Skipped: 1"


def test_the_translation_keeps_pesters_order_and_scopes(tmp_path):
    target = tmp_path / "test_order.py"
    target.write_text(translate(ORDER))
    assert TODO not in target.read_text()
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(target)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert tested.returncode == 1 and "1 failed, 3 passed, 1 skipped" in tested.stdout, tested.stdout
    assert "one is not two" in tested.stdout  # -Because is the assert's message
    printed = tested.stdout.split("=====")[0].splitlines()  # what ran before pytest's report
    assert [line.lstrip(".sF") for line in printed if line.strip(".sF")] == ORDER_SHOWN


# --- each Should form, in both back ends -------------------------------------------------------------


def holds(line: str) -> tuple[bool, bool]:
    """Whether a Should line holds in the runner and in its translation."""
    try:
        run(line)
        by_runner = True
    except AssertionError:
        by_runner = False
    source = translate(line)
    assert TODO not in source, source
    try:
        exec(compile(source, "<translation>", "exec"), {})
        by_translation = True
    except (AssertionError, pytest.fail.Exception):  # pytest.raises that saw nothing: a failure too
        by_translation = False
    return by_runner, by_translation


# Examples from Pester's own documentation and tests (Be.Tests.ps1, the -Contain discussion
# pester/Pester#2407, the Should pages of pester.dev): the line, and whether it holds.
PESTERS_EXAMPLES = [
    ("1 | Should -Be 1", True),
    ("'A' | Should -Be 'a'", True),
    ("1 | Should -Not -Be 2", True),
    ("@(1, 2, 3, 4, 'I am a string') | Should -Be @(1, 2, 3, 4, 'I AM A STRING')", True),
    ("@(1, 2, 3) | Should -Be @(1, 2)", False),
    ("'A' | Should -BeExactly 'a'", False),
    ("'a' | Should -BeExactly 'a'", True),
    ("@() | Should -BeNullOrEmpty", True),
    ("$null | Should -BeNullOrEmpty", True),
    ("'' | Should -BeNullOrEmpty", True),
    ("'x' | Should -BeNullOrEmpty", False),
    ("@(1, 2, 3) | Should -Contain 1", True),
    ("@(1, 2, 3) | Should -Contain '1'", True),
    ("'hello', 'world' | Should -Contain 'Hello'", True),
    ("@() | Should -Not -Contain 1", True),
    ("@(1, 2, 3) | Should -HaveCount 3", True),
    ("@() | Should -HaveCount 0", True),
    ("2 | Should -BeGreaterThan 1", True),
    ("2 | Should -BeLessThan 1", False),
    ("2 | Should -BeGreaterOrEqual 2", True),
    ("'apple' | Should -BeLike 'A*'", True),
    ("'apple' | Should -BeLikeExactly 'A*'", False),
    ("'I am a value' | Should -Match 'I AM'", True),
    ("'I am a value' | Should -MatchExactly 'I AM'", False),
    ("'b' | Should -BeIn @('a', 'b')", True),
    ("$true | Should -BeTrue", True),
    ("0 | Should -BeFalse", True),
    ("'text' | Should -BeOfType [string]", True),
    ("1 | Should -BeOfType [string]", False),
    ("{ throw 'Access denied' } | Should -Throw", True),
    ("{ throw 'Access denied' } | Should -Throw 'Access*'", True),
    ("{ throw 'Access denied' } | Should -Throw -ExpectedMessage 'denied'", False),
    ("{ 1 + 1 } | Should -Throw", False),
    ("{ 1 + 1 } | Should -Not -Throw", True),
    ("1 | Should Be 1", True),
    ("1 | Should Not Be 1", False),
    ("Should -ActualValue 3 -Be 3", True),
    ("3 | Should -Be 4 -Because 'three is not four'", False),
]


@pytest.mark.parametrize(("line", "expected"), PESTERS_EXAMPLES)
def test_pesters_own_examples_hold_as_pester_says_in_both_back_ends(line, expected):
    assert holds(line) == (expected, expected)


SCALARS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from(["a", "A", "ab", "B", "", "1", "2", "a*", "10"]),
    st.booleans(),
    st.none(),
)
OPERANDS = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
OPERATORS = ["Be", "BeExactly", "BeLike", "Match", "BeGreaterThan", "BeLessOrEqual", "BeIn", "Contain",
             "HaveCount", "BeNullOrEmpty", "BeTrue", "BeFalse"]  # fmt: skip


def literal(value) -> str:
    if isinstance(value, list):
        return "@(" + ", ".join(literal(v) for v in value) + ")"
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, str):
        return "'" + value + "'"
    return str(value)


@settings(max_examples=150, deadline=None)
@given(OPERANDS, st.sampled_from(OPERATORS), OPERANDS, st.booleans())
def test_the_runner_and_the_translation_agree_on_every_should(actual, operator, expected, negate):
    """Whatever is piped into whatever form, the two back ends say the same."""
    if operator == "HaveCount":
        expected = len(actual) if isinstance(actual, list) and negate else 1
    if operator in ("Match", "BeLike") and not isinstance(expected, str):
        expected = "a"
    needs = operator not in ("BeNullOrEmpty", "BeTrue", "BeFalse")
    line = f"{literal(actual)} | Should {'-Not ' if negate else ''}-{operator}" + (
        f" {literal(expected)}" if needs else ""
    )
    by_runner, by_translation = holds(line)
    assert by_runner == by_translation, line


def by_hand() -> list[tuple[str, str]]:
    """huggingface.tests.ps1 written by hand in Python over powershai_py: (test, result) in
    the Pester file's order, for each of its two Spaces."""
    import random

    import powershai_py as ps

    outcomes: list[tuple[str, str]] = []
    state: dict[str, Any] = {}  # what one test leaves for the next, as the Pester file's variables

    def check(name: str, test) -> None:
        try:
            test()
            outcomes.append((name, "passed"))
        except (AssertionError, PowershaiError):
            outcomes.append((name, "failed"))

    for space_name, private in (("powershai/tests-gradio", False), ("powershai/private-tests-gradio", True)):
        saved = os.environ.pop("HF_API_TOKEN") if not private else None
        state.clear()

        def authentication(private=private) -> None:
            if private:
                ps.get_hugging_face_whoami()
            else:
                with pytest.raises(PowershaiError):
                    ps.get_hugging_face_whoami()

        def spaces(space_name=space_name) -> None:
            space = ps.get_hugging_face_space(space_name)
            assert (space.id, space.author, space.sdk) == (space_name, "powershai", "gradio")

        def connect() -> None:
            session = ps.get_gradio_session(state["space"])
            assert sorted(session.info.named_endpoints) == ["/Op1", "/Op2"]

        def proxies() -> None:
            made = ps.new_gradio_session_api_proxy_function(
                prefix="PowershaiTest", session=state["space"], force=True
            )
            state["op1"], state["op2"] = made
            assert [f.powershell_name for f in made] == ["PowershaiTestOp1", "PowershaiTestOp2"]

        def call() -> None:
            value = random.randint(1, 999)
            assert f"PowershaiTest:Ok:{value}" in state["op1"](val=value).result()[0]

        def stream(relay: bool) -> None:
            expected = ["--start--", "1", "2", "3", "4", "5", "--end--"]
            results = state["op2"](MaxNums=5, sleep=50)
            if relay:
                results = state["op1"](pipe=results, map="val=0")
            for number, event in enumerate(r for r in results if r.data):
                want = expected[min(number, len(expected) - 1)]
                assert (f"PowershaiTest:Ok:{want}" in event.data[0]) if relay else (event.data == [want])

        def no_sessions() -> None:
            ps.remove_gradio_session("*")
            assert ps.get_gradio_sessions() == []

        check("Enable provider", lambda: None)  # Set-AiProvider: nothing to do here
        check("Remove all sessions", no_sessions)
        check("Authentication", authentication)
        check("Get spaces", spaces)
        state["space"] = ps.get_hugging_face_space(space_name)
        check("Connect Space to Gradio Automatically", connect)
        check("Create Proxy Function", proxies)
        check("Test Api Function Call", call)
        check("Test Api Pipeline", lambda: stream(relay=False))
        check("Test Api Pipeline Connect", lambda: stream(relay=True))
        if saved is not None:
            os.environ["HF_API_TOKEN"] = saved
    return outcomes


def test_powershais_pester_file_agrees_with_python_written_by_hand(hub_of):
    """The third way: the same tests written by hand give the runner's outcomes, test by test."""
    by_runner = [(test.path[-1], test.result) for test in run(HF_TESTS.read_text(encoding="utf-8")).tests]
    _reset()
    assert by_hand() == by_runner
    _reset()


FRAGMENTS = [
    "Describe 'a' {", "Context 'c' -ForEach $cases {", "It 'b' {", "It 'd' -Skip {", "}", "BeforeAll {",
    "BeforeAll", "AfterEach {", "BeforeDiscovery { $cases = @(@{ n = 1 }) }", "1 | Should -Be 1", "Should",
    "$x = 1", "{ throw 'x' } | Should -Throw", "Describe -Skip {", "Should -Frobnicate 2",
    "$x | Should -Not -BeNullOrEmpty -Because 'why'",
]  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10))
def test_any_pester_shaped_file_migrates_to_python_that_compiles(lines):
    """Broken or odd Pester files never make migrate fail: what cannot be read is a TODO."""
    script = "\n".join(["Describe 'first' {", *lines])
    source = translate(script)
    compile(source, "test_migrated.py", "exec")
