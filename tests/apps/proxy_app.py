"""Gradio app for the proxy-function tests: one endpoint per kind of parameter.

    python tests/apps/proxy_app.py --port 7860 [--role source|relay]

``--role source`` adds ``numbers`` (a generator of several results) and ``--role relay``
adds ``relay``, so two or three copies of this app can be chained through proxy pipelines.
Labels and defaults hold quotes, newlines, ``$``, backticks and triple quotes on purpose:
generated functions must never evaluate server text.
"""

from __future__ import annotations

import argparse
import os
import time

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr

HOSTILE = 'say "hi" $HOME `whoami` \'\'\' """ end\nsecond line'


def kinds(text, count, ratio, flag, choice, level, items):
    """Every simple kind of value, reported back with its Python type."""
    return " | ".join(f"{type(v).__name__}:{v!r}" for v in (text, count, ratio, flag, choice, level, items))


def falsy_defaults(zero, empty, off):
    """Defaults that are falsy: 0, "" and False must survive."""
    return f"{zero!r} {empty!r} {off!r}"


def one_file(path):
    """Size and name of one uploaded file."""
    return f"{os.path.basename(path)}:{os.path.getsize(path)}" if path else "none"


def many_files(paths):
    """Names of several uploaded files, and the files themselves back."""
    paths = paths or []
    return ", ".join(os.path.basename(p) for p in paths), paths


def image_size(image):
    """The size of an image given as a file path."""
    if image is None:
        return "none"
    from PIL import Image

    with Image.open(image) as picture:
        return f"{picture.width}x{picture.height}"


def hostile(text):
    """An endpoint whose label and default hold characters that break generated code."""
    return f"got {text}"


def reserved(manual, pipe, api_token):
    """Parameters named like the proxy's own keywords."""
    return f"{manual}/{pipe}/{api_token}"


def fail(text):
    """Always fails with a message for the user."""
    raise gr.Error(f"cannot do {text}")


def numbers(count, pause):
    """Generator: 'n1' .. 'n<count>', pausing between them."""
    for i in range(int(count)):
        time.sleep(float(pause))
        yield f"n{i + 1}"


def relay(value, tag):
    """Tag what arrives."""
    return f"{tag}({value})"


def build(role: str) -> gr.Blocks:
    with gr.Blocks(title="powershai-py proxy lab") as demo:
        out = gr.Textbox(label="Result")

        text = gr.Textbox(label="Text", value="abc")
        count = gr.Number(label="Count", value=3, precision=0)
        ratio = gr.Number(label="Ratio", value=0.5)
        flag = gr.Checkbox(label="Flag", value=True)
        choice = gr.Dropdown(label="Choice", choices=["red", "green", "blue"], value="green")
        level = gr.Slider(label="Level", minimum=0, maximum=10, step=1, value=4)
        items = gr.CheckboxGroup(label="Items", choices=["a", "b", "c"], value=["a"])
        gr.Button("kinds").click(
            kinds, [text, count, ratio, flag, choice, level, items], out, api_name="kinds"
        )

        zero = gr.Number(label="Zero", value=0, precision=0)
        empty = gr.Textbox(label="Empty", value="")
        off = gr.Checkbox(label="Off", value=False)
        gr.Button("falsy").click(falsy_defaults, [zero, empty, off], out, api_name="falsy-defaults")

        single = gr.File(label="One file", type="filepath")
        gr.Button("one").click(one_file, single, out, api_name="one_file")
        several = gr.File(label="Files", file_count="multiple", type="filepath")
        files_out = gr.File(label="Files back", file_count="multiple")
        gr.Button("many").click(many_files, several, [out, files_out], api_name="many files")

        picture = gr.Image(label="Picture", type="filepath")
        gr.Button("image").click(image_size, picture, out, api_name="image_size")

        odd = gr.Textbox(label=HOSTILE, value=HOSTILE)
        gr.Button("hostile").click(hostile, odd, out, api_name="2nd-stage ção")

        manual = gr.Textbox(label="Manual")
        pipe = gr.Textbox(label="Pipe")
        token = gr.Textbox(label="Token")
        gr.Button("reserved").click(reserved, [manual, pipe, token], out, api_name="reserved")

        gr.Button("fail").click(fail, text, out, api_name="fail")

        if role == "source":
            n = gr.Number(label="Count", value=3, precision=0)
            pause = gr.Number(label="Pause", value=0.05)
            gr.Button("numbers").click(numbers, [n, pause], out, api_name="numbers")
        if role == "relay":
            value = gr.Textbox(label="Value")
            tag = gr.Textbox(label="Tag", value="relay")
            gr.Button("relay").click(relay, [value, tag], out, api_name="relay")
    return demo


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--role", choices=["plain", "source", "relay"], default="plain")
    args = parser.parse_args()
    app = build(args.role)
    app.queue(default_concurrency_limit=None)
    app.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=False)
