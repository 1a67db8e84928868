"""Clients: independent configurations in one process (issue 24), against a real Gradio app."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import powershai_py as ps
from powershai_py import Client, PowershaiError
from powershai_py.gradio.sessions.store import MemoryStore
from powershai_py.gradio.storage.sqlite_store import SQLiteStore


def test_two_clients_side_by_side_in_threads(lab, tmp_path):
    """Two clients with their own store, token and settings, used at once from two threads,
    while the default client goes on unchanged."""
    first = Client(store=tmp_path / "first.sqlite3", token="hf_first", transport="call")
    second = Client(store=MemoryStore(), token="hf_second", transport="queue", read_timeout=7.0)
    seen: dict[str, Any] = {}
    errors: list[BaseException] = []

    def work(name: str, client: Client) -> None:
        try:
            session = client.new_gradio_session(lab.url, name)
            results = []
            for n in range(5):
                call = client.invoke_gradio_session_api("auth_header", {"text": str(n)}, session=name)
                results.append(client.update_gradio_session_api_result(call, session=name)[-1].data)
            seen[name] = {
                "headers": results,
                "transport": call.api_event.transport,
                "sessions": [s.name for s in client.get_gradio_sessions()],
                "read_timeout": client.settings.read_timeout,
                "session": session.name,
            }
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=pair) for pair in (("a", first), ("b", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert (
        seen["a"]["headers"] == [["Bearer hf_first"]] * 5
        and seen["b"]["headers"] == [["Bearer hf_second"]] * 5
    )
    assert (seen["a"]["transport"], seen["b"]["transport"]) == ("call", "queue")
    assert seen["a"]["sessions"] == ["a"] and seen["b"]["sessions"] == ["b"]  # each its own store
    assert (seen["a"]["read_timeout"], seen["b"]["read_timeout"]) == (60.0, 7.0)
    # the default client saw none of it
    assert (
        ps.get_gradio_sessions() == []
        and ps.settings.transport == "auto"
        and ps.settings.read_timeout == 60.0
    )
    assert ps.resolve_token() is None
    # the first client's store is a real file with its session in it
    assert [s.name for s in SQLiteStore(tmp_path / "first.sqlite3").all()] == ["a"]
    first.close()
    second.close()


def test_a_clients_results_read_with_it_wherever_they_are_consumed(lab):
    """A stream and a proxy result made by a client are read with its token, even when they
    are consumed outside any client."""
    client = Client(token="hf_mine")
    client.new_gradio_session(lab.url, "mine")
    call = client.invoke_gradio_session_api("auth_header", ["x"], session="mine")
    stream = client.iter_gradio_session_api_result(call, session="mine")
    assert [r.data for r in stream][-1] == ["Bearer hf_mine"]
    [function] = client.new_gradio_session_api_proxy_function("auth_header", session="mine", namespace={})
    assert function("y").value() == "Bearer hf_mine"  # made in the client, read outside it
    event = client.send_gradio_api(lab.url, "auth_header", ["z"])
    assert ps.update_gradio_api_result(event)[-1].data == ["Bearer hf_mine"]
    client.close()


def test_with_a_client_the_plain_functions_use_it_and_it_closes_at_the_end(lab):
    with Client(token="hf_block") as client:
        ps.new_gradio_session(lab.url, "inside")
        assert [s.name for s in client.get_gradio_sessions()] == ["inside"]
        event = ps.send_gradio_api(lab.url, "auth_header", ["x"])
        assert ps.update_gradio_api_result(event)[-1].data == ["Bearer hf_block"]
    assert ps.get_gradio_sessions() == []  # the block's session was the client's
    with pytest.raises(PowershaiError) as caught:
        client.send_gradio_api(lab.url, "echo", ["x"])
    assert caught.value.code == "POWERSHAI_CLIENT_CLOSED"


def test_a_client_refuses_a_setting_it_does_not_have_and_hides_its_token():
    with pytest.raises(PowershaiError, match="read_timout") as caught:
        Client(read_timout=5)
    assert caught.value.code == "POWERSHAI_CLIENT_SETTING" and "read_timeout" in caught.value.message
    client = Client(token="hf_secret_canary")
    assert "hf_secret_canary" not in repr(client) and "hf_secret_canary" not in repr(client.state)
    assert "invoke_gradio_session_api" in dir(client)
    with pytest.raises(AttributeError):
        client.no_such_function  # noqa: B018


def test_the_session_of_a_thread_that_ended_is_not_kept(lab):
    """A client closes the HTTP sessions of its threads, but holds none of a thread that ended
    (a batch of short threads must not pile up open connections)."""
    import gc

    from powershai_py.http.pool import SessionSet

    client = Client()
    held = client.state.slot("sessions", SessionSet).all
    client.invoke_gradio_http(lab.url + "/config")  # this thread's session
    before = len(held)
    assert before == 1
    threads = [
        threading.Thread(target=client.invoke_gradio_http, args=(lab.url + "/config",)) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    gc.collect()
    assert len(held) == before  # the five threads' sessions went with their threads
    client.close()
    assert len(client.state.slot("sessions", SessionSet).all) == 0
