#!/usr/bin/env python3
"""Gradio app for scripts/bench: a trivial echo, a fast stream, a 50 ms job four at a time
(the batch benchmark: its ceiling is 80 calls/s), and optionally many endpoints.

python scripts/bench_app.py --port 7860 [--endpoints 200]
"""

from __future__ import annotations

import argparse
import os
import time

for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)

import gradio as gr  # noqa: E402


def echo(text):
    return text


def size(path):
    return os.path.getsize(path) if path else 0


def stream(count):
    for i in range(int(count)):
        yield str(i)


def work(n):
    """50 ms of work, then n + 1 (at most four run at once: 80 calls a second in all)."""
    time.sleep(0.05)
    return n + 1


def build(endpoints: int) -> gr.Blocks:
    with gr.Blocks(title="powershai-py bench") as demo:
        text_in = gr.Textbox(label="Text")
        text_out = gr.Textbox(label="Result")
        gr.Button("echo").click(echo, text_in, text_out, api_name="echo")
        count = gr.Number(label="Count", value=10, precision=0)
        gr.Button("stream").click(stream, count, text_out, api_name="stream")
        gr.Button("size").click(size, gr.File(label="File"), gr.Number(), api_name="size")
        number = gr.Number(label="n", precision=0)
        gr.Button("work").click(work, number, gr.Number(), api_name="work", concurrency_limit=4)
        for n in range(endpoints):
            gr.Button(f"e{n}").click(echo, text_in, text_out, api_name=f"endpoint_{n}")
    return demo


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--endpoints", type=int, default=0)
    parser.add_argument("--ssl-keyfile")
    parser.add_argument("--ssl-certfile")
    args = parser.parse_args()
    app = build(args.endpoints)
    app.queue(default_concurrency_limit=None)
    tls = {"ssl_keyfile": args.ssl_keyfile, "ssl_certfile": args.ssl_certfile, "ssl_verify": False}
    app.launch(
        server_name="127.0.0.1", server_port=args.port, share=False, show_error=False,
        **(tls if args.ssl_certfile else {}),
    )  # fmt: skip
