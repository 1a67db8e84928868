"""Endpoint parameters named like our own keywords, through every path (issue 23, item 11).

A real Gradio app (tests/apps/keywords.py) has one endpoint, ``/clash``, whose parameters are
named like every keyword of powershai-py's functions (found by introspection, not written by
hand), of compat's ``call``/``invoke`` and of the generated functions, plus ``self`` and
friends. Every way to call it must deliver each value to the parameter it names.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest
import requests
from conftest import APPS, running, start_app
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import powershai_py as ps
from powershai_py import compat
from powershai_py.gradio.proxies.proxy_call import RESERVED


def _our_keywords() -> list[str]:
    names: set[str] = set(RESERVED) | {"self", "cls", "args", "kwargs", "name", "pipe", "pipeline"}
    functions = [getattr(ps, n) for n in ps.__all__] + [compat.call, compat.invoke]
    for function in functions:
        if callable(function) and not isinstance(function, type):
            names |= set(inspect.signature(function).parameters)
    return sorted(names)


KEYWORDS = _our_keywords()
OWN = {"session", "api_name"}  # Invoke-GradioDynamicApi's own parameters (-Session, -ApiName)


@pytest.fixture(scope="module")
def clash_app(tmp_path_factory):
    log = tmp_path_factory.mktemp("keywords") / "keywords.log"
    with running([start_app(APPS / "keywords.py", log, args=("--names", ",".join(KEYWORDS)))]) as [app]:
        yield app


def _described(app) -> list[dict[str, Any]]:
    path = "/gradio_api/info" if app.major >= 5 else "/info"
    return requests.get(app.url + path, timeout=10).json()["named_endpoints"]["/clash"]["parameters"]


@pytest.fixture(scope="module")
def served(clash_app) -> list[str]:
    """The parameter names /info gives, read with plain requests. Gradio itself renames a
    few (``api_name`` is ``param_1``: gradio_client's own keywords); the rest are ours."""
    return [p["parameter_name"] for p in _described(clash_app)]


@pytest.fixture(scope="module")
def required(clash_app) -> dict[str, str]:
    """Values for the parameters /info says have no default (the ones Gradio renamed)."""
    return {p["parameter_name"]: "r" for p in _described(clash_app) if not p["parameter_has_default"]}


@pytest.fixture
def clash(clash_app):
    """A session on the app and its generated function, with the names it was given."""
    ps.new_gradio_session(clash_app.url, "kw")
    namespace: dict[str, Any] = {}
    ps.new_gradio_session_api_proxy_function(session="kw", namespace=namespace)
    function = namespace["invoke_gradio_api_clash"]
    return function, {p.source: p for p in function.gradio_proxy.parameters}


def value_of(name: str) -> str:
    return f"v:{name}"


def received(served: list[str], sent: dict[str, str]) -> dict[str, str]:
    """What /clash answers for values sent by the names /info gives: its own names (the
    function's) for the same positions."""
    return {KEYWORDS[served.index(name)]: value for name, value in sent.items()}


def test_the_app_names_its_parameters_like_our_keywords(served):
    kept = [name for name in served if not name.startswith("param_")]
    assert len(kept) >= len(KEYWORDS) - 3 and set(kept) <= set(KEYWORDS)
    assert {"name", "session", "transport", "manual", "map", "pipe", "token", "params", "self"} <= set(kept)


def test_the_generated_function_takes_every_parameter_by_position_and_by_its_name(clash, served):
    function, params = clash
    everything = {n: value_of(n) for n in served}
    by_position = function(*everything.values()).value()
    assert by_position == received(served, everything)
    # the names it got: the endpoint's own, or another one where it would be one of ours
    assert not RESERVED & {p.name for p in params.values()}
    by_name = function(**{params[n].name: v for n, v in everything.items()}, transport="queue").value()
    assert by_name == by_position
    assert set(RESERVED) <= set(inspect.signature(function).parameters)  # our keywords are still there


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_keyword_of_ours_reaches_the_endpoint_through_every_path(clash, served, required, data):
    function, params = clash
    chosen = data.draw(st.lists(st.sampled_from(served), unique=True, min_size=1, max_size=10))
    wanted = {**required, **{n: value_of(n) for n in chosen}}
    dynamic = {n: v for n, v in wanted.items() if n not in OWN}
    ways = {
        "generated function": lambda: function(**{params[n].name: v for n, v in wanted.items()}),
        "dynamic API": lambda: ps.invoke_gradio_dynamic_api("clash", "kw", params=wanted),
        "session API": lambda: ps.update_gradio_session_api_result(
            ps.invoke_gradio_session_api("clash", wanted, session="kw").id, session="kw"
        ),
        "compat.call": lambda: compat.call(
            function.gradio_proxy.powershell_name, **{params[n].powershell_name: v for n, v in wanted.items()}
        ),
        # PowerShell binds -Session and -ApiName to the cmdlet's own parameters (as PowerShell
        # itself does); every other name reaches the endpoint. With its dash, a name is never
        # taken for invoke's own keywords (``pipeline``).
        "compat.invoke": lambda: compat.invoke(
            "Invoke-GradioDynamicApi", "clash", "kw", **{f"-{n}": v for n, v in dynamic.items()}
        ),
    }
    expected = received(served, wanted)
    for way, call in ways.items():
        got = call()
        got = got if isinstance(got, dict) else (got[-1].data[0] if isinstance(got, list) else got.value())
        if way == "compat.invoke":
            assert {n: got[n] for n in expected if n not in OWN} == {
                n: v for n, v in expected.items() if n not in OWN
            }, way
        else:
            assert {n: got[n] for n in expected} == expected, way


def test_a_powershell_script_and_its_translation_pass_every_parameter(clash, served):
    function, params = clash
    # written in lower case, as scripts often are (`Invoke-GradioApiGreet -name "Bo"`)
    arguments = " ".join(f"-{params[n].powershell_name.lower()} '{value_of(n)}'" for n in served)
    script = f"$r = {function.gradio_proxy.powershell_name} {arguments}\n$r"
    expected = [received(served, {n: value_of(n) for n in served})]
    ran = compat.run(script).output
    assert compat.unwrap(ran[-1]).data == expected
    source = compat.translate(script)
    namespace: dict[str, Any] = {}
    exec(compile(source, "clash.py", "exec"), namespace)  # the proxy is in compat's namespace
    assert namespace["output"][-1].data == expected


def test_the_dynamic_cmdlet_in_a_script_passes_every_parameter(clash, served):
    names = [n for n in served if n not in OWN]  # -Session names the cmdlet's own, as in PowerShell
    script = "Invoke-GradioDynamicApi clash kw " + " ".join(f"-{n} '{value_of(n)}'" for n in names)
    expected = [{**received(served, {n: value_of(n) for n in names}), "session": None}]
    assert compat.unwrap(compat.run(script).output[-1]).data == expected
    namespace: dict[str, Any] = {}
    exec(compile(compat.translate(script), "dynamic.py", "exec"), namespace)
    assert namespace["output"][-1].data == expected


def test_the_cli_passes_every_parameter(clash_app, served):
    options = [item for n in served for item in ("-p", f"{n}={value_of(n)}")]
    ran = subprocess.run(
        [sys.executable, "-m", "powershai_py", "call", "--url", clash_app.url, "clash", "--json", *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    last = json.loads(ran.stdout.strip().splitlines()[-1])
    assert last["data"] == [received(served, {n: value_of(n) for n in served})]
