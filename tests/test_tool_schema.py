"""Endpoints as tools for agents (issue 28, first part): the JSON Schema of their arguments.

Checked against every /info document recorded from real Gradio 4.44, 5.50 and 6.31 servers
(every component, and the odd shapes), with jsonschema as the judge: each schema is valid
draft 2020-12, Gradio's own example input validates against it, and a file parameter also
takes a path. Gradio serves some invalid schemas (``/json``'s ``"type": {}``) and ``$ref``s
whose ``$defs`` sit inside the parameter: both are handled. Hypothesis then spoils the
recorded schemas; the result is always a valid schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powershai_py.gradio.proxies.tool_schema import input_schema, tool_name

DATA = Path(__file__).parent / "data"
DOCUMENTS = sorted(DATA.glob("*-info-*.json"))


def endpoints():
    for path in DOCUMENTS:
        for name, spec in json.loads(path.read_text())["named_endpoints"].items():
            yield pytest.param(spec, id=f"{path.stem}:{name}")


def test_the_recorded_documents_are_there():
    assert len(DOCUMENTS) >= 6 and len(list(endpoints())) >= 100


@pytest.mark.parametrize("spec", list(endpoints()))
def test_every_recorded_endpoint_gives_a_valid_schema_that_takes_gradios_example(spec):
    schema = input_schema(spec["parameters"])
    jsonschema.Draft202012Validator.check_schema(schema)
    example = {p["parameter_name"]: p["example_input"] for p in spec["parameters"] if "example_input" in p}
    jsonschema.Draft202012Validator(schema).validate(example)
    assert set(schema["required"]) == {
        p["parameter_name"] for p in spec["parameters"] if not p.get("parameter_has_default")
    }
    for parameter in spec["parameters"]:  # where a file goes, a path or URL will do
        kind = str((parameter.get("python_type") or {}).get("type")).lower()
        path = {"filepath": "/tmp/picture.png", "list[filepath]": ["/tmp/a.png", "https://x.org/b.png"]}.get(kind)
        if path is not None:
            jsonschema.Draft202012Validator(schema).validate({**example, parameter["parameter_name"]: path})


def test_what_gradio_gets_wrong_is_made_valid_and_what_it_says_is_kept():
    recorded = json.loads((DATA / "components-info-6.31.0.json").read_text())["named_endpoints"]
    any_json = input_schema(recorded["/json"]["parameters"])["properties"]["value"]
    assert "type" not in any_json and any_json["title"] == "Data"  # any JSON, its label kept
    jsonschema.Draft202012Validator(any_json).validate({"a": [1, None]})
    choice = input_schema(recorded["/dropdown"]["parameters"])["properties"]["value"]
    assert choice["enum"] == ["one", "two"] and choice["default"] == "one" and choice["title"] == "Pick"
    audio = input_schema(recorded["/audio"]["parameters"])
    assert "FileDataMeta" in audio["$defs"] and '"$defs":' not in json.dumps(audio["properties"])


def test_two_definitions_of_one_name_are_both_kept():
    first = {"$defs": {"Meta": {"type": "string"}}, "$ref": "#/$defs/Meta"}
    second = {"$defs": {"Meta": {"type": "integer"}}, "$ref": "#/$defs/Meta"}
    schema = input_schema([{"parameter_name": "a", "type": first}, {"parameter_name": "b", "type": second}])
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate({"a": "text", "b": 3})
    assert not validator.is_valid({"a": "text", "b": "three"})


JUNK = st.one_of(
    st.just({}), st.just({"type": {}}), st.just({"type": "text"}), st.integers(), st.text(max_size=3),
    st.just({"anyOf": "x"}), st.just({"required": [1]}), st.just({"$ref": "elsewhere"}),
    st.just({"enum": "a"}), st.none(), st.just({"title": {}, "minimum": "1", "maxItems": -1}),
)  # fmt: skip


def _spoil(value, path: list[int], junk):
    """``value`` with the node that ``path`` leads to replaced by ``junk``."""
    if not path or not isinstance(value, (dict, list)) or not value:
        return junk
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    copied = dict(value) if isinstance(value, dict) else list(value)
    copied[key] = _spoil(copied[key], path[1:], junk)
    return copied


ALL_PARAMETERS = [p for spec in (s.values[0] for s in endpoints()) for p in spec["parameters"]]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALL_PARAMETERS), st.lists(st.integers(0, 50), max_size=6), JUNK)
def test_a_spoiled_recorded_schema_still_gives_a_valid_schema(parameter, path, junk):
    spoiled = {**parameter, "type": _spoil(parameter.get("type"), path, junk)}
    jsonschema.Draft202012Validator.check_schema(input_schema([spoiled]))


def test_a_parameter_list_that_is_not_a_list_is_refused():
    with pytest.raises(ValueError, match="parameters are a list"):
        input_schema({"value": {}})


@given(st.text(max_size=30), st.text(max_size=80))
def test_tool_names_are_what_agents_accept_and_unique(prefix, endpoint):
    taken: set[str] = set()
    first, second = tool_name(prefix, endpoint, taken), tool_name(prefix, endpoint, taken)
    for name in (first, second):
        assert 1 <= len(name) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
    assert first != second and taken == {first, second}


@pytest.mark.parametrize(("given", "takes"), [(True, "anything"), (False, None)])
def test_a_schema_of_true_or_false_keeps_its_label_and_meaning(given, takes):
    """JSON Schema allows a boolean schema (the library accepts it as a parameter's type):
    true takes anything, false takes nothing; the label still becomes the title."""
    schema = input_schema([{"parameter_name": "x", "label": "X", "type": given}])
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["x"]["title"] == "X"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors({"x": "anything"}))
    assert (errors == []) == (takes == "anything")
