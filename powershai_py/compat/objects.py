"""PowerShell-style objects: ``Hashtable`` (``@{}``), ``PSObject`` views and ``is_type``.

A :class:`PSObject` wraps anything the library returns (or parsed JSON) and lets a migrating
script read it with the names it knows: ``$s.AppUrl``, ``$e.LastQueryStatus``,
``$s.ApiCalls.AllEvents``, ``$s.options.MaxCalls``, ``$r.data[0].url``, ``$err.ErrorName``.
Names are matched in any case, with or without underscores; writes reach the wrapped object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from powershai_py.errors import PowershaiError
from powershai_py.gradio.protocol.models import (
    GradioApiEvent,
    GradioApiEventResult,
    GradioInfo,
    GradioSession,
    SessionApiEvent,
)
from powershai_py.gradio.proxies.proxy import is_proxy
from powershai_py.hub import HuggingFaceSpace

__all__ = ["Hashtable", "PSObject", "is_type", "unwrap", "wrap", "TYPE_NAMES"]

# PowerShell names that are not their snake_case field with the underscores removed.
_ALIASES = {"errorname": "code"}

TYPE_NAMES: dict[str, Any] = {
    "gradiosession": GradioSession,
    "gradioapievent": GradioApiEvent,
    "gradioapieventresult": GradioApiEventResult,
    "sessionapievent": SessionApiEvent,
    "huggingfacespace": HuggingFaceSpace,
    "gradioinfo": GradioInfo,
}


def _fold(name: str) -> str:
    return name.replace("_", "").casefold()


class Hashtable(MutableMapping[str, Any]):
    """An ordered dict whose keys ignore case, as PowerShell's ``@{}``; the first spelling is kept."""

    def __init__(
        self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None, **more: Any
    ) -> None:
        self._data: dict[Any, tuple[Any, Any]] = {}
        self.update(items or {}, **more)

    @staticmethod
    def _key(key: Any) -> Any:
        return key.casefold() if isinstance(key, str) else key

    def __getitem__(self, key: Any) -> Any:
        return self._data[self._key(key)][1]

    def __setitem__(self, key: Any, value: Any) -> None:
        folded = self._key(key)
        original = self._data[folded][0] if folded in self._data else key
        self._data[folded] = (original, value)

    def __delitem__(self, key: Any) -> None:
        del self._data[self._key(key)]

    def __iter__(self) -> Iterator[Any]:
        return (original for original, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return self._key(key) in self._data

    def __repr__(self) -> str:
        return f"Hashtable({dict(self.items())!r})"

    def to_dict(self) -> dict[Any, Any]:
        """A plain dict with the keys as first written (values unwrapped)."""
        return {key: unwrap(value) for key, value in self.items()}


def _find(obj: Any, name: str) -> tuple[str, Any] | None:
    """(kind, key) of the member ``name`` of ``obj``: ("item", key) or ("attr", attribute)."""
    folded = _fold(name)
    if isinstance(obj, Mapping):
        for key in obj:
            if isinstance(key, str) and _fold(key) == folded:
                return ("item", key)
        return None
    target = _ALIASES.get(folded) or _ALIASES.get(name)
    if target and hasattr(obj, target):
        return ("attr", target)
    candidates: list[str] = []
    if dataclasses.is_dataclass(obj):
        candidates += [f.name for f in dataclasses.fields(obj)]
    candidates += [n for n in dir(type(obj)) if not n.startswith("_")]
    candidates += [n for n in getattr(obj, "__dict__", {}) if not n.startswith("_")]
    if isinstance(obj, PowershaiError):
        candidates += ["code", "message", *obj.facts]
    for candidate in candidates:
        if _fold(candidate) == folded:
            return ("attr", candidate)
    return None


def wrap(value: Any) -> Any:
    """A PSObject view of ``value``, or ``value`` itself for plain values (numbers, strings, None)."""
    if value is None or isinstance(value, (str, bytes, int, float, bool, PSObject, list, tuple)):
        return value
    return PSObject(value)


def unwrap(value: Any) -> Any:
    """The plain object behind views: PSObjects unwrapped, Hashtables made dicts, lists walked."""
    if isinstance(value, PSObject):
        return unwrap(object.__getattribute__(value, "_target"))
    if isinstance(value, Hashtable):
        return value.to_dict()
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    if isinstance(value, tuple):
        return [unwrap(item) for item in value]
    return value


class PSObject:
    """A view of an object with PowerShell member access (any case, PowerShell names)."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", unwrap(target) if isinstance(target, PSObject) else target)

    def member(self, name: str) -> Any:
        """The member ``name`` (PowerShell's ``.Name``); None when there is none, as in PowerShell."""
        target = object.__getattribute__(self, "_target")
        if name.casefold() in ("count", "length") and isinstance(target, (list, tuple, Mapping)):
            return len(target)
        if isinstance(target, HuggingFaceSpace) and name.casefold() == "control":
            return PSObject({"GradioSession": target.gradio_session})  # the original's control note
        found = _find(target, name)
        if found is None:
            return None
        kind, key = found
        value = target[key] if kind == "item" else getattr(target, key)
        if isinstance(value, list):
            return [wrap(item) for item in value]
        return wrap(value)

    def set_member(self, name: str, value: Any) -> None:
        """Write the member ``name`` (the existing spelling is kept)."""
        target = object.__getattribute__(self, "_target")
        found = _find(target, name)
        plain = unwrap(value)
        if isinstance(target, MutableMapping):
            target[found[1] if found else name] = plain
        else:
            setattr(target, found[1] if found else name, plain)

    def __getattr__(self, name: str) -> Any:
        return self.member(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.set_member(name, value)

    def __getitem__(self, key: Any) -> Any:
        target = object.__getattribute__(self, "_target")
        if isinstance(key, str):
            return self.member(key)
        return wrap(target[key])

    def __iter__(self) -> Iterator[Any]:
        target = object.__getattribute__(self, "_target")
        return (wrap(item) for item in target)

    def __eq__(self, other: object) -> bool:
        return unwrap(self) == unwrap(other)

    def __hash__(self) -> int:
        return hash(id(object.__getattribute__(self, "_target")))

    def __str__(self) -> str:
        return str(object.__getattribute__(self, "_target"))

    def __repr__(self) -> str:
        return f"PSObject({object.__getattribute__(self, '_target')!r})"


def is_type(obj: Any, type_name: str) -> bool:
    """PowerShell's IsType: ``is_type(s, "GradioSession")`` (``PowershaiType:`` prefixes accepted)."""
    plain = unwrap(obj)
    name = type_name.split(":")[-1].casefold()
    if name == "gradioproxyfunction":
        return is_proxy(plain)
    kind = TYPE_NAMES.get(name)
    return kind is not None and isinstance(plain, kind)
