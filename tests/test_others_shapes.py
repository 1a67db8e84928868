"""Shapes of apps written by others that broke us (issue 22), on a real server, beside gradio_client.

tests/apps/others_shapes.py reproduces them: a translation object as a label (Gradio 6's
``ChatInterface`` ``/flag``), required parameters after defaulted ones (``sentence_builder``,
``calculator_demo_with_defaults``), numpy and pandas values and a component in a chat reply,
which Gradio 6's ``/call`` cannot encode. Runs on Gradio 6 in the suite and on 4.44 and 5.50
through scripts/conformance.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from conftest import APPS, running, start_app
from threeway import by_client, normalise, visible_outputs

from powershai_py import (
    PowershaiError,
    get_gradio_info,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    update_gradio_session_api_result,
)
from powershai_py.gradio.proxies.proxy_call import REQUIRED


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    logs = tmp_path_factory.mktemp("shapes")
    with running([start_app(APPS / "others_shapes.py", logs / "shapes.log")]) as [app]:
        yield app


@pytest.fixture(scope="module")
def client(shapes):
    from gradio_client import Client

    return Client(shapes.url, verbose=False)


def session_result(api_name, values, session):
    """The outputs of a session call, State outputs dropped as gradio_client drops them."""
    call = invoke_gradio_session_api(api_name, values, session=session)
    data = update_gradio_session_api_result(call, session=session)[-1].data
    return visible_outputs({"named_endpoints": session.info.named_endpoints}, api_name, data)


def test_a_translation_object_as_a_label_costs_nothing(shapes, client):
    info = get_gradio_info(shapes.url)
    assert info.unusable_endpoints == {}
    if shapes.major >= 6:  # Gradio 6 sends {"key": "chat_interface.chatbot", "_type": ...}
        label = info.named_endpoints["/flag"]["parameters"][0]["label"]
        assert label == "chat_interface.chatbot"
    session = new_gradio_session(shapes.url, "translated")
    assert session_result("chat", ["hi"], session) == by_client(client, "chat", ["hi"]) == ["echo: hi"]
    functions = {f.gradio_proxy.api_name: f for f in new_gradio_session_api_proxy_function(session=session)}
    assert ({"chat", "flag"} if shapes.major >= 5 else {"chat"}) <= set(functions)  # manual flags: 5+
    if shapes.major >= 6:
        assert "chat_interface.chatbot" in (functions["flag"].__doc__ or "")
    shown = subprocess.run(
        [sys.executable, "-m", "powershai_py", "info", shapes.url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0 and ("/flag" in shown.stdout or shapes.major < 5), shown.stderr


def test_every_pattern_of_defaults_gets_a_function_that_takes_the_documented_order(shapes, client):
    session = new_gradio_session(shapes.url, "defaults")
    functions = {f.gradio_proxy.api_name: f for f in new_gradio_session_api_proxy_function(session=session)}
    assert set(functions) == {name.lstrip("/") for name in session.info.named_endpoints}
    builder = functions["sentence_builder"]
    values = [4, "cat", ["USA", "Japan"], "park", ["ran"], True]
    expected = by_client(client, "sentence_builder", values)
    assert builder(*values).result() == expected == session_result("sentence_builder", values, session)
    assert expected == ["The 4 cats from USA and Japan went to the park where they ran until the morning"]
    signature = inspect.signature(builder)
    assert signature.parameters["place"].default is REQUIRED
    with pytest.raises(PowershaiError, match="needs place") as caught:
        builder(4, "cat", ["USA"])
    assert caught.value.missing == ["place"]
    calculator = functions["calculator"]
    assert calculator(5, "add", 3).result() == [8] == by_client(client, "calculator", [5, "add", 3])
    assert session_result("calculator", [5, "add", 3], session) == [8]
    with pytest.raises(PowershaiError, match="needs num2"):
        calculator(5, "add")


@pytest.mark.parametrize(
    ("api_name", "values"),
    [("stats", [21]), ("frame", [3]), ("chat_file", [{"text": "note", "files": []}])],
)
def test_values_a_plain_json_encoder_refuses_arrive_by_default(shapes, client, api_name, values):
    if api_name == "chat_file" and shapes.major < 5:
        pytest.skip("a component as a chat reply needs Gradio 5")
    session = new_gradio_session(shapes.url, api_name)
    [function] = new_gradio_session_api_proxy_function(api_name, session=session)
    expected = normalise(by_client(client, api_name, values))
    assert normalise(session_result(api_name, values, session)) == expected
    outputs = function(*values).result()
    assert (
        normalise(visible_outputs({"named_endpoints": session.info.named_endpoints}, api_name, outputs))
        == expected
    )
    if api_name == "stats":  # the queue's encoder falls back to str(), as gradio_client shows
        assert [int(value) for value in expected] == [42]


def test_over_call_gradio_6_cannot_encode_them_and_says_so(shapes):
    """Why the default transport is the queue: /call on Gradio 6 uses a plain JSON encoder."""
    if shapes.major < 6:
        pytest.skip("Gradio 4 and 5 take the queue's encoder on /call too, or drop the text")
    session = new_gradio_session(shapes.url, "over-call", transport="call")
    call = invoke_gradio_session_api("stats", [21], session=session)
    events = update_gradio_session_api_result(call, session=session)
    assert events[-1].event == "error" and "not JSON serializable" in str(events[-1].data)
