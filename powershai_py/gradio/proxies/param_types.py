"""Types of endpoint parameters, from their ``/info`` description (pure).

PowerShell equivalent: Convert-GradioParamPowershell, with D-17 fixed: integers are ints,
booleans bools, and arrays lists of their item type. A parameter is a file when its schema is
a FileData (:mod:`.schema`), not when words of its type text say "filepath": a Chatbot history
or a MultimodalTextbox value is data (which may hold files inside, uploaded by the session).
File parameters accept a local path, a ``pathlib.Path``, a URL or a FileData dict;
:func:`coerce` converts a value taken from another app's result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal, Union

from ..protocol.models import is_filedata
from ..protocol.schema import kind_of, python_type

__all__ = [
    "FileInput",
    "ParamType",
    "param_type",
    "gradio_param_type",
    "convert_gradio_param_powershell",
    "coerce",
]

FileInput = Union[str, os.PathLike, dict]  # noqa: UP007 (a runtime object, shown by help())
"""What a file parameter accepts: a local path, a URL, or a FileData dict."""

FILE_COMPONENTS = frozenset(
    {"file", "image", "audio", "video", "model3d", "uploadbutton", "imageeditor", "gallery", "imageslider"}
)
_SCALARS: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}
_PS_NAMES = {str: "string", int: "int", float: "decimal", bool: "bool"}


@dataclass(frozen=True)
class ParamType:
    """How a parameter is typed: ``base`` is str, int, float, bool, a file, or Any.

    ``is_list`` for list parameters (the list of files of a multi-file input included);
    ``choices`` for enums (Dropdown, Radio...).
    """

    base: Any
    is_list: bool = False
    is_file: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def annotation(self) -> Any:
        """The Python annotation of the parameter."""
        item: Any = FileInput if self.is_file else self.base
        if self.choices and not self.is_file:
            item = Literal[self.choices]
        return list[item] if self.is_list else item

    @property
    def powershell(self) -> str:
        """The PowerShell type: string, int, decimal, bool or FileInfo, with ``[]`` for lists."""
        name = "FileInfo" if self.is_file else _PS_NAMES.get(self.base, "object")
        return name + "[]" if self.is_list else name


def param_type(param: dict[str, Any]) -> ParamType:
    """The :class:`ParamType` of one ``/info`` parameter."""
    schema: dict[str, Any] = param["type"] if isinstance(param.get("type"), dict) else {}
    python_text = str((param.get("python_type") or {}).get("type") or "")
    kind = kind_of(schema)
    if not schema and str(param.get("component") or "").casefold() in FILE_COMPONENTS:
        kind = "file"  # no schema at all (a very old server): the component is all there is
    if kind == "file":
        return ParamType(base=FileInput, is_file=True)
    if kind == "files":
        return ParamType(base=FileInput, is_list=True, is_file=True)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        inner = _scalar(schema["items"], "")
        if inner.base is not Any or inner.choices:
            return ParamType(base=inner.base, is_list=True, choices=inner.choices)
        return ParamType(base=python_type(schema))
    kind_name = schema.get("type")
    if (isinstance(kind_name, str) and kind_name in _SCALARS) or isinstance(schema.get("enum"), list):
        return _scalar(schema, python_text)
    return ParamType(base=python_type(schema))


def _scalar(schema: dict[str, Any], python_type: str) -> ParamType:
    kind = schema.get("type")
    base: Any = _SCALARS.get(kind, Any) if isinstance(kind, str) else Any
    if base is float and python_type == "int":
        base = int  # Gradio 4 says "number" for Number(precision=0) but python_type "int"
    enum = schema.get("enum")
    choices: tuple[Any, ...] = ()
    if isinstance(enum, list) and all(isinstance(v, (str, int, float)) for v in enum):
        choices = tuple(enum)
    return ParamType(base=base, choices=choices)


def gradio_param_type(param: dict[str, Any]) -> Any:
    """The Python annotation for a ``/info`` parameter (the Python twin of the PowerShell converter)."""
    return param_type(param).annotation


def convert_gradio_param_powershell(param: dict[str, Any], value: Any = None) -> str:
    """The PowerShell type name for a ``/info`` parameter (``value`` is unused, as in the original).

    PowerShell equivalent: ``Convert-GradioParamPowershell -Param P``.
    """
    return param_type(param).powershell


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def coerce(value: Any, kind: ParamType) -> Any:
    """Convert ``value`` to the parameter's type; raise ValueError when it cannot be done.

    None stays None. A list parameter takes a list (each item converted) or one value
    (made a one-item list).
    """
    if value is None:
        return None
    if kind.is_list:
        items = value if isinstance(value, (list, tuple)) else [value]
        one = ParamType(kind.base, is_file=kind.is_file, choices=kind.choices)
        return [coerce(item, one) for item in items]
    if kind.is_file:
        if isinstance(value, (str, os.PathLike)) or is_filedata(value):
            return value
        raise ValueError(f"{type(value).__name__} is not a file: give a path, a URL or a FileData")
    if kind.base is str:
        return value if isinstance(value, str) else str(value)
    if kind.base is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not a boolean")
    if kind.base is int:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a whole number")
        number = float(value) if not isinstance(value, int) else value
        if number != int(number):
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    if kind.base is float:
        if isinstance(value, bool):
            raise ValueError("a boolean is not a number")
        return float(value)
    return value
