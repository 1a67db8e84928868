"""Hugging Face helpers against a local Hub (tests/hubserver.py) whose Spaces run on real Gradio apps."""

from __future__ import annotations

import pytest
from hubserver import TOKEN, FakeSpace, LocalHub

from powershai_py import (
    AuthenticationRequired,
    HuggingFaceSpace,
    PowershaiError,
    PowershaiWarning,
    connect_hugging_face_space_gradio,
    get_gradio_session,
    get_gradio_sessions,
    get_hf_me,
    get_hf_space,
    get_hugging_face_whoami,
    invoke_gradio_session_api,
    invoke_hugging_face_hub,
    new_gradio_session_api_proxy_function,
    start_hugging_face_space,
    update_gradio_session_api_result,
    wait_hugging_face_space,
)


@pytest.fixture
def hub(monkeypatch, lab):
    with LocalHub() as local:
        monkeypatch.setenv("HF_ENDPOINT", local.url)
        local.add(FakeSpace("owner/public", host=lab.url))
        local.add(FakeSpace("owner/private", host=lab.url, private=True))
        local.add(FakeSpace("owner/sleepy", stages=["SLEEPING", "SLEEPING", "BUILDING", "RUNNING"]))
        local.add(FakeSpace("owner/stuck", stages=["PAUSED"]))
        local.add(FakeSpace("tester/mine", host=lab.url))
        local.add(FakeSpace("owner/static", sdk="static"))
        yield local


def test_a_space_is_found_connected_and_called_through_a_proxy(hub, lab):
    space = get_hf_space("owner/public")
    assert isinstance(space, HuggingFaceSpace)
    assert (space.id, space.author, space.sdk, space.stage) == ("owner/public", "owner", "gradio", "RUNNING")
    assert space.gradio_session == "Space:owner/public"
    session = get_gradio_session(space)  # a Space works wherever a session does
    assert session.name == "Space:owner/public" and session.app_url == lab.api_url  # /gradio_api found
    [echo] = new_gradio_session_api_proxy_function("echo", session=space)
    assert echo("through the hub").value() == "through the hub"
    call = invoke_gradio_session_api("echo", ["direct"], session=space)
    assert update_gradio_session_api_result(call, session=space)[-1].data == ["direct"]


def test_a_private_space_needs_the_token_and_public_sends_none(hub, lab, monkeypatch):
    with pytest.raises(AuthenticationRequired) as caught:
        get_hf_space("owner/private")
    assert caught.value.status == 401
    space = get_hf_space("owner/private", token=TOKEN)
    assert space.private and space.gradio_session == "Space:owner/private"
    [auth] = new_gradio_session_api_proxy_function("auth_header", session=space)
    assert auth("x").value() == f"Bearer {TOKEN}"  # the session keeps the token it was opened with
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    before = len(hub.seen)
    with pytest.raises(AuthenticationRequired):
        invoke_hugging_face_hub("spaces/owner/private", token="public")
    assert [s.authorization for s in hub.seen[before:]] == [None]  # "public" really sends nothing
    assert invoke_hugging_face_hub("spaces/owner/private")["id"] == "owner/private"  # the env token


def test_whoami_uses_the_token_given(hub):
    assert get_hugging_face_whoami(TOKEN)["name"] == "tester"  # D-2: the argument is used
    with pytest.raises(AuthenticationRequired):
        get_hf_me()
    with pytest.raises(AuthenticationRequired):
        get_hugging_face_whoami(TOKEN, public=True)


def test_listing_by_author_and_my(hub):
    listed = get_hf_space(author="owner")
    assert sorted(s.id for s in listed) == ["owner/public", "owner/sleepy", "owner/static", "owner/stuck"]
    assert all(isinstance(s, HuggingFaceSpace) and s.gradio_session is None for s in listed)
    assert get_gradio_sessions() == []  # listing connects nothing
    mine = get_hf_space(my=True, token=TOKEN)
    assert [s.id for s in mine] == ["tester/mine"]


def test_desc_asks_for_descending_order(hub):
    invoke_hugging_face_hub("spaces", author="owner", desc=True, limit=2)
    query = hub.seen[-1].query
    assert query["direction"] == ["-1"] and "sort" not in query and query["limit"] == ["2"]  # D-24


def test_a_sleeping_space_is_woken_and_waited_for(hub):
    lines: list[str] = []
    space = get_hf_space("owner/sleepy")  # SLEEPING: not connected, no warning
    assert space.stage == "SLEEPING" and space.gradio_session is None
    assert wait_hugging_face_space(space, timeout=10, interval=0.01, report=lines.append) is True
    assert lines == ["owner/sleepy: SLEEPING", "owner/sleepy: BUILDING", "owner/sleepy: RUNNING"]
    assert hub.wakes == ["owner/sleepy"]  # woken once, on the first pass
    assert space.stage == "RUNNING"


def test_a_space_that_never_starts_times_out(hub, capsys):
    assert wait_hugging_face_space("owner/stuck", timeout=0.3, interval=0.05, no_start=True) is False
    assert "owner/stuck: PAUSED" in capsys.readouterr().err
    assert hub.wakes == []
    assert wait_hugging_face_space("owner/stuck", timeout=0.2, interval=0.05, no_status=True) is False
    assert capsys.readouterr().err == ""


def test_connecting_returns_an_existing_session_and_links_only_on_success(hub, lab):
    first = connect_hugging_face_space_gradio("owner/public")
    assert connect_hugging_face_space_gradio("owner/public") is first  # D-22: returned, not None
    assert connect_hugging_face_space_gradio("owner/public", force=True) is not first
    dead = HuggingFaceSpace(id="owner/dead", sdk="gradio", host="http://127.0.0.1:9", stage="RUNNING")
    with pytest.raises(PowershaiError):
        connect_hugging_face_space_gradio(dead)
    assert dead.gradio_session is None  # no stale link after a failure
    with pytest.warns(PowershaiWarning, match="Failed connect gradio of owner/dead") as record:
        get_hf_space(dead)
    assert record[0].filename == __file__


def test_server_root_says_where_the_api_lives(hub, lab):
    prefix = "gradio_api" if lab.major >= 5 else ""
    session = connect_hugging_face_space_gradio("owner/public", server_root=prefix or lab.url)
    assert session.app_url == lab.api_url
    full = connect_hugging_face_space_gradio("owner/public", force=True, server_root=lab.api_url)
    assert full.app_url == lab.api_url


def test_start_wakes_the_host_and_warns_on_failure(hub):
    assert start_hugging_face_space("owner/sleepy") is True
    assert hub.wakes == ["owner/sleepy"]
    with pytest.warns(PowershaiWarning, match="Start Failed") as record:
        assert start_hugging_face_space(HuggingFaceSpace(id="x/y", host="http://127.0.0.1:9")) is False
    assert record[0].filename == __file__


def test_a_space_without_a_session_is_a_clear_error(hub):
    space = get_hf_space("owner/static")  # not Gradio: no session
    with pytest.raises(PowershaiError) as caught:
        get_gradio_session(space)
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GETSESSION_HFNOSESSION"
