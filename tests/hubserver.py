"""A small local Hugging Face Hub for the tests: Hub-shaped JSON on 127.0.0.1.

Answers ``/api/spaces/{owner}/{name}``, ``/api/spaces?author=``, ``/api/whoami-v2`` and
``HEAD /wake/{owner}/{name}`` (the host of Spaces that are not real apps). A Space can
walk through a list of stages, one per time it is described; a private Space and
``whoami-v2`` need the bearer token ``TOKEN``. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = "hub-test-token"


@dataclass
class FakeSpace:
    id: str
    host: str | None = None
    stages: list[str] = field(default_factory=lambda: ["RUNNING"])
    private: bool = False
    sdk: str = "gradio"
    sdk_version: str = "6.31.0"
    described: int = 0

    def document(self) -> dict[str, Any]:
        stage = self.stages[min(self.described, len(self.stages) - 1)]
        self.described += 1
        owner = self.id.split("/")[0]
        return {
            "id": self.id,
            "author": owner,
            "sdk": self.sdk,
            "host": self.host,
            "private": self.private,
            "runtime": {"stage": stage, "hardware": {"current": "cpu-basic"}},
            "cardData": {"sdk": self.sdk, "sdk_version": self.sdk_version, "title": self.id},
        }


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None


class LocalHub:
    def __init__(self) -> None:
        self.spaces: dict[str, FakeSpace] = {}
        self.seen: list[Seen] = []
        self.wakes: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _route(self) -> None:
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                authorization = self.headers.get("Authorization")
                hub.seen.append(Seen(self.command, path, parse_qs(parts.query), authorization))
                authorized = authorization == f"Bearer {TOKEN}"
                if path.startswith("/wake/"):
                    hub.wakes.append(path[len("/wake/") :])
                    return self._answer(200, {"ok": True})
                if path == "/api/whoami-v2":
                    if not authorized:
                        return self._answer(401, {"error": "Invalid credentials in Authorization header"})
                    return self._answer(200, {"type": "user", "name": "tester", "orgs": []})
                if path == "/api/spaces":
                    author = parse_qs(parts.query).get("author", [""])[0]
                    listed = [s.document() for s in hub.spaces.values() if s.id.split("/")[0] == author]
                    return self._answer(200, [item for item in listed if not item["private"] or authorized])
                if path.startswith("/api/spaces/"):
                    space = hub.spaces.get(path[len("/api/spaces/") :])
                    if space is None:
                        return self._answer(404, {"error": "Repository Not Found"})
                    if space.private and not authorized:
                        return self._answer(401, {"error": "Invalid username or password."})
                    return self._answer(200, space.document())
                return self._answer(404, {"error": "not found"})

            do_GET = do_HEAD = _route

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, space: FakeSpace) -> FakeSpace:
        if space.host is None:
            space.host = f"{self.url}/wake/{space.id}"
        self.spaces[space.id] = space
        return space

    def __enter__(self) -> LocalHub:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
