"""The everyday commands of PowerShell scripts, with PowerShell's rules: Get-Random, Select-Object,
Sort-Object, Measure-Object, Get-Member and Invoke-RestMethod (and their aliases).

Each is a plain function (``compat.select_object(...)``...) that both back ends call: the runner
binds a command line to it, the translator writes a call of it, so the two cannot disagree.
:data:`EVERYDAY` says how a command line binds: parameter names in any case and shortened to
any unambiguous prefix (``-Min``, ``-Desc``), positions, switches, and what the pipeline gives.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import inspect
import random
from dataclasses import dataclass, field
from typing import Any

from .cmdlets import find_command
from .objects import Hashtable, PSObject, unwrap

__all__ = [
    "EVERYDAY",
    "Command",
    "Option",
    "bind",
    "get_member",
    "get_random",
    "invoke_rest_method",
    "measure_object",
    "select_object",
    "sort_object",
]


@dataclass(frozen=True)
class Option:
    """A parameter: its PowerShell name, the keyword of the function, and how it binds."""

    name: str
    python: str
    position: int | None = None
    switch: bool = False


@dataclass(frozen=True)
class Command:
    """A command: the function that runs it, its parameters, and the keyword the pipeline fills."""

    function: str
    options: tuple[Option, ...]
    piped: str = "items"
    aliases: tuple[str, ...] = field(default=())

    def option(self, given: str) -> Option | None:
        """The parameter ``-given`` names: its full name or an unambiguous prefix, any case."""
        folded = given.casefold()
        exact = [o for o in self.options if o.name.casefold() == folded]
        found = exact or [o for o in self.options if o.name.casefold().startswith(folded)]
        return found[0] if len(found) == 1 else None

    def positional(self, index: int) -> Option | None:
        return next((o for o in self.options if o.position == index), None)


EVERYDAY: dict[str, Command] = {}


def _command(name: str, command: Command) -> None:
    EVERYDAY[name] = command
    for alias in command.aliases:
        EVERYDAY[alias] = command


_command("get-random", Command("get_random", (
    Option("Maximum", "maximum", 0), Option("Minimum", "minimum"), Option("Count", "count"),
    Option("InputObject", "items"), Option("SetSeed", "seed"),
)))  # fmt: skip
_command("select-object", Command("select_object", (
    Option("Property", "properties", 0), Option("First", "first"), Option("Last", "last"),
    Option("Skip", "skip"), Option("ExpandProperty", "expand"), Option("Unique", "unique", switch=True),
    Option("InputObject", "items"),
), aliases=("select",)))  # fmt: skip
_command("sort-object", Command("sort_object", (
    Option("Property", "properties", 0), Option("Descending", "descending", switch=True),
    Option("Unique", "unique", switch=True), Option("CaseSensitive", "case_sensitive", switch=True),
    Option("InputObject", "items"),
), aliases=("sort",)))  # fmt: skip
_command("measure-object", Command("measure_object", (
    Option("Property", "property", 0), Option("Sum", "sum", switch=True),
    Option("Average", "average", switch=True), Option("Maximum", "maximum", switch=True),
    Option("Minimum", "minimum", switch=True), Option("InputObject", "items"),
), aliases=("measure",)))  # fmt: skip
_command("get-member", Command("get_member", (
    Option("Name", "name", 0), Option("InputObject", "items"),
), aliases=("gm",)))  # fmt: skip
_command("invoke-restmethod", Command("invoke_rest_method", (
    Option("Uri", "uri", 0), Option("Method", "method"), Option("Body", "body"),
    Option("Headers", "headers"), Option("ContentType", "content_type"), Option("TimeoutSec", "timeout"),
), piped="body", aliases=("irm",)))  # fmt: skip


def bind(command: Command, children: list[Any]) -> dict[str, Any]:
    """The keyword each argument of a command line binds to: ``{keyword: argument node}`` (None
    for a switch given bare). A ValueError says what does not bind. The runner evaluates the
    nodes, the translator writes them: one binding for both back ends."""
    from .semantics import split_arguments

    arguments = split_arguments(children, lambda given: getattr(command.option(given), "switch", False))
    bound: dict[str, Any] = {}
    for index, argument in enumerate(arguments.positional):
        option = command.positional(index)
        if option is None:
            raise ValueError(f"it takes no argument {index + 1} by position")
        bound[option.python] = argument
    for given, value in arguments.named:
        option = command.option(given)
        if option is None:
            names = ", ".join(f"-{o.name}" for o in command.options)
            raise ValueError(f"-{given} is not one of its parameters (or is ambiguous); it takes {names}")
        bound[option.python] = value
    return bound


# --- the commands -----------------------------------------------------------------------------------


def _items(value: Any) -> list[Any]:
    from .semantics import items

    return items(value)


def _member(value: Any, name: str) -> Any:
    from .semantics import member

    return member(value, name)


def _names(value: Any) -> list[str]:
    return [str(unwrap(v)) for v in _items(value)]


def _sort_key(value: Any, case_sensitive: bool = False) -> tuple[int, Any]:
    """PowerShell's order: $null first, numbers by value, everything else as text (any case)."""
    plain = unwrap(value)
    if plain is None:
        return (0, 0)
    if isinstance(plain, bool):
        return (1, int(plain))
    if isinstance(plain, (int, float)):
        return (1, plain)
    text = str(plain)
    return (2, text if case_sensitive else text.casefold())


def get_random(
    maximum: Any = None, minimum: Any = None, count: Any = None, items: Any = None, seed: Any = None
) -> Any:
    """``Get-Random``: a whole number from ``minimum`` (0) up to, not including, ``maximum``
    (2,147,483,647); with ``items``, one of them (``count``: that many, none twice)."""
    draw = random.Random(int(unwrap(seed))) if seed is not None else random
    if items is not None:
        pool = _items(items)
        if count is None:
            return draw.choice(pool) if pool else None
        return draw.sample(pool, min(int(unwrap(count)), len(pool)))
    low = int(unwrap(minimum)) if minimum is not None else 0
    high = int(unwrap(maximum)) if maximum is not None else 2**31 - 1
    if high <= low:
        raise ValueError(f"Get-Random: the maximum ({high}) must be greater than the minimum ({low})")
    return draw.randrange(low, high)


def select_object(
    items: Any = None,
    properties: Any = None,
    first: Any = None,
    last: Any = None,
    skip: Any = None,
    expand: Any = None,
    unique: bool = False,
) -> list[Any]:
    """``Select-Object``: ``-Skip`` (from the end with ``-Last``), ``-First``, ``-Last`` of the
    items, then ``-Property`` (new
    objects with those members only, missing ones $null) or ``-ExpandProperty`` (the member's
    value, arrays unrolled); ``-Unique`` drops repeats."""
    chosen = _items(items)
    if skip is not None:  # from the start, or from the end when -Last is given
        skipped = int(unwrap(skip))
        if last is not None:
            chosen = chosen[: len(chosen) - skipped] if skipped else chosen
        else:
            chosen = chosen[skipped:]
    if first is not None:
        chosen = chosen[: int(unwrap(first))]
    if last is not None:
        count = int(unwrap(last))
        chosen = chosen[-count:] if count else []
    if expand is not None:
        chosen = [v for item in chosen for v in _items(_member(item, str(unwrap(expand))))]
    elif properties is not None:
        names = _names(properties)
        chosen = [PSObject(Hashtable((name, _member(item, name)) for name in names)) for item in chosen]
    if unique:
        seen: list[Any] = []
        for item in chosen:
            if not any(_same(item, other) for other in seen):
                seen.append(item)
        chosen = seen
    return chosen


def _same(a: Any, b: Any) -> bool:
    left, right = unwrap(a), unwrap(b)
    if isinstance(left, str) and isinstance(right, str):
        return left == right  # Select-Object -Unique compares text case-sensitively
    return bool(left == right)


def sort_object(
    items: Any = None,
    properties: Any = None,
    descending: bool = False,
    unique: bool = False,
    case_sensitive: bool = False,
) -> list[Any]:
    """``Sort-Object``: by the items themselves or by ``-Property`` members, text in any case
    (``-CaseSensitive``: not), $null first; stable; ``-Unique`` keeps the first of each."""
    chosen = _items(items)
    names = _names(properties) if properties is not None else []

    def key(item: Any) -> tuple[Any, ...]:
        values = [_member(item, name) for name in names] if names else [item]
        return tuple(_sort_key(v, case_sensitive) for v in values)

    ordered = sorted(chosen, key=key, reverse=bool(descending))
    if unique:
        kept: list[Any] = []
        keys: set[Any] = set()
        for item in ordered:
            if key(item) not in keys:
                keys.add(key(item))
                kept.append(item)
        ordered = kept
    return ordered


def measure_object(
    items: Any = None,
    property: Any = None,
    sum: bool = False,
    average: bool = False,
    maximum: bool = False,
    minimum: bool = False,
) -> PSObject:
    """``Measure-Object``: ``Count`` always; ``Sum``, ``Average``, ``Maximum``, ``Minimum`` when
    asked (else $null), of the items or of their ``-Property``; $null values are not counted."""
    values = _items(items)
    name = str(unwrap(property)) if property is not None else None
    if name is not None:
        values = [_member(v, name) for v in values]
    present = [unwrap(v) for v in values if unwrap(v) is not None]
    numbers = [v if isinstance(v, (int, float)) else float(v) for v in present] if sum or average else []
    total = builtins_sum(numbers) if sum or average else None
    mean = total / len(numbers) if average and numbers and total is not None else None
    result = Hashtable(
        Count=len(present),
        Average=mean,
        Sum=total if sum else None,
        Maximum=max(present, key=_sort_key) if maximum and present else None,
        Minimum=min(present, key=_sort_key) if minimum and present else None,
        Property=name,
    )
    return PSObject(result)


builtins_sum = sum  # measure_object's parameter is called sum, as PowerShell's switch


def get_member(items: Any = None, name: Any = None) -> list[PSObject]:
    """``Get-Member``: the members of each kind of object piped in, once per kind, by name:
    ``Name``, ``MemberType`` (Property, NoteProperty for a hashtable's keys, Method), ``TypeName``.
    ``name``: one or more names, wildcards allowed (``gm /*``), in any case."""
    wanted = [str(unwrap(n)).casefold() for n in _items(name)] if name is not None else None
    found: list[PSObject] = []
    kinds: set[Any] = set()
    for item in _items(items):
        plain = unwrap(item)
        kind = type(plain)
        if kind in kinds:
            continue
        kinds.add(kind)
        members: list[tuple[str, str]] = []
        if isinstance(plain, (Hashtable, dict)):
            members = [(str(k), "NoteProperty") for k in plain]
        elif dataclasses.is_dataclass(plain):
            members = [(f.name, "Property") for f in dataclasses.fields(plain) if f.repr]
        members += [
            (n, "Method")
            for n in dir(plain)
            if not n.startswith("_") and callable(getattr(plain, n, None)) and not isinstance(plain, dict)
        ]
        for member_name, member_type in sorted(members, key=lambda m: m[0].casefold()):
            if wanted is None or any(fnmatch.fnmatchcase(member_name.casefold(), w) for w in wanted):
                found.append(
                    PSObject(Hashtable(Name=member_name, MemberType=member_type, TypeName=kind.__name__))
                )
    return found


def invoke_rest_method(
    uri: Any,
    method: Any = "GET",
    body: Any = None,
    headers: Any = None,
    content_type: Any = None,
    timeout: Any = 30,
) -> Any:
    """``Invoke-RestMethod``: a JSON answer as hashtables (an array as its items), else its text.
    No token is added: only the ``headers`` given are sent. A hashtable ``body`` is sent as a
    form for GET-less methods unless ``content_type`` says JSON; an HTTP error raises."""
    import requests

    from .semantics import from_json, to_json

    sent_headers = {str(k): str(unwrap(v)) for k, v in (unwrap(headers) or {}).items()}
    payload = unwrap(body)
    kind = str(unwrap(content_type) or "")
    data: Any = payload
    if isinstance(payload, (Hashtable, dict)):
        data = to_json(payload, depth=10, compress=True) if "json" in kind.lower() else dict(payload.items())
    if kind:
        sent_headers["Content-Type"] = kind
    answer = requests.request(
        str(unwrap(method)).upper(),
        str(unwrap(uri)),
        headers=sent_headers,
        data=data,
        timeout=float(unwrap(timeout)),
    )
    answer.raise_for_status()
    if "json" in answer.headers.get("Content-Type", "") or answer.text[:1] in ("{", "["):
        try:
            return from_json(answer.text)
        except ValueError:
            pass
    return answer.text


def get_help(name: Any) -> str:
    """``Get-Help NAME``: the help of a ported cmdlet or of a proxy function, as text."""
    return inspect.getdoc(find_command(str(unwrap(name))).function) or ""
