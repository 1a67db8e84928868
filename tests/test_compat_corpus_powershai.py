"""PowershAI's own published material, run three ways: the runner, the translation, and Python
written by hand with powershai_py.

tests/ps_corpus/powershai/ holds, as published in rrg92/powershai (Apache-2.0): the Gradio code
blocks of its Hugging Face provider README (one file per section, the way a reader runs them)
and the app that README describes (simple-app.py), which the tests start twice (for 7860 and
7861). The only changes are made here, at run time: the apps' real addresses, and
``-Duration 10`` shortened to 2 seconds. Elapsed seconds differ between runs, so numbers in
texts are compared as ``<n>``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import app_copies

import powershai_py as ps
from powershai_py import PowershaiError, compat
from powershai_py.compat import run, translate
from powershai_py.compat.translator import TODO

CORPUS = Path(__file__).parent / "ps_corpus" / "powershai"


@pytest.fixture(scope="module")
def simple_apps(tmp_path_factory):
    with app_copies(tmp_path_factory, "powershai_simple_app.py") as ready:
        yield ready


def _reset() -> None:
    ps.remove_gradio_session_api_proxy_function(ps.get_gradio_session_api_proxy_function("*"))
    ps.remove_gradio_session("*")


def shape(value: Any) -> Any:
    """What the comparison looks at: objects by what they are, numbers in text as <n>."""
    value = compat.unwrap(value)
    if isinstance(value, ps.GradioSession):
        return ("session", value.app_url)
    if isinstance(value, ps.GradioInfo):
        return ("info", sorted(value.named_endpoints))
    if isinstance(value, ps.GradioApiEventResult):
        return ("event", value.event, shape(value.data))
    if callable(value):
        return ("function", getattr(value, "powershell_name", value.__name__))
    if isinstance(value, str):
        return re.sub(r"(?<![A-Za-z\d.])\d+(\.\d+)?(e-?\d+)?", "<n>", value)
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return value


def source_of(name: str, apps) -> str:
    text = (CORPUS / f"{name}.ps1").read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:7860", apps[0].url).replace("http://127.0.0.1:7861", apps[1].url)
    return text.replace("-Duration 10", "-Duration 2")


def three_ways(name: str, apps, by_hand) -> list[Any]:
    """The piece's output from the runner, the translation and by_hand(urls), which must agree;
    or the error code all three raise."""
    script = source_of(name, apps)
    outcomes = []
    for way in ("runner", "translation", "hand"):
        _reset()
        try:
            if way == "runner":
                produced = run(script).output
            elif way == "translation":
                source = translate(script)
                assert TODO not in source, source
                namespace: dict[str, Any] = {}
                exec(compile(source, f"{name}.py", "exec"), namespace)
                produced = namespace["output"]
            else:
                produced = by_hand(apps[0].url, apps[1].url)
            outcomes.append(shape(list(produced)))
        except PowershaiError as error:
            outcomes.append(("error", error.code))
    _reset()
    assert outcomes[0] == outcomes[1] == outcomes[2], outcomes
    return outcomes[0]


def test_the_gradio_commands_section(simple_apps):
    def by_hand(url: str, _other: str) -> list[Any]:
        info = ps.get_gradio_info(url)
        app_info = ps.get_gradio_info(url)
        parameters = app_info.named_endpoints["/Op1"]["parameters"]  # '/op1' in the README: any case
        event = ps.send_gradio_api(url, "Op1", [1])
        return [info, *parameters, *ps.update_gradio_api_result(event)]

    output = three_ways("readme-gradio-commands", simple_apps, by_hand)
    assert output[0] == ("info", ["/Op1"])
    assert output[1]["label"] == "Duration, in, seconds"
    assert [item[1] for item in output[2:]][-1] == "complete" and output[-1][2] == ["Finished"]


def test_the_default_session_section_fails_as_in_powershai(simple_apps):
    """Run as one script, the section opens the same URL twice without -Force: PowershAI
    refuses the second session (SPEC, New-GradioSession), and so do all three."""

    def by_hand(url: str, other: str) -> list[Any]:
        made = [ps.new_gradio_session(url)]
        app1 = ps.new_gradio_session(url)
        app2 = ps.new_gradio_session(other)
        ps.set_gradio_session(app2, default=True)
        return [*made, app1]

    assert three_ways("readme-default-session", simple_apps, by_hand) == (
        "error",
        "POWERSHAI_HUGGINGFACE_GRADIOSESSION",
    )


def test_the_proxy_functions_section(simple_apps):
    def by_hand(url: str, _other: str) -> list[Any]:
        session = ps.new_gradio_session(url)
        functions = ps.new_gradio_session_api_proxy_function()
        text = compat.get_help("Invoke-GradioApiOp1")
        lines = [f"ElapsedSeconds: {compat.interpolate(r.data)}" for r in functions[0](Duration="2")]
        return [session, *functions, text, *lines]

    output = three_ways("readme-proxy-functions", simple_apps, by_hand)
    assert output[1] == ("function", "Invoke-GradioApiOp1")
    assert "Invoke-GradioApiOp1" in output[2]
    assert output[3] == "ElapsedSeconds: Dur:<n>" and output[-1] == "ElapsedSeconds: Finished"
