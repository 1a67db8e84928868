"""A small app for batch runs: a quick endpoint with a concurrency limit, an app error on some
inputs, and GPU quota errors worded as a ZeroGPU Space words them.

    python tests/apps/batch_app.py --port 7860 [--changed]

``--changed`` is the same app as a new release of it would be: another endpoint comes first
(every fn_index moves) and ``square`` declares its parameters in the other order, so a client
that kept the old ``/info`` after a restart sends them wrongly.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr

# The texts real ZeroGPU Spaces sent (gradio-app issue reports quoted in issue 25).
QUOTA_WITH_WAIT = (
    "You have exceeded your GPU quota (46s left vs. 60s requested). Sign-up on Hugging Face to get "
    "more quotas or retry in 0:00:01."
)
QUOTA_WITHOUT_WAIT = (
    'You have exceeded your GPU quota (60s requested vs. 56s left). <a style="white-space: nowrap" '
    'href="https://huggingface.co/join">Create a free account</a> to get more usage quota.'
)
_refusals = itertools.count()
_lock = threading.Lock()


def square(n, delay):
    """n squared after ``delay`` seconds; an app error for a negative n."""
    time.sleep(float(delay or 0))
    if n is not None and n < 0:
        raise gr.Error(f"negative input {n}")
    return n * n


def gpu(n):
    """The first three calls are refused for GPU quota (the first with a wait), then it works."""
    with _lock:
        refusal = next(_refusals)
    if refusal == 0:
        raise gr.Error(QUOTA_WITH_WAIT)
    if refusal < 3:
        raise gr.Error(QUOTA_WITH_WAIT if refusal % 2 else QUOTA_WITHOUT_WAIT)
    return n + 1000


def build(changed: bool) -> gr.Blocks:
    with gr.Blocks() as demo:
        n = gr.Number(precision=0, label="n")
        delay = gr.Number(value=0, label="delay")
        out = gr.Number()
        if changed:
            gr.Button("cube").click(lambda x: x**3, n, out, api_name="cube")
            flipped = lambda delay, n: square(n, delay)  # noqa: E731
            gr.Button("square").click(flipped, [delay, n], out, api_name="square", concurrency_limit=4)
        else:
            gr.Button("square").click(square, [n, delay], out, api_name="square", concurrency_limit=4)
        gr.Button("gpu").click(gpu, n, out, api_name="gpu", concurrency_limit=1)
    return demo


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--changed", action="store_true")
    args = parser.parse_args()
    demo = build(args.changed)
    demo.queue()
    demo.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=False)
