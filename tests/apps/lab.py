"""Gradio app used by the real-server tests. Runs unchanged on gradio 4.x, 5.x and 6.x.

    python tests/apps/lab.py --port 7860

Each endpoint exists to exercise one protocol behaviour; see the docstrings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr

MAJOR = int(gr.__version__.split(".")[0])


def echo(text):
    """Return the input unchanged."""
    return text


def greet(name, times):
    """Two inputs with defaults ("World", 2)."""
    return " ".join([f"Hello {name}!"] * int(times))


def count_up(n):
    """Generator: 'step 1' .. 'step n', then 'done'."""
    for i in range(int(n or 0)):
        time.sleep(0.05)
        yield f"step {i + 1}"
    yield "done"


def tally(inc, state):
    """A hidden gr.State input and output between visible ones."""
    state = (state or 0) + int(inc or 0)
    return f"total={state}", state


def boom(text):
    """A plain exception."""
    raise ValueError(f"boom: {text}")


def user_error(text):
    """A gr.Error with a message meant for the user."""
    raise gr.Error(f"user error: {text}")


def fail_midway(text):
    """A generator that yields twice and then fails."""
    yield "first"
    yield "second"
    raise gr.Error("failed after two values")


def nap(seconds):
    """Sleep, then answer: the server sends heartbeats meanwhile."""
    time.sleep(float(seconds))
    return f"slept {seconds}"


def copy_file(path):
    """Return a copy of the uploaded file under a new name, with its size."""
    if path is None:
        return None, "no file"
    folder = tempfile.mkdtemp()
    base = os.path.basename(path)
    target = os.path.join(folder, "copy of " + base)
    shutil.copyfile(path, target)
    return target, f"{os.path.getsize(path)} bytes"


def auth_header(text, request: gr.Request):
    """Report the Authorization header the server received with the call."""
    value = request.headers.get("authorization") if request is not None else None
    return value or "<none>"


with gr.Blocks(title="powershai-py lab") as demo:
    text_in = gr.Textbox(label="Text")
    text_out = gr.Textbox(label="Result")

    gr.Button("echo").click(echo, text_in, text_out, api_name="echo")

    who = gr.Textbox(label="Name", value="World")
    times = gr.Number(label="Times", value=2, precision=0)
    gr.Button("greet").click(greet, [who, times], text_out, api_name="greet")

    steps = gr.Number(label="Steps", value=3, precision=0)
    gr.Button("count").click(count_up, steps, text_out, api_name="count_up")

    inc = gr.Number(label="Increment", value=1, precision=0)
    state = gr.State(0)
    gr.Button("tally").click(tally, [inc, state], [text_out, state], api_name="tally")

    gr.Button("boom").click(boom, text_in, text_out, api_name="boom")
    gr.Button("user_error").click(user_error, text_in, text_out, api_name="user_error")
    gr.Button("fail").click(fail_midway, text_in, text_out, api_name="fail_midway")

    seconds = gr.Number(label="Seconds", value=1)
    gr.Button("nap").click(nap, seconds, text_out, api_name="nap")

    file_in = gr.File(label="File in", type="filepath")
    file_out = gr.File(label="File out")
    gr.Button("copy").click(copy_file, file_in, [file_out, text_out], api_name="copy_file")

    gr.Button("auth").click(auth_header, text_in, text_out, api_name="auth_header")
    gr.Button("odd").click(echo, text_in, text_out, api_name="odd name-ção")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth", help="user:password: the app then needs a login")
    args = parser.parse_args()
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    demo.queue(default_concurrency_limit=None)
    demo.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=False, auth=auth)
