"""What an endpoint parameter is, read from its ``/info`` JSON schema (pure).

A parameter is a *file* when its schema is a FileData (or ImageData) object, *files* when it is
a list of them (``gr.Files``), and *data* otherwise, however the words of its type text read:
a Chatbot history or a MultimodalTextbox value is data that may hold files inside. Inside data,
:func:`map_files` finds every place the schema puts a FileData (resolving ``$ref``, objects,
arrays, tuples and ``anyOf``) so that local paths are uploaded there, and only there.

Shorthands users expect are accepted where the schema allows them: a string for an object whose
one required property is a string (MultimodalTextbox: ``{"text": s, "files": []}``), and a path
for an object whose one required property is a file (a Gallery item: ``{"image": FileData}``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Literal

from .models import is_filedata

__all__ = ["kind_of", "map_files", "python_type", "is_file_schema", "Kind"]

Kind = Literal["file", "files", "data"]
_FILE_TITLES = {"filedata", "imagedata"}


def _resolve(schema: Any, defs: Mapping[str, Any]) -> Any:
    """Follow ``$ref`` (within the parameter's own ``$defs``) until a schema without one."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 20:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name)
        if not isinstance(target, dict):
            return {"title": name}  # an unknown reference: its name is all we know
        schema, seen = target, seen + 1
    return schema


def is_file_schema(schema: Any, defs: Mapping[str, Any] | None = None) -> bool:
    """True for a FileData or ImageData object schema."""
    schema = _resolve(schema, defs or {})
    if not isinstance(schema, dict):
        return False
    if str(schema.get("title", "")).casefold() in _FILE_TITLES:
        return True
    properties = schema.get("properties")
    return (
        isinstance(properties, dict)
        and "path" in properties
        and ("meta" in properties or "url" in properties)
    )


def _defs(schema: dict[str, Any]) -> dict[str, Any]:
    """The parameter's own ``$defs`` (what ``$ref`` points into)."""
    found = schema.get("$defs")
    return found if isinstance(found, dict) else {}


def _branches(schema: dict[str, Any]) -> list[Any]:
    found = schema.get("anyOf") or schema.get("oneOf")
    return found if isinstance(found, list) else []


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def kind_of(schema: Any) -> Kind:
    """``"file"``, ``"files"`` or ``"data"`` for a parameter's schema (its ``type`` in ``/info``)."""
    if not isinstance(schema, dict):
        return "data"
    return _kind(schema, _defs(schema))


def _kind(schema: Any, defs: Mapping[str, Any]) -> Kind:
    schema = _resolve(schema, defs)
    if not isinstance(schema, dict):
        return "data"
    if is_file_schema(schema, defs):
        return "file"
    branches = [b for b in _branches(schema) if not _is_null(b)]
    if len(branches) == 1:
        return _kind(branches[0], defs)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return "files" if is_file_schema(schema["items"], defs) else "data"
    return "data"


def map_files(value: Any, schema: Any, convert: Callable[[Any], Any]) -> Any:
    """``value`` with every item at a FileData position of ``schema`` replaced by ``convert(item)``.

    Returns a new value (the one given is not changed). Shorthands are expanded where the
    schema asks for an object (see the module docstring).
    """
    if not isinstance(schema, dict):
        return value
    return _walk(value, schema, _defs(schema), convert, 0)


def _looks_like_file(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike)) or is_filedata(value) or (
        isinstance(value, dict) and isinstance(value.get("path"), str) and "meta" not in value
        and set(value) <= {"path", "url", "orig_name", "size", "mime_type", "is_stream", "meta"}
    )  # fmt: skip


def _walk(value: Any, schema: Any, defs: Mapping[str, Any], convert: Callable[[Any], Any], depth: int) -> Any:
    schema = _resolve(schema, defs)
    if value is None or not isinstance(schema, dict) or depth > 50:
        return value
    if is_file_schema(schema, defs):
        return convert(value) if _looks_like_file(value) else value
    branches = _branches(schema)
    if branches:
        return _walk_branches(value, branches, defs, convert, depth)
    kind = schema.get("type") if isinstance(schema.get("type"), str) else None
    if kind == "object" or isinstance(schema.get("properties"), dict):
        return _walk_object(value, schema, defs, convert, depth)
    if kind == "array" and isinstance(value, str) and isinstance(schema.get("items"), dict):
        item = _walk(value, schema["items"], defs, convert, depth + 1)
        return [item] if item is not value else value  # "hi" for a list of text parts
    if kind == "array" and isinstance(value, (list, tuple)):
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        out = []
        for position, item in enumerate(value):
            if isinstance(prefix, list) and position < len(prefix):
                out.append(_walk(item, prefix[position], defs, convert, depth + 1))
            elif isinstance(items, dict):
                out.append(_walk(item, items, defs, convert, depth + 1))
            else:
                out.append(item)
        return out
    return value


def _walk_object(
    value: Any, schema: dict[str, Any], defs: Mapping[str, Any], convert: Callable[[Any], Any], depth: int
) -> Any:
    properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
    if not isinstance(value, Mapping):
        value = _shorthand(value, schema, defs)
        if not isinstance(value, Mapping):
            return value
    return {
        key: _walk(item, properties[key], defs, convert, depth + 1) if key in properties else item
        for key, item in value.items()
    }


def _shorthand(value: Any, schema: dict[str, Any], defs: Mapping[str, Any]) -> Any:
    """A string or a path standing for an object of one required property (see the module docstring)."""
    properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
    required = [name for name in schema.get("required") or [] if name in properties]
    if len(required) != 1:
        return value
    name = required[0]
    target = _resolve(properties[name], defs)
    text = isinstance(value, str) and isinstance(target, dict) and target.get("type") == "string"
    if not text and not (_looks_like_file(value) and is_file_schema(target, defs)):
        return value
    expanded: dict[str, Any] = {name: value}
    for other, spec in properties.items():  # lists start empty (MultimodalTextbox files), constants set
        resolved = _resolve(spec, defs)
        if other != name and isinstance(resolved, dict) and resolved.get("type") == "array":
            expanded[other] = []
        elif other != name and isinstance(resolved, dict) and "const" in resolved:
            expanded[other] = resolved["const"]
    return expanded


def _walk_branches(
    value: Any, branches: list[Any], defs: Mapping[str, Any], convert: Callable[[Any], Any], depth: int
) -> Any:
    resolved = [_resolve(b, defs) for b in branches]
    if isinstance(value, Mapping) and not _looks_like_file(value):
        objects = [b for b in resolved if isinstance(b, dict) and isinstance(b.get("properties"), dict)]
        for branch in objects:  # the first object branch whose required keys are all there
            if all(key in value for key in branch.get("required") or []) and not is_file_schema(branch, defs):
                return _walk(value, branch, defs, convert, depth + 1)
        return value
    if _looks_like_file(value):
        for branch in resolved:
            if is_file_schema(branch, defs):
                return convert(value)
        text_allowed = any(isinstance(b, dict) and b.get("type") == "string" for b in resolved)
        if isinstance(value, str) and text_allowed:
            return value  # a plain string is allowed here: it stays text
        for branch in resolved:
            if isinstance(branch, dict) and isinstance(branch.get("properties"), dict):
                expanded = _shorthand(value, branch, defs)
                if expanded is not value:
                    return _walk(expanded, branch, defs, convert, depth + 1)
        return value
    if isinstance(value, (list, tuple)):
        for branch in resolved:
            if isinstance(branch, dict) and branch.get("type") == "array":
                return _walk(value, branch, defs, convert, depth + 1)
    return value


_SCALARS: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}


def python_type(schema: Any) -> Any:
    """A Python annotation for a data schema: str, int, float, bool, Literal[...], list[...], dict."""
    if not isinstance(schema, dict):
        return Any
    return _python_type(schema, _defs(schema), 0)


def _python_type(schema: Any, defs: Mapping[str, Any], depth: int) -> Any:
    schema = _resolve(schema, defs)
    if not isinstance(schema, dict) or depth > 5:
        return Any
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, (str, int, float)) for v in enum):
        return Literal[tuple(enum)]
    branches = [b for b in _branches(schema) if not _is_null(b)]
    if len(branches) == 1:
        return _python_type(branches[0], defs, depth + 1)
    if branches:
        return Any
    kind = schema.get("type")
    if not isinstance(kind, str):
        return Any
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        if not isinstance(schema.get("items"), dict):
            return list
        item = _python_type(schema["items"], defs, depth + 1)
        return list[item]  # type: ignore[valid-type]
    if kind == "object" or isinstance(schema.get("properties"), dict):
        return dict
    return Any
