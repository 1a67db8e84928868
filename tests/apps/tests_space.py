"""Stand-in for the Space ``powershai/tests-gradio`` that PowershAI's own Pester tests call.

    python tests/apps/tests_space.py --port 7860 [--wrong]

What its two endpoints do is read off those tests (tests/ps_corpus/pester/): ``/Op1`` answers
``PowershaiTest:Ok:<val>`` and ``/Op2`` streams ``--start--``, ``1`` .. ``MaxNums`` and
``--end--``, waiting ``sleep`` milliseconds between them. ``--wrong`` makes a release that
answers wrongly (``Fail`` for ``Ok``, and ``/Op2`` skips 2), so a test can check that the
migrated tests notice.
"""

from __future__ import annotations

import argparse
import time

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr

WRONG = False


def op1(val):
    """Answer PowershaiTest:Ok:<val>."""
    return f"PowershaiTest:{'Fail' if WRONG else 'Ok'}:{val}"


def op2(MaxNums, sleep):  # noqa: N803 - the parameter names PowershAI's tests pass
    """Stream --start--, 1 .. MaxNums, --end--."""
    yield "--start--"
    for number in range(1, int(MaxNums) + 1):
        time.sleep(float(sleep or 0) / 1000)
        if not (WRONG and number == 2):
            yield str(number)
    yield "--end--"


with gr.Blocks() as demo:
    val = gr.Textbox(label="val")
    answer = gr.Textbox(label="answer")
    max_nums = gr.Number(label="MaxNums", value=3, precision=0)
    pause = gr.Number(label="sleep", value=0, precision=0)
    stream = gr.Textbox(label="stream")
    gr.Button("Op1").click(op1, [val], [answer], api_name="Op1")
    gr.Button("Op2").click(op2, [max_nums, pause], [stream], api_name="Op2")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--wrong", action="store_true", help="answer wrongly (for tests that must fail)")
    args = parser.parse_args()
    WRONG = args.wrong
    demo.queue(default_concurrency_limit=None)
    demo.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=False)
