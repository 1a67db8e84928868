"""A tiny HTTP server on 127.0.0.1 for what a real Gradio server cannot be made to do.

Each route is a function ``(handler) -> None`` that writes the whole answer; every
request is recorded (method, path, headers) so tests can check what was sent. Streams
that stall wait on ``server.release`` with a bound, so the server always stops.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[[BaseHTTPRequestHandler], None]
STALL_LIMIT = 20.0  # seconds a stalled stream waits at most before the server gives up


class FaultServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.prefixes: list[tuple[str, str, Route]] = []
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                path = self.path.split("?")[0]
                route = server.routes.get((self.command, path)) or next(
                    (r for m, p, r in server.prefixes if m == self.command and path.startswith(p)), None
                )
                if route is None:
                    send_json(self, 404, {"detail": "Not Found"})
                else:
                    route(self)

            do_GET = do_POST = do_HEAD = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.fault = self  # type: ignore[attr-defined]  # routes reach us as handler.server.fault
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, path: str, handler: Route) -> None:
        self.routes[(method, path)] = handler

    def route_prefix(self, method: str, prefix: str, handler: Route) -> None:
        """Answer every path that starts with ``prefix`` (after the exact routes)."""
        self.prefixes.append((method, prefix, handler))

    def sent_to(self, *, header: str | None = None) -> list[dict[str, Any]]:
        """The requests received (those carrying ``header`` when given)."""
        return [r for r in self.requests if header is None or header.lower() in map(str.lower, r["headers"])]

    def gradio_app(self, api_name: str, stream: Route, version: str = "6.31.0") -> None:
        """Answer /config, /info and POST /call like a Gradio 6 app with one endpoint."""
        config = {
            "version": version,
            "api_prefix": "",
            "components": [{"id": 1, "type": "textbox"}],
            "dependencies": [{"api_name": api_name, "inputs": [1], "outputs": [1]}],
        }
        self.route("GET", "/config", lambda h: send_json(h, 200, config))
        self.route(
            "GET",
            "/info",
            lambda h: send_json(
                h,
                200,
                {
                    "named_endpoints": {"/" + api_name: {"parameters": [], "returns": []}},
                    "unnamed_endpoints": {},
                },
            ),
        )
        self.route("POST", f"/call/{api_name}", lambda h: send_json(h, 200, {"event_id": "e1"}))
        self.route("GET", f"/call/{api_name}/e1", stream)


def send_json(
    handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def wait_for_release(handler: BaseHTTPRequestHandler) -> None:
    """Stall (send nothing) until the test ends, or STALL_LIMIT seconds at most."""
    handler.server.fault.release.wait(STALL_LIMIT)  # type: ignore[attr-defined]


def start_event_stream(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()


def send_chunk(handler: BaseHTTPRequestHandler, payload: bytes) -> None:
    handler.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
    handler.wfile.flush()


def end_chunks(handler: BaseHTTPRequestHandler) -> None:
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()


def trickle(handler: BaseHTTPRequestHandler, payload: bytes, interval: float, headers: bool = False) -> None:
    """Send ``payload`` one byte every ``interval`` seconds (the status line and headers too
    when ``headers``), until done or the test ends."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
    )
    if not headers:
        handler.wfile.write(head)
        handler.wfile.flush()
    release = handler.server.fault.release  # type: ignore[attr-defined]
    for byte in (head if headers else b"") + payload:
        if release.wait(interval):
            return
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return  # the client gave up: that is the point


def send_bytes(
    handler: BaseHTTPRequestHandler, payload: bytes, kind: str = "application/octet-stream"
) -> None:
    """A whole body of ``kind`` with its length."""
    handler.send_response(200)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def events(*items: tuple[str, object]) -> bytes:
    """SSE events of the /call protocol: ``(name, data)`` pairs, data as JSON."""
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in items)


def stream_of(payload: bytes) -> Route:
    """A route that sends ``payload`` as one chunk of an event stream, then ends it."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        start_event_stream(handler)
        send_chunk(handler, payload)
        end_chunks(handler)

    return route
