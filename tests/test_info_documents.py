"""Every valid document Gradio serves is accepted; one broken endpoint costs that endpoint alone.

The documents are the ``/info`` and ``/config`` that Gradio 4.44.1, 5.50.0 and 6.31.0 wrote for
the test apps (recorded by scripts/capture_info.py into tests/data/). Hypothesis mutates them:
- display-only fields (labels, component names, type texts, descriptions, examples) become any
  JSON, and unknown fields are inserted anywhere: a session still opens through requests-mock,
  every endpoint gets a function, and every endpoint binds its documented order;
- one endpoint's essentials (its parameter list, a name, a default flag, a schema) get the
  wrong type: only that endpoint is unusable, and calling it is an error that names it.
A second property builds functions for any parameter list: any pattern of defaults, names that
are Python keywords or our own keywords, that collide after cleaning, empty or not ASCII.
"""

from __future__ import annotations

import copy
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
import requests_mock
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from powershai_py import (
    PowershaiError,
    ProtocolError,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
)
from powershai_py.gradio.protocol.app import forget_app, layout_from_config
from powershai_py.gradio.protocol.shapes import read_info
from powershai_py.gradio.proxies.param_types import ParamType
from powershai_py.gradio.proxies.proxy import GradioProxy, ProxyParam, _signature
from powershai_py.gradio.proxies.proxy_call import FIXED as _FIXED
from powershai_py.gradio.proxies.proxy_call import REQUIRED
from powershai_py.gradio.sessions.session_calls import params_to_list

DATA = Path(__file__).parent / "data"
VERSIONS = ("4.44.1", "5.50.0", "6.31.0")
APPS = ("components", "others-shapes")
DOCUMENTS = [
    (app, version)
    for app in APPS
    for version in VERSIONS
    if (DATA / f"{app}-info-{version}.json").exists() and (DATA / f"{app}-config-{version}.json").exists()
]
BASE = "http://127.0.0.1:9"


def load(app: str, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    info = json.loads((DATA / f"{app}-info-{version}.json").read_text())
    config = json.loads((DATA / f"{app}-config-{version}.json").read_text())
    return info, config


def test_the_recorded_documents_are_all_here():
    """The properties below run on every version's documents (re-record with capture_info.py)."""
    assert {(app, version) for app in APPS for version in VERSIONS} <= set(DOCUMENTS)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
# Fields of a parameter or return value that are only shown
SHOWN = ("label", "component", "python_type", "description", "example_input", "serializer", "info")


@st.composite
def mutated(draw: Any, info: dict[str, Any]) -> dict[str, Any]:
    """``info`` with display-only fields replaced by any JSON and unknown fields added anywhere."""
    document = copy.deepcopy(info)
    for spec in document["named_endpoints"].values():
        for part in ("parameters", "returns"):
            for item in spec.get(part) or []:
                for field in draw(st.lists(st.sampled_from(SHOWN), max_size=3, unique=True)):
                    item[field] = draw(JSON)
                if draw(st.booleans()):
                    item["x-" + draw(st.text(max_size=5))] = draw(JSON)
        if draw(st.booleans()):
            spec["x-unknown"] = draw(JSON)
    if draw(st.booleans()):
        document["x-unknown"] = draw(JSON)
    return document


def serve(mock: requests_mock.Mocker, info: dict[str, Any], config: dict[str, Any]) -> None:
    prefix = config.get("api_prefix") or ""
    mock.get(BASE + "/config", json=config)
    mock.get(BASE + prefix + "/info", json=info)
    if prefix:
        mock.get(BASE + "/info", status_code=404)
    else:
        mock.get(BASE + "/gradio_api/info", status_code=404)


def positional_values(proxy: GradioProxy) -> list[Any]:
    return [f"value{p.position}" for p in proxy.parameters]


@pytest.mark.parametrize(("app", "version"), DOCUMENTS)
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_display_fields_and_unknown_keys_never_stop_a_session(app, version, data):
    info, config = load(app, version)
    document = data.draw(mutated(info))
    with requests_mock.Mocker() as mock:
        serve(mock, document, config)
        try:
            session = new_gradio_session(BASE, "mutated", force=True)
            assert session.info.unusable_endpoints == {}
            assert list(session.info.named_endpoints) == list(info["named_endpoints"])
            functions = new_gradio_session_api_proxy_function(session=session)
        finally:
            forget_app(BASE)
    assert [f.gradio_proxy.api_name for f in functions] == session.info.endpoint_names
    for function in functions:
        proxy = function.gradio_proxy
        values = positional_values(proxy)
        sent = function(*values, debug_data=True)
        assert sent["data"] == values  # the documented order binds, positionally
        spec = session.info.named_endpoints["/" + proxy.api_name]
        by_name = {p["parameter_name"]: v for p, v in zip(spec["parameters"], values, strict=True)}
        assert params_to_list(by_name, spec, proxy.api_name) == values
        for parameter in spec["parameters"]:
            assert all(isinstance(parameter.get(k), (str, type(None))) for k in ("label", "component"))
    layout_from_config(BASE, config)


def _first(field: str) -> Any:
    """A change that sets ``field`` of an endpoint's first parameter."""
    return lambda spec, value: spec["parameters"][0].__setitem__(field, value)


BREAKS = [
    ("parameters", lambda spec, value: spec.__setitem__("parameters", value)),
    ("parameter", lambda spec, value: spec["parameters"].__setitem__(0, value)),
    ("parameter_name", _first("parameter_name")),
    ("parameter_has_default", _first("parameter_has_default")),
    ("type", _first("type")),
]
WRONG = {
    "parameters": st.text(max_size=4) | st.integers() | st.dictionaries(st.text(max_size=3), JSON),
    "parameter": st.text(max_size=4) | st.integers() | st.lists(JSON, max_size=2),
    "parameter_name": st.integers() | st.lists(JSON, max_size=2) | st.dictionaries(st.text(max_size=3), JSON),
    "parameter_has_default": st.text(max_size=4) | st.integers() | st.lists(JSON, max_size=2),
    "type": st.text(max_size=4) | st.integers() | st.lists(JSON, max_size=2),
}


@pytest.mark.parametrize(("app", "version"), DOCUMENTS)
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_broken_endpoint_costs_that_endpoint_alone(app, version, data):
    info, config = load(app, version)
    document = copy.deepcopy(info)
    with_parameters = [name for name, spec in document["named_endpoints"].items() if spec.get("parameters")]
    victim = data.draw(st.sampled_from(with_parameters))
    what, breaks = data.draw(st.sampled_from(BREAKS))
    breaks(document["named_endpoints"][victim], data.draw(WRONG[what]))
    read = read_info(document, BASE)
    assert list(read.unusable) == [victim]
    assert list(read.named_endpoints) == [name for name in info["named_endpoints"] if name != victim]
    with requests_mock.Mocker() as mock:
        serve(mock, document, config)
        try:
            session = new_gradio_session(BASE, "broken", force=True)
            with pytest.warns(Warning, match=f"no function for {victim}"):
                functions = new_gradio_session_api_proxy_function(session=session)
            with pytest.raises(ProtocolError) as caught:
                invoke_gradio_session_api(victim, [], session=session)
        finally:
            forget_app(BASE)
    assert caught.value.api_name == victim.lstrip("/") and victim in str(caught.value)
    assert len(functions) == len(info["named_endpoints"]) - 1


# --- any parameter list ----------------------------------------------------------------------------

NAMES = st.sampled_from(
    ["", "x", "X", "class", "def", "None", "manual", "map", "pipe", "transport", "api_token", "a b",
     "a-b", "a_b", "ção", "名前", "param0", "param1", "1st", "_", "value", "Value"]
) | st.text(max_size=6)  # fmt: skip


@st.composite
def parameter_lists(draw: Any) -> list[ProxyParam]:
    from powershai_py.gradio.proxies.proxy_call import parameters_of as _parameters

    specs = []
    for _ in range(draw(st.integers(0, 7))):
        has_default = draw(st.booleans())
        specs.append(
            {
                "parameter_name": draw(NAMES | st.none()),
                "parameter_has_default": has_default,
                "parameter_default": draw(JSON) if has_default else None,
                "type": {"type": "string"},
            }
        )
    return list(_parameters({"parameters": specs}))


@hsettings(max_examples=400, deadline=None)
@given(parameter_lists())
def test_any_parameter_list_gets_a_signature_that_binds_the_documented_order(parameters):
    proxy = GradioProxy("s", "id", "http://app", "x", "X", "x", tuple(parameters), ())
    signature = _signature(proxy)  # never "wrong parameter order" or a duplicate name
    names = [p.name for p in parameters]
    assert len(set(names)) == len(names)
    fixed = {name for name, _, _ in _FIXED}  # the keywords every generated function has
    assert not set(names) & fixed and all(n.isidentifier() for n in names)
    values = [object() for _ in parameters]
    bound = signature.bind(*values)  # positional, all of them
    assert [bound.arguments[n] for n in names] == values
    for parameter in parameters:
        default = signature.parameters[parameter.name].default
        if parameter.has_default:
            assert default == parameter.default or default is parameter.default
        else:
            assert default in (inspect.Parameter.empty, REQUIRED)


def test_a_required_parameter_after_defaults_is_required_and_says_so():
    parameters = tuple(
        ProxyParam(i, name, name.title(), name, ParamType(base=str), has_default, "d", name, "Textbox")
        for i, (name, has_default) in enumerate([("a", True), ("b", False), ("c", True)])
    )
    proxy = GradioProxy("s", "id", "http://app", "x", "X", "fn", parameters, ())
    signature = _signature(proxy)
    assert str(signature).startswith("(a: str = 'd', b: str = <required>, c: str = 'd', *,")
    from powershai_py.gradio.proxies.proxy_call import _single

    with pytest.raises(PowershaiError, match="fn needs b") as caught:
        _single(proxy, None, {"a": "1"}, {"debug_data": True}, [])  # type: ignore[arg-type]
    assert caught.value.missing == ["b"]
