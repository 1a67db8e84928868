"""Pure parts of proxies: names, parameter types and conversions, map entries."""

from __future__ import annotations

import keyword
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.errors import PowershaiError
from powershai_py.gradio.proxies.names import clean_name, python_identifier, snake_name, title_case
from powershai_py.gradio.proxies.param_types import (
    ParamType,
    coerce,
    convert_gradio_param_powershell,
    param_type,
)
from powershai_py.gradio.proxies.proxy_call import GradioProxy, _map_entries
from powershai_py.gradio.proxies.proxy_call import parameters_of as _parameters


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # the examples of SPEC 5.2
        ("op1", "Op1"),
        ("generate_image", "GenerateImage"),
        ("GenerateImage", "Generateimage"),
        ("predict", "Predict"),
        ("lambda_1", "Lambda1"),
        ("MaxNums", "Maxnums"),
        ("API_call", "APICall"),
        ("op1test", "Op1test"),
        ("1abc", "1Abc"),
        ("a[b]c^d`e\\f", "ABCDEF"),  # the original's [A-z] kept these; ours does not (D-18)
        ("inside", "Inside"),  # no Turkish dotted capital I: the culture is invariant
    ],
)
def test_clean_name_reproduces_dotnet_title_case(text, expected):
    assert clean_name(text) == expected


def test_title_case_keeps_all_capital_words():
    assert title_case("HTTP server v2x") == "HTTP Server V2x"


@given(st.text())
def test_clean_names_are_ascii_letters_and_digits(text):
    assert all(ch.isascii() and ch.isalnum() for ch in clean_name(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Op1", "op1"),
        ("GenerateImage", "generate_image"),
        ("odd name-ção", "odd_name_cao"),
        ("HTTPServer", "http_server"),
    ],
)
def test_snake_names(text, expected):
    assert snake_name(text) == expected


@given(st.text(), st.sets(st.sampled_from(["a", "b", "x"])))
def test_python_identifiers_are_always_usable(text, taken):
    name = python_identifier(text, "param0", taken, {"manual"})
    assert name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
    assert name == "param0" or (name not in taken and name.casefold() != "manual")


def test_reserved_and_odd_parameter_names():
    spec = {
        "parameters": [
            {"parameter_name": "manual"},
            {"parameter_name": "class"},
            {"parameter_name": "max-nums"},
            {"parameter_name": ""},
            {"parameter_name": "Verbose"},
            {"parameter_name": "ok"},
        ]
    }
    params = _parameters(spec)
    assert [p.name for p in params] == ["param0", "param1", "max_nums", "param3", "Verbose", "ok"]
    assert [p.powershell_name for p in params] == ["Param0", "Class", "MaxNums", "Param3", "Param4", "Ok"]


GRADIO4_NUMBER = {"type": {"type": "number"}, "python_type": {"type": "float"}, "component": "Number"}
GRADIO5_INT = {"type": {"type": "integer"}, "python_type": {"type": "int"}, "component": "Number"}
LIST_OF_INTS = {"type": {"type": "array", "items": {"type": "integer"}}, "component": "Dataframe"}
AUDIO = {"type": {"type": "object", "properties": {"path": {}, "meta": {}}}, "component": "Audio"}
FILES = {"type": {"type": "array", "items": {"$ref": "#/$defs/FileData"}}, "component": "File"}


@pytest.mark.parametrize(
    ("param", "powershell"),
    [
        (GRADIO4_NUMBER, "decimal"),
        (GRADIO5_INT, "int"),
        (LIST_OF_INTS, "int[]"),  # D-17: the item type, not string[]
        (AUDIO, "FileInfo"),
        (FILES, "FileInfo[]"),
        ({"type": {"type": "boolean"}, "component": "Checkbox"}, "bool"),  # D-17: not string
        ({"type": {}, "component": "JSON"}, "object"),
    ],
)
def test_powershell_type_names(param, powershell):
    assert convert_gradio_param_powershell(param) == powershell


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("5", ParamType(int), 5),
        (5.0, ParamType(int), 5),
        ("0.25", ParamType(float), 0.25),
        ("true", ParamType(bool), True),
        ("0", ParamType(bool), False),
        (3, ParamType(str), "3"),
        ("x", ParamType(str, is_list=True), ["x"]),
        (["1", "2"], ParamType(int, is_list=True), [1, 2]),
        (None, ParamType(int), None),
        ("/tmp/a.txt", ParamType(object, is_file=True), "/tmp/a.txt"),
    ],
)
def test_coerce_converts(value, kind, expected):
    result = coerce(value, kind)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("n1", ParamType(int)),
        ("2.5", ParamType(int)),
        (True, ParamType(int)),
        ("maybe", ParamType(bool)),
        (5, ParamType(object, is_file=True)),
    ],
)
def test_coerce_refuses(value, kind):
    with pytest.raises(ValueError):
        coerce(value, kind)


def test_a_path_object_is_a_file_value():
    assert coerce(Path("a.txt"), param_type(AUDIO)) == Path("a.txt")
    assert isinstance(coerce(Path("a.txt"), param_type(AUDIO)), os.PathLike)


def proxy() -> GradioProxy:
    spec = {"parameters": [{"parameter_name": "MaxNums"}, {"parameter_name": "sleep"}]}
    return GradioProxy("s", "id", "http://h", "op", "Op", "op", _parameters(spec), ())


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (["MaxNums=1"], [("MaxNums", 1)]),
        ("maxnums=-1", [("MaxNums", -1)]),
        (["sleep"], [("sleep", 0)]),  # no "=": index 0, as in the original
        ({"SLEEP": "2", "MaxNums": 0}, [("sleep", 2), ("MaxNums", 0)]),
    ],
)
def test_map_entries(mapping, expected):
    assert [(p.name, i) for p, i in _map_entries(mapping, proxy())] == expected


@pytest.mark.parametrize("mapping", [["nope=0"], ["sleep=x"]])
def test_bad_map_entries(mapping):
    with pytest.raises(PowershaiError) as caught:
        _map_entries(mapping, proxy())
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"


def test_a_null_default_is_a_default():
    """``parameter_has_default: true`` with ``parameter_default: null`` (a component with no
    value): the parameter is optional, its default is None, and None is what is sent."""

    from powershai_py.gradio.proxies.proxy import GradioProxy, _signature
    from powershai_py.gradio.proxies.proxy_call import _values
    from powershai_py.gradio.proxies.proxy_call import parameters_of as _parameters

    spec = {
        "parameters": [
            {"parameter_name": "text", "parameter_has_default": False, "type": {"type": "string"}},
            {"parameter_name": "image", "parameter_has_default": True, "parameter_default": None,
             "type": {"type": "string"}},
        ]
    }  # fmt: skip
    parameters = _parameters(spec)
    proxy = GradioProxy("s", "id", "http://app", "x", "X", "x", parameters, ())
    image = _signature(proxy).parameters["image"]
    assert image.default is None and parameters[1].has_default
    assert _values(proxy, {"text": "a"}) == ["a", None]
    assert _signature(proxy).bind("a").arguments == {"text": "a"}  # callable without it
