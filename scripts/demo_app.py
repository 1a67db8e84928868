#!/usr/bin/env python3
"""The demo Gradio app that scripts/demo drives: a countdown that streams, and a file tool.

python scripts/demo_app.py --port 7860
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)

import gradio as gr  # noqa: E402


def countdown(start, delay):
    """Stream the numbers from start down to 1, then 'liftoff!'."""
    for n in range(int(start), 0, -1):
        yield f"T-{n}"
        time.sleep(float(delay))
    yield "liftoff!"


def shout_file(path):
    """Return the uploaded text file in capitals, and a line count."""
    with open(path, encoding="utf-8") as source:
        text = source.read()
    folder = tempfile.mkdtemp()
    target = os.path.join(folder, "SHOUTED " + os.path.basename(path))
    with open(target, "w", encoding="utf-8") as out:
        out.write(text.upper())
    return target, f"{len(text.splitlines())} lines"


def greet(name):
    """Say hello."""
    return f"Hello, {name}!"


def badge(text):
    """A small PNG badge with the text on it (an image output, for notebooks)."""
    from PIL import Image, ImageDraw  # Pillow comes with Gradio

    image = Image.new("RGB", (max(80, 9 * len(text) + 20), 32), (47, 84, 150))
    ImageDraw.Draw(image).text((10, 10), text, fill=(255, 255, 255))
    return image


with gr.Blocks(title="powershai-py demo") as demo:
    start = gr.Number(label="Start", value=5, precision=0)
    delay = gr.Number(label="Delay (s)", value=0.3)
    status = gr.Textbox(label="Countdown")
    gr.Button("Count down").click(countdown, [start, delay], status, api_name="countdown")

    upload = gr.File(label="Text file", type="filepath")
    shouted = gr.File(label="Shouted file")
    lines = gr.Textbox(label="Lines")
    gr.Button("Shout").click(shout_file, upload, [shouted, lines], api_name="shout_file")

    name = gr.Textbox(label="Name", value="PowershAI")
    greeting = gr.Textbox(label="Greeting")
    gr.Button("Greet").click(greet, name, greeting, api_name="greet")

    label = gr.Textbox(label="Badge text", value="powershai-py")
    picture = gr.Image(label="Badge", format="png")
    gr.Button("Badge").click(badge, label, picture, api_name="badge")


def port_is_free(port: int) -> bool:
    """Whether this machine can listen on 127.0.0.1:port now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7860)
    port = parser.parse_args().port
    if not port_is_free(port):  # one clear line now, not Gradio's traceback after its retries
        print(
            f"scripts/demo: port {port} is in use (another demo app?): stop it, or pick another port: "
            "scripts/demo --serve --port 7870 (the README's snippets say 7860: change them to match)",
            file=sys.stderr,
        )
        sys.exit(2)
    print(f"demo app on http://127.0.0.1:{port} until Ctrl-C; in another shell: source .venv/bin/activate",
          file=sys.stderr)  # fmt: skip
    demo.queue().launch(server_name="127.0.0.1", server_port=port, share=False)
