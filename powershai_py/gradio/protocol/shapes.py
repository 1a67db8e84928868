"""Checks of the documents an app serves (``/config``, ``/info``): their shape, field by field.

Pure. A server is not trusted to send the types Gradio documents: a field of the wrong type
is a :class:`ProtocolError` that names the field, found here once, instead of a ``TypeError``
wherever the field is first used.
"""

from __future__ import annotations

from typing import Any

from ...errors import ProtocolError, excerpt

__all__ = ["check_config", "check_info"]

_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _wrong(document: str, where: str, value: Any, expected: str, url: str) -> ProtocolError:
    got = _JSON_NAMES.get(type(value), type(value).__name__)
    return ProtocolError(
        f"{document} of {url} is not what Gradio serves: {where} is {got} "
        f"({excerpt(repr(value), 60)}), expected {expected}",
        url=url,
        field=where,
    )


def _expect(document: str, where: str, value: Any, types: tuple[type, ...], url: str) -> None:
    if isinstance(value, bool) and bool not in types:
        raise _wrong(document, where, value, _names(types), url)
    if not isinstance(value, types):
        raise _wrong(document, where, value, _names(types), url)


def _names(types: tuple[type, ...]) -> str:
    names = dict.fromkeys(_JSON_NAMES.get(t, t.__name__) for t in types)
    return " or ".join(names)


def check_config(config: dict[str, Any], url: str) -> None:
    """Raise :class:`ProtocolError` unless ``config`` has the shape of a Gradio ``/config``
    in the fields this library reads (``version``, ``api_prefix``, ``components``,
    ``dependencies`` with their ``api_name`` and ``inputs``)."""
    doc = "/config"
    _expect(doc, "version", config.get("version"), (str, type(None)), url)
    _expect(doc, "api_prefix", config.get("api_prefix"), (str, type(None)), url)
    components = config.get("components")
    _expect(doc, "components", components, (list, type(None)), url)
    for i, component in enumerate(components or []):
        _expect(doc, f"components[{i}]", component, (dict,), url)
        _expect(doc, f"components[{i}].type", component.get("type"), (str, type(None)), url)
        _expect(doc, f"components[{i}].id", component.get("id"), (int, str, type(None)), url)
    dependencies = config.get("dependencies")
    _expect(doc, "dependencies", dependencies, (list, type(None)), url)
    for i, dependency in enumerate(dependencies or []):
        _expect(doc, f"dependencies[{i}]", dependency, (dict,), url)
        # api_name is false (or null) for events that are not in the API
        _expect(doc, f"dependencies[{i}].api_name", dependency.get("api_name"), (str, bool, type(None)), url)
        inputs = dependency.get("inputs")
        _expect(doc, f"dependencies[{i}].inputs", inputs, (list, type(None)), url)
        for j, item in enumerate(inputs or []):
            _expect(doc, f"dependencies[{i}].inputs[{j}]", item, (int, str), url)


_PARAMETER_FIELDS: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("label", (str, type(None))),
    ("parameter_name", (str, type(None))),
    ("parameter_has_default", (bool, type(None))),
    ("component", (str, type(None))),
    ("python_type", (dict, type(None))),
    ("type", (dict, bool, type(None))),
)


def check_info(info: Any, url: str) -> None:
    """Raise :class:`ProtocolError` unless ``info`` has the shape of a Gradio ``/info``: two
    objects of endpoints, each with lists of ``parameters`` and ``returns`` whose fields have
    the documented types."""
    doc = "/info"
    _expect(doc, "the document", info, (dict,), url)
    for group in ("named_endpoints", "unnamed_endpoints"):
        endpoints = info.get(group)
        _expect(doc, group, endpoints, (dict, type(None)), url)
        for name, spec in (endpoints or {}).items():
            where = f"{group}[{name!r}]"
            _expect(doc, where, spec, (dict,), url)
            for part in ("parameters", "returns"):
                items = spec.get(part)
                _expect(doc, f"{where}.{part}", items, (list, type(None)), url)
                for i, item in enumerate(items or []):
                    _expect(doc, f"{where}.{part}[{i}]", item, (dict,), url)
                    for field, types in _PARAMETER_FIELDS:
                        _expect(doc, f"{where}.{part}[{i}].{field}", item.get(field), types, url)
                    python_type = item.get("python_type") or {}
                    _expect(
                        doc,
                        f"{where}.{part}[{i}].python_type.type",
                        python_type.get("type"),
                        (str, type(None)),
                        url,
                    )
