"""Turn a PowerShell-subset script into Python that uses ``powershai_py``.

Cmdlets become their snake_case functions with keyword arguments, ``@{}`` a dict, arrays
lists, ``ForEach-Object``/``Where-Object`` list comprehensions, proxy pipelines
``downstream(pipe=upstream, map=[...])``. What a statement writes to PowerShell's output is
appended to the list ``output``. A line that cannot be translated is kept as a
``# TODO(migrate):`` comment with the reason.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from powershai_py.gradio.models import (
    ApiCalls,
    GradioApiEvent,
    GradioApiEventResult,
    GradioInfo,
    GradioSession,
    SessionApiEvent,
)
from powershai_py.gradio.proxy_result import ProxyResult
from powershai_py.hub import HuggingFaceSpace

from .cmdlets import CMDLETS, Cmdlet, CompatError, _match
from .language import Node, parse

__all__ = ["translate"]


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
# What some functions give back, so that members of a dict are read as keys.
_RETURNS = {
    "get_hugging_face_whoami": "map",
    "invoke_hugging_face_hub": "map",
    "invoke_gradio_http": "map",
    "send_gradio_file": "maplist",
    "send_gradio_session_files": "maplist",
}
_ALIASES = {"errorname": "code"}


def snake(name: str) -> str:
    """``AllEvents`` -> ``all_events``, ``LastQueryStatus`` -> ``last_query_status``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    text = re.sub(r"[^A-Za-z0-9_]", "_", text).lower()
    return text + "_" if keyword.iskeyword(text) else text


class _Untranslatable(Exception):
    pass


HEADER = '''"""Translated from PowerShell by powershai-py migrate; read it, then make it yours."""

from __future__ import annotations

{imports}

output: list = []  # what the PowerShell script wrote to its output


def _emit(value):
    """Append what PowerShell would write: lists item by item, call results event by event."""
    if value is None:
        return
    if isinstance(value, (list, tuple, ProxyResult, PipelineResult)):
        output.extend(value)
    else:
        output.append(value)
'''

ARRAY_HELPER = '''

def _array(value):
    """PowerShell's @(...): a list as it is, nothing as [], one value as [value]."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, ProxyResult, PipelineResult)):
        return list(value)
    return [value]
'''

PROXY_HELPER = '''

def _proxy_call(name, params, **options):
    """Call the proxy function that PowerShell names `name`, with PowerShell parameter names."""
    function = next(
        f for f in get_gradio_session_api_proxy_function("*") if f.powershell_name.lower() == name.lower()
    )
    known = {p.powershell_name.lower(): p.name for p in function.gradio_proxy.parameters}
    kwargs = {}
    for key, value in params.items():
        wanted = key.lower()
        matches = [k for k in known if k == wanted] or [k for k in known if k.startswith(wanted)]
        kwargs[known[matches[0]]] = value
    return function(**kwargs, **options)
'''


class _Translator:
    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.imports: set[str] = {"ProxyResult", "PipelineResult"}
        self.modules: set[str] = set()
        self.uses_proxy = False
        self.uses_array = False
        self.assigned: set[str] = set()
        self.kinds: dict[str, str | None] = {}  # "map" or "maplist" when known
        self.inputs: list[str] = []
        self.loop_var: list[str] = []
        self.pre: list[str] = []  # statements a translated statement needs first
        self.steps = 0

    def translate(self) -> str:
        tree = parse("\n".join(self.lines))
        body: list[str] = []
        for statement in tree.children:
            self.pre = []
            try:
                lines = self.statement(statement)
                body.extend(self.pre + lines)
            except (_Untranslatable, CompatError) as reason:
                line = self.lines[statement.line - 1].strip() if statement.line <= len(self.lines) else ""
                body.append(f"# TODO(migrate): {line} -- {reason}")
        if self.uses_proxy:
            self.imports.add("get_gradio_session_api_proxy_function")
        text = HEADER.format(imports=self._imports())
        if self.inputs:
            self.modules.add("os")
            text = HEADER.format(imports=self._imports())
            text += "\n\n# Values the PowerShell script read from its caller: here, from the environment.\n"
            text += "".join(f"{name} = os.environ.get({name.upper()!r})\n" for name in self.inputs)
        if self.uses_array:
            text += ARRAY_HELPER
        if self.uses_proxy:
            text += PROXY_HELPER
        return _format(text + "\n\n" + "\n".join(body) + "\n")

    def _imports(self) -> str:
        names = "".join(f"    {name},\n" for name in sorted(self.imports, key=lambda n: (n.islower(), n)))
        imports = "".join(f"import {m}\n" for m in sorted(self.modules))
        return imports + ("\n" if imports else "") + f"from powershai_py import (\n{names})"

    # --- statements ---

    def statement(self, node: Node) -> list[str]:
        if node.kind == "assign":
            value = self.pipeline(node.children[0])
            self.assigned.add(snake(node.value))
            self.kinds[snake(node.value)] = self.kind_of(node.children[0])
            return [f"{snake(node.value)} = {value}"]
        if node.kind == "setmember":
            target, value = node.children
            return [f"{self.expr(target)} = {self.pipeline(value)}"]
        first = node.children[0]
        if len(node.children) == 1 and first.kind == "command":
            name = first.value.casefold()
            if name == "write-host":
                return [f"print({', '.join(self.expr(a) for k, a in self.args(first) if k == 'pos')})"]
            if name == "write-output":
                return [f"_emit({self.expr(a)})" for k, a in self.args(first) if k == "pos"]
        last = node.children[-1]
        quiet = last.kind == "command" and getattr(CMDLETS.get(last.value.casefold()), "quiet", False)
        value = self.pipeline(node)
        return [value] if quiet else [f"_emit({value})"]  # a quiet cmdlet writes nothing to the output

    @staticmethod
    def args(node: Node) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for kind, *rest in node.children:
            out.append((kind, rest[0]) if kind == "pos" else (kind, tuple(rest)))
        return out

    def var(self, name: str) -> str:
        if name == "_":
            if not self.loop_var:
                raise _Untranslatable("$_ outside a script block")
            return self.loop_var[-1]
        python = snake(name)
        if python not in self.assigned and python not in self.inputs:
            self.inputs.append(python)  # read before any assignment: the caller gave it
        return python

    # --- pipelines ---

    def pipeline(self, node: Node) -> str:
        value: str | None = None
        for element in node.children:
            if element.kind != "command":
                value = self.expr(element)
                continue
            if value is not None and not self.loop_var and not value.isidentifier():
                self.steps += 1  # name each stage of a long pipeline: shorter lines, easier reading
                self.pre.append(f"step{self.steps} = {value}")
                value = f"step{self.steps}"
            value = self.command(element, value)
        assert value is not None
        return value

    def command(self, node: Node, piped: str | None) -> str:
        name = node.value.casefold()
        if name in ("foreach-object", "%", "where-object", "?"):
            if piped is None:
                raise _Untranslatable(f"{node.value} needs pipeline input")
            blocks = [a for k, a in self.args(node) if k == "pos"]
            if len(blocks) != 1 or blocks[0].kind != "scriptblock":
                raise _Untranslatable(f"{node.value} takes one script block")
            body = blocks[0].children[0].children
            if len(body) != 1 or body[0].kind not in ("pipeline",):
                raise _Untranslatable("a script block of more than one statement")
            self.loop_var.append("item" if not self.loop_var else f"item{len(self.loop_var) + 1}")
            try:
                inner = self.pipeline(body[0])
                item = self.loop_var[-1]
            finally:
                self.loop_var.pop()
            if name in ("where-object", "?"):
                return f"[{item} for {item} in {piped} if {inner}]"
            return f"[{inner} for {item} in {piped}]"
        if name == "write-output":
            values = [self.expr(a) for k, a in self.args(node) if k == "pos"]
            return values[0] if len(values) == 1 else f"[{', '.join(values)}]"
        cmdlet = CMDLETS.get(name)
        if cmdlet is None:
            return self.proxy(node, piped)
        return self.cmdlet(cmdlet, node, piped)

    def cmdlet(self, cmdlet: Cmdlet, node: Node, piped: str | None) -> str:
        kwargs: dict[str, str] = {}
        positional = []
        for kind, value in self.args(node):
            if kind == "pos":
                positional.append(self.expr(value))
                continue
            given, expr = value
            try:
                param = _match(cmdlet, given)
            except CompatError:
                if not cmdlet.open_params or not given.isidentifier():
                    raise
                kwargs[given] = "True" if expr is None else self.expr(expr)
                continue
            kwargs[param.python] = "True" if expr is None else self.expr(expr)
            if param.switch and expr is not None:
                kwargs[param.python] = f"bool({kwargs[param.python]})"
        slots = sorted((p for p in cmdlet.params if p.position is not None), key=lambda p: p.position or 0)
        free = [p for p in slots if p.python not in kwargs]
        if len(positional) > len(free):
            raise _Untranslatable(f"too many positional arguments for {cmdlet.name}")
        for param, value in zip(free, positional, strict=False):
            kwargs[param.python] = value
        if piped is not None:
            target = cmdlet.pipeline_param
            if target is None:
                raise _Untranslatable(f"{cmdlet.name} takes no pipeline input")
            kwargs.setdefault(target.python, piped)
        self.imports.add(cmdlet.python_name)
        order = [p.python for p in cmdlet.params]
        ordered = sorted(kwargs.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        return f"{cmdlet.python_name}({', '.join(f'{k}={v}' for k, v in ordered)})"

    def proxy(self, node: Node, piped: str | None) -> str:
        self.uses_proxy = True
        params: list[str] = []
        options: dict[str, str] = {}
        fixed = {
            "manual": "manual",
            "apiresultmap": "map",
            "map": "map",
            "arm": "map",
            "debugdata": "debug_data",
            "apitoken": "api_token",
            "pipeobj": "pipe",
        }
        for kind, value in self.args(node):
            if kind == "pos":
                raise _Untranslatable(f"positional arguments to the proxy {node.value}; name them")
            given, expr = value
            key = given.casefold()
            option = fixed.get(key) or next(
                (v for k, v in fixed.items() if k.startswith(key) and len(key) > 2), None
            )
            rendered = "True" if expr is None else self.expr(expr)
            if option:
                if option == "map" and expr is not None and expr.kind != "array":
                    rendered = f"[{rendered}]"
                options[option] = rendered
            else:
                params.append(f"{given!r}: {rendered}")
        if piped is not None:
            options.setdefault("pipe", piped)
        extra = "".join(f", {k}={v}" for k, v in options.items())
        return f"_proxy_call({node.value!r}, {{{', '.join(params)}}}{extra})"

    def kind_of(self, node: Node) -> str | None:
        """ "map" for what is known to be a dict (a JSON answer, @{}), "maplist" for a list of them."""
        if node.kind == "pipeline":
            last = node.children[-1]
            if last.kind == "command":
                cmdlet = CMDLETS.get(last.value.casefold())
                return _RETURNS.get(cmdlet.python_name) if cmdlet else None
            return self.kind_of(last) if len(node.children) == 1 else None
        if node.kind == "hash":
            return "map"
        if node.kind == "var":
            return self.kinds.get(snake(node.value))
        if node.kind in ("paren", "subexpr"):
            statements = node.children[0].children if node.kind == "subexpr" else node.children
            inner = statements[0] if len(statements) == 1 else None
            kind = self.kind_of(inner) if inner is not None else None
            return "maplist" if node.value == "@(" and kind == "map" else kind
        if node.kind == "index":
            return "map" if self.kind_of(node.children[0]) == "maplist" else None
        return None

    # --- expressions ---

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
            return "{" + ", ".join(f"{key!r}: {self.pipeline(value)}" for key, value in node.children) + "}"
        if kind == "subexpr":
            statements = node.children[0].children
            if len(statements) != 1 or statements[0].kind != "pipeline":
                raise _Untranslatable("a sub-expression of more than one statement")
            inner = self.pipeline(statements[0])
            if node.value == "@(":
                self.uses_array = True
                return f"_array({inner})"
            return inner
        if kind == "paren":
            return f"({self.pipeline(node.children[0])})"
        if kind == "range":
            low, high = (self.expr(c) for c in node.children)
            return f"list(range({low}, {high} + 1))"
        if kind == "member":
            holder = self.expr(node.children[0])
            name = node.value
            if name.casefold() in ("count", "length"):
                return f"len({holder})"
            attribute = _ALIASES.get(name.casefold(), snake(name))
            if attribute in KNOWN_ATTRIBUTES and self.kind_of(node.children[0]) != "map":
                return f"{holder}.{attribute}"
            return f"{holder}[{name!r}]"
        if kind == "index":
            return f"{self.expr(node.children[0])}[{self.expr(node.children[1])}]"
        if kind == "compare":
            return self.compare(node)
        if kind == "logic":
            left, right = (self.expr(c) for c in node.children)
            return f"({left} {node.value} {right})"
        if kind == "not":
            return f"(not {self.expr(node.children[0])})"
        raise _Untranslatable(f"{kind} cannot be translated")

    def fstring(self, parts: list[Any]) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part.replace("{", "{{").replace("}", "}}"))
            elif part[0] == "var":
                out.append("{" + self.var(part[1]) + "}")
            else:
                statements = part[1].children
                if len(statements) != 1 or statements[0].kind != "pipeline":
                    raise _Untranslatable("a $( ) of more than one statement")
                out.append("{" + self.pipeline(statements[0]) + "}")
        text = "".join(out)
        return "f" + repr(text) if any(not isinstance(p, str) for p in parts) else repr("".join(parts))

    def compare(self, node: Node) -> str:
        left, right = (self.expr(c) for c in node.children)
        op = node.value
        simple = {"eq": "==", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<="}
        if op in simple:
            return f"({left} {simple[op]} {right})"
        if op in ("like", "notlike"):
            self.modules.add("fnmatch")
            pattern = node.children[1]
            right = repr(pattern.value.lower()) if pattern.kind == "str" else f"str({right}).lower()"
            test = f"fnmatch.fnmatch(str({left}).lower(), {right})"
            return test if op == "like" else f"(not {test})"
        self.modules.add("re")
        test = f"(re.search({right}, str({left}), re.IGNORECASE) is not None)"
        return test if op == "match" else f"(not {test})"


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


def translate(script: str) -> str:
    """Python source for a PowerShell-subset script (see :mod:`compat.translator`).

    Raises :class:`CompatSyntaxError` for text outside the subset; a statement inside the
    subset that has no translation becomes a ``# TODO(migrate):`` comment.
    """
    return _Translator(script).translate()
