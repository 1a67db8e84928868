"""PowerShell's own rules, in one place for :mod:`.runner` and for the Python that
:mod:`.translator` writes (which calls these as ``compat.ieq(...)``, ``compat.count(...)``...).

* comparisons: ``-eq -ne -gt -lt -ge -le -like -notlike -match -notmatch -contains
  -notcontains -in -notin`` ignore case; their ``c`` forms (``-ceq``...) do not; an array on
  the left filters it; the right operand is converted to the left one's type;
* strings: ``"$x"`` writes arrays joined by spaces (``$OFS``), ``$null`` as nothing, booleans
  as ``True``/``False``; ``-f`` formats .NET style (``{0}``, ``{0:N2}``);
* values: truthiness (an empty string, 0, ``$null``, an empty array are false; an array of
  one item is that item), one-item unrolling of output, member enumeration over arrays,
  ``.Count``/``.Length`` of one object (1) and of ``$null`` (0), members in any case;
* arithmetic: ``+`` joins strings and arrays, ``/`` gives a float unless exact;
* binding of command arguments (:func:`split_arguments`): a switch never takes the next
  argument (only ``-Switch:$value``), other parameters do; the common parameters
  (``-ErrorAction``/``-EA``, ``-WarningAction``, ``-Verbose``, ``-WhatIf``, ``-Confirm``...).
"""

from __future__ import annotations

import fnmatch
import json
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .objects import Hashtable, PSObject, unwrap, wrap

__all__ = [
    "compare", "interpolate", "truthy", "unroll", "items", "count", "member", "index", "arith",
    "format_string", "cast", "from_json", "to_json", "split_arguments", "Arguments", "COMMON",
    "ieq", "ine", "igt", "ilt", "ige", "ile", "ceq", "cne", "like", "notlike", "match",
    "notmatch", "contains", "notcontains", "isin", "notin", "HELPERS", "unrolled", "span",
    "quiet_warnings",
]  # fmt: skip

OFS = " "  # PowerShell's output field separator: how "$array" joins its items


# --- comparisons -----------------------------------------------------------------------------------


def _converted(left: Any, right: Any) -> tuple[Any, Any]:
    """PowerShell converts the right operand to the left one's type."""
    if isinstance(left, bool) or left is None or right is None:
        return left, right
    if isinstance(left, str) and not isinstance(right, str):
        return left, interpolate(right)
    if isinstance(left, (int, float)) and isinstance(right, str):
        try:
            return left, float(right) if isinstance(left, float) or "." in right else int(right)
        except ValueError:
            return str(left), right
    return left, right


def _scalar(op: str, left: Any, right: Any) -> bool:
    sensitive = op.startswith("c")
    base = op[1:] if op[:1] in ("c", "i") and op[1:] in _BASE else op
    if base in ("like", "notlike"):
        a, b = interpolate(left), interpolate(right)
        if not sensitive:
            a, b = a.casefold(), b.casefold()
        hit = fnmatch.fnmatchcase(a, b)
        return hit if base == "like" else not hit
    if base in ("match", "notmatch"):
        found = re.search(interpolate(right), interpolate(left), 0 if sensitive else re.IGNORECASE)
        return (found is not None) if base == "match" else found is None
    a, b = _converted(left, right)
    if isinstance(a, str) and isinstance(b, str) and not sensitive:
        a, b = a.casefold(), b.casefold()
    try:
        if base == "eq":
            return bool(a == b)
        if base == "ne":
            return bool(a != b)
        if a is None or b is None:
            return False
        return bool({"gt": a > b, "lt": a < b, "ge": a >= b, "le": a <= b}[base])
    except TypeError:
        return base == "ne"


_BASE = {"eq", "ne", "gt", "lt", "ge", "le", "like", "notlike", "match", "notmatch",
         "contains", "notcontains", "in", "notin"}  # fmt: skip


def compare(op: str, left: Any, right: Any) -> Any:
    """``left -op right`` as PowerShell computes it (``op`` without its dash: eq, ceq, like...)."""
    op = op.lower()
    base = op[1:] if op[:1] in ("c", "i") and op[1:] in _BASE else op
    sensitive = "c" if op.startswith("c") and base != op else ""
    a, b = unwrap(left), unwrap(right)
    if base in ("contains", "notcontains"):
        found = any(_scalar(sensitive + "eq", item, b) for item in items(a))
        return found if base == "contains" else not found
    if base in ("in", "notin"):
        found = any(_scalar(sensitive + "eq", item, a) for item in items(b))
        return found if base == "in" else not found
    if isinstance(a, (list, tuple)):
        return [item for item in a if _scalar(op, unwrap(item), b)]
    return _scalar(op, a, b)


def _helper(op: str) -> Any:
    def helper(left: Any, right: Any) -> Any:
        return compare(op, left, right)

    helper.__name__ = op
    helper.__doc__ = f"PowerShell's -{op}."
    return helper


ieq, ine, igt, ilt, ige, ile = (_helper(op) for op in ("eq", "ne", "gt", "lt", "ge", "le"))
ceq, cne = _helper("ceq"), _helper("cne")
like, notlike, match, notmatch = (_helper(op) for op in ("like", "notlike", "match", "notmatch"))
contains, notcontains, isin, notin = (_helper(op) for op in ("contains", "notcontains", "in", "notin"))
# The helper the translator writes for an operator (the others go through compare()).
HELPERS = {"eq": "ieq", "ne": "ine", "gt": "igt", "lt": "ilt", "ge": "ige", "le": "ile", "ceq": "ceq",
           "cne": "cne", "like": "like", "notlike": "notlike", "match": "match", "notmatch": "notmatch",
           "contains": "contains", "notcontains": "notcontains", "in": "isin", "notin": "notin"}  # fmt: skip


# --- values -------------------------------------------------------------------------------------------


def interpolate(value: Any) -> str:
    """How ``"$value"`` writes ``value``."""
    value = unwrap(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (list, tuple)):
        return OFS.join(interpolate(item) for item in value)
    if isinstance(value, Mapping):
        return "System.Collections.Hashtable"
    return str(value)


def truthy(value: Any) -> bool:
    """PowerShell's truth: ``$null``, ``""``, 0, ``$false`` and ``@()`` are false; ``@(x)`` is x."""
    value = unwrap(value)
    if isinstance(value, (list, tuple)):
        return len(value) > 1 or (len(value) == 1 and truthy(value[0]))
    return bool(value)


def unroll(values: Sequence[Any]) -> Any:
    """What ``$x = <command>`` keeps: nothing is ``$null``, one item is itself, more are a list."""
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def unrolled(value: Any) -> Any:
    """What ``$x = <command>`` keeps of a command's result: its items, unrolled."""
    return unroll(items(value))


def span(low: Any, high: Any) -> list[int]:
    """``low..high``: both ends included, counting down when ``high`` is lower."""
    a, b = int(arith("+", 0, low)), int(arith("+", 0, high))
    return list(range(a, b + 1)) if b >= a else list(range(a, b - 1, -1))


@contextmanager
def quiet_warnings() -> Iterator[None]:
    """``-WarningAction SilentlyContinue``: powershai-py's warnings are not shown."""
    from powershai_py.errors import PowershaiWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PowershaiWarning)
        yield


def items(value: Any) -> list[Any]:
    """``value`` as pipeline items: a list item by item, ``$null`` as none, anything else as one."""
    from powershai_py.gradio.proxies.proxy_result import PipelineResult, ProxyResult

    if value is None:
        return []
    if isinstance(value, (list, tuple, ProxyResult, PipelineResult)):
        return list(value)
    return [value]


class Output(list[Any]):
    """What a translated script writes to its output (PowerShell's success stream).

    A list, so a caller that imports or runs the script gets the values; with ``echo`` (the
    script run as a program) each value is also printed as it is written, as PowerShell shows
    the output of a script run from a shell: text as it is, ``$true`` as ``True``, ``$null`` as
    nothing, other objects on one line each.
    """

    def __init__(self, values: Iterable[Any] = (), *, echo: bool = False) -> None:
        super().__init__(values)
        self.echo = echo

    def append(self, value: Any) -> None:
        super().append(value)
        if self.echo:
            _show(value)

    def extend(self, values: Iterable[Any]) -> None:
        for value in values:
            self.append(value)

    def __iadd__(self, values: Iterable[Any]) -> Output:  # type: ignore[misc]
        self.extend(values)
        return self


def _show(value: Any) -> None:
    plain = unwrap(value)
    if plain is None:
        return
    if isinstance(plain, (dict, list)):
        print(json.dumps(plain, ensure_ascii=False, default=str))
    else:
        print(plain)


def count(value: Any) -> Any:
    """``$value.Count``: 0 for ``$null``, 1 for one object, the length of an array or a hashtable
    (a hashtable's own ``Count`` key shadows it, as in PowerShell: Measure-Object's result)."""
    plain = unwrap(value)
    if plain is None:
        return 0
    if isinstance(plain, Mapping):
        own = [v for k, v in plain.items() if isinstance(k, str) and k.casefold() == "count"]
        return own[0] if own else len(plain)
    if isinstance(plain, (list, tuple)):
        return len(plain)
    return 1


def member(value: Any, name: str) -> Any:
    """``$value.name``: any case; over an array, the member of each item (member enumeration)."""
    folded = name.casefold()
    plain = unwrap(value)
    if (
        folded in ("count", "length")
        and isinstance(plain, Mapping)
        and folded in {str(k).casefold() for k in plain}
    ):
        return next(v for k, v in plain.items() if str(k).casefold() == folded)  # a key shadows it
    if folded == "count":
        return count(value)
    if folded == "length":
        if isinstance(plain, str):
            return len(plain)
        return count(value)
    if plain is None:
        return None
    if folded == "name" and callable(plain) and hasattr(plain, "powershell_name"):
        return plain.powershell_name  # a proxy function is known by its PowerShell name
    if isinstance(plain, (list, tuple)) and not isinstance(value, PSObject):
        found: list[Any] = []  # member enumeration: the values of each item, arrays unrolled
        for item in plain:
            value_of_item = member(item, name)
            if isinstance(value_of_item, (list, tuple)):
                found.extend(value_of_item)
            elif value_of_item is not None:
                found.append(value_of_item)
        return unroll(found)
    view = value if isinstance(value, PSObject) else wrap(value)
    if isinstance(view, PSObject):
        return _plain(view.member(name))
    return getattr(plain, name, None)


def _plain(value: Any) -> Any:
    """Plain Python values (no PSObject views), so translated code can pass them to powershai_py."""
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return unwrap(value)


def index(value: Any, key: Any) -> Any:
    """``$value[key]``: a negative index counts from the end; out of range gives ``$null``."""
    plain = unwrap(value)
    key = unwrap(key)
    if plain is None:
        return None
    if isinstance(plain, (list, tuple, str)):
        try:
            return unwrap(plain[int(key)])
        except (IndexError, ValueError, TypeError):
            return None
    if isinstance(plain, Mapping):
        return member(plain, str(key))
    if isinstance(value, PSObject):
        return _plain(value[key])
    return None


def arith(op: str, left: Any, right: Any) -> Any:
    """``left op right``: strings and arrays join with ``+``, numbers compute; ``/`` is exact or float."""
    a, b = unwrap(left), unwrap(right)
    if op == "+":
        if isinstance(a, (list, tuple)):
            return [*a, *items(b)]
        if isinstance(a, str):
            return a + interpolate(b)
        if a is None:
            return b
    if isinstance(a, str) and op == "*" and isinstance(b, int):
        return a * b
    a, b = _number(a), _number(b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        quotient = a / b
        return (
            int(quotient) if isinstance(a, int) and isinstance(b, int) and quotient.is_integer() else quotient
        )
    if op == "%":
        return a % b
    raise ValueError(f"the operator {op} is not supported")


def _number(value: Any) -> Any:
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            return float(text)
    return value


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def format_string(template: Any, arguments: Any) -> str:
    """``template -f arguments``, .NET composite formatting: ``{0}``, ``{1,5}``, ``{0:N2}``, ``{0:D3}``."""
    values = items(unwrap(arguments)) if isinstance(unwrap(arguments), (list, tuple)) else [arguments]

    def one(match: re.Match[str]) -> str:
        if match.group() in ("{{", "}}"):
            return match.group()[0]
        value = unwrap(values[int(match.group(1))]) if int(match.group(1)) < len(values) else None
        spec = (match.group(3) or "").strip()
        text = _formatted(value, spec)
        width = int(match.group(2) or 0)
        return text.rjust(width) if width > 0 else text.ljust(-width)

    return _FORMAT_ITEM.sub(one, interpolate(template))


def _formatted(value: Any, spec: str) -> str:
    if not spec or value is None:
        return interpolate(value)
    kind, digits = spec[0].upper(), spec[1:]
    try:
        if kind == "N":
            return f"{float(value):,.{int(digits or 2)}f}"
        if kind == "F":
            return f"{float(value):.{int(digits or 2)}f}"
        if kind == "D":
            return f"{int(value):0{int(digits or 1)}d}"
        if kind == "P":
            return f"{float(value) * 100:.{int(digits or 2)}f} %"
        if kind == "X":
            return f"{int(value):0{int(digits or 1)}{'X' if spec[0] == 'X' else 'x'}}"
    except (ValueError, TypeError):
        pass
    return interpolate(value)


def cast(type_name: str, value: Any) -> Any:
    """``[type]value`` for the types scripts use: int, double, string, bool, array, hashtable, void."""
    plain = unwrap(value)
    name = type_name.lower().removeprefix("system.")
    if name in ("int", "int32", "int64", "long"):
        return int(round(float(_number(plain))))
    if name in ("double", "float", "single", "decimal"):
        return float(_number(plain))
    if name == "string":
        return interpolate(plain)
    if name == "bool":
        return truthy(plain)
    if name in ("array", "object[]"):
        return items(plain)
    if name == "void":
        return None
    if name in ("hashtable", "pscustomobject", "ordered"):
        return Hashtable(plain) if isinstance(plain, Mapping) else plain
    raise ValueError(f"[{type_name}] is not supported")


def from_json(text: Any) -> Any:
    """``ConvertFrom-Json``: objects become hashtables (members in any case)."""

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return Hashtable((k, convert(v)) for k, v in value.items())
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(json.loads(interpolate(text) if not isinstance(unwrap(text), str) else unwrap(text)))


def to_json(value: Any, depth: int = 2, compress: bool = False) -> str:
    """``ConvertTo-Json``: two-space indentation (``-Compress``: one line)."""

    def plain(item: Any) -> Any:
        item = unwrap(item)
        if isinstance(item, Mapping):
            return {str(k): plain(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [plain(v) for v in item]
        if item is None or isinstance(item, (str, int, float, bool)):
            return item
        return str(item)

    if compress:
        return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
    return json.dumps(plain(value), indent=2, ensure_ascii=False)


# --- binding --------------------------------------------------------------------------------------


# PowerShell's common parameters, with their aliases: those that take a value, and switches.
COMMON = {
    "erroraction": "ErrorAction", "ea": "ErrorAction", "warningaction": "WarningAction",
    "wa": "WarningAction", "informationaction": "InformationAction", "infa": "InformationAction",
    "errorvariable": "ErrorVariable", "ev": "ErrorVariable", "outvariable": "OutVariable",
    "ov": "OutVariable", "verbose": "Verbose", "vb": "Verbose", "debug": "Debug", "db": "Debug",
    "whatif": "WhatIf", "wi": "WhatIf", "confirm": "Confirm", "cf": "Confirm",
}  # fmt: skip
COMMON_SWITCHES = {"Verbose", "Debug", "WhatIf", "Confirm"}


@dataclass
class Arguments:
    """A command's arguments, bound as PowerShell binds them (values still unevaluated)."""

    positional: list[Any] = field(default_factory=list)
    named: list[tuple[str, Any]] = field(default_factory=list)  # value None: a switch given bare
    common: dict[str, Any] = field(default_factory=dict)
    splats: list[str] = field(default_factory=list)


def split_arguments(
    arguments: Iterable[tuple[Any, ...]], is_switch: Any, known: Any = lambda name: True
) -> Arguments:
    """Pair each ``-Name`` with its value: a switch (``is_switch(name)``) takes one only as
    ``-Name:value``; another parameter takes the next argument. Common parameters go apart,
    unless the command has a parameter of that name (``known(name)``)."""
    out = Arguments()
    queue = list(arguments)
    i = 0
    while i < len(queue):
        item = queue[i]
        i += 1
        if item[0] == "pos":
            out.positional.append(item[1])
            continue
        if item[0] == "splat":
            out.splats.append(item[1])
            continue
        _, name, value, colon = item
        common = COMMON.get(name.casefold())
        switch = common in COMMON_SWITCHES if common and not known(name) else is_switch(name)
        if value is None and not colon and not switch and i < len(queue) and queue[i][0] == "pos":
            value = queue[i][1]
            i += 1
        if common and not known(name):
            out.common[common] = value
        else:
            out.named.append((name, value))
    return out
