"""Run the PowerShell subset: :func:`run` walks the syntax tree of :mod:`.language`.

Commands are the ported cmdlets and the proxy functions of open sessions (by their
PowerShell names), plus ``ForEach-Object``/``%``, ``Where-Object``/``?``, ``Write-Output``
and ``Write-Host``. Output follows PowerShell: a statement's values go to the output,
an assignment of a command's output keeps one item as itself and several as a list.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .cmdlets import CompatError, bind, find_command, invoke
from .language import CompatSyntaxError, Node, parse
from .objects import Hashtable, PSObject, unwrap, wrap

__all__ = ["run", "RunResult"]

_FOREACH = {"foreach-object", "%", "foreach"}
_WHERE = {"where-object", "?", "where"}


@dataclass
class RunResult:
    """What a script wrote to its output, what ``Write-Host`` printed, and its variables at the end."""

    output: list[Any] = field(default_factory=list)
    host: list[str] = field(default_factory=list)
    variables: Hashtable = field(default_factory=Hashtable)


def run(script: str, variables: Mapping[str, Any] | None = None) -> RunResult:
    """Run a PowerShell-subset script; return its output objects and final variables.

    PowerShell equivalent: running the script in a session that imported PowershAI.
    """
    tree = parse(script)
    result = RunResult(variables=Hashtable(variables or {}))
    for statement in tree.children:
        result.output.extend(_Runner(result).statement(statement))
    return result


def _unroll(items: list[Any]) -> Any:
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def _truthy(value: Any) -> bool:
    value = unwrap(value)
    if isinstance(value, (list, tuple)):
        return len(value) > 1 or (len(value) == 1 and _truthy(value[0]))
    return bool(value)


class _Runner:
    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.vars = result.variables

    def statement(self, node: Node) -> list[Any]:
        if node.kind == "assign":
            pipeline = node.children[0]
            if len(pipeline.children) == 1 and pipeline.children[0].kind != "command":
                self.vars[node.value] = self.expr(pipeline.children[0])  # an expression keeps its shape
            else:
                self.vars[node.value] = _unroll(self.pipeline(pipeline))
            return []
        if node.kind == "setmember":
            target, value = node.children
            self._assign(target, _unroll(self.pipeline(value)))
            return []
        return self.pipeline(node)

    def _assign(self, target: Node, value: Any) -> None:
        holder = self.expr(target.children[0])
        if target.kind == "member":
            if not isinstance(holder, PSObject):
                holder = PSObject(holder)
            holder.set_member(target.value, value)
        else:
            key = unwrap(self.expr(target.children[1]))
            plain = unwrap(holder) if isinstance(holder, PSObject) else holder
            plain[key] = unwrap(value)

    # --- pipelines ---

    def pipeline(self, node: Node) -> list[Any]:
        items: list[Any] | None = None
        for element in node.children:
            if element.kind == "command":
                items = self.command(element, items)
            else:
                items = self.values(self.expr(element))
        return items or []

    @staticmethod
    def values(value: Any) -> list[Any]:
        """A value as pipeline items (arrays unrolled)."""
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    def command(self, node: Node, piped: list[Any] | None) -> list[Any]:
        name = node.value.casefold()
        if name in _FOREACH or name in _WHERE:
            return self.loop(node, piped or [], where=name in _WHERE)
        if name == "write-output":
            return [v for _, arg in self._positional(node) for v in self.values(self.expr(arg))]
        if name == "write-host":
            self.result.host.append(
                " ".join(str(unwrap(self.expr(arg))) for _, arg in self._positional(node))
            )
            return []
        positional = [self.expr(arg) for kind, *rest in node.children if kind == "pos" for arg in rest]
        named = [
            (rest[0], True if rest[1] is None else self.expr(rest[1]))
            for kind, *rest in node.children
            if kind == "named"
        ]
        try:
            bind(find_command(node.value), positional, named, piped)  # binding errors before any call
        except CompatError as error:
            raise CompatSyntaxError(
                error.message, node.line, node.column, "see the cmdlet's parameters"
            ) from None
        return invoke(node.value, *positional, pipeline=piped, **dict(named))

    @staticmethod
    def _positional(node: Node) -> list[tuple[str, Node]]:
        return [(kind, rest[0]) for kind, *rest in node.children if kind == "pos"]

    def loop(self, node: Node, piped: list[Any], where: bool) -> list[Any]:
        blocks = [arg for kind, *rest in node.children if kind == "pos" for arg in rest]
        if len(blocks) != 1 or blocks[0].kind != "scriptblock":
            raise CompatSyntaxError(f"{node.value} takes one {{ script block }}", node.line, node.column)
        body = blocks[0].children[0]
        out: list[Any] = []
        saved = self.vars.get("_")
        for item in piped:
            self.vars["_"] = item
            produced = [v for statement in body.children for v in self.statement(statement)]
            if where:
                if _truthy(_unroll(produced)):
                    out.append(item)
            else:
                out.extend(produced)
        self.vars["_"] = saved
        return out

    # --- expressions ---

    def expr(self, node: Node) -> Any:
        kind = node.kind
        if kind in ("num", "str", "bool"):
            return node.value
        if kind == "null":
            return None
        if kind == "xstr":
            return "".join(self._part(part) for part in node.value)
        if kind == "var":
            return self.vars.get(node.value)
        if kind == "array":
            return [self.expr(child) for child in node.children]
        if kind == "hash":
            return Hashtable((key, _unroll(self.pipeline(value))) for key, value in node.children)
        if kind == "subexpr":
            items = [v for statement in node.children[0].children for v in self.statement(statement)]
            return items if node.value == "@(" else _unroll(items)
        if kind == "paren":
            return _unroll(self.pipeline(node.children[0]))
        if kind == "scriptblock":
            return node
        if kind == "range":
            low, high = (int(unwrap(self.expr(child))) for child in node.children)
            step = 1 if high >= low else -1
            return list(range(low, high + step, step))
        if kind == "member":
            return self.member(self.expr(node.children[0]), node.value)
        if kind == "index":
            return self.index(self.expr(node.children[0]), unwrap(self.expr(node.children[1])))
        if kind == "compare":
            return self.compare(node.value, self.expr(node.children[0]), self.expr(node.children[1]))
        if kind == "logic":
            left = _truthy(self.expr(node.children[0]))
            if node.value == "and":
                return left and _truthy(self.expr(node.children[1]))
            return left or _truthy(self.expr(node.children[1]))
        if kind == "not":
            return not _truthy(self.expr(node.children[0]))
        raise CompatSyntaxError(f"{kind} is not in the subset", node.line, node.column)

    def _part(self, part: Any) -> str:
        if isinstance(part, str):
            return part
        kind, inner = part
        value = (
            self.vars.get(inner)
            if kind == "var"
            else _unroll([v for statement in inner.children for v in self.statement(statement)])
        )
        value = unwrap(value)
        if value is None:
            return ""
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        if isinstance(value, bool):
            return "True" if value else "False"
        return str(value)

    @staticmethod
    def member(value: Any, name: str) -> Any:
        if value is None:
            return None
        if isinstance(value, list) and name.casefold() in ("count", "length"):
            return len(value)
        if isinstance(value, list):  # member enumeration, as PowerShell does
            found = [_Runner.member(item, name) for item in value]
            return _unroll([f for f in found if f is not None]) if found else None
        view = value if isinstance(value, PSObject) else wrap(value)
        if not isinstance(view, PSObject):
            if isinstance(value, str) and name.casefold() == "length":
                return len(value)
            return None
        return view.member(name)

    @staticmethod
    def index(value: Any, key: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, PSObject):
            return value[key]
        if isinstance(value, (list, tuple, str)):
            try:
                return wrap(value[int(key)])
            except (IndexError, ValueError, TypeError):
                return None
        if isinstance(value, Mapping):
            return wrap(value.get(key))
        return None

    def compare(self, op: str, left: Any, right: Any) -> Any:
        if isinstance(left, list):
            return [item for item in left if self.compare(op, item, right)]
        a, b = unwrap(left), unwrap(right)
        if op in ("like", "notlike"):
            hit = fnmatch.fnmatchcase(str(a).casefold(), str(b).casefold())
            return hit if op == "like" else not hit
        if op in ("match", "notmatch"):
            found = re.search(str(b), str(a), re.IGNORECASE) is not None
            return found if op == "match" else not found
        if isinstance(a, str) and b is not None and not isinstance(b, str):
            b = str(b)
        elif isinstance(b, str) and isinstance(a, (int, float)) and not isinstance(a, bool):
            try:
                b = type(a)(b)
            except ValueError:
                return op == "ne"
        if isinstance(a, str) and isinstance(b, str):
            a, b = a.casefold(), b.casefold()
        try:
            return {
                "eq": lambda: a == b,
                "ne": lambda: a != b,
                "gt": lambda: a > b,
                "lt": lambda: a < b,
                "ge": lambda: a >= b,
                "le": lambda: a <= b,
            }[op]()
        except TypeError:
            return False
