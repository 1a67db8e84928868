"""Pester's two phases for the runner: discovery collects the tree, then the tests run.

As in Pester 5: while a file runs, ``Describe``/``Context`` run their bodies at once to find
their ``It`` and their ``BeforeAll``/``AfterAll``/``BeforeEach``/``AfterEach`` (discovery);
``BeforeDiscovery`` runs at once too. Then :meth:`Suite.run` runs the tree: a block's
``BeforeAll`` once before its tests, each test in a child scope of its block with the
``BeforeEach`` of every enclosing block (outermost first) before it and the ``AfterEach``
after it (innermost first), then the block's ``AfterAll``. A failure fails that test alone; a
failing ``BeforeAll`` fails the tests of its block. ``-ForEach`` data makes one block (or
test) per item, its keys set as variables.

This module knows nothing of syntax trees: the runner hands it bodies and a function that runs
a body in a scope, so the order above is testable on its own. :func:`read_should` reads a
``Should`` command's arguments for both back ends, leaving the values for each to evaluate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .semantics import split_arguments
from .should import OPERATORS

__all__ = ["Suite", "Block", "Test", "Outcome", "ShouldCall", "COMMANDS", "HOOKS", "read_should", "report"]

HOOKS = ("beforeall", "afterall", "beforeeach", "aftereach")
COMMANDS = {"describe", "context", "it", "beforediscovery", "should", *HOOKS}


@dataclass
class Test:
    """An ``It``: its name, body, the ``-ForEach`` item it runs with, and ``-Skip``."""

    name: str
    body: Any
    data: Mapping[str, Any] = field(default_factory=dict)
    skip: bool = False


@dataclass
class Block:
    """A ``Describe`` or ``Context``: its hooks and children, in the order the file gives them."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    hooks: dict[str, list[Any]] = field(default_factory=lambda: {hook: [] for hook in HOOKS})
    children: list[Block | Test] = field(default_factory=list)
    skip: bool = False

    def tests(self) -> list[Test]:
        """Every test of the block and of the blocks inside it."""
        found: list[Test] = []
        for child in self.children:
            found += child.tests() if isinstance(child, Block) else [child]
        return found


@dataclass
class Outcome:
    """One test's result: its path of names, and ``passed``, ``failed`` or ``skipped``."""

    path: list[str]
    result: str
    message: str = ""

    @property
    def name(self) -> str:
        return " > ".join(self.path)

    def line(self) -> str:
        """As Pester prints it: ``[+] name``, ``[-] name: why``, ``[!] name`` (skipped)."""
        mark = {"passed": "+", "failed": "-", "skipped": "!"}[self.result]
        return f"[{mark}] {self.name}" + (f": {self.message}" if self.message else "")


# Run a body in a scope (the runner's variables); make a child scope holding some variables.
Execute = Callable[[Any, Any], None]
ChildScope = Callable[[Any, Mapping[str, Any]], Any]


class Suite:
    """The tree a Pester file describes; :meth:`run` runs it."""

    def __init__(self) -> None:
        self.root = Block("")
        self._open = [self.root]

    def block(self, name: str, data: Mapping[str, Any], discover: Callable[[], None], skip: bool) -> None:
        """Add a ``Describe``/``Context`` and run ``discover`` (its body) to fill it."""
        block = Block(name, data, skip=skip or self._open[-1].skip)
        self._open[-1].children.append(block)
        self._open.append(block)
        try:
            discover()
        finally:
            self._open.pop()

    def test(self, name: str, body: Any, data: Mapping[str, Any], skip: bool) -> None:
        """Add an ``It``."""
        self._open[-1].children.append(Test(name, body, data, skip or self._open[-1].skip))

    def hook(self, kind: str, body: Any) -> None:
        """Add a ``BeforeAll``, ``AfterAll``, ``BeforeEach`` or ``AfterEach`` to the open block."""
        self._open[-1].hooks[kind].append(body)

    @property
    def discovering(self) -> bool:
        return len(self._open) > 1

    def run(self, scope: Any, execute: Execute, child: ChildScope) -> list[Outcome]:
        """Run every test; return their outcomes in the order they ran."""
        outcomes: list[Outcome] = []
        self._run_block(self.root, scope, [], [], execute, child, outcomes)
        return outcomes

    def _run_block(
        self,
        block: Block,
        parent: Any,
        path: list[str],
        each: list[Block],
        execute: Execute,
        child: ChildScope,
        outcomes: list[Outcome],
    ) -> None:
        path = [*path, block.name] if block.name else path
        if block.skip:
            outcomes += [Outcome([*path, test.name], "skipped") for test in block.tests()]
            return
        scope = child(parent, block.data)
        try:
            for body in block.hooks["beforeall"]:
                execute(body, scope)
        except Exception as error:  # noqa: BLE001 - a failed BeforeAll fails its block's tests
            why = f"BeforeAll failed: {_reason(error)}"
            outcomes += [Outcome([*path, test.name], "failed", why) for test in block.tests()]
        else:
            chain = [*each, block]
            for item in block.children:
                if isinstance(item, Block):
                    self._run_block(item, scope, path, chain, execute, child, outcomes)
                else:
                    outcomes.append(self._run_test(item, scope, path, chain, execute, child))
        finally:
            for body in block.hooks["afterall"]:
                try:
                    execute(body, scope)
                except Exception as error:  # noqa: BLE001 - reported, the other blocks still run
                    outcomes.append(Outcome([*path, "AfterAll"], "failed", _reason(error)))

    @staticmethod
    def _run_test(
        test: Test, block_scope: Any, path: list[str], chain: list[Block], execute: Execute, child: ChildScope
    ) -> Outcome:
        name = [*path, test.name]
        if test.skip:
            return Outcome(name, "skipped")
        scope = child(block_scope, test.data)
        failed: str | None = None
        try:
            for block in chain:
                for body in block.hooks["beforeeach"]:
                    execute(body, scope)
            execute(test.body, scope)
        except Exception as error:  # noqa: BLE001 - the test failed; the next one still runs
            failed = _reason(error)
        for block in reversed(chain):
            for body in block.hooks["aftereach"]:
                try:
                    execute(body, scope)
                except Exception as error:  # noqa: BLE001
                    failed = failed or f"AfterEach failed: {_reason(error)}"
        return Outcome(name, "failed", failed) if failed is not None else Outcome(name, "passed")


@dataclass
class ShouldCall:
    """A ``Should`` command read (its values still unevaluated, for either back end):
    ``operator`` (a key of ``compat.should.OPERATORS``), ``negate`` (False, True, or the value
    of ``-Not:value``), and the ``expected``, ``message`` (``-Throw``'s), ``actual``
    (``-ActualValue``) and ``because`` values given."""

    operator: str
    negate: Any = False
    expected: Any = None
    message: Any = None
    actual: Any = None
    because: Any = None


def read_should(children: list[Any]) -> ShouldCall:
    """Read ``Should``'s arguments: ``-Be 1``, ``-Not -BeLike 'a*'``, ``-Throw 'msg'``,
    ``-ExpectedValue``, ``-Because``, ``-ActualValue``, and Pester 3's ``Should Not Be 1``.
    Raises ValueError when no operator is given."""
    words_of = {*OPERATORS, "not"}
    arguments = split_arguments(children, lambda given: given.casefold() in words_of)
    words = list(arguments.positional)
    operator, negate, settings = None, False, {}
    while words and words[0].kind == "str" and str(words[0].value).casefold() in words_of:
        word = str(words.pop(0).value).casefold()
        negate, operator = (True, operator) if word == "not" else (negate, word)
    for key, value in arguments.named:
        given = key.casefold()
        if given == "not":
            negate = True if value is None else value
        elif given in OPERATORS:
            operator = given
        else:
            settings[given] = value
    if operator is None:
        raise ValueError("Should needs an operator such as -Be")
    expected = settings.get("expectedvalue", settings.get("expected"))
    message, actual, because = (settings.get(k) for k in ("expectedmessage", "actualvalue", "because"))
    call = ShouldCall(operator, negate, expected, message, actual, because)
    if words and operator == "throw":
        call.message = call.message or words[0]
    elif words:
        call.expected = words[0]
    return call


def report(outcomes: list[Outcome]) -> list[str]:
    """What Invoke-Pester shows: a line per test, then the counts."""
    counts = {kind: sum(o.result == kind for o in outcomes) for kind in ("passed", "failed", "skipped")}
    summary = "Tests Passed: {passed}, Failed: {failed}, Skipped: {skipped}".format(**counts)
    return [outcome.line() for outcome in outcomes] + [summary]


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
