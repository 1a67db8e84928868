"""An app with the shapes that broke clients on apps written by others (tests/test_others_shapes.py).

Each part is shaped after a demo or fixture of the gradio repository (issue 22):
- ``/chat`` and its ``/flag``: a ``gr.ChatInterface`` with manual flagging; on Gradio 6 the
  ``/flag`` parameters carry labels as translation objects, not strings (``chatinterface_*``).
- ``/sentence_builder``: parameters with defaults, one without, then more with defaults
  (``demo/sentence_builder``).
- ``/calculator``: a Number with a default before a Radio and a Number without
  (``calculator_demo_with_defaults`` of gradio_client's tests).
- ``/stats`` and ``/frame``: numpy and pandas values that a plain JSON encoder refuses
  (``dataframe_streaming``, ``dataframe_datatype``).
- ``/chat_file``: a multimodal ``ChatInterface`` whose reply holds a ``gr.File``.

Run: ``python tests/apps/others_shapes.py --port 7860``.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr
import numpy as np
import pandas as pd

MAJOR = int(gr.__version__.split(".")[0])


def chat(message, history):
    return f"echo: {message}"


def sentence_builder(quantity, animal, countries, place, activity_list, morning):
    return (
        f"The {quantity} {animal}s from {' and '.join(countries)} went to the {place} where they "
        f"{' and '.join(activity_list)} until the {'morning' if morning else 'night'}"
    )


def calculator(num1, operation=None, num2=100):
    if operation is None or operation == "add":
        return num1 + num2
    if operation == "subtract":
        return num1 - num2
    if operation == "multiply":
        return num1 * num2
    if num2 == 0:
        raise gr.Error("Cannot divide by zero!")
    return num1 / num2


def stats(count):
    return np.int64(count) * 2  # a numpy integer for a Number output


def frame(rows):
    return pd.DataFrame(
        {
            "when": [pd.Timestamp("2026-01-01") + pd.Timedelta(days=i) for i in range(int(rows))],
            "count": np.arange(int(rows), dtype=np.int64),
        }
    )


def chat_file(message, history):
    path = os.path.join(tempfile.mkdtemp(), "reply.txt")
    with open(path, "w") as handle:
        handle.write(f"you said {message['text'] if isinstance(message, dict) else message}")
    return gr.File(value=path)


# Gradio 4 names the flagging option allow_flagging
NO_FLAGS = {"flagging_mode": "never"} if MAJOR >= 5 else {"allow_flagging": "never"}


def build() -> gr.Blocks:
    if MAJOR >= 5:
        chat_app = gr.ChatInterface(chat, flagging_mode="manual", flagging_options=["Like", "Spam"])
    else:
        chat_app = gr.ChatInterface(chat)
    sentences = gr.Interface(
        sentence_builder,
        [
            gr.Slider(2, 20, value=4, label="Count"),
            gr.Dropdown(["cat", "dog", "bird"], label="Animal"),
            gr.CheckboxGroup(["USA", "Japan", "Pakistan"], label="Countries"),
            gr.Radio(["park", "zoo", "road"], label="Location"),
            gr.Dropdown(["ran", "swam", "ate", "slept"], value=["swam", "slept"], multiselect=True),
            gr.Checkbox(label="Morning"),
        ],
        "text",
        api_name="sentence_builder",
        **NO_FLAGS,
    )
    calc = gr.Interface(
        calculator,
        [gr.Number(value=10), gr.Radio(["add", "subtract", "multiply", "divide"]), gr.Number()],
        "number",
        api_name="calculator",
        **NO_FLAGS,
    )
    numbers = gr.Interface(stats, gr.Number(precision=0), gr.Number(), api_name="stats", **NO_FLAGS)
    frames = gr.Interface(frame, gr.Number(precision=0), gr.Dataframe(), api_name="frame", **NO_FLAGS)
    apps = [chat_app, sentences, calc, numbers, frames]
    names = ["chat", "sentences", "calculator", "stats", "frame"]
    if MAJOR >= 5:  # a component as a chat reply, and api_name on a ChatInterface, came with Gradio 5
        apps.append(gr.ChatInterface(chat_file, multimodal=True, api_name="chat_file"))
        names.append("chat_file")
    return gr.TabbedInterface(apps, names)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    build().queue().launch(server_name="127.0.0.1", server_port=args.port)
