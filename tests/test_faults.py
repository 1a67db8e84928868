"""What a real Gradio server cannot be made to do: stalls, cuts, redirects, HTTP errors.

These use the local fault server (tests/faultserver.py) or requests-mock.
"""

from __future__ import annotations

import pytest
from faultserver import FaultServer, end_chunks, send_chunk, send_json, start_event_stream, wait_for_release

from powershai_py import (
    Client,
    ConnectionLost,
    HttpError,
    ProtocolError,
    QueueFull,
    RedirectError,
    RequestTimeout,
    StreamLost,
    invoke_gradio_http,
    send_gradio_api,
    update_gradio_api_result,
)
from powershai_py.gradio.protocol.app import forget_app


@pytest.fixture
def client():
    """A client active for the test whose calls take /call: the fault server's Gradio app speaks
    it (the queue's faults: tests/test_queue_pure.py)."""
    with Client(transport="call") as client:
        yield client


@pytest.fixture
def fault(client):
    with FaultServer() as server:
        yield server


def stall_after_one_event(handler):
    start_event_stream(handler)
    send_chunk(handler, b'event: generating\ndata: ["first"]\n\n')
    wait_for_release(handler)


@pytest.fixture
def stalling(fault):
    fault.gradio_app("slow", stall_after_one_event)
    return fault


def test_a_server_that_stops_sending_mid_stream_cannot_hang_the_read(stalling):
    event = send_gradio_api(stalling.url, "slow", ["x"])
    with pytest.raises(RequestTimeout) as caught:
        update_gradio_api_result(event, history=True, read_timeout=0.5)
    assert caught.value.code == "timeout"
    assert caught.value.event_id == "e1"
    # what arrived before the stall is kept
    assert [e.data for e in event.events] == [["first"]]
    assert event.status == "generating"
    assert event.last_query_status == "Timeout"
    # and the lost stream is not requested again
    gets_before = len([r for r in stalling.requests if r["method"] == "GET"])
    with pytest.raises(StreamLost):
        update_gradio_api_result(event)
    assert len([r for r in stalling.requests if r["method"] == "GET"]) == gets_before


def test_a_stream_cut_mid_event_keeps_what_came_before(fault):
    def cut(handler):
        start_event_stream(handler)
        send_chunk(handler, b'event: generating\ndata: ["one"]\n\nevent: gener')
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(2)

    fault.gradio_app("cut", cut)
    event = send_gradio_api(fault.url, "cut", [])
    with pytest.raises(ConnectionLost):
        update_gradio_api_result(event, history=True)
    assert event.data == [["one"]]
    assert event.last_query_status == "ConnectionLost"


@pytest.mark.parametrize(
    "tail",
    [b"", b'event: generating\ndata: ["cut', b'event: complete\ndata: ["done"]\n'],
    ids=["between-events", "mid-event", "complete-without-its-blank-line"],
)
def test_a_stream_that_ends_without_a_final_event_is_never_complete(fault, tail):
    def short(handler):
        start_event_stream(handler)
        send_chunk(handler, b'event: generating\ndata: ["only"]\n\n' + tail)
        end_chunks(handler)

    fault.gradio_app("short", short)
    event = send_gradio_api(fault.url, "short", [])
    with pytest.raises(ConnectionLost, match="ended the stream before the call completed"):
        update_gradio_api_result(event, history=True)
    assert event.data == [["only"]]  # what came is kept; an event the end cut is not a result
    assert [r.event for r in event.events] == ["generating"]
    assert event.status != "complete"
    assert event.last_query_status == "ConnectionLost"
    # ... but its text is kept too, as text
    assert event.unfinished == {b"": None, b'event: generating\ndata: ["cut': '["cut'}.get(tail, '["done"]')
    with pytest.raises(StreamLost):
        update_gradio_api_result(event)


def test_the_token_is_not_sent_after_a_redirect_to_another_host(fault):
    with FaultServer() as other:
        other.route("GET", "/landing", lambda h: send_json(h, 200, {"ok": True}))
        # same port number space, different host name: 'localhost' is another origin than 127.0.0.1
        target = other.url.replace("127.0.0.1", "localhost") + "/landing"
        fault.route("GET", "/go", lambda h: send_json(h, 302, {}, {"Location": target}))
        assert invoke_gradio_http(fault.url + "/go", token="hf_secret") == {"ok": True}
    assert fault.requests[0]["headers"].get("Authorization") == "Bearer hf_secret"
    assert "Authorization" not in other.requests[0]["headers"]


def test_a_redirect_on_the_same_host_keeps_the_token(fault):
    fault.route("GET", "/go", lambda h: send_json(h, 307, {}, {"Location": "/here"}))
    fault.route("GET", "/here", lambda h: send_json(h, 200, [1]))
    assert invoke_gradio_http(fault.url + "/go", token="hf_secret") == [1]
    assert fault.requests[1]["headers"].get("Authorization") == "Bearer hf_secret"


def test_max_redirects_zero_raises_http_redirect(fault):
    fault.route("GET", "/go", lambda h: send_json(h, 302, {}, {"Location": "/here"}))
    with pytest.raises(RedirectError) as caught:
        invoke_gradio_http(fault.url + "/go", max_redirects=0)
    assert caught.value.code == "HTTP_REDIRECT"
    assert caught.value.status == 302


def test_queue_full_is_its_own_error(requests_mock):
    base = "http://127.0.0.1:9"
    requests_mock.get(base + "/config", json={"version": "6.31.0", "api_prefix": "", "dependencies": []})
    requests_mock.post(base + "/call/x", status_code=503, json={"detail": "Queue is full. Max size is 2"})
    with pytest.raises(QueueFull) as caught:
        send_gradio_api(base, "x", [1])
    assert caught.value.status == 503
    assert isinstance(caught.value, HttpError)
    forget_app(base)


def test_a_post_answer_without_event_id_is_a_protocol_error(requests_mock):
    base = "http://127.0.0.1:9"
    requests_mock.get(base + "/config", json={"version": "6.31.0", "api_prefix": "", "dependencies": []})
    requests_mock.post(base + "/call/x", json={"nope": 1})
    with pytest.raises(ProtocolError) as caught:
        send_gradio_api(base, "x", [1])
    assert caught.value.code == "POWERSHAI_GRADIO_PROTOCOL"
    forget_app(base)


def test_nothing_listening_is_a_connection_error():
    with pytest.raises(ConnectionLost):
        invoke_gradio_http("http://127.0.0.1:9/config")


def test_a_server_that_keeps_talking_after_complete_loses_its_connection(fault, client):
    import threading

    client.settings.drain_bytes = 256
    client_closed = threading.Event()

    def chatty_after_complete(handler):
        start_event_stream(handler)
        send_chunk(handler, b'event: complete\ndata: ["done"]\n\n')
        try:
            for _ in range(2000):  # far past drain_bytes, never the end of the body
                send_chunk(handler, b": still here\n")
                if handler.server.fault.release.wait(0.01):
                    return
        except OSError:
            client_closed.set()  # we gave the response up instead of waiting for its end

    fault.gradio_app("chatty", chatty_after_complete)
    event = send_gradio_api(fault.url, "chatty", [])
    assert [r.data for r in update_gradio_api_result(event)] == [["done"]]
    assert event.status == "complete" and event.last_query_status == "complete"
    assert client_closed.wait(15)
