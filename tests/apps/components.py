"""A Gradio app with every input and output component, for tests/test_components.py.

Each endpoint takes one component (or a few) and returns something derived from its input,
so a test can check that the value arrived as sent and came back. Run:
``python tests/apps/components.py --port 7860 [--auth user:password]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

import gradio as gr  # noqa: E402

MAJOR = int(gr.__version__.split(".")[0])
HERE = os.path.dirname(os.path.abspath(__file__))


def _copy(path, suffix="copy"):
    """A copy of an uploaded file under a new name (the server serves files it wrote)."""
    if path is None:
        return None
    folder = tempfile.mkdtemp()
    base = os.path.basename(path)
    target = os.path.join(folder, f"{suffix}-{base}")
    shutil.copy(path, target)
    return target


def _size(path):
    return os.path.getsize(path) if path else 0


# --- scalars ---------------------------------------------------------------------------------------------


def text(value):
    return f"text:{value}"


def number(value):
    return value * 2


def slider(value):
    return value + 1


def checkbox(value):
    return not value


def checkbox_group(values):
    return sorted(values)


def radio(value):
    return f"radio:{value}"


def dropdown(value):
    return f"dropdown:{value}"


def dropdown_multi(values):
    return list(reversed(values))


def color(value):
    return value.upper()


def code(value):
    return value + "\n# seen"


def datetime_(value):
    return value


def json_(value):
    return {"echo": value, "keys": sorted(value) if isinstance(value, dict) else None}


def dataframe(value):
    # Gradio gives a pandas DataFrame; return it with one more column
    value = value.copy()
    value["total"] = value.sum(axis=1, numeric_only=True)
    return value


# --- files and media ---------------------------------------------------------------------------------------


def file_(path):
    return _copy(path), _size(path)


def files(paths):
    return [_copy(p) for p in paths or []], len(paths or [])


def image_path(path):
    return _copy(path)


def image_numpy(array):
    return array[::-1]  # flipped upside down


def image_pil(image):
    return image.rotate(90, expand=True)


def audio(path):
    return _copy(path)


def video(path):
    return _copy(path)


def model3d(path):
    return _copy(path)


def gallery(items):
    paths = [item[0] if isinstance(item, (list, tuple)) else item for item in items or []]
    return [_copy(p) for p in paths], len(paths)


def image_editor(value):
    background = value.get("background") if isinstance(value, dict) else None
    return _copy(background) if isinstance(background, str) else background


def image_slider(pair):
    first, second = pair
    return (_copy(second), _copy(first))


def annotated(path):
    return (path, [((0, 0, 4, 4), "corner")])


def multimodal(message):
    names = [os.path.basename(p) for p in message.get("files", [])]
    return f"{message.get('text', '')}|{len(names)} files"


# --- text outputs -----------------------------------------------------------------------------------------


def highlighted(value):
    return [(word, "WORD" if word.istitle() else None) for word in value.split()]


def label(value):
    return {"yes": value, "no": 1 - value}


def plot(points):
    import pandas as pd

    frame = pd.DataFrame({"x": list(range(int(points))), "y": [i * i for i in range(int(points))]})
    return gr.LinePlot(value=frame, x="x", y="y")


def html(value):
    return f"<b>{value}</b>"


def markdown(value):
    return f"**{value}**"


# --- chat ---------------------------------------------------------------------------------------------------


def chatbot(history, message):
    history = list(history or [])
    history.append({"role": "user", "content": message})
    history.append({"role": "assistant", "content": f"echo: {message}"})
    return history


def chat_fn(message, history):
    return f"you said {message} after {len(history)} messages"


def chat_file(message, history):
    """A chat reply that is a file: Gradio's /call route cannot serialize it (a known limit)."""
    path = os.path.join(tempfile.mkdtemp(), "reply.txt")
    with open(path, "w") as handle:
        handle.write(message)
    return gr.File(value=path)


def chat_multimodal(message, history):
    return f"{message['text']} with {len(message['files'])} files"


# --- state, errors, warnings, generators, validators ------------------------------------------------------


def counter(step, state):
    state = (state or 0) + int(step)
    return state, state


def raise_error(value):
    raise gr.Error(f"refused: {value}")


def warn(value):
    gr.Warning(f"careful with {value}")
    gr.Info(f"working on {value}")
    return value


def stream(count):
    for i in range(int(count)):
        yield f"part {i + 1}"


def positive(value):
    if value <= 0:
        raise gr.Error("must be positive")
    return value


def endpoints() -> list[tuple[str, object, object, object]]:
    """(api name, function, inputs, outputs): one endpoint per component, or a few per one."""
    image = {"type": "filepath"}
    table = [
        ("text", text, gr.Textbox(label="Text"), gr.Textbox()),
        ("number", number, gr.Number(label="Number", value=1), gr.Number()),
        ("slider", slider, gr.Slider(0, 10, value=3, step=1, label="Level"), gr.Number()),
        ("checkbox", checkbox, gr.Checkbox(label="Flag"), gr.Checkbox()),
        ("checkbox_group", checkbox_group, gr.CheckboxGroup(["a", "b", "c"], label="Letters"), gr.JSON()),
        ("radio", radio, gr.Radio(["x", "y"], label="Choice", value="x"), gr.Textbox()),
        ("dropdown", dropdown, gr.Dropdown(["one", "two"], label="Pick", value="one"), gr.Textbox()),
        ("dropdown_multi", dropdown_multi, gr.Dropdown(["one", "two", "three"], multiselect=True), gr.JSON()),
        ("color", color, gr.ColorPicker(label="Color"), gr.Textbox()),
        ("code", code, gr.Code(label="Source", language="python"), gr.Code()),
        ("datetime", datetime_, gr.DateTime(label="When"), gr.DateTime()),
        ("json", json_, gr.JSON(label="Data"), gr.JSON()),
        ("dataframe", dataframe, gr.Dataframe(headers=["a", "b"], label="Table"), gr.Dataframe()),
        ("file", file_, gr.File(label="Upload"), [gr.File(), gr.Number()]),
        ("files", files, gr.File(file_count="multiple", label="Uploads"), [gr.Files(), gr.Number()]),
        ("image_path", image_path, gr.Image(label="Photo", **image), gr.Image(**image)),
        ("image_numpy", image_numpy, gr.Image(type="numpy", label="Pixels"), gr.Image()),
        ("image_pil", image_pil, gr.Image(type="pil", label="Picture"), gr.Image(type="pil")),
        ("audio", audio, gr.Audio(label="Sound", **image), gr.Audio(**image)),
        ("video", video, gr.Video(label="Clip"), gr.Video()),
        ("model3d", model3d, gr.Model3D(label="Mesh"), gr.Model3D()),
        ("gallery", gallery, gr.Gallery(label="Pictures"), [gr.Gallery(), gr.Number()]),
        ("image_editor", image_editor, gr.ImageEditor(label="Canvas", **image), gr.Image(**image)),
        ("annotated", annotated, gr.Image(label="Base", **image), gr.AnnotatedImage()),
        ("multimodal", multimodal, gr.MultimodalTextbox(label="Message"), gr.Textbox()),
        ("highlighted", highlighted, gr.Textbox(label="Sentence"), gr.HighlightedText()),
        ("label", label, gr.Number(label="Confidence", value=0.25), gr.Label()),
        ("plot", plot, gr.Number(label="Points", value=3), gr.LinePlot()),
        ("html", html, gr.Textbox(label="Markup"), gr.HTML()),
        ("markdown", markdown, gr.Textbox(label="Words"), gr.Markdown()),
        ("raise_error", raise_error, gr.Textbox(label="Input"), gr.Textbox()),
        ("warn", warn, gr.Textbox(label="Topic"), gr.Textbox()),
        ("stream", stream, gr.Number(label="Count", value=3), gr.Textbox()),
    ]  # fmt: skip
    if hasattr(gr, "ImageSlider"):
        table.append(
            ("image_slider", image_slider, gr.ImageSlider(label="Pair", **image), gr.ImageSlider(**image))
        )
    return table


def build() -> gr.Blocks:
    chat_options = {"type": "messages"} if MAJOR < 6 else {}
    with gr.Blocks() as app:
        for api_name, function, inputs, outputs in endpoints():
            gr.Button(api_name).click(function, inputs, outputs, api_name=api_name)
        history = gr.Chatbot(label="Conversation", **chat_options)
        gr.Button("chatbot").click(
            chatbot, [history, gr.Textbox(label="Message")], history, api_name="chatbot"
        )
        state = gr.State(0)
        gr.Button("counter").click(counter, [gr.Number(label="Step", value=1), state], [gr.Number(), state],
                                   api_name="counter")  # fmt: skip
        if MAJOR >= 6:
            validated = gr.Number(label="Positive", value=1)
            check = lambda v: gr.validate(v > 0, "must be positive")  # noqa: E731
            gr.Button("validated").click(
                positive, validated, gr.Number(), api_name="validated", validator=check
            )
        if MAJOR < 5:  # Gradio 4 names a ChatInterface's endpoint /chat, and only one
            gr.ChatInterface(chat_fn, **chat_options)
        else:
            gr.ChatInterface(chat_fn, api_name="chat", **chat_options)
            gr.ChatInterface(chat_multimodal, multimodal=True, api_name="chat_multimodal", **chat_options)
            gr.ChatInterface(chat_file, api_name="chat_file", **chat_options)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--auth", help="user:password: launch behind a login")
    args = parser.parse_args()
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    build().queue().launch(server_name="127.0.0.1", server_port=args.port, auth=auth, show_error=True)


if __name__ == "__main__":
    main()
