"""Gradio app for the queue transport tests. Runs unchanged on gradio 4.x, 5.x and 6.x.

    python tests/apps/queue_lab.py --port 7860

Endpoints: ``slow`` (one at a time: a queue forms), ``steps`` (gr.Progress), ``talk``
(gr.Info and gr.Warning), ``ticker`` and ``produced`` (a generator whose steps the server
counts, so a test can see that a cancelled call stops producing), ``divide`` (gr.Error),
``boom`` (an exception, shown because the app runs with show_error=True) and ``tally``
(gr.State across the calls of one session).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr

PRODUCED: dict[int, int] = {}  # ticks produced, per ticker length
ENDED: dict[int, int] = {}  # tickers that ended, per ticker length


def slow(seconds):
    """Sleep, then say how long; only one runs at a time."""
    time.sleep(float(seconds))
    return f"slept {float(seconds):g}"


def steps(n, progress=gr.Progress()):  # noqa: B008 (Gradio's own way to ask for progress)
    """Report progress: a description first, then one step per item."""
    progress(0, desc="loading weights")
    total = 0
    for i in progress.tqdm(range(int(n)), desc="denoising", unit="steps"):
        time.sleep(0.2)  # Gradio 4 and 5 send at most one progress message a tenth of a second
        total += i
    return f"done {int(n)} steps"


def talk(text):
    """Raise an info and a warning message, then answer."""
    gr.Info(f"info: {text}")
    gr.Warning(f"careful: {text}")
    return f"said {text}"


async def ticker(n):
    """Yield 1..n, a tenth of a second apart; the server counts, per n, the ticks produced and
    the tickers that ended (ran out, or were cancelled). An async generator: a cancel reaches
    it as CancelledError on every Gradio version, so its end is seen at once (a thread running
    a plain generator is only let go, and finishes when it is collected)."""
    key = int(n)
    try:
        for i in range(1, key + 1):
            PRODUCED[key] = PRODUCED.get(key, 0) + 1
            yield f"tick {i}"
            await asyncio.sleep(0.1)
    finally:
        ENDED[key] = ENDED.get(key, 0) + 1


def produced(n):
    """How many ticks the tickers of this n produced so far."""
    return PRODUCED.get(int(n or 0), 0)


def ended(n):
    """How many tickers of this n have ended so far."""
    return ENDED.get(int(n or 0), 0)


def divide(a, b):
    """a / b, with a gr.Error for a zero b."""
    if float(b) == 0:
        raise gr.Error("Cannot divide by zero!")
    return float(a) / float(b)


def boom(text):
    """An ordinary exception; its text is shown because the app runs with show_error=True."""
    raise ValueError(f"kaboom: {text}")


def tally(inc, state):
    """Add to a per-session total kept in gr.State."""
    total = (state or 0) + int(inc)
    return f"total={total}", total


with gr.Blocks() as demo:
    text_in = gr.Textbox(label="text")
    text_out = gr.Textbox(label="out")
    number = gr.Number(label="number", value=1)
    other = gr.Number(label="other", value=1)
    state = gr.State(None)
    gr.Button("slow").click(slow, number, text_out, api_name="slow", concurrency_limit=1)
    gr.Button("steps").click(steps, number, text_out, api_name="steps")
    gr.Button("talk").click(talk, text_in, text_out, api_name="talk")
    gr.Button("ticker").click(ticker, number, text_out, api_name="ticker")
    gr.Button("produced").click(produced, number, other, api_name="produced")
    gr.Button("ended").click(ended, number, other, api_name="ended")
    gr.Button("divide").click(divide, [number, other], number, api_name="divide")
    gr.Button("boom").click(boom, text_in, text_out, api_name="boom")
    gr.Button("tally").click(tally, [number, state], [text_out, state], api_name="tally")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    demo.queue(default_concurrency_limit=None)
    demo.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=True)
