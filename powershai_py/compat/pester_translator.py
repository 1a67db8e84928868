"""A Pester file translated into a pytest module (a part of :mod:`.translator`'s class).

* ``Describe``/``Context`` become test classes (nested as the blocks are), ``It`` test methods;
  a title's variables are dropped from the class name and kept in its docstring.
* ``BeforeAll``/``AfterAll`` of a block become one module-scoped fixture around its tests (and
  those of the blocks inside it), ``BeforeEach``/``AfterEach`` a fixture around each test; a
  block's fixture asks for the one of the block around it, so they run outermost first, as in
  Pester. The fixtures assign the file's variables as module globals, which is how a
  ``BeforeAll``'s variables reach the tests in PowerShell too.
* ``BeforeDiscovery`` runs at import; ``-ForEach`` data parametrises the block's fixture (or
  the test), each key of its hashtables set as a variable.
* Each ``Should`` form is an ``assert`` on :mod:`compat.should` (PowerShell's comparisons);
  ``-Throw`` is ``pytest.raises``.

Two differences with Pester, both said in the module's docstring: pytest runs a block's
``AfterAll`` when the module's tests are done (or the ``-ForEach`` item changes) rather than
right after the block; and what a test writes to the output is dropped, as in Pester.
"""

from __future__ import annotations

import re
from typing import Any

from . import should
from .cmdlets import CompatError
from .language import CompatSyntaxError, Node
from .names import variable_name
from .pester import read_should
from .semantics import split_arguments

__all__ = ["PesterTranslation", "is_pester"]

_BLOCKS = {"describe", "context"}
_FILE_LEVEL = {"describe", "context", "beforeall", "afterall", "beforediscovery", "beforeeach", "aftereach"}


def _command(statement: Node) -> Node | None:
    """The command a statement is, when it is one command alone."""
    if (
        statement.kind == "pipeline"
        and len(statement.children) == 1
        and statement.children[0].kind == "command"
    ):
        return statement.children[0]
    return None


def is_pester(statements: list[Node]) -> bool:
    """A Pester file: one of its top statements is Describe, Context or a Pester hook (and not a
    function of the script's own by that name)."""
    pester = _FILE_LEVEL - {s.value.casefold() for s in statements if s.kind == "function"}
    return any((c := _command(s)) is not None and c.value.casefold() in pester for s in statements)


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


def _hash_keys(node: Any) -> list[str]:
    """The keys of the hashtable literals in an array literal (``-ForEach`` data)."""
    keys: list[str] = []
    if isinstance(node, Node):
        if node.kind == "hash":
            return [str(key) for key, _ in node.children]
        for child in node.children:
            keys += [k for k in _hash_keys(child) if k.casefold() not in {x.casefold() for x in keys}]
    elif isinstance(node, (list, tuple)):
        for child in node:
            keys += [k for k in _hash_keys(child) if k.casefold() not in {x.casefold() for x in keys}]
    return keys


class PesterTranslation:
    """The translator's Pester part; the translator gives the attributes and methods named here."""

    sink: str
    modules: set[str]
    imports: set[str]
    collecting: set[str] | None

    def block(self, statements: list[Node], indent: str = "") -> list[str]:
        raise NotImplementedError

    def expr(self, node: Node) -> str:
        raise NotImplementedError

    def pipeline(self, node: Node) -> str:
        raise NotImplementedError

    def local(self, name: str) -> str:
        raise NotImplementedError

    # --- the file ---

    def pester_module(self, statements: list[Node]) -> list[str]:
        """A Pester file's top statements as a pytest module's body."""
        self.modules.add("pytest")
        self.case_keys: dict[str, list[str]] = {}
        self.fixture_names: set[str] = set()
        self.hoisted: list[str] = []
        lines = [
            "# Tests translated from a Pester file; run them with pytest. One difference with Pester: a",
            "# block's AfterAll runs once pytest is done with the module (or the -ForEach item changes).",
        ]
        hooks, rest = self._hooks(statements)
        lines += [line for s in rest if (c := _command(s)) is None or c.value.casefold() not in _BLOCKS
                  for line in self._discovery(s)]  # fmt: skip
        fixtures, names = self._fixture("_file", "the file", hooks, (None, None), None)
        lines += fixtures
        if names:  # the file's hooks run around every test of the file
            lines += ["", "", f"pytestmark = pytest.mark.usefixtures({', '.join(repr(n) for n in names)})"]
        parents = ("_file" if "_file" in names else None, "_file_each" if "_file_each" in names else None)
        for statement in rest:
            command = _command(statement)
            if command is not None and command.value.casefold() in _BLOCKS:
                self.hoisted = []  # the fixtures of the class and the classes in it
                made = self._guarded(statement, lambda c=command: self._test_class(c, parents, ""))
                lines += [*self.hoisted, "", "", *made]
        return lines

    def _guarded(self, statement: Node, make: Any) -> list[str]:
        """``make()``, or the statement as a TODO when it cannot be translated."""
        try:
            return list(make())
        except (CompatError, CompatSyntaxError) as reason:
            return self.todo_lines(statement, reason)

    def todo_lines(self, statement: Node, reason: Exception) -> list[str]:
        raise NotImplementedError

    def _discovery(self, statement: Node) -> list[str]:
        """A statement Pester runs while it discovers the tests (``BeforeDiscovery``, top code)."""
        command = _command(statement)
        if command is not None and command.value.casefold() == "beforediscovery":
            try:
                body = self._script_block(command)
            except CompatError as reason:
                return self.todo_lines(statement, reason)
            self._remember_cases(body.children)
            return ["# BeforeDiscovery: data the tests are made from", *self.block(body.children)]
        return self.block([statement])

    def _remember_cases(self, statements: list[Node]) -> None:
        for statement in statements:
            if statement.kind == "assign" and statement.value is not None:
                keys = _hash_keys(statement.children[0])
                if keys:
                    self.case_keys[variable_name(statement.value)] = keys

    @staticmethod
    def _hooks(statements: list[Node]) -> tuple[dict[str, list[Node]], list[Node]]:
        """The hooks' bodies of a block, and its other statements."""
        hooks: dict[str, list[Node]] = {"beforeall": [], "afterall": [], "beforeeach": [], "aftereach": []}
        rest = []
        for statement in statements:
            command = _command(statement)
            try:
                if command is not None and command.value.casefold() in hooks:
                    hooks[command.value.casefold()].append(PesterTranslation._script_block(command))
                    continue
            except CompatError:
                pass  # kept with the other statements: a TODO that says why
            rest.append(statement)
        return hooks, rest

    @staticmethod
    def _script_block(command: Node) -> Node:
        arguments = split_arguments(command.children, lambda name: name.casefold() == "skip")
        blocks = [a for a in arguments.positional if isinstance(a, Node) and a.kind == "scriptblock"]
        blocks += [v for k, v in arguments.named if k.casefold() in ("fixture", "test", "scriptblock")
                   and isinstance(v, Node) and v.kind == "scriptblock"]  # fmt: skip
        if len(blocks) != 1:
            raise CompatError(f"{command.value} takes one script block")
        return blocks[0].children[0]

    # --- blocks and tests ---

    def _fixture(
        self,
        name: str,
        what: str,
        hooks: dict[str, list[Node]],
        parents: tuple[str | None, str | None],
        cases: str | None,
    ) -> tuple[list[str], list[str]]:
        """The fixtures of a block's hooks (none when it has none): BeforeAll/AfterAll around its
        tests, BeforeEach/AfterEach around each; and their names. ``parents``: the fixtures of
        the blocks around it (BeforeAll's, BeforeEach's), which run before these."""
        lines: list[str] = []
        names: list[str] = []
        keys = self.case_keys.get(cases or "", [])
        if hooks["beforeall"] or hooks["afterall"] or cases:
            params = f", params={cases}" if cases else ""
            lines += self._fixture_function(
                name, f"BeforeAll and AfterAll of {what}", "module", params, parents[0], keys, hooks, "all"
            )
            names.append(name)
        if hooks["beforeeach"] or hooks["aftereach"]:
            each = f"BeforeEach and AfterEach of {what}"
            lines += self._fixture_function(
                f"{name}_each", each, "function", "", parents[1], [], hooks, "each"
            )
            names.append(name + "_each")
        return lines, names

    def _fixture_function(
        self,
        name: str,
        what: str,
        scope: str,
        params: str,
        parent: str | None,
        keys: list[str],
        hooks: dict[str, list[Node]],
        kind: str,
    ) -> list[str]:
        self.fixture_names.add(name)
        arguments = (["request"] if params else []) + ([parent] if parent else [])
        saved = (self.sink, self.collecting)
        self.sink, self.collecting = "test", set()
        try:
            setup = [f"{self.local(key)} = request.param[{key!r}]" for key in keys]
            before = [line for body in hooks["before" + kind] for line in self.block(body.children)]
            after = [line for body in hooks["after" + kind] for line in self.block(body.children)]
            assigned = sorted(self.collecting)
        finally:
            self.sink, self.collecting = saved
        body = [f"global {', '.join(assigned)}"] if assigned else []
        body += setup + before + ["yield"] + after
        return [
            "",
            "",
            f'@pytest.fixture(scope="{scope}"{params})',
            f"def {name}({', '.join(arguments)}):",
            f'    """PowerShell: {what}."""',
            *[f"    {line}" for line in body],
        ]

    def _title(self, command: Node) -> tuple[Node | None, str]:
        arguments = split_arguments(command.children, lambda name: name.casefold() == "skip")
        titles = [a for a in arguments.positional if isinstance(a, Node) and a.kind != "scriptblock"]
        titles += [v for k, v in arguments.named if k.casefold() == "name"]
        if not titles:
            raise CompatError(f"{command.value} needs a name")
        node = titles[0]
        if node.kind == "str":
            return node, str(node.value)
        if node.kind == "xstr":
            return node, "".join(p if isinstance(p, str) else "$" + str(p[1]) for p in node.value)
        raise CompatError(f"{command.value}'s name is not a string")

    def _options(self, command: Node) -> tuple[str | None, bool]:
        """A command's -ForEach (or -TestCases) data, as Python, and whether -Skip is given."""
        arguments = split_arguments(command.children, lambda name: name.casefold() == "skip")
        cases, skip = None, False
        for key, value in arguments.named:
            if key.casefold() in ("foreach", "testcases"):
                cases = self.expr(value)
                if _hash_keys(value):  # data written in place: its keys are known now
                    self.case_keys[cases] = _hash_keys(value)
            elif key.casefold() == "skip":
                skip = value is None or value.kind == "bool" and bool(value.value)
        return cases, skip

    def _test_class(self, command: Node, parents: tuple[str | None, str | None], indent: str) -> list[str]:
        _, title = self._title(command)
        cases, skip = self._options(command)
        body = self._script_block(command)
        base = "".join(w[:1].upper() + w[1:] for w in _words(re.sub(r"\$\w+", "", title))) or "Block"
        name = "Test" + base
        fixture = "_" + variable_name(base)
        while fixture in self.fixture_names:
            fixture += "_"
        if cases and cases not in self.case_keys:
            raise CompatError(f"the keys of {command.value}'s -ForEach data are not known before it runs")
        hooks, rest = self._hooks(body.children)
        fixtures, uses = self._fixture(fixture, f'{command.value} "{title}"', hooks, parents, cases)
        self.hoisted += fixtures  # fixtures are module functions: pytest would bind one in a class to it
        lines: list[str] = []
        if skip:
            lines.append(f'{indent}@pytest.mark.skip(reason="-Skip in the Pester file")')
        if uses:
            lines.append(f"{indent}@pytest.mark.usefixtures({', '.join(repr(u) for u in uses)})")
        data = f" -ForEach {cases}" if cases else ""
        lines += [f"{indent}class {name}:", f'{indent}    """PowerShell: {command.value} "{title}"{data}."""']
        taken: set[str] = set()
        around = (fixture if fixture in uses else parents[0], f"{fixture}_each" if f"{fixture}_each" in uses
                  else parents[1])  # fmt: skip
        for statement in rest:
            inner = _command(statement)
            word = inner.value.casefold() if inner is not None else ""
            if inner is not None and word in _BLOCKS:
                made = self._guarded(statement, lambda c=inner: self._test_class(c, around, indent + "    "))
            elif inner is not None and word == "it":
                made = self._guarded(statement, lambda c=inner: self._test_method(c, taken, indent + "    "))
            else:
                made = [
                    indent + "    " + line
                    for line in self.todo_lines(
                        statement,
                        CompatError(
                            "code outside It and the hooks runs while Pester discovers the tests; "
                            "move it into BeforeAll"
                        ),
                    )
                ]
            lines += ["", *made]
        return lines

    def _test_method(self, command: Node, taken: set[str], indent: str) -> list[str]:
        _, title = self._title(command)
        cases, skip = self._options(command)
        body = self._script_block(command)
        name = "test_" + (variable_name("_".join(_words(re.sub(r"\$\w+", "", title)))) or "it")
        while name in taken:
            name += "_"
        taken.add(name)
        saved = self.sink
        self.sink = "test"
        try:
            setup = [f"{self.local(key)} = case[{key!r}]" for key in self.case_keys.get(cases or "", [])]
            if cases and not setup:
                raise CompatError("the keys of It's -ForEach data are not known before it runs")
            inner = setup + self.block(body.children)
        finally:
            self.sink = saved
        decorators = ['@pytest.mark.skip(reason="-Skip in the Pester file")'] if skip else []
        if cases:
            decorators.append(f'@pytest.mark.parametrize("case", {cases})')
        signature = "self, case" if cases else "self"
        code = [*decorators, f"def {name}({signature}):", f'    """PowerShell: It "{title}"."""']
        code += [f"    {line}" for line in inner] or ["    pass"]
        return [indent + line for line in code]

    # --- Should ---

    def should_lines(self, node: Node) -> list[str]:
        """``... | Should -Operator expected`` as an assert (``-Throw``: ``pytest.raises``)."""
        *upstream, command = node.children
        try:
            call = read_should(command.children)
        except ValueError as problem:
            raise CompatError(str(problem)) from None
        negate = call.negate is True or (
            call.negate is not False and call.negate.kind == "bool" and bool(call.negate.value)
        )
        if call.operator == "throw":
            return self._should_throw(upstream, negate, call.message)
        if upstream:
            pipeline = Node("pipeline", node.line, node.column, None, upstream)
            actual = self.expr(upstream[0]) if len(upstream) == 1 and upstream[0].kind != "command" else (
                self.pipeline(pipeline))  # fmt: skip
        elif call.actual is not None:
            actual = self.expr(call.actual)
        else:
            actual = "None"
        function, takes = should.OPERATORS[call.operator]
        expected = self.expr(call.expected) if call.expected is not None else "None"
        values = [actual, expected] if takes else [actual]
        note = f", {self.expr(call.because)}" if call.because is not None else ""
        return [f"assert {'not ' if negate else ''}compat.should.{function}({', '.join(values)}){note}"]

    def _should_throw(self, upstream: list[Node], negate: bool, expected: Node | None) -> list[str]:
        if len(upstream) != 1 or upstream[0].kind != "scriptblock":
            raise CompatError("Should -Throw takes a { script block } piped into it")
        statements = upstream[0].children[0].children
        self.modules.add("pytest")
        inner = [f"    {line}" for line in self.block(statements)] or ["    pass"]
        if negate:
            return ["# Should -Not -Throw: an exception fails the test", *[line[4:] for line in inner]]
        match = f", match=compat.should.message({self.expr(expected)})" if expected is not None else ""
        self.imports.add("PowershaiError")  # what the commands raise; compat.ScriptError: `throw`
        return [f"with pytest.raises((PowershaiError, compat.ScriptError){match}):", *inner]
