"""Pure helpers: token resolution, the /config layout, state padding, file URLs."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.errors import EndpointNotFound, InvalidEvent, PowershaiError
from powershai_py.gradio.protocol.app import layout_from_config, normalize_url, pad_state_slots
from powershai_py.gradio.protocol.calls import endpoint_not_found, to_data_list
from powershai_py.gradio.protocol.files import file_url, fix_file_urls
from powershai_py.gradio.protocol.models import AppLayout, Secret
from powershai_py.gradio.protocol.results import update_gradio_api_result
from powershai_py.http import resolve_token


def test_an_explicit_token_wins(monkeypatch):
    monkeypatch.setenv("HF_API_TOKEN", "env")
    assert resolve_token("given") == "given"


def test_env_tokens_in_order(monkeypatch):
    assert resolve_token(None) is None
    monkeypatch.setenv("HF_TOKEN", "second")
    assert resolve_token(None) == "second"
    monkeypatch.setenv("HF_API_TOKEN", "first")
    assert resolve_token(None) == "first"
    assert resolve_token("") == "first"


@pytest.mark.parametrize("word", ["public", "PUBLIC", "Public", " public "])
def test_public_means_no_token_even_with_an_env_token(monkeypatch, word):
    monkeypatch.setenv("HF_API_TOKEN", "env")
    assert resolve_token(word) is None


def test_a_token_that_is_not_a_string_is_refused():
    with pytest.raises(PowershaiError):
        resolve_token(123)  # type: ignore[arg-type]


def test_secret_hides_its_value():
    secret = Secret("hf_canary")
    assert "hf_canary" not in repr(secret) + str(secret) + repr([secret])


CONFIG_V5 = {
    "version": "5.50.0",
    "api_prefix": "/gradio_api",
    "components": [{"id": 1, "type": "number"}, {"id": 2, "type": "state"}, {"id": 3, "type": "textbox"}],
    "dependencies": [
        {"api_name": "tally", "inputs": [1, 2]},
        {"api_name": "mid", "inputs": [2, 3, 2, 1]},
        {"api_name": False, "inputs": [1]},
    ],
}


def test_layout_from_config():
    layout = layout_from_config("http://h:1/", CONFIG_V5)
    assert layout.real_app_url == "http://h:1/gradio_api"
    assert layout.major == 5
    assert layout.api_names == ("tally", "mid")
    assert layout.state_slots["mid"] == (4, (0, 2))


def test_state_slots_get_nulls_on_gradio_4_and_5_only():
    layout = layout_from_config("http://h", CONFIG_V5)
    assert pad_state_slots([7], layout, "tally") == [7, None]
    assert pad_state_slots(["a", 1], layout, "mid") == [None, "a", None, 1]
    assert pad_state_slots([7, None], layout, "tally") == [7, None]  # already padded
    six = layout_from_config("http://h", {**CONFIG_V5, "version": "6.31.0"})
    assert pad_state_slots([7], six, "tally") == [7]


@given(st.lists(st.integers(), max_size=5))
def test_padding_never_loses_a_value(values):
    layout = layout_from_config("http://h", CONFIG_V5)
    padded = pad_state_slots(values, layout, "mid")
    assert [v for v in padded if v is not None] == values


def test_to_data_list():
    assert to_data_list(None) == []
    assert to_data_list((1, 2)) == [1, 2]
    assert to_data_list({"a": 1}) == [{"a": 1}]
    assert to_data_list("x") == ["x"]


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:7860", "", "http://"])
def test_bad_urls_are_refused_with_a_code(url):
    with pytest.raises(PowershaiError) as caught:
        normalize_url(url)
    assert caught.value.code == "POWERSHAI_HTTP_INVALIDURL"


def test_file_urls_encode_every_reserved_character():
    assert file_url("http://h/gradio_api/", "/tmp/a b/ção?.txt") == (
        "http://h/gradio_api/file=%2Ftmp%2Fa%20b%2F%C3%A7%C3%A3o%3F.txt"
    )


def test_fix_file_urls_reaches_nested_filedata_and_ignores_the_rest():
    meta = {"_type": "gradio.FileData"}
    data = [
        {"path": "/tmp/x.txt", "url": "http://broken/cal/file=/tmp/x.txt", "meta": meta},
        [{"path": "/tmp/y", "url": None, "meta": meta}],
        {"path": "/keep", "url": "u"},
    ]
    fix_file_urls(data, "http://h")
    assert data[0]["url"] == "http://h/file=%2Ftmp%2Fx.txt"
    assert data[1][0]["url"] == "http://h/file=%2Ftmp%2Fy"
    assert data[2]["url"] == "u"


def test_unknown_endpoint_error_lists_the_closest_first():
    error = endpoint_not_found("pridict", ["echo", "predict", "other"], "http://h")
    assert isinstance(error, EndpointNotFound)
    assert error.available == ["predict", "echo", "other"]
    assert "predict" in str(error)


def test_errors_survive_pickling():
    error = pickle.loads(pickle.dumps(EndpointNotFound("m", api_name="x", available=["y"])))
    assert error.code == "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    assert error.available == ["y"]


def test_anything_but_an_event_is_refused_with_the_original_code():
    with pytest.raises(InvalidEvent) as caught:
        update_gradio_api_result({"event_id": "x"})  # type: ignore[arg-type]
    assert caught.value.code == "POWERSHAI_HUGGINFACE_GRADIO_UPDATE_INVALIDEVENT"


def test_a_layout_without_config_is_never_padded():
    layout = AppLayout(root_url="http://h", api_prefix="", from_config=False)
    assert pad_state_slots([1], layout, "x") == [1]


def test_close_session_for_all_threads_renews_every_threads_session():
    import threading

    from powershai_py.http import close_session, get_session

    seen = []
    ready, go = threading.Event(), threading.Event()

    def worker() -> None:
        seen.append(get_session())
        ready.set()
        go.wait(10)
        seen.append(get_session())

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    close_session(all_threads=True)  # e.g. after REQUESTS_CA_BUNDLE changed
    go.set()
    thread.join(10)
    assert seen[0] is not seen[1]  # the worker made a new session at its next request


@pytest.mark.parametrize(
    ("url", "owner", "sent"),
    [
        ("http://127.0.0.1:8300/file=x", "http://127.0.0.1:8300", True),
        ("http://127.0.0.1:8301/file=x", "http://127.0.0.1:8300", False),  # only the port differs
        ("https://127.0.0.1:8300/file=x", "http://127.0.0.1:8300", False),  # only the scheme
        ("http://localhost:8300/file=x", "http://127.0.0.1:8300", False),  # only the host name
        ("http://APP.example:80/x", "http://app.example", True),  # case and the default port
    ],
)
def test_a_token_goes_to_its_origin_only(requests_mock, url, owner, sent):
    from powershai_py.http import request

    requests_mock.get(url, text="ok")
    request("GET", url, token="hf_canary", token_origin=owner)
    assert ("Authorization" in requests_mock.last_request.headers) is sent
