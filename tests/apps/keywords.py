"""Gradio app whose one endpoint, ``/clash``, has parameters named like a client's own keywords.

    python tests/apps/keywords.py --port 7860 --names name,session,transport,...

The names come from the command line (the tests list the keywords of powershai-py's
functions, found by introspection); ``/clash`` returns what it received, by name, as JSON,
so a test sees which value reached which parameter.
"""

from __future__ import annotations

import argparse
import keyword

import offline  # noqa: F401 (sets the offline environment before Gradio loads)

# isort: split
import gradio as gr


def make_function(names: list[str]):
    """A function whose parameters are ``names`` (Gradio reads parameter names from the
    signature), each defaulting to None, returning ``{name: value}``."""
    bad = [n for n in names if not n.isidentifier() or keyword.iskeyword(n)]
    if bad:
        raise SystemExit(f"not parameter names: {bad}")
    source = f"def clash({', '.join(f'{n}=None' for n in names)}):\n    return dict(locals())\n"
    scope: dict = {}
    exec(source, scope)  # noqa: S102 (names checked above: identifiers only)
    return scope["clash"]


def build(names: list[str]) -> gr.Blocks:
    with gr.Blocks() as demo:
        boxes = [gr.Textbox(label=name) for name in names]
        out = gr.JSON()
        gr.Button("clash").click(make_function(names), boxes, out, api_name="clash")
    return demo


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--names", required=True)
    args = parser.parse_args()
    app = build(args.names.split(","))
    app.queue(default_concurrency_limit=None)
    app.launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=False)
