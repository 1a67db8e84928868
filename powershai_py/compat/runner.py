"""Run PowerShell: :func:`run` walks the syntax tree of :mod:`.language`.

Commands are the ported cmdlets, the proxy functions of open sessions (by their PowerShell
names), the script's own functions, and a few commands with an obvious Python twin
(:data:`MAPPED`); ``Import-Module``/``Install-Module powershai`` do nothing (with a note).
Any other command is refused by name. PowerShell's rules (comparisons, strings, truth,
members, binding) come from :mod:`.semantics`, which the translated Python uses too.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powershai_py.errors import PowershaiError

from . import commands, methods, pester
from . import semantics as ps
from .cmdlets import CompatError, bind, find_command, find_param, invoke_named
from .commands import EVERYDAY, Command
from .language import CompatSyntaxError, Node, dot_sourced, parse, unsupported_in
from .names import FOREACH, MAPPED, NOOP_COMMANDS, WHERE, mapped_switch
from .objects import Hashtable, PSObject, unwrap
from .pester_commands import Break as _Break
from .pester_commands import Continue as _Continue
from .pester_commands import Flow as _Flow
from .pester_commands import PesterCommands, child_scope
from .pester_commands import Return as _Return

__all__ = ["run", "RunResult", "MAPPED", "NOOP_COMMANDS", "unsupported_in"]


@dataclass
class RunResult:
    """What a script wrote to its output, what ``Write-Host`` printed, notes about commands
    that do nothing here (``Import-Module``), and its variables at the end."""

    output: list[Any] = field(default_factory=list)
    host: list[str] = field(default_factory=list)
    variables: Hashtable = field(default_factory=Hashtable)
    notes: list[str] = field(default_factory=list)
    tests: list[pester.Outcome] = field(default_factory=list)  # a Pester file's tests, as they ran

    @property
    def failed(self) -> list[pester.Outcome]:
        """The Pester tests that failed."""
        return [test for test in self.tests if test.result == "failed"]


def run(script: str, variables: Mapping[str, Any] | None = None, path: str | Path | None = None) -> RunResult:
    """Run a PowerShell script with the ported cmdlets; return its output and final variables.

    PowerShell equivalent: running the script in a session that imported PowershAI.
    Raises :class:`CompatSyntaxError` before running anything when the script holds
    PowerShell this port does not run. ``path``: where the script is (``$PSScriptRoot`` is its
    folder; else the current one), for the files it dot-sources.
    """
    tree = parse(script)
    problem = unsupported_in(tree)
    if problem is not None:
        raise problem
    result = RunResult(variables=Hashtable(variables or {}))
    runner = _Runner(result, result.variables)
    runner.script_root = str(Path(path).resolve().parent) if path else os.getcwd()
    try:
        for statement in tree.children:
            result.output.extend(runner.statement(statement))
    except _Flow as flow:  # outside a loop, break and continue end the script, as in PowerShell
        result.output.extend(flow.values)
    if runner.suite.root.tests():  # a Pester file: discovery is done, now the tests run
        result.tests = runner.suite.run(result.variables, runner.run_body, child_scope)
        result.host += pester.report(result.tests)
    return result


class _Runner(PesterCommands):
    def __init__(self, result: RunResult, variables: Hashtable, parent: _Runner | None = None) -> None:
        self.result = result
        self.vars = variables
        self.functions: dict[str, Node] = parent.functions if parent else {}
        self.script_root: str = parent.script_root if parent else os.getcwd()  # $PSScriptRoot
        self.suite: pester.Suite = parent.suite if parent else pester.Suite()

    def child(self, scope: Hashtable) -> _Runner:
        """A runner for a script block run in ``scope``, sharing the functions and Pester's tree."""
        return _Runner(self.result, scope, self)

    # --- statements ---

    def block(self, node: Node) -> list[Any]:
        out: list[Any] = []
        for statement in node.children:
            try:
                out += self.statement(statement)
            except _Flow as flow:
                flow.values = out + flow.values  # written before the break or return: kept
                raise
        return out

    def statement(self, node: Node) -> list[Any]:
        kind = node.kind
        if kind == "assign":
            value = self.value_of(node.children[0])
            if node.value is not None and node.value.lower().startswith("env:"):
                methods.set_env(node.value[4:], value)
            elif node.value is not None:
                self.vars[node.value] = value
            return []
        if kind == "setmember":
            target, value = node.children
            self._assign(target, self.value_of(value))
            return []
        if kind == "if":
            for condition, body in node.children:
                if ps.truthy(ps.unroll(self.pipeline(condition))):
                    return self.block(body)
            return self.block(node.value) if node.value is not None else []
        if kind == "foreach":
            collection, body = node.children
            out: list[Any] = []
            for item in self.pipeline(collection):
                self.vars[node.value] = item
                if self.iteration(body, out):
                    break
            return out
        if kind in ("for", "while"):
            return self.loop(node)
        if kind == "flow":
            if node.value == "return":
                raise _Return(self.pipeline(node.children[0]) if node.children else [])
            if node.value == "throw":
                raise methods.throw(self.value_of(node.children[0]) if node.children else None)
            raise _Break() if node.value == "break" else _Continue()
        if kind == "function":
            self.functions[node.value.casefold()] = node
            return []
        if kind == "unsupported":
            raise node.value
        return self.pipeline(node)

    def iteration(self, body: Node, out: list[Any]) -> bool:
        """Run a loop's body once, adding what it writes to ``out``; True when it said break."""
        try:
            out += self.block(body)
        except _Break as flow:
            out += flow.values
            return True
        except _Continue as flow:
            out += flow.values
        return False

    def loop(self, node: Node) -> list[Any]:
        if node.kind == "for":
            init, condition, step, body = node.children
            if init is not None:
                self.statement(init)
        else:
            (condition, body), step = node.children, None
        out: list[Any] = []
        while condition is None or ps.truthy(ps.unroll(self.pipeline(condition))):
            if self.iteration(body, out):
                break
            if step is not None:
                self.statement(step)
        return out

    def value_of(self, pipeline: Node) -> Any:
        """What an assignment keeps: an expression keeps its shape; command output is unrolled."""
        if len(pipeline.children) == 1 and pipeline.children[0].kind != "command":
            return self.expr(pipeline.children[0])
        return ps.unroll(self.pipeline(pipeline))

    def _assign(self, target: Node, value: Any) -> None:
        holder = self.expr(target.children[0])
        if target.kind == "member":
            if not isinstance(holder, PSObject):
                holder = PSObject(holder)
            holder.set_member(target.value, value)
        else:
            key = unwrap(self.expr(target.children[1]))
            live = object.__getattribute__(holder, "_target") if isinstance(holder, PSObject) else holder
            live[key] = unwrap(value)  # the container itself, never a copy

    # --- pipelines ---

    def pipeline(self, node: Node) -> list[Any]:
        items: list[Any] | None = None
        for element in node.children:
            if element.kind == "command":
                items = self.command(element, items)
            else:
                items = ps.items(self.expr(element))
        return items or []

    def command(self, node: Node, piped: list[Any] | None) -> list[Any]:
        name = node.value.casefold()
        if name in FOREACH or name in WHERE:
            return self.each(node, piped or [], where=name in WHERE)
        if name in NOOP_COMMANDS:
            self.result.notes.append(f"{node.value}: {NOOP_COMMANDS[name]}")
            return []
        if name in self.functions:
            return self.call_function(self.functions[name], node, piped)
        if name in pester.COMMANDS:
            return self.pester(name, node, piped)
        if name in MAPPED:
            return self.mapped(name, node, piped)
        if name in EVERYDAY:
            return self.everyday(EVERYDAY[name], node, piped)
        try:
            cmdlet = find_command(node.value)
        except CompatError:
            raise CompatSyntaxError(
                f"{node.value} is not available: it is not a PowershAI cmdlet, a mapped command "
                "or a proxy function of an open session",
                node.line,
                node.column,
                "see docs/migration.md for what to use instead",
            ) from None
        arguments = ps.split_arguments(
            node.children,
            lambda given: getattr(find_param(cmdlet, given), "switch", False),
            lambda given: find_param(cmdlet, given) is not None,
        )
        positional = [self.expr(arg) for arg in arguments.positional]
        named = [(given, True if value is None else self.expr(value)) for given, value in arguments.named]
        for splat in arguments.splats:
            table = unwrap(self.vars.get(splat))
            if not isinstance(table, Mapping):
                raise CompatSyntaxError(f"@{splat} is not a hashtable", node.line, node.column)
            named += list(table.items())
        alone = not positional and piped is None and not any(find_param(cmdlet, given) for given, _ in named)
        if cmdlet.python_name == "remove_gradio_session" and alone:
            positional = ["*"]  # Remove-GradioSession alone removes every session
        common = {
            key: (True if value is None else unwrap(self.expr(value)))
            for key, value in arguments.common.items()
        }
        try:
            bind(cmdlet, positional, named, piped)  # binding errors before any call
        except CompatError as error:
            raise CompatSyntaxError(
                error.message, node.line, node.column, "see the cmdlet's parameters"
            ) from None
        if common.get("WhatIf"):
            self.result.host.append(f"What if: {node.value}")
            return []
        return self.guarded(common, lambda: invoke_named(node.value, positional, named, piped))

    def guarded(self, common: dict[str, Any], call: Callable[[], list[Any]]) -> list[Any]:
        """Apply -ErrorAction and -WarningAction around a call."""
        errors = str(common.get("ErrorAction") or "").casefold()
        quiet = str(common.get("WarningAction") or "").casefold() in ("silentlycontinue", "ignore")
        with ps.quiet_warnings() if quiet else contextlib.nullcontext():
            try:
                return call()
            except PowershaiError:
                if errors in ("silentlycontinue", "ignore", "continue"):
                    return []
                raise

    def each(self, node: Node, piped: list[Any], where: bool) -> list[Any]:
        arguments = ps.split_arguments(node.children, lambda name: False)
        blocks = [arg for arg in arguments.positional]
        if len(blocks) == 1 and blocks[0].kind == "str" and not where:  # % Name: a member of each
            return [ps.member(item, blocks[0].value) for item in piped]
        if len(blocks) != 1 or blocks[0].kind != "scriptblock":
            raise CompatSyntaxError(f"{node.value} takes one {{ script block }}", node.line, node.column)
        body = blocks[0].children[0]
        out: list[Any] = []
        saved = self.vars.get("_")
        try:
            for item in piped:
                self.vars["_"] = item
                try:
                    produced = self.block(body)
                except _Return as done:  # return in a script block: on to the next item
                    produced = done.values
                except _Flow as flow:  # break or continue: leave the enclosing loop, with what came
                    flow.values = out + ([] if where else flow.values)
                    raise
                if where:
                    if ps.truthy(ps.unroll(produced)):
                        out.append(item)
                else:
                    out.extend(produced)
        finally:
            self.vars["_"] = saved
        return out

    def call_function(self, function: Node, node: Node, piped: list[Any] | None) -> list[Any]:
        parameters, body = function.children
        names = [name for name, _ in parameters]
        arguments = ps.split_arguments(node.children, lambda given: False)
        scope = Hashtable(self.vars)  # a child scope: reads the caller's variables, writes its own
        given: dict[str, Any] = {}
        for key, value in arguments.named:
            match = [n for n in names if n.casefold() == key.casefold()] or [
                n for n in names if n.casefold().startswith(key.casefold())
            ]
            if len(match) != 1:
                raise CompatSyntaxError(f"{function.value} has no parameter -{key}", node.line, node.column)
            given[match[0]] = True if value is None else self.expr(value)
        free = [n for n in names if n not in given]
        values = [self.expr(arg) for arg in arguments.positional]
        for name, value in zip(free, values, strict=False):
            given[name] = value
        for name, default in parameters:
            scope[name] = (
                given[name] if name in given else (self.expr(default) if default is not None else None)
            )
        scope["args"] = values[len(free) :]
        if piped is not None:
            scope["input"] = piped
        inner = _Runner(self.result, scope, self)
        try:
            return inner.block(body)
        except _Return as done:
            return done.values

    def everyday(self, command: Command, node: Node, piped: list[Any] | None) -> list[Any]:
        """Get-Random, Select-Object, Sort-Object... (compat.commands), bound as PowerShell binds."""
        try:
            bound = commands.bind(command, node.children)
        except ValueError as problem:
            raise CompatSyntaxError(f"{node.value}: {problem}", node.line, node.column) from None
        kwargs = {key: True if value is None else self.expr(value) for key, value in bound.items()}
        if piped is not None and command.piped not in kwargs:
            kwargs[command.piped] = piped
        return ps.items(getattr(commands, command.function)(**kwargs))

    def mapped(self, name: str, node: Node, piped: list[Any] | None) -> list[Any]:
        arguments = ps.split_arguments(
            node.children, mapped_switch
        )
        values = [self.expr(arg) for arg in arguments.positional]
        named = {
            key.casefold(): (True if value is None else self.expr(value)) for key, value in arguments.named
        }
        first = values[0] if values else (ps.unroll(piped) if piped else None)
        if name in ("write-output", "echo"):
            return [v for value in values for v in ps.items(value)] + (piped or [])
        if name == "write-host":
            self.result.host.append(" ".join(ps.interpolate(v) for v in values))
            return []
        if name == "out-null":
            return []
        if name == "convertfrom-json":
            return ps.items(ps.from_json(first))
        if name == "convertto-json":
            depth = int(unwrap(named.get("depth", 2)))
            return [ps.to_json(first, depth, bool(named.get("compress")))]
        if name in ("start-sleep", "sleep"):
            seconds = named.get("milliseconds", named.get("m"))
            time.sleep(float(unwrap(seconds)) / 1000 if seconds is not None else float(unwrap(first or 0)))
            return []
        if name == "get-date":
            return [datetime.datetime.now()]
        if name == "join-path":
            parts = [ps.interpolate(v) for v in values] or [
                ps.interpolate(named.get("path")),
                ps.interpolate(named.get("childpath")),
            ]
            return [os.path.join(*parts)]
        if name == "test-path":
            return [os.path.exists(ps.interpolate(first if first is not None else named.get("path")))]
        if name in ("get-help", "help"):
            return [commands.get_help(ps.interpolate(first))]
        raise CompatSyntaxError(f"{node.value} is not mapped", node.line, node.column)

    # --- expressions ---

    def expr(self, node: Node) -> Any:
        kind = node.kind
        if kind in ("num", "str", "bool"):
            return node.value
        if kind == "null":
            return None
        if kind == "xstr":
            return "".join(self.part(part) for part in node.value)
        if kind == "var":
            return self.variable(node.value)
        if kind == "array":
            return [self.expr(child) for child in node.children]
        if kind == "hash":
            return Hashtable((key, self.value_of(value)) for key, value in node.children)
        if kind == "subexpr":
            produced = self.block(node.children[0])
            return produced if node.value == "@(" else ps.unroll(produced)
        if kind == "paren":
            return self.value_of(node.children[0])
        if kind == "scriptblock":
            return node
        if kind == "type":
            return methods.TypeName(node.value)
        if kind == "dotsource":
            return self.dot_source(node)
        if kind == "range":
            return ps.span(self.expr(node.children[0]), self.expr(node.children[1]))
        if kind == "member":
            return ps.member(self.expr(node.children[0]), node.value)
        if kind == "index":
            return ps.index(self.expr(node.children[0]), self.expr(node.children[1]))
        if kind == "invoke":
            return self.method(node)
        if kind == "compare":
            return ps.compare(node.value, self.expr(node.children[0]), self.expr(node.children[1]))
        if kind == "logic":
            left = ps.truthy(self.expr(node.children[0]))
            if node.value == "and":
                return left and ps.truthy(self.expr(node.children[1]))
            if node.value == "or":
                return left or ps.truthy(self.expr(node.children[1]))
            return left != ps.truthy(self.expr(node.children[1]))
        if kind == "not":
            return not ps.truthy(self.expr(node.children[0]))
        if kind == "arith":
            return ps.arith(node.value, self.expr(node.children[0]), self.expr(node.children[1]))
        if kind == "neg":
            return ps.arith("-", 0, self.expr(node.children[0]))
        if kind == "format":
            return ps.format_string(self.expr(node.children[0]), self.expr(node.children[1]))
        if kind == "cast":
            try:
                return ps.cast(node.value, self.expr(node.children[0]))
            except ValueError as error:
                raise CompatSyntaxError(str(error), node.line, node.column) from None
        raise CompatSyntaxError(f"{kind} is not supported", node.line, node.column)

    def dot_source(self, node: Node) -> list[Any]:
        """``. path``: run that file here, in this scope; its functions and variables stay."""
        path = dot_sourced(ps.interpolate(self.expr(node.children[0])))
        if not path.is_file():
            raise CompatSyntaxError(f"the dot-sourced file {path} does not exist", node.line, node.column)
        tree = parse(path.read_text(encoding="utf-8-sig", errors="replace"))
        problem = unsupported_in(tree)
        if problem is not None:
            raise CompatSyntaxError(f"in {path.name}: {problem.message}", problem.line, problem.column)
        saved, self.script_root = self.script_root, str(path.parent)
        try:
            return self.block(tree)
        finally:
            self.script_root = saved

    def variable(self, name: str) -> Any:
        constant = name.casefold()
        if constant == "psscriptroot":
            return self.script_root
        if constant in ("true", "false", "null"):
            return None if constant == "null" else constant == "true"
        if name.lower().startswith("env:"):
            wanted = name[4:]
            if wanted in os.environ:
                return os.environ[wanted]
            return next((v for k, v in os.environ.items() if k.casefold() == wanted.casefold()), None)
        if name.casefold() == "psitem":
            name = "_"
        return self.vars.get(name)

    def part(self, part: Any) -> str:
        if isinstance(part, str):
            return part
        kind, inner = part
        value = self.variable(inner) if kind == "var" else ps.unroll(self.block(inner))
        return ps.interpolate(value)

    def method(self, node: Node) -> Any:
        holder = unwrap(self.expr(node.children[0]))
        arguments = [unwrap(self.expr(child)) for child in node.children[1:]]
        try:
            return methods.call_method(holder, node.value, arguments)
        except LookupError:
            raise CompatSyntaxError(
                f"the method .{node.value}() is not supported here", node.line, node.column
            ) from None
