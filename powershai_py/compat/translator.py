"""Turn a PowerShell script into Python that uses ``powershai_py``.

Cmdlets become their snake_case functions with keyword arguments, ``@{}`` a
``compat.Hashtable``, arrays lists, ``if``/``foreach``/``for``/``while`` and functions their
Python twins, ``ForEach-Object``/``Where-Object`` comprehensions (or a small generator when the
block holds several statements), proxy calls ``compat.call_proxy(...)``. Where PowerShell's
rules differ from Python's (case-insensitive comparisons, ``"$array"``, truth, ``.Count``,
members in any case) the code calls the same helpers the runner uses (:mod:`.semantics`,
re-exported by :mod:`compat`), so a script runs the same both ways. What a statement writes
to PowerShell's output is added to the list ``output``.

A statement that cannot be translated is kept as a ``# TODO(migrate):`` comment that names
the construct; nothing is ever dropped silently.

Longer than 500 lines on purpose: one method per node kind of :mod:`.language`, in the order
that module lists them, so each construct's translation is found beside its neighbours.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from powershai_py.gradio.protocol.models import (
    ApiCalls,
    GradioApiEvent,
    GradioApiEventResult,
    GradioInfo,
    GradioSession,
    SessionApiEvent,
)
from powershai_py.gradio.proxies.proxy_result import ProxyResult
from powershai_py.hub import HuggingFaceSpace

from . import semantics
from .cmdlets import CMDLETS, Cmdlet, CompatError, find_param, match_param
from .commands import EVERYDAY, Command, bind
from .language import CompatSyntaxError, Node, dot_sourced, parse
from .names import FOREACH, MAPPED, NOOP_COMMANDS, WHERE, mapped_switch, member_name, variable_name
from .pester_translator import PesterTranslation, is_pester

__all__ = ["translate", "TODO", "not_translated"]

TODO = "# TODO(migrate):"


def _attributes() -> set[str]:
    names: set[str] = {"code", "message"}
    for kind in (GradioSession, SessionApiEvent, GradioApiEvent, GradioApiEventResult, GradioInfo, ApiCalls,
                 HuggingFaceSpace, ProxyResult):  # fmt: skip
        if dataclasses.is_dataclass(kind):
            names |= {f.name for f in dataclasses.fields(kind)}
        names |= {n for n, v in vars(kind).items() if isinstance(v, property)}
    names |= {"events", "call", "pipeline"}
    return names


KNOWN_ATTRIBUTES = _attributes()
# Functions that return one object: `$x = Cmd` keeps it as it is (others are unrolled).
SINGLE = {
    "new_gradio_session", "invoke_gradio_session_api", "send_gradio_api", "get_gradio_info",
    "set_gradio_session", "invoke_gradio_http", "get_hugging_face_whoami", "invoke_hugging_face_hub",
    "connect_hugging_face_space_gradio", "wait_hugging_face_space", "get_hugging_face_space",
}  # fmt: skip
_ALIASES = {"errorname": "code"}
# Functions whose answers are JSON objects, read as hashtables: their members are keys.
_MAPS = {"invoke_gradio_http", "get_hugging_face_whoami", "invoke_hugging_face_hub", "send_gradio_file",
         "send_gradio_session_files"}  # fmt: skip
_DEFAULT_PROXY_PREFIX = "invoke-gradioapi"


def _python_shape(function: str, kwargs: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """The Python call for a cmdlet whose Python API is shaped otherwise (docs/differences.md):
    ``Get-GradioSession`` alone, with ``*`` or ``-Like`` is ``get_gradio_sessions`` (a list);
    ``-SleepTime`` (milliseconds) is ``interval=`` in seconds."""
    given = dict(kwargs)
    if function == "get_gradio_session" and (
        "session" not in given or "like" in given or given["session"] in ("'*'", '"*"')
    ):
        return "get_gradio_sessions", [("pattern" if k == "session" else k, v) for k, v in kwargs]
    if function == "wait_hugging_face_space" and "sleep_time" in given:
        return function, [("interval", f"({v}) / 1000") if k == "sleep_time" else (k, v) for k, v in kwargs]
    return function, kwargs


class _Untranslatable(Exception):
    pass


def not_translated(line: int, text: str, reason: str = "") -> None:
    """Raise where a translated script reaches a line the translation left as a TODO.

    A migrated script fails at the line that was not translated, quoting it, instead of with
    a ``NameError`` further down; the rest of the file still compiles and imports.
    """
    why = f" ({reason})" if reason else ""
    raise CompatSyntaxError(
        f"this line was not translated{why}: {text}", line, 1, "finish it by hand: see the TODO above it"
    )


HEADER = '''"""Translated from PowerShell by powershai-py migrate; read it, then make it yours."""

from __future__ import annotations

{imports}
# What the PowerShell script writes to its output: printed as it comes when this file runs as a
# program, and kept in this list for a caller that imports it.
output = compat.Output(echo=__name__ == "__main__")
'''


class _Translator(PesterTranslation):
    def __init__(
        self,
        source: str,
        path: Path | None = None,
        files: dict[str, str] | None = None,
        seen: frozenset[Path] = frozenset(),
    ) -> None:
        self.path = path  # where the script is: $PSScriptRoot, and the files it dot-sources
        self.files = files  # dot-sourced files' translations, by module file name
        self.seen = seen | ({path} if path else set())  # the files being translated (no loops)
        self.collecting: set[str] | None = None  # the names a Pester fixture assigns (module globals)
        self.lines = source.splitlines()
        self.imports: set[str] = set()
        self.modules: set[str] = {"compat"}
        self.assigned: set[str] = set()
        self.inputs: list[str] = []
        self.loop_var: list[str] = []
        self.pre: list[str] = []  # statements a translated statement needs first
        self.contexts: list[str] = []  # `with` context managers the current statement needs
        self.helpers: list[str] = []  # generated generator functions, placed before their use
        self.steps = 0
        self.prefixes = {_DEFAULT_PROXY_PREFIX}
        self.dynamic_prefix: int | None = None  # the line of a proxy prefix known only when run
        self.functions: dict[str, tuple[str, list[str]]] = {}  # PowerShell name -> python name, params
        self.sink = "output"  # output, result or yield
        self.loops: list[list[str]] = []  # the step lines of each enclosing `for`, to run before continue
        self.objects: set[str] = set()  # variables known to hold powershai_py objects (attributes work)
        self.object_lists: set[str] = set()  # variables known to hold lists of them
        self.loop_objects: list[bool] = []  # does $_ hold such an object, in each enclosing block
        self.todo = 0
        self.piped_objects = False

    def translate(self) -> str:
        tree = parse("\n".join(self.lines))
        body = self.pester_module(tree.children) if is_pester(tree.children) else self.block(tree.children)
        if self.inputs:
            self.modules.add("os")
        standard = "".join(f"import {m}\n" for m in sorted(self.modules - {"compat", "pytest"}))
        names = "".join(f"    {name},\n" for name in sorted(self.imports | {"compat"}))
        tests = "import pytest\n\n" if "pytest" in self.modules else ""
        ours = f"{tests}from powershai_py import (\n{names})\n"
        text = HEADER.format(imports=(standard + "\n" if standard else "") + ours)
        if self.inputs:
            text += "\n# Values the PowerShell script read from its caller: here, from the environment.\n"
            text += "".join(f"{name} = os.environ.get({name.upper()!r})\n" for name in self.inputs)
        return _format(text + "\n\n" + "\n".join(body) + "\n")

    # --- statements ---

    def block(self, statements: list[Node], indent: str = "") -> list[str]:
        lines: list[str] = []
        for statement in statements:
            saved = (self.pre, self.contexts, self.helpers)
            self.pre, self.contexts, self.helpers = [], [], []
            try:
                produced = self.statement(statement)
                if self.contexts:
                    produced = [f"with {', '.join(self.contexts)}:"] + [f"    {line}" for line in produced]
                produced = self.helpers + self.pre + produced
            except (_Untranslatable, CompatError, CompatSyntaxError) as reason:
                produced = self.todo_lines(statement, reason)
            finally:
                self.pre, self.contexts, self.helpers = saved
            lines += [indent + line for line in produced]
        return lines

    def todo_lines(self, statement: Node, reason: Exception) -> list[str]:
        """A statement left to finish by hand: a TODO that quotes every line of it, then a call
        that raises, quoting it, if the script reaches it."""
        self.todo += 1
        last = max(statement.line, statement.end_line)
        quoted = [line.rstrip() for line in self.lines[statement.line - 1 : last]] or [""]
        message = getattr(reason, "message", None) or str(reason)
        message = re.sub(r"^line \d+, column \d+: ", "", message)
        message = re.sub(r" \(.*\)$", "", message) if message.startswith("the grammar") else message
        lines = [_comment_safe(f"{TODO} {quoted[0].strip()} -- {message}")]
        lines += [_comment_safe(f"#     {more}") for more in quoted[1:]]
        shown = quoted[0].strip() + (" ..." if len(quoted) > 1 else "")
        lines.append(f"compat.not_translated({statement.line}, {shown!r}, {message!r})")
        return lines

    def body(self, script: Node) -> list[str]:
        lines = self.block(script.children, "    ")
        return lines if any(not line.strip().startswith("#") for line in lines) else [*lines, "    pass"]

    def statement(self, node: Node) -> list[str]:
        kind = node.kind
        if kind == "unsupported":
            raise _Untranslatable(node.value.message)
        if kind == "assign":
            return self.assignment(node)
        if kind == "setmember":
            target, value = node.children
            return [f"{self.target(target)} = {self.value(value)}"]
        if kind == "if":
            return self.if_statement(node)
        if kind == "foreach":
            collection, body = node.children
            name = self.local(node.value)
            self.objects.discard(name)
            self.object_lists.discard(name)
            if self.is_objects(collection):
                self.objects.add(name)
            self.loops.append([])
            try:
                return [f"for {name} in {self.iterable(collection)}:", *self.body(body)]
            finally:
                self.loops.pop()
        if kind == "while":
            condition, body = node.children
            self.loops.append([])
            try:
                return [f"while {self.condition(condition)}:", *self.body(body)]
            finally:
                self.loops.pop()
        if kind == "for":
            return self.for_statement(node)
        if kind == "flow":
            return self.flow(node)
        if kind == "function":
            return self.function(node)
        return self.output_statement(node)

    def assignment(self, node: Node) -> list[str]:
        pipeline = node.children[0]
        if node.value is None:  # $null = ...: the value is dropped
            return [self.pipeline(pipeline)]
        if node.value.lower().startswith("env:"):
            return [f"compat.set_env({node.value[4:]!r}, {self.value(pipeline)})"]
        name = self.local(node.value)
        value = self.value(pipeline)
        self.objects.discard(name)
        self.object_lists.discard(name)
        if self.is_object(pipeline):
            self.objects.add(name)
        elif self.is_objects(pipeline):
            self.object_lists.add(name)
        if "contextlib.suppress(PowershaiError)" in self.contexts:
            self.pre.append(f"{name} = None  # what PowerShell leaves when the call fails quietly")
        return [f"{name} = {value}"]

    def value(self, pipeline: Node) -> str:
        """What an assignment keeps: an expression as it is, command output unrolled."""
        elements = pipeline.children
        if len(elements) == 1 and elements[0].kind != "command":
            return self.expr(elements[0])
        text = self.pipeline(pipeline)
        last = elements[-1]
        if last.kind == "command":
            cmdlet = CMDLETS.get(last.value.casefold())
            if cmdlet is not None and cmdlet.python_name in SINGLE:
                return text
        return f"compat.unrolled({text})"

    def target(self, node: Node) -> str:
        holder = self.expr(node.children[0])
        if node.kind == "member":
            return f"{holder}[{node.value!r}]"  # members are set as keys (hashtables, JSON objects)
        return f"{holder}[{self.expr(node.children[1])}]"

    def if_statement(self, node: Node) -> list[str]:
        lines: list[str] = []
        for number, (condition, body) in enumerate(node.children):
            word = "if" if number == 0 else "elif"
            lines += [f"{word} {self.condition(condition)}:", *self.body(body)]
        if node.value is not None:
            lines += ["else:", *self.body(node.value)]
        return lines

    def for_statement(self, node: Node) -> list[str]:
        init, condition, step, body = node.children
        lines = self.statement(init) if init is not None else []
        step_lines = self.statement(step) if step is not None else []
        self.loops.append(step_lines)
        try:
            test = self.condition(condition) if condition is not None else "True"
            inner = self.body(body)
        finally:
            self.loops.pop()
        return [*lines, f"while {test}:", *inner, *[f"    {line}" for line in step_lines]]

    def flow(self, node: Node) -> list[str]:
        if node.value == "throw":
            return [f"raise compat.throw({self.value(node.children[0]) if node.children else ''})"]
        if node.value == "return":
            if self.sink == "output":
                raise _Untranslatable("return outside a function or script block")
            if self.sink == "test":
                return ["return"]
            value = node.children[0] if node.children else None
            if self.sink == "yield":
                return ([f"yield from compat.items({self.pipeline(value)})"] if value else []) + ["return"]
            if value is None:
                return ["return result"]
            return [f"result += compat.items({self.pipeline(value)})", "return result"]
        if not self.loops:
            where = "a ForEach-Object block" if self.sink == "yield" else "any loop"
            raise _Untranslatable(
                f"{node.value} outside a loop (in {where}) stops the whole script in PowerShell"
            )
        if node.value == "continue":
            return [*self.loops[-1], "continue"]
        return ["break"]

    def function(self, node: Node) -> list[str]:
        parameters, body = node.children
        name = variable_name(node.value)
        names = [variable_name(p) for p, _ in parameters]
        self.functions[node.value.casefold()] = (name, [p for p, _ in parameters])
        defaults = []
        for (_, default), python in zip(parameters, names, strict=True):
            if default is not None and default.kind not in ("num", "str", "bool", "null"):
                raise _Untranslatable("a parameter default that is not a constant")
            defaults.append(f"{python}={self.expr(default) if default is not None else 'None'}")
        saved = (self.sink, self.assigned, self.loops)
        self.sink, self.assigned, self.loops = "result", self.assigned | set(names), []
        try:
            inner = self.block(body.children, "    ")
        finally:
            self.sink, self.assigned, self.loops = saved
        self.assigned.add(name)
        return [
            f"def {name}({', '.join(defaults)}):",
            f'    """PowerShell: function {node.value}; returns what it writes to the output."""',
            "    result: list = []",
            *inner,
            *([] if inner and inner[-1].strip() == "return result" else ["    return result"]),
        ]

    def output_statement(self, node: Node) -> list[str]:
        first = node.children[0]
        if first.kind == "dotsource" and len(node.children) == 1:
            return self.dot_source(first)
        last = node.children[-1]
        if last.kind == "command" and last.value.casefold() == "should" and "should" not in self.functions:
            return self.should_lines(node)
        if len(node.children) == 1 and first.kind == "command":
            name = first.value.casefold()
            if name in NOOP_COMMANDS:
                text = _comment_safe(f"{first.value}: {NOOP_COMMANDS[name]}")
                return ["# " + line for line in textwrap.wrap(text, 86)]
            if name == "write-host":
                values = [self.text_of(arg) for arg in self.arguments(first).positional]
                return [f"print({' '.join(values) if len(values) < 2 else ', '.join(values)})"]
            if name in ("write-output", "echo"):
                return [self.emit(arg) for arg in self.arguments(first).positional]
        last = node.children[-1]
        if last.kind == "command" and last.value.casefold() == "out-null":
            return [self.pipeline(Node("pipeline", node.line, node.column, None, node.children[:-1]))]
        if first.kind == "cast" and first.value == "void":
            return [self.expr(first.children[0])]
        value = self.pipeline(node)
        quiet = last.kind == "command" and getattr(CMDLETS.get(last.value.casefold()), "quiet", False)
        if quiet or (last.kind == "command" and last.value.casefold() in ("start-sleep", "sleep")):
            return [value]  # a quiet cmdlet writes nothing to the output
        return [self.emit_value(value, node.children[0] if len(node.children) == 1 else None)]

    def dot_source(self, node: Node) -> list[str]:
        """``. "$PSScriptRoot/lib.ps1"``: that file translated too (into ``self.files``), imported
        here with the functions and variables it makes, its output added to this one's."""
        if self.files is None:
            raise _Untranslatable("dot-sourcing: `powershai-py migrate FILE -o OUT` translates that file too")
        if self.sink != "output":
            raise _Untranslatable("dot-sourcing inside a block")
        text = self.static_text(node.children[0])
        if text is None:
            raise _Untranslatable("a dot-sourced path known only when the script runs")
        path = dot_sourced(text).resolve()
        if not path.is_file():
            raise _Untranslatable(f"the dot-sourced file {path} was not found")
        if path in self.seen:
            raise _Untranslatable(f"{path.name} is dot-sourced again while it is translated")
        module = member_name(path.stem.split(".")[0])
        if module in sys.stdlib_module_names or module in ("compat", "powershai_py", "pytest"):
            module += "_ps"
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        other = _Translator(text, path, self.files, self.seen)
        self.files[module + ".py"] = other.translate()
        self.functions.update(other.functions)
        names = sorted({python for python, _ in other.functions.values()} | (other.assigned - {"output"}))
        self.assigned |= set(names)
        self.objects |= other.objects
        self.object_lists |= other.object_lists
        self.prefixes |= other.prefixes
        lines = [_comment_safe(f"# . {path.name}: translated into {module}.py, beside this file"),
                 f"import {module}  # noqa: E402"]  # fmt: skip
        if names:
            lines.append(f"from {module} import {', '.join(names)}  # noqa: E402")
        return [*lines, f"output += {module}.output"]

    def static_text(self, node: Node) -> str | None:
        """A path's text when it is known before the script runs (``$PSScriptRoot`` included)."""
        if node.kind == "str":
            return str(node.value)
        if node.kind != "xstr":
            return None
        root = str(self.path.parent) if self.path else str(Path.cwd())
        parts = [
            p if isinstance(p, str) else root if p[0] == "var" and p[1].casefold() == "psscriptroot" else None
            for p in node.value
        ]
        return None if None in parts else "".join(str(p) for p in parts)

    def emit(self, node: Node) -> str:
        return self.emit_value(self.expr(node), node)

    def emit_value(self, value: str, node: Node | None) -> str:
        scalar = node is not None and node.kind in ("str", "xstr", "num", "bool", "format", "not", "logic")
        if self.sink == "yield":
            return f"yield {value}" if scalar else f"yield from compat.items({value})"
        if self.sink == "test":  # Pester drops what a test or a hook writes; the value is still made
            return f"_ = {value}" if scalar else f"_ = compat.items({value})"
        target = "result" if self.sink == "result" else "output"
        return f"{target}.append({value})" if scalar else f"{target} += compat.items({value})"

    def local(self, name: str) -> str:
        python = variable_name(name)
        self.assigned.add(python)
        if self.collecting is not None:
            self.collecting.add(python)
        return python

    def var(self, name: str) -> str:
        if name == "_" or name.casefold() == "psitem":
            if not self.loop_var:
                raise _Untranslatable("$_ outside a script block")
            return self.loop_var[-1]
        constant = name.casefold()
        if constant in ("true", "false", "null"):
            return {"true": "True", "false": "False", "null": "None"}[constant]
        if name.lower().startswith("env:"):
            self.modules.add("os")
            return f"os.environ.get({name[4:]!r})"
        python = variable_name(name)
        if python not in self.assigned and python not in self.inputs:
            self.inputs.append(python)  # read before any assignment: the caller gave it
            self.modules.add("os")
        return python

    # --- pipelines and commands ---

    def arguments(self, node: Node) -> semantics.Arguments:
        return semantics.split_arguments(node.children, lambda name: False)

    def pipeline(self, node: Node) -> str:
        value: str | None = None
        previous: Node | None = None
        for element in node.children:
            if element.kind != "command":
                value = self.expr(element)
                previous = element
                continue
            if value is not None and not self.loop_var and not value.isidentifier():
                self.steps += 1  # name each stage of a long pipeline: shorter lines, easier reading
                self.pre.append(f"step{self.steps} = {value}")
                value = f"step{self.steps}"
            upstream = Node("pipeline", node.line, node.column, None, [previous]) if previous else None
            self.piped_objects = self.is_objects(upstream) or self.is_object(upstream)
            value = self.command(element, value)
            previous = element
        assert value is not None
        return value

    def command(self, node: Node, piped: str | None) -> str:
        name = node.value.casefold()
        if name in FOREACH or name in WHERE:
            return self.each(node, piped, where=name in WHERE)
        if name in NOOP_COMMANDS:
            raise _Untranslatable(f"{node.value} inside an expression")
        if name in self.functions:
            return self.call_function(name, node, piped)
        if name in MAPPED:
            return self.mapped(name, node, piped)
        if name in EVERYDAY:
            return self.everyday(EVERYDAY[name], node, piped)
        cmdlet = CMDLETS.get(name)
        if cmdlet is not None:
            return self.cmdlet(cmdlet, node, piped)
        if any(name.startswith(prefix) for prefix in self.prefixes):
            return self.proxy(node, piped)
        if self.dynamic_prefix is not None:  # perhaps one of those: found by its name when run
            self.pre.append(
                f"# {node.value}: taken for a proxy function of the prefix that line "
                f"{self.dynamic_prefix} computes; compat.call finds it by name when the script runs"
            )
            return self.proxy(node, piped)
        raise _Untranslatable(f"{node.value} is not a PowershAI cmdlet")

    def each(self, node: Node, piped: str | None, where: bool) -> str:
        if piped is None:
            raise _Untranslatable(f"{node.value} needs pipeline input")
        blocks = self.arguments(node).positional
        if len(blocks) == 1 and blocks[0].kind == "str" and not where:
            return f"[compat.member(item, {blocks[0].value!r}) for item in compat.items({piped})]"
        if len(blocks) != 1 or blocks[0].kind != "scriptblock":
            raise _Untranslatable(f"{node.value} takes one script block")
        statements = blocks[0].children[0].children
        item = "item" if not self.loop_var else f"item{len(self.loop_var) + 1}"
        source = piped if piped.startswith("[") else f"compat.items({piped})"
        self.loop_objects.append(self.piped_objects)
        simple = len(statements) == 1 and statements[0].kind == "pipeline" and self._plain(statements[0])
        self.loop_var.append(item)
        try:
            if simple:
                inner = self.pipeline(statements[0])
                if where:
                    return f"[{item} for {item} in {source} if compat.truthy({inner})]"
                one = statements[0].children[0]
                if len(statements[0].children) == 1 and one.kind in ("str", "xstr", "num", "bool", "format"):
                    return f"[{inner} for {item} in {source}]"
                return f"[value for {item} in {source} for value in compat.items({inner})]"
            return self.generator(statements, item, source, where)
        finally:
            self.loop_var.pop()
            self.loop_objects.pop()

    @staticmethod
    def _plain(pipeline: Node) -> bool:
        return all(element.kind != "command" or element.value.casefold() not in ("write-host",)
                   for element in pipeline.children)  # fmt: skip

    def generator(self, statements: list[Node], item: str, source: str, where: bool) -> str:
        """A block of several statements: a small generator function, called for each item."""
        name = self.generator_function("_block", statements, item)
        if where:
            return f"[{item} for {item} in {source} if compat.truthy(compat.unroll(list({name}({item}))))]"
        return f"[value for {item} in {source} for value in {name}({item})]"

    def statements_generator(self, statements: list[Node]) -> str:
        """Several statements used as one value (``@( ...; ... )``): a small generator function."""
        return self.generator_function("_values", statements, "")

    def generator_function(self, prefix: str, statements: list[Node], parameters: str) -> str:
        """Write ``def {prefix}N(parameters):`` yielding what the statements write; return its name.

        It is placed just above the statement being translated (``self.helpers``)."""
        self.steps += 1
        name = f"{prefix}{self.steps}"
        saved = (self.sink, self.loops, self.pre, self.contexts, self.helpers)
        self.sink, self.loops = "yield", []
        try:
            inner = self.block(statements, "    ")
        finally:
            self.sink, self.loops, self.pre, self.contexts, self.helpers = saved
        if not any(line.strip().startswith("yield") for line in inner):
            inner.append("    yield from ()")
        self.helpers += [f"def {name}({parameters}):", *inner]
        return name

    def call_function(self, name: str, node: Node, piped: str | None) -> str:
        python, params = self.functions[name]
        arguments = self.arguments(node)
        kwargs: dict[str, str] = {}
        for given, value in arguments.named:
            match = [p for p in params if p.casefold() == given.casefold()] or [
                p for p in params if p.casefold().startswith(given.casefold())
            ]
            if len(match) != 1:
                raise _Untranslatable(f"{node.value} has no parameter -{given}")
            kwargs[variable_name(match[0])] = "True" if value is None else self.expr(value)
        free = [variable_name(p) for p in params if variable_name(p) not in kwargs]
        positional = [self.expr(arg) for arg in arguments.positional]
        if len(positional) > len(free):
            raise _Untranslatable(f"more arguments than {node.value} has parameters")
        kwargs.update(zip(free, positional, strict=False))
        if piped is not None:
            raise _Untranslatable(f"pipeline input to the function {node.value}")
        return f"{python}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"

    def everyday(self, command: Command, node: Node, piped: str | None) -> str:
        """Get-Random, Select-Object, Sort-Object...: a call of its compat function (compat.commands)."""
        try:
            bound = bind(command, node.children)
        except ValueError as problem:
            raise _Untranslatable(f"{node.value}: {problem}") from None
        kwargs = {key: "True" if value is None else self.expr(value) for key, value in bound.items()}
        if piped is not None and command.piped not in kwargs:
            kwargs[command.piped] = piped
        return f"compat.{command.function}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"

    def mapped(self, name: str, node: Node, piped: str | None) -> str:
        arguments = semantics.split_arguments(
            node.children, mapped_switch
        )
        values = [self.expr(arg) for arg in arguments.positional]
        named = {
            key.casefold(): ("True" if value is None else self.expr(value)) for key, value in arguments.named
        }
        first = values[0] if values else (f"compat.unrolled({piped})" if piped else None)
        if name in ("write-output", "echo"):
            if piped is not None:  # what is piped in is written too (after the arguments, as the runner)
                return f"[{''.join(f'*compat.items({v}), ' for v in values)}*compat.items({piped})]"
            return values[0] if len(values) == 1 else f"[{', '.join(values)}]"
        if name == "convertfrom-json":
            return f"compat.from_json({first})"
        if name == "convertto-json":
            options = "".join(f", {k}={named[k]}" for k in ("depth",) if k in named)
            options += ", compress=True" if "compress" in named else ""
            return f"compat.to_json({first}{options})"
        if name in ("start-sleep", "sleep"):
            self.modules.add("time")
            if "milliseconds" in named or "m" in named:
                return f"time.sleep({named.get('milliseconds', named.get('m'))} / 1000)"
            return f"time.sleep({first or named.get('seconds', '0')})"
        if name == "get-date":
            self.modules.add("datetime")
            return "datetime.datetime.now()"
        if name == "join-path":
            self.modules.add("os")
            parts = values or [named.get("path", "''"), named.get("childpath", "''")]
            return f"os.path.join({', '.join(parts)})"
        if name == "test-path":
            self.modules.add("os")
            return f"os.path.exists({first or named.get('path')})"
        if name in ("get-help", "help"):
            target = (
                CMDLETS.get(str(arguments.positional[0].value).casefold()) if arguments.positional else None
            )
            if target is None and arguments.positional and arguments.positional[0].kind == "str":
                name = str(arguments.positional[0].value)
                if name.casefold().startswith(tuple(self.prefixes)):  # a proxy function: its help when run
                    return f"compat.get_help({name!r})"
            if target is None:
                raise _Untranslatable("Get-Help of something that is not a ported cmdlet or a proxy function")
            self.imports.add(target.python_name)
            return f"help({target.python_name})"
        if name == "write-host":
            raise _Untranslatable("Write-Host inside an expression")
        raise _Untranslatable(f"{node.value} here")

    def cmdlet(self, cmdlet: Cmdlet, node: Node, piped: str | None) -> str:
        arguments = semantics.split_arguments(
            node.children,
            lambda given: getattr(find_param(cmdlet, given), "switch", False),
            lambda given: find_param(cmdlet, given) is not None,
        )
        self.common(arguments.common, node)
        if arguments.splats:
            return self.splatted(cmdlet, arguments, piped)
        kwargs: dict[str, str] = {}
        dynamic: list[str] = []  # an endpoint's own parameters (Invoke-GradioDynamicApi), apart
        for given, expr in arguments.named:
            try:
                param = match_param(cmdlet, given)
            except CompatError:
                if not cmdlet.open_params:
                    raise
                dynamic.append(f"{given!r}: {'True' if expr is None else self.expr(expr)}")
                continue
            kwargs[param.python] = "True" if expr is None else self.expr(expr)
            if param.switch and expr is not None:
                kwargs[param.python] = f"compat.truthy({kwargs[param.python]})"
        positional = [self.expr(arg) for arg in arguments.positional]
        if cmdlet.python_name == "remove_gradio_session" and not positional and piped is None and not kwargs:
            positional = ["'*'"]  # Remove-GradioSession alone removes every session
        slots = sorted((p for p in cmdlet.params if p.position is not None), key=lambda p: p.position or 0)
        free = [p for p in slots if p.python not in kwargs]
        if len(positional) > len(free):
            raise _Untranslatable(f"too many positional arguments for {cmdlet.name}")
        for param, value in zip(free, positional, strict=False):
            kwargs[param.python] = value
        if dynamic:
            kwargs["params"] = "{" + ", ".join(dynamic) + "}"
        if piped is not None:
            target = cmdlet.pipeline_param
            if target is None:
                raise _Untranslatable(f"{cmdlet.name} takes no pipeline input")
            kwargs.setdefault(target.python, piped)
        order = [p.python for p in cmdlet.params]
        ordered = sorted(kwargs.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        if cmdlet.python_name == "new_gradio_session_api_proxy_function":
            self.note_prefix(arguments, cmdlet)
        function, ordered = _python_shape(cmdlet.python_name, ordered)
        self.imports.add(function)
        return f"{function}({', '.join(f'{k}={v}' for k, v in ordered)})"

    def splatted(self, cmdlet: Cmdlet, arguments: semantics.Arguments, piped: str | None) -> str:
        """``Cmd @params -Other x``: the hashtable's keys are PowerShell parameter names, bound
        at run time by compat.call."""
        return self.compat_call(cmdlet.name, arguments, piped)

    def compat_call(self, name: str, arguments: semantics.Arguments, piped: str | None) -> str:
        """``compat.call('Name', positional..., **splats, Param=value..., pipe=...)``."""
        parts = [repr(name)] + [self.expr(arg) for arg in arguments.positional]
        parts += [f"**{self.var(splat)}" for splat in arguments.splats]
        for given, expr in arguments.named:
            value = "True" if expr is None else self.expr(expr)
            if given.isidentifier() and given != "pipe":
                parts.append(f"{given}={value}")
            else:  # with its dash, apart from compat.call's own keywords
                parts.append(f"**{{{'-' + given!r}: {value}}}")
        if piped is not None:
            parts.append(f"pipe={piped}")
        return f"compat.call({', '.join(parts)})"

    def note_prefix(self, arguments: semantics.Arguments, cmdlet: Cmdlet) -> None:
        """Remember the prefix of proxy functions the script creates, to know their calls."""
        prefix = next(
            (v for k, v in arguments.named if getattr(find_param(cmdlet, k), "python", None) == "prefix"),
            None,
        )
        if prefix is None and len(arguments.positional) > 1:
            prefix = arguments.positional[1]
        if prefix is not None and prefix.kind == "xstr" and all(isinstance(p, str) for p in prefix.value):
            self.prefixes.add("".join(prefix.value).casefold())  # "Prefix": nothing to expand
        elif prefix is not None and prefix.kind == "str":
            self.prefixes.add(str(prefix.value).casefold())
        elif prefix is not None:
            self.dynamic_prefix = prefix.line

    def common(self, common: dict[str, Any], node: Node) -> None:
        """-ErrorAction, -WarningAction, -WhatIf... as Python context managers (or nothing)."""
        for name, value in common.items():
            word = (
                str(value.value if isinstance(value, Node) else value).casefold() if value is not None else ""
            )
            if name == "ErrorAction" and word in ("silentlycontinue", "ignore", "continue"):
                self.modules.add("contextlib")
                self.imports.add("PowershaiError")
                self.contexts.append("contextlib.suppress(PowershaiError)")
            elif name == "WarningAction" and word in ("silentlycontinue", "ignore"):
                self.contexts.append("compat.quiet_warnings()")
            elif name == "WhatIf" and (value is None or word in ("true", "$true")):
                raise _Untranslatable("-WhatIf: the call would not run")

    def proxy(self, node: Node, piped: str | None) -> str:
        arguments = semantics.split_arguments(
            node.children, lambda given: given.casefold() in ("manual", "debugdata")
        )
        if arguments.splats or arguments.common:
            raise _Untranslatable("splatting or common parameters on a proxy function")
        return self.compat_call(node.value, arguments, piped)

    # --- expressions ---

    def condition(self, pipeline: Node) -> str:
        elements = pipeline.children
        if len(elements) == 1 and elements[0].kind in ("logic", "not", "bool"):
            return self.expr(elements[0])
        return f"compat.truthy({self.value(pipeline)})"

    def iterable(self, pipeline: Node) -> str:
        elements = pipeline.children
        if len(elements) == 1 and elements[0].kind in ("range", "array"):
            return self.expr(elements[0])
        return f"compat.items({self.value(pipeline)})"

    def expr(self, node: Node) -> str:
        kind = node.kind
        if kind in ("num", "str"):
            return repr(node.value)
        if kind == "bool":
            return "True" if node.value else "False"
        if kind == "null":
            return "None"
        if kind == "var":
            return self.var(node.value)
        if kind == "xstr":
            return self.fstring(node.value)
        if kind == "array":
            return f"[{', '.join(self.expr(c) for c in node.children)}]"
        if kind == "hash":
            entries = ", ".join(f"{key!r}: {self.value(value)}" for key, value in node.children)
            return f"compat.Hashtable({{{entries}}})"
        if kind == "subexpr":
            statements = node.children[0].children
            if not statements:
                return "[]" if node.value == "@(" else "None"
            if len(statements) != 1 or statements[0].kind != "pipeline":
                produced = f"list({self.statements_generator(statements)}())"
                return produced if node.value == "@(" else f"compat.unroll({produced})"
            inner = self.pipeline(statements[0])
            return f"compat.items({inner})" if node.value == "@(" else self.value(statements[0])
        if kind == "paren":  # what the translator writes for operators is parenthesized already
            return self.value(node.children[0])
        if kind == "range":
            low, high = node.children
            literal = (
                low.kind == high.kind == "num" and isinstance(low.value, int) and isinstance(high.value, int)
            )
            if literal and high.value >= low.value:
                return f"list(range({low.value}, {high.value + 1}))"
            return f"compat.span({self.expr(low)}, {self.expr(high)})"
        if kind == "member":
            return self.member(node)
        if kind == "index":
            holder, key = node.children
            if key.kind == "num" and isinstance(key.value, int) and holder.kind != "xstr":
                return f"{self.expr(holder)}[{key.value}]"
            return f"compat.index({self.expr(holder)}, {self.expr(key)})"
        if kind == "invoke":
            return self.method(node)
        if kind == "compare":
            left, right = (self.expr(c) for c in node.children)
            helper = semantics.HELPERS.get(node.value)
            if helper is None:
                return f"compat.compare({node.value!r}, {left}, {right})"
            return f"compat.{helper}({left}, {right})"
        if kind == "logic":
            left, right = (self.truth(c) for c in node.children)
            operator = {"and": "and", "or": "or", "xor": "!="}[node.value]
            return f"({left} {operator} {right})"
        if kind == "not":
            return f"(not {self.truth(node.children[0])})"
        if kind == "arith":
            left, right = node.children
            if left.kind == right.kind == "num" and node.value in "+-*":
                return f"({self.expr(left)} {node.value} {self.expr(right)})"
            return f"compat.arith({node.value!r}, {self.expr(left)}, {self.expr(right)})"
        if kind == "neg":
            return f"compat.arith('-', 0, {self.expr(node.children[0])})"
        if kind == "format":
            return f"compat.format_string({self.expr(node.children[0])}, {self.expr(node.children[1])})"
        if kind == "cast":
            return f"compat.cast({node.value!r}, {self.expr(node.children[0])})"
        if kind == "scriptblock":
            raise _Untranslatable("a script block used as a value")
        if kind == "type":
            return f"compat.TypeName({node.value!r})"
        raise _Untranslatable(f"{kind} cannot be translated")

    def truth(self, node: Node) -> str:
        return (
            self.expr(node) if node.kind in ("logic", "not", "bool") else f"compat.truthy({self.expr(node)})"
        )

    def command_gives(self, command: Node) -> str | None:
        """ "one" for a cmdlet that returns one of powershai_py's objects, "many" for one that
        returns a list of them (a proxy function's events too), None otherwise (JSON answers)."""
        cmdlet = CMDLETS.get(command.value.casefold())
        if cmdlet is None:
            return "many" if any(command.value.casefold().startswith(p) for p in self.prefixes) else None
        if cmdlet.python_name in _MAPS:
            return None
        return "one" if cmdlet.python_name in SINGLE else "many"

    def gives(self, node: Node | None) -> str | None:
        """ "one" when ``node`` gives one of powershai_py's objects (whose members are
        attributes), "many" when it gives a list of them (results, calls, sessions), else None."""
        if node is None:
            return None
        if node.kind == "pipeline":
            last = node.children[-1]
            if last.kind == "command":
                return self.command_gives(last)
            return self.gives(last) if len(node.children) == 1 else None
        if node.kind == "var":
            if node.value == "_" or node.value.casefold() == "psitem":
                return "one" if self.loop_objects and self.loop_objects[-1] else None
            name = variable_name(node.value)
            return "one" if name in self.objects else "many" if name in self.object_lists else None
        if node.kind == "index":
            return "one" if self.gives(node.children[0]) == "many" else None
        if node.kind == "paren":
            return self.gives(node.children[0])
        if node.kind == "subexpr":  # $( ... ) of one statement always gives a list
            inner = node.children[0]
            return "many" if len(inner.children) == 1 and self.gives(inner.children[0]) else None
        if node.kind == "member":
            known = member_name(node.value) in KNOWN_ATTRIBUTES
            return "one" if known and self.gives(node.children[0]) == "one" else None
        return None

    def is_object(self, node: Node | None) -> bool:
        """Does ``node`` give one of powershai_py's objects?"""
        return self.gives(node) == "one"

    def is_objects(self, node: Node | None) -> bool:
        """Does ``node`` give a list of powershai_py's objects?"""
        return self.gives(node) == "many"

    def member(self, node: Node) -> str:
        holder_node = node.children[0]
        holder = self.expr(holder_node)
        name = node.value
        if name.casefold() == "count":
            return f"compat.count({holder})"
        attribute = _ALIASES.get(name.casefold(), member_name(name))
        if attribute in KNOWN_ATTRIBUTES and self.is_object(holder_node) and name.isidentifier():
            return f"{holder}.{attribute}"
        return f"compat.member({holder}, {name!r})"

    def method(self, node: Node) -> str:
        holder = self.expr(node.children[0])
        arguments = [self.expr(c) for c in node.children[1:]]
        method = _STRING_METHODS.get(node.value.casefold())
        if method == "compat.interpolate":
            return f"compat.interpolate({holder})"
        if node.value.casefold() == "gettype" and not arguments:
            return f"compat.get_type({holder})"
        if method is not None:
            return f"str({holder}).{method}({', '.join(arguments)})"
        return f"{holder}.{member_name(node.value)}({', '.join(arguments)})"

    def text_of(self, node: Node) -> str:
        """An argument of Write-Host: text as PowerShell writes it."""
        if node.kind in ("str", "xstr"):
            return self.expr(node)
        return f"compat.interpolate({self.expr(node)})"

    def fstring(self, parts: list[Any]) -> str:
        """``"..."`` with ``$x`` and ``$( )``: an f-string, or a concatenation when an inner
        expression holds quotes (an f-string cannot nest them before Python 3.12)."""
        if all(isinstance(part, str) for part in parts):
            return repr("".join(parts))
        pieces: list[tuple[bool, str]] = []
        for part in parts:
            if isinstance(part, str):
                pieces.append((False, part))
                continue
            kind, inner = part
            if kind == "var":
                value = self.var(inner)
            else:
                statements = inner.children
                if len(statements) != 1 or statements[0].kind != "pipeline":
                    raise _Untranslatable("a $( ) of more than one statement")
                value = self.value(statements[0])
            pieces.append((True, f"compat.interpolate({value})"))
        if any(code and any(q in text for q in "'\"\\") for code, text in pieces):
            return " + ".join(text if code else repr(text) for code, text in pieces)
        body = "".join(
            "{" + text + "}" if code else text.replace("{", "{{").replace("}", "}}") for code, text in pieces
        )
        return "f" + repr(body)


_STRING_METHODS = {
    "tostring": "compat.interpolate", "toupper": "upper", "tolower": "lower", "trim": "strip",
    "split": "split", "replace": "replace", "startswith": "startswith", "endswith": "endswith",
}  # fmt: skip
# Characters that would end or break a Python comment line (Python splits lines on some of them)
_BREAKS = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def _comment_safe(text: str) -> str:
    return _BREAKS.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text
    )


def _format(source: str) -> str:
    """Lay the code out with ``ruff format`` when it is installed (the code is valid either way)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return source
    command = [ruff, "format", "--line-length", "110", "-"]
    try:
        done = subprocess.run(command, input=source, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return source
    return done.stdout if done.returncode == 0 and done.stdout else source


def translate(script: str, path: str | Path | None = None, files: dict[str, str] | None = None) -> str:
    """Python source for a PowerShell script (see :mod:`compat.translator`).

    Never raises for bad input: what has no translation becomes a ``# TODO(migrate):``
    comment naming the construct; :func:`todo_count` counts them. ``path``: where the script
    is (``$PSScriptRoot``). Each file it dot-sources is translated too and put in ``files``
    (Python file name -> source), to be written beside this translation, which imports it;
    without ``files``, a dot-sourcing line is a TODO.
    """
    return _Translator(script, Path(path).resolve() if path else None, files).translate()


def todo_count(source: str) -> int:
    """How many ``# TODO(migrate):`` lines a translation holds."""
    return source.count(TODO)
