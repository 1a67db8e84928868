"""Record what a real Gradio server sends over its queue protocol, verbatim, for docs/protocol/.

    python scripts/capture_queue.py http://127.0.0.1:7860 > docs/protocol/queue-6.31.0.txt

The server must run tests/apps/queue_lab.py. Raw ``requests`` only (not our client), so the
transcript shows the server, not us. Each ``data:`` line is printed as received, prefixed with
the seconds since the stream was opened. Event ids and session hashes differ on every run.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid

import requests


def fn_index(config: dict, name: str) -> int:
    for position, dependency in enumerate(config["dependencies"]):
        if (dependency.get("api_name") or "").lstrip("/") == name:
            return dependency.get("id", position)
    raise SystemExit(f"no endpoint {name}")


def scenario(
    root: str,
    api: str,
    config: dict,
    title: str,
    calls: list[tuple[str, list]],
    cancel_after: int | None = None,
) -> None:
    http = requests.Session()
    session_hash = uuid.uuid4().hex[:10]
    print(f"### {title}  (session_hash={session_hash})")
    joined = []
    for name, data in calls:
        body = {
            "data": data,
            "fn_index": fn_index(config, name),
            "session_hash": session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        answer = http.post(f"{root}{api}/queue/join", json=body, timeout=10)
        print(f"POST {api}/queue/join {json.dumps(body)}\n-> {answer.status_code} {answer.text}")
        joined.append((name, answer.json().get("event_id")))
    start = time.monotonic()
    seen = 0
    with http.get(
        f"{root}{api}/queue/data", params={"session_hash": session_hash}, stream=True, timeout=(5, 60)
    ) as stream:
        print(
            f"GET {api}/queue/data?session_hash={session_hash} -> {stream.status_code} "
            f"{stream.headers.get('content-type')}"
        )
        for line in stream.iter_lines():
            if not line:
                continue
            text = line.decode()
            print(f"+{time.monotonic() - start:6.2f} | {text}")
            seen += 1
            if cancel_after is not None and seen == cancel_after:
                name, event_id = joined[0]
                body = {
                    "event_id": event_id,
                    "session_hash": session_hash,
                    "fn_index": fn_index(config, name),
                }
                answer = requests.post(f"{root}{api}/cancel", json=body, timeout=10)
                print(f"POST {api}/cancel {json.dumps(body)}\n-> {answer.status_code} {answer.text}")
    print()


def main(root: str) -> None:
    root = root.rstrip("/")
    config = requests.get(f"{root}/config", timeout=10).json()
    api = (config.get("api_prefix") or "").rstrip("/")
    print(f"# Gradio {config['version']} at {root}: queue protocol (tests/apps/queue_lab.py)\n")
    scenario(
        root,
        api,
        config,
        "three calls to 'slow' (concurrency_limit=1) in one session",
        [("slow", [0.5]), ("slow", [0.5]), ("slow", [0.5])],
    )
    blocker = threading.Thread(
        target=lambda: scenario(root, api, config, "another session holds 'slow' meanwhile", [("slow", [1])])
    )
    blocker.start()
    time.sleep(0.3)
    scenario(root, api, config, "'slow' queued behind another session", [("slow", [0.2])])
    blocker.join()
    scenario(root, api, config, "gr.Progress", [("steps", [3])])
    scenario(root, api, config, "gr.Info and gr.Warning", [("talk", ["hi"])])
    scenario(
        root, api, config, "gr.Error and an exception under show_error", [("divide", [1, 0]), ("boom", ["x"])]
    )
    scenario(
        root,
        api,
        config,
        "gr.State across two calls of one session",
        [("tally", [2, None]), ("tally", [3, None])],
    )
    scenario(
        root,
        api,
        config,
        "a generator cancelled after its fourth message",
        [("ticker", [50])],
        cancel_after=4,
    )


if __name__ == "__main__":
    main(sys.argv[1])
