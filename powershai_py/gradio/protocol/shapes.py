"""Checks of the documents an app serves (``/config``, ``/info``): their shape, field by field.

Pure. A server is not trusted to send the types Gradio documents: a field of the wrong type
is a :class:`ProtocolError` that names the field, found here once, instead of a ``TypeError``
wherever the field is first used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ...errors import ProtocolError, excerpt

__all__ = ["check_config", "component_bounds", "read_info", "readable", "ReadInfo"]

_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _mismatch(where: str, value: Any, types: tuple[type, ...]) -> str | None:
    """What is wrong when ``value`` (at ``where``) is none of ``types``; None when it is one."""
    if isinstance(value, types) and not (isinstance(value, bool) and bool not in types):
        return None
    got = _JSON_NAMES.get(type(value), type(value).__name__)
    return f"{where} is {got} ({excerpt(repr(value), 60)}), expected {_names(types)}"


def _expect(document: str, where: str, value: Any, types: tuple[type, ...], url: str) -> None:
    problem = _mismatch(where, value, types)
    if problem:
        raise ProtocolError(f"{document} of {url} is not what Gradio serves: {problem}", url=url, field=where)


def _names(types: tuple[type, ...]) -> str:
    names = dict.fromkeys(_JSON_NAMES.get(t, t.__name__) for t in types)
    return " or ".join(names)


def check_config(config: dict[str, Any], url: str) -> None:
    """Raise :class:`ProtocolError` unless ``config`` has the shape of a Gradio ``/config`` in
    the fields every call depends on (``version``, ``api_prefix``, the ``components`` and
    ``dependencies`` lists). One entry of those lists with the wrong shape is not checked here:
    :func:`usable_dependencies` and :func:`component_types` leave it out, so it costs at most
    its own endpoint."""
    doc = "/config"
    _expect(doc, "version", config.get("version"), (str, type(None)), url)
    _expect(doc, "api_prefix", config.get("api_prefix"), (str, type(None)), url)
    _expect(doc, "components", config.get("components"), (list, type(None)), url)
    _expect(doc, "dependencies", config.get("dependencies"), (list, type(None)), url)


def component_types(config: dict[str, Any]) -> dict[Any, str]:
    """Component id -> its type, for the components whose id and type are readable (pure)."""
    found: dict[Any, str] = {}
    for component in config.get("components") or []:
        if isinstance(component, dict) and isinstance(component.get("type"), str):
            cid = component.get("id")
            if isinstance(cid, (int, str)) and not isinstance(cid, bool):
                found[cid] = component["type"]
    return found


def _number(value: Any) -> bool:
    """A finite number (JSON's NaN and Infinity, which Python's parser takes, are not bounds)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def component_bounds(config: dict[str, Any]) -> dict[Any, dict[str, float]]:
    """Component id -> the ``minimum``/``maximum`` its props give, for the Slider and Number
    components that name a finite bound (pure). Only shown: a prop of another type is left out."""
    found: dict[Any, dict[str, float]] = {}
    for component in config.get("components") or []:
        if not isinstance(component, dict) or component.get("type") not in ("slider", "number"):
            continue
        props = component.get("props")
        props = props if isinstance(props, dict) else {}
        bounds = {key: props[key] for key in ("minimum", "maximum") if _number(props.get(key))}
        cid = component.get("id")
        if bounds and isinstance(cid, (int, str)) and not isinstance(cid, bool):
            found[cid] = bounds
    return found


def usable_dependencies(config: dict[str, Any]) -> list[tuple[int, str, dict[str, Any] | None]]:
    """``(position, API name, dependency)`` for each dependency of ``config`` in the API (pure).

    A dependency without a readable name is not in the API and is left out. The dependency is
    None when its ``inputs`` or ``id`` have the wrong shape: its name stays callable, without
    what those fields give (the queue's ``fn_index``, the hidden state inputs).
    """
    found: list[tuple[int, str, dict[str, Any] | None]] = []
    for position, dependency in enumerate(config.get("dependencies") or []):
        if not isinstance(dependency, dict):
            continue
        name = dependency.get("api_name")  # false or null for events that are not in the API
        if not isinstance(name, str) or not name.strip("/"):
            continue
        inputs = dependency.get("inputs")
        index = dependency.get("id", position)
        sound = (
            isinstance(inputs, (list, type(None)))
            and all(isinstance(i, (int, str)) and not isinstance(i, bool) for i in inputs or [])
            and isinstance(index, int)
            and not isinstance(index, bool)
        )
        found.append((position, name.lstrip("/"), dependency if sound else None))
    return found


# Fields of a parameter that a call acts on: a wrong type makes that endpoint unusable.
_ACTED_ON: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("parameter_name", (str, type(None))),  # orders a dict of parameters
    ("parameter_has_default", (bool, type(None))),  # whether a missing value may be left out
    ("type", (dict, bool, type(None))),  # the JSON schema: where files are uploaded
)
# Fields only shown (labels, type texts, component names): any JSON is read as a string.
_SHOWN = ("label", "component", "description")
READABLE_LIMIT = 200


def readable(value: Any) -> str | None:
    """A field that is only shown, as a string (pure): a string as it is, a Gradio 6 translation
    object (``{"key": ..., "_type": "translation_metadata"}``, or any object with a text
    ``key``) as its key, None as None, anything
    else as compact JSON, cut to :data:`READABLE_LIMIT` characters."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("key"), str):
        return value["key"]
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return excerpt(text, READABLE_LIMIT)


class Unusable(Exception):
    """An endpoint that cannot be called; the message starts with the field that is wrong."""


def _need(where: str, value: Any, types: tuple[type, ...]) -> None:
    problem = _mismatch(where, value, types)
    if problem:
        raise Unusable(problem)


def _shown_fields(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with its display-only fields made readable strings (a new dict)."""
    clean = dict(item)
    for key in _SHOWN:
        if key in clean:
            clean[key] = readable(clean[key])
    python_type = clean.get("python_type")
    if python_type is not None:
        if isinstance(python_type, dict):
            clean["python_type"] = {
                **python_type,
                "type": readable(python_type.get("type")) or "",
                "description": readable(python_type.get("description")) or "",
            }
        else:
            clean["python_type"] = {"type": readable(python_type) or "", "description": ""}
    return clean


def _read_endpoint(where: str, spec: Any) -> dict[str, Any]:
    """One endpoint's description, display fields made readable; :class:`Unusable` when a call
    could not be made from it."""
    _need(where, spec, (dict,))
    parameters = spec.get("parameters")
    _need(f"{where}.parameters", parameters, (list, type(None)))
    read: list[dict[str, Any]] = []
    for i, item in enumerate(parameters or []):
        _need(f"{where}.parameters[{i}]", item, (dict,))
        for field, types in _ACTED_ON:
            _need(f"{where}.parameters[{i}].{field}", item.get(field), types)
        read.append(_shown_fields(item))
    returns = spec.get("returns")
    # returns are only shown: what a call returns is read from its events, not from here
    shown = [
        _shown_fields(item) if isinstance(item, dict) else {"label": readable(item)}
        for item in (returns if isinstance(returns, list) else [])
    ]
    return {**spec, "parameters": read, "returns": shown}


@dataclass
class ReadInfo:
    """A ``/info`` document as the library uses it (see :func:`read_info`)."""

    named_endpoints: dict[str, Any]
    unnamed_endpoints: dict[str, Any]
    unusable: dict[str, str]  # "/name" -> why it cannot be called (the field named)


def read_info(info: Any, url: str) -> ReadInfo:
    """Read a Gradio ``/info`` document, liberal in what is only shown, strict in what a call
    acts on (pure).

    The document and its two endpoint groups must be objects, or nothing can be called: a
    :class:`ProtocolError` naming the field. An endpoint whose parameter list, parameter names,
    defaults or schemas have the wrong type is set aside in ``unusable`` with the reason; the
    others stay callable. Labels, component names, type texts and unknown fields never stop
    anything: they are made readable strings (:func:`readable`).
    """
    doc = "/info"
    _expect(doc, "the document", info, (dict,), url)
    groups: list[dict[str, Any]] = []
    unusable: dict[str, str] = {}
    for group in ("named_endpoints", "unnamed_endpoints"):
        endpoints = info.get(group)
        _expect(doc, group, endpoints, (dict, type(None)), url)
        usable: dict[str, Any] = {}
        for name, spec in (endpoints or {}).items():
            try:
                usable[name] = _read_endpoint(f"{group}[{name!r}]", spec)
            except Unusable as exc:
                if group == "named_endpoints":  # unnamed ones are never called by name
                    unusable[name] = str(exc)
        groups.append(usable)
    return ReadInfo(named_endpoints=groups[0], unnamed_endpoints=groups[1], unusable=unusable)
