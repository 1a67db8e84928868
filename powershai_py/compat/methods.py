"""What scripts do to values besides comparing them: call their methods (``.ToUpper()``,
``.GetType()``...), set the environment (``$env:NAME = value``) and ``throw``.

Used by :mod:`.runner` and by the Python :mod:`.translator` writes (``compat.get_type``,
``compat.set_env``, ``compat.throw``), so both back ends mean the same.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from .names import member_name
from .objects import Hashtable, PSObject, unwrap, wrap
from .semantics import interpolate

__all__ = ["ScriptError", "TypeName", "call_method", "get_type", "set_env", "throw"]


_TYPE_NAMES = {bool: "Boolean", int: "Int32", float: "Double", str: "String", list: "Object[]",
               tuple: "Object[]", dict: "Hashtable", Hashtable: "Hashtable"}  # fmt: skip


def get_type(value: Any) -> PSObject:
    """``$value.GetType()``: its ``Name`` and ``FullName`` as PowerShell names them (``String``,
    ``Int32``, ``DateTime``, ``Object[]``...); another Python class by its own name."""
    plain = unwrap(value)
    if isinstance(plain, datetime.datetime):
        name = "DateTime"
    else:
        name = next((n for k, n in _TYPE_NAMES.items() if type(plain) is k), type(plain).__name__)
    full = f"System.{name}" if name in (*_TYPE_NAMES.values(), "DateTime") else type(plain).__qualname__
    return PSObject(Hashtable(Name=name, FullName=full))


class ScriptError(Exception):
    """What a script's ``throw`` raises; its message is the thrown value as text."""


class TypeName(str):
    """A type literal of a script (``[string]``), by its name: ``Should -BeOfType`` reads it."""


def throw(value: Any = None) -> ScriptError:
    """The error ``throw value`` raises (``throw`` alone: ``ScriptHalted``, as in PowerShell)."""
    return ScriptError(interpolate(value) if value is not None else "ScriptHalted")


def call_method(value: Any, name: str, arguments: list[Any]) -> Any:
    """``$value.Name(arguments)``: the string methods scripts use (``ToUpper``, ``Split``,
    ``Substring``...), ``GetType()``, else the Python method of that name in snake_case.
    Raises LookupError when there is none."""
    text = str(value)
    methods = {
        "tostring": lambda: interpolate(value),
        "toupper": lambda: text.upper(),
        "tolower": lambda: text.lower(),
        "trim": lambda: text.strip(*arguments),
        "split": lambda: text.split(*arguments) if arguments else text.split(),
        "replace": lambda: text.replace(str(arguments[0]), str(arguments[1])),
        "contains": lambda: str(arguments[0]) in text,
        "startswith": lambda: text.startswith(str(arguments[0])),
        "endswith": lambda: text.endswith(str(arguments[0])),
        "substring": lambda: text[int(arguments[0]) :][: int(arguments[1])] if len(arguments) > 1
        else text[int(arguments[0]) :],
    }  # fmt: skip
    folded = name.casefold()
    if folded == "gettype" and not arguments:
        return get_type(value)
    if folded in methods and (isinstance(value, str) or folded == "tostring"):
        return methods[folded]()
    target = getattr(value, member_name(name), None)
    if callable(target):
        return wrap(target(*arguments))
    raise LookupError(name)


def set_env(name: str, value: Any) -> None:
    """``$env:NAME = value``: set an environment variable; ``$null`` or ``""`` removes it."""
    value = unwrap(value)
    if value is None or value == "":
        for key in [key for key in os.environ if key.casefold() == name.casefold()]:
            del os.environ[key]
    else:
        os.environ[name] = interpolate(value)
