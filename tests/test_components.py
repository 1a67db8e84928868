"""Every component, three ways: our session functions, our proxy functions, and gradio_client.

tests/apps/components.py has one endpoint per Gradio component (inputs and outputs). Each one
is called the session way, the proxy way and by the official ``gradio_client`` in the same
test, with sample media that Gradio itself ships, and the results are compared after the same
normalisation: files by name, ``gradio_client``'s dropping of State outputs applied to the
comparison only. Runs on Gradio 6 in the suite, on 4.44 and 5.50 through scripts/conformance.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from threeway import by_client, normalise, visible_outputs

from powershai_py import (
    AuthenticationRequired,
    CallFailed,
    PowershaiError,
    PowershaiWarning,
    ValidationError,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    send_gradio_session_files,
    update_gradio_session_api_result,
)


@pytest.fixture(scope="module")
def components(component_apps):
    return component_apps[0]


@pytest.fixture(scope="module")
def client(components):
    from gradio_client import Client

    return Client(components.url, verbose=False)


def handle(value: Any) -> Any:
    from gradio_client import handle_file

    return handle_file(value)


# (endpoint, our arguments, gradio_client's arguments) built from the media paths
def cases(media: dict[str, str], major: int = 6) -> list[tuple[str, list[Any], list[Any]]]:
    """Our arguments, and gradio_client's in the shape the server's version wants (ours adapt
    through the schema: a path becomes a VideoData on Gradio 4 and 5)."""
    image, text_file = media["image"], media["text"]
    video = handle(media["video"]) if major >= 6 else {"video": handle(media["video"]), "subtitles": None}
    before = [{"type": "text", "text": "before"}] if major >= 6 else "before"
    return [
        ("text", ["hello"], ["hello"]),
        ("number", [21], [21]),
        ("slider", [4], [4]),
        ("checkbox", [True], [True]),
        ("checkbox_group", [["c", "a"]], [["c", "a"]]),
        ("radio", ["y"], ["y"]),
        ("dropdown", ["two"], ["two"]),
        ("dropdown_multi", [["one", "three"]], [["one", "three"]]),
        ("color", ["#00ff00"], ["#00ff00"]),
        ("code", ["x = 1"], ["x = 1"]),
        ("datetime", ["2026-11-30 12:00:00"], ["2026-11-30 12:00:00"]),
        ("json", [{"b": 1, "a": [1, 2]}], [{"b": 1, "a": [1, 2]}]),
        ("dataframe", [{"headers": ["a", "b"], "data": [[1, 2], [3, 4]]}],
         [{"headers": ["a", "b"], "data": [[1, 2], [3, 4]]}]),
        ("file", [text_file], [handle(text_file)]),
        ("files", [[text_file, image]], [[handle(text_file), handle(image)]]),
        ("image_path", [image], [handle(image)]),
        ("image_numpy", [image], [handle(image)]),
        ("image_pil", [Path(image)], [handle(image)]),
        ("audio", [media["audio"]], [handle(media["audio"])]),
        ("video", [media["video"]], [video]),
        ("model3d", [media["model3d"]], [handle(media["model3d"])]),
        ("gallery", [[image, {"image": image, "caption": "bus"}]],
         [[{"image": handle(image), "caption": None}, {"image": handle(image), "caption": "bus"}]]),
        ("image_editor", [{"background": image, "layers": [], "composite": None}],
         [{"background": handle(image), "layers": [], "composite": None}]),
        ("annotated", [image], [handle(image)]),
        ("multimodal", ["just text"], [{"text": "just text", "files": []}]),
        ("multimodal", [{"text": "with a file", "files": [text_file]}],
         [{"text": "with a file", "files": [handle(text_file)]}]),
        ("highlighted", ["Hello big World"], ["Hello big World"]),
        ("label", [0.75], [0.75]),
        ("plot", [3], [3]),
        ("image_slider", [[image, Path(image)]], [[handle(image), handle(image)]]),
        ("warn", ["heat"], ["heat"]),  # gr.Warning and gr.Info beside a plain result
        ("html", ["x"], ["x"]),
        ("markdown", ["y"], ["y"]),
        ("stream", [2], [2]),
        ("counter", [5], [5]),
        ("chatbot", [[{"role": "user", "content": "before"}], "now"],
         [[{"role": "user", "content": before}], "now"]),
        ("chat", ["hi"], ["hi"]),
        ("chat_multimodal", [{"text": "look", "files": [image]}],
         [{"text": "look", "files": [handle(image)]}]),
        ("chat_file", ["note"], ["note"]),  # a gr.File as a chat reply
    ]  # fmt: skip


CASES = [
    "text", "number", "slider", "checkbox", "checkbox_group", "radio", "dropdown", "dropdown_multi",
    "color", "code", "datetime", "json", "dataframe", "file", "files", "image_path", "image_numpy",
    "image_pil", "audio", "video", "model3d", "gallery", "image_editor", "annotated", "multimodal",
    "multimodal+file", "highlighted", "label", "plot", "image_slider", "html", "markdown", "warn",
    "stream", "counter", "chatbot", "chat", "chat_multimodal", "chat_file",
]  # fmt: skip

# Endpoints of the app that the three-way comparison cannot hold, and the test that covers each
ELSEWHERE = {
    "raise_error": "test_an_app_error_keeps_its_text (gradio_client raises, as we do)",
    "validated": "test_a_validator_refusal_is_a_validation_error",
}


@pytest.fixture(scope="module")
def three_ways(components, client, media):
    """The app, its /info, gradio_client, and the cases by name."""
    from powershai_py import get_gradio_info

    info = get_gradio_info(components.url)
    named = {}
    for api_name, ours, theirs in cases(media, components.major):
        key = api_name if api_name not in named else f"{api_name}+file"
        named[key] = (api_name, ours, theirs)
    return components, info, client, named


def test_every_endpoint_of_the_corpus_is_compared(three_ways):
    """No endpoint of the app stays out of the comparison unnoticed (a new one must be added)."""
    _, info, _, named = three_ways
    compared = {api_name for api_name, _, _ in named.values()}
    served = {name.lstrip("/") for name in info.named_endpoints}
    assert set(CASES) == set(named)
    assert served - compared - set(ELSEWHERE) == set()


@pytest.mark.parametrize("case", CASES)
def test_every_component_three_ways(three_ways, case):
    components, info, client, named = three_ways
    api_name, ours, theirs = named[case]
    if "/" + api_name not in info.named_endpoints:
        pytest.skip(f"/{api_name} is not in Gradio {info.version}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare(components, info, client, api_name, ours, theirs)
    if api_name == "warn" and components.major < 6:  # the default transport there is the queue,
        shown = [str(w.message) for w in caught if issubclass(w.category, PowershaiWarning)]
        assert any("careful with heat" in text for text in shown), shown  # which carries gr.Warning


def compare(
    components: Any, info: Any, client: Any, api_name: str, ours: list[Any], theirs: list[Any]
) -> None:
    session = new_gradio_session(components.url, "components")
    [proxy] = new_gradio_session_api_proxy_function(api_name, session=session)
    proxies = {api_name: proxy}
    expected = normalise(by_client(client, api_name, theirs))
    call = invoke_gradio_session_api(api_name, ours, session=session)
    by_session = update_gradio_session_api_result(call, session=session)[-1].data
    names = [p.name for p in proxies[api_name].gradio_proxy.parameters]
    by_proxy = proxies[api_name](**dict(zip(names, ours, strict=False))).result()
    returns = {"named_endpoints": info.named_endpoints}
    assert normalise(visible_outputs(returns, api_name, by_session)) == expected
    assert normalise(visible_outputs(returns, api_name, by_proxy)) == expected


def test_no_parameter_is_uploaded_unless_its_schema_says_file(components, media):
    session = new_gradio_session(components.url, "uploads")
    path = media["text"]
    call = invoke_gradio_session_api("text", [path], session=session)  # a path in a Textbox stays text
    assert update_gradio_session_api_result(call, session=session)[-1].data == [f"text:{path}"]
    assert session.uploads == {}
    call = invoke_gradio_session_api("multimodal", [{"text": "t", "files": [path]}], session=session)
    assert update_gradio_session_api_result(call, session=session)[-1].data == ["t|1 files"]
    assert list(session.uploads) == [str(Path(path).resolve())]  # uploaded where the schema puts a file


def test_signatures_tell_the_truth(components):
    import inspect

    session = new_gradio_session(components.url, "signatures")
    functions = {f.gradio_proxy.api_name: f for f in new_gradio_session_api_proxy_function(session=session)}
    text = inspect.signature(functions["text"])
    assert (
        text.parameters["value"].default is inspect.Parameter.empty
        and text.parameters["value"].annotation is str
    )
    with pytest.raises(PowershaiError, match="needs value") as caught:
        functions["text"]()
    assert caught.value.missing == ["value"]
    assert "Literal['x', 'y']" in str(inspect.signature(functions["radio"]).parameters["value"].annotation)
    assert "Component: Textbox" in (functions["text"].__doc__ or "") and "Text." in (
        functions["text"].__doc__ or ""
    )
    chat = inspect.signature(functions["chatbot"])
    from powershai_py.gradio.proxies.proxy_call import REQUIRED

    message = chat.parameters["message"]  # required after a default: positional still, but required
    assert message.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and message.default is REQUIRED


def test_a_validator_refusal_is_a_validation_error(components):
    session = new_gradio_session(components.url, "validated")
    if "/validated" not in session.info.named_endpoints:
        pytest.skip("validators are a Gradio 6 feature")
    with pytest.raises(ValidationError) as caught:
        invoke_gradio_session_api("validated", [-2], session=session)
    assert caught.value.errors == [{"parameter": "value", "message": "must be positive"}]


def test_an_app_error_keeps_its_text(components):
    session = new_gradio_session(components.url, "errors")
    [raise_error] = new_gradio_session_api_proxy_function("raise_error", session=session)
    with pytest.raises(CallFailed) as caught:
        raise_error("no").result()
    assert "refused: no" in str(caught.value)  # every version, with the default transport
    with pytest.raises(CallFailed) as caught:
        raise_error("no", transport="call").result()
    if components.major >= 6:
        assert "refused: no" in str(caught.value)
    else:  # a limit of Gradio 4 and 5's /call route, said as such (the queue protocol carries it)
        assert "does not send the text of an error over its /call route" in str(caught.value)


def test_app_messages_travel_over_the_queue_only(components):
    """gr.Warning and gr.Info reach us over the queue; Gradio's /call route does not send them."""
    session = new_gradio_session(components.url, "messages")
    [warn] = new_gradio_session_api_proxy_function("warn", session=session)
    for transport, expected in (("queue", ["warn says: careful with q"]), ("call", [])):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert warn("q" if transport == "queue" else "c", transport=transport).result() == [
                "q" if transport == "queue" else "c"
            ]
        mine = [w for w in caught if issubclass(w.category, PowershaiWarning)]
        assert [str(w.message).split("/", 1)[-1] for w in mine] == expected, transport
        assert all(w.filename == __file__ for w in mine)  # at the line that read the result


def test_a_login_protected_app_from_several_threads(component_apps):
    locked = component_apps[1]
    with pytest.raises(AuthenticationRequired, match="Gradio login"):
        new_gradio_session(locked.url, "nologin")
    with pytest.raises(AuthenticationRequired, match="refused the login"):
        new_gradio_session(locked.url, "badlogin", auth=("user", "wrong"))
    session = new_gradio_session(locked.url, "locked", auth=("user", "secret"))
    [text] = new_gradio_session_api_proxy_function("text", session=session)
    answers: list[Any] = []
    threads = [threading.Thread(target=lambda i=i: answers.append(text(f"t{i}").value())) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == sorted(f"text:t{i}" for i in range(8))
    session.login._cookies = {name: "expired" for name in session.login._cookies}  # as after a restart
    assert text("again").value() == "text:again"  # logged in once more
    shown = repr(session) + repr(session.login) + repr(vars(session))
    assert "secret" not in shown


def test_a_call_and_an_upload_may_log_in_as_someone_else_than_their_session(component_apps, tmp_path):
    locked = component_apps[1]
    session = new_gradio_session(locked.url, "mine", auth=("user", "secret"))
    with pytest.raises(AuthenticationRequired, match="refused the login"):
        invoke_gradio_session_api("text", ["x"], session=session, auth=("user", "wrong"))
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(AuthenticationRequired, match="refused the login"):
        send_gradio_session_files([notes], session, auth=("user", "wrong"))
    # the session's own login is untouched by the refused ones
    call = invoke_gradio_session_api("text", ["y"], session=session)
    assert update_gradio_session_api_result(call, session=session)[-1].data == ["text:y"]
    [uploaded] = send_gradio_session_files([notes], session)
    assert uploaded["orig_name"] == "notes.txt"


def test_the_cli_logs_in_and_never_stores_the_password(component_apps, tmp_path):
    import subprocess
    import sys

    locked = component_apps[1]
    env = {
        **os.environ,
        "POWERSHAI_PY_STORE": str(tmp_path / "store.sqlite3"),
        "POWERSHAI_PY_PASSWORD": "secret",
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "powershai_py", *args], capture_output=True, text=True, timeout=120, env=env
    )
    assert run("session", "new", locked.url, "--name", "locked").returncode == 3
    made = run("--auth", "user", "session", "new", locked.url, "--name", "locked")
    assert made.returncode == 0, made.stderr
    called = run("--auth", "user", "call", "text", "-p", "value=cli", "--json")
    assert called.returncode == 0 and json.loads(called.stdout.splitlines()[-1])["data"] == ["text:cli"]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("store.sqlite3*"))
    assert b"secret" not in stored


def test_audio_and_video_results_show_inline_with_the_login_kept_out(component_apps, media):
    """In a notebook, a medium of an app behind a login is fetched with the session's login
    and embedded; the page holds neither the login nor a link to the file."""
    locked = component_apps[1]
    session = new_gradio_session(locked.url, "media", auth=("user", "secret"))
    for kind in ("audio", "video"):
        call = invoke_gradio_session_api(kind, [media[kind]], session=session)
        last = update_gradio_session_api_result(call, session=session)[-1]
        shown = last._repr_mimebundle_()["text/html"]
        assert f'<{kind} controls src="data:{kind}/' in shown, shown[:300]
        assert "secret" not in shown and locked.url not in shown
        assert f"<{kind} controls" in call._repr_html_()  # the call shows its last data the same way
