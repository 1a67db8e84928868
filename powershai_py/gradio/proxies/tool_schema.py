"""An endpoint described as a tool for AI agents: a name and a JSON Schema of its arguments (pure).

The Model Context Protocol (and other tool-calling APIs) describes a tool by a name and the
JSON Schema (draft 2020-12) of an object of named arguments. Gradio's ``/info`` gives, per
parameter, a ``type`` that is nearly such a schema; what it serves is made valid here:

* a ``type`` keyword that is not a type name (``/json``'s ``"type": {}``) is dropped, so
  "any JSON" stays any JSON instead of an invalid schema;
* ``$defs`` inside a parameter (FileData's ``FileDataMeta``) move to the root, where the
  ``$ref``s point (``#/$defs/...``); two different definitions of one name keep both;
* wherever a file goes (Gradio's FileData or ImageData, alone, in a list or inside a value),
  a string goes too: a local path or a URL, uploaded when the tool is called, as for any
  call of this library;
* the label is the title; the label, Python type and Gradio's own description the
  description; a default the default; a parameter without one is required; a Slider's
  range (from ``/config``, given as ``bounds``) the ``minimum`` and ``maximum``; an
  argument that is not a parameter is refused (``additionalProperties: false``).

Only what is shown is forgiven: a parameter list that is not a list is a ``ValueError``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["input_schema", "tool_name", "clean_schema", "FILE_OR_PATH"]

# A string where a file is taken: the library uploads a local path and passes a URL on.
FILE_OR_PATH = {"type": "string", "description": "a local file path or a URL (uploaded for you)"}
_TYPE_NAMES = {"string", "number", "integer", "boolean", "object", "array", "null"}
_ONE_SCHEMA = {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"}


def clean_schema(value: Any, defs: dict[str, Any]) -> Any:
    """``value`` made a valid JSON Schema: invalid ``type`` keywords dropped, ``$defs`` moved
    into ``defs`` (renamed when a different definition already has the name)."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        return {}  # a schema Gradio got wrong accepts anything rather than refusing everything
    out: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    inner = value.get("$defs")
    for name, definition in inner.items() if isinstance(inner, dict) else []:
        cleaned = clean_schema(definition, defs)
        final = name
        while final in defs and defs[final] != cleaned:
            final += "_"
        defs[final] = cleaned
        if final != name:
            renamed[name] = final
    for key, item in value.items():
        if key == "$defs":
            continue
        if key == "type" and not _is_type(item):
            continue
        if key in ("properties", "patternProperties", "$defs") and isinstance(item, dict):
            out[key] = {k: clean_schema(v, defs) for k, v in item.items()}
        elif key in _ONE_SCHEMA:
            out[key] = clean_schema(item, defs)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(item, list):
            out[key] = [clean_schema(v, defs) for v in item]
        elif not _keeps(key, item):
            continue  # a keyword with a value JSON Schema refuses: dropped, the rest kept
        else:
            out[key] = copy.deepcopy(item)
    if renamed and "$ref" in out:
        for old, new in renamed.items():
            if out["$ref"] == f"#/$defs/{old}":
                out["$ref"] = f"#/$defs/{new}"
    reference = str(out.get("$ref")) if isinstance(out.get("$ref"), str) else ""
    if "$ref" in out and not (reference.startswith("#/$defs/") and reference[8:] in defs):
        out.pop("$ref")  # a reference to somewhere we do not have
    if _is_file(out):  # where a file goes, a path or URL goes too: the library uploads it
        return {"anyOf": [FILE_OR_PATH, out]}
    return out


def _is_file(schema: dict[str, Any]) -> bool:
    """Gradio's FileData (or ImageData) object schema: a ``path`` and a ``meta`` or ``url``."""
    properties = schema.get("properties")
    if not isinstance(properties, dict) or "path" not in properties:
        return False
    return schema.get("title") in ("FileData", "ImageData") or "meta" in properties or "url" in properties


# What the value of each keyword must be (draft 2020-12); keywords not listed are kept as they are.
_TEXT = {"title", "description", "format", "pattern", "$comment", "$id", "$anchor", "$schema",
         "contentMediaType", "contentEncoding"}  # fmt: skip
_NUMBER = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_COUNT = {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains",
          "maxContains"}  # fmt: skip
_FLAG = {"uniqueItems", "readOnly", "writeOnly", "deprecated"}


def _keeps(key: str, item: Any) -> bool:
    """Whether a keyword's value is one JSON Schema accepts (Gradio gets some wrong)."""
    if key in ("anyOf", "oneOf", "allOf", "prefixItems", "enum", "examples"):
        return isinstance(item, list) and (key in ("enum", "examples") or bool(item))
    if key == "required":
        names = item if isinstance(item, list) else [None]
        return all(isinstance(v, str) for v in names) and len(set(names)) == len(names)
    if key in _TEXT:
        return isinstance(item, str)
    if key in _NUMBER:
        return isinstance(item, (int, float)) and not isinstance(item, bool)
    if key == "multipleOf":
        return isinstance(item, (int, float)) and not isinstance(item, bool) and item > 0
    if key in _COUNT:
        return isinstance(item, int) and not isinstance(item, bool) and item >= 0
    if key in _FLAG:
        return isinstance(item, bool)
    if key in ("properties", "patternProperties", "$defs", "dependentSchemas", "dependentRequired"):
        return isinstance(item, dict)
    return True


def _is_type(value: Any) -> bool:
    if isinstance(value, str):
        return value in _TYPE_NAMES
    names = value if isinstance(value, list) else []
    return bool(names) and all(isinstance(v, str) and v in _TYPE_NAMES for v in names)


def input_schema(parameters: Any, bounds: dict[int, dict[str, float]] | None = None) -> dict[str, Any]:
    """The JSON Schema of an endpoint's arguments, an object keyed by parameter name, from
    the ``parameters`` list of its ``/info`` entry; ``bounds`` (by parameter place, from the
    app's ``/config``: a Slider's range) become ``minimum`` and ``maximum`` of a number."""
    if not isinstance(parameters, list):
        raise ValueError(f"an endpoint's parameters are a list, not {type(parameters).__name__}")
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for number, parameter in enumerate(parameters):
        parameter = parameter if isinstance(parameter, dict) else {}
        name = str(parameter.get("parameter_name") or f"arg{number}")
        schema = clean_schema(parameter.get("type"), defs)
        if isinstance(schema, bool):  # true (anything) or false (nothing): an object that says so
            schema = {} if schema else {"not": {}}
        label = parameter.get("label")
        given = parameter.get("python_type")
        python: dict[str, Any] = given if isinstance(given, dict) else {}
        said = schema.get("description")  # Gradio's own words ("numeric value between 0 and 10")
        words = [w for w in (label, python.get("type"), said) if isinstance(w, str) and w]
        if isinstance(label, str) and label:
            schema["title"] = label
        if words:
            schema["description"] = " · ".join(dict.fromkeys(words))
        if schema.get("type") in ("number", "integer"):
            for key, limit in ((bounds or {}).get(number) or {}).items():
                schema.setdefault(key, limit)
        if parameter.get("parameter_has_default"):
            schema["default"] = copy.deepcopy(parameter.get("parameter_default"))
        else:
            required.append(name)
        properties[name] = schema
    # an argument the endpoint does not take is a mistake to correct, not something to drop
    result: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if defs:
        result["$defs"] = defs
    return result


_NOT_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def tool_name(prefix: str, endpoint: str, taken: set[str] | None = None) -> str:
    """A tool name agents accept (letters, digits, ``_``, ``-``; at most 64 characters) made
    of ``prefix`` and the endpoint's name, unique among ``taken`` (which it joins)."""
    parts = (_NOT_NAME.sub("_", prefix).strip("_"), _NOT_NAME.sub("_", endpoint.lstrip("/")).strip("_"))
    base = ("_".join(part for part in parts if part) or "tool")[:64]
    name, number = base, 1
    while taken is not None and name in taken:
        number += 1
        suffix = f"_{number}"
        name = base[: 64 - len(suffix)] + suffix
    if taken is not None:
        taken.add(name)
    return name
