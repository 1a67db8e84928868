"""Pure parts of the session layer: parameter mapping, safe file names, the store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powershai_py.errors import PowershaiError
from powershai_py.gradio.protocol.models import GradioInfo, GradioSession
from powershai_py.gradio.sessions.session_calls import params_to_list
from powershai_py.gradio.sessions.session_files import _claim, safe_file_name, url_filedata
from powershai_py.gradio.sessions.store import MemoryStore

GREET = {
    "parameters": [
        {"parameter_name": "name", "parameter_has_default": True, "parameter_default": "World"},
        {"parameter_name": "times", "parameter_has_default": True, "parameter_default": 2},
        {"parameter_name": "style", "parameter_has_default": False},
    ]
}


def test_a_dict_follows_the_endpoint_order_with_defaults_and_required_ones():
    assert params_to_list({"STYLE": "bold", "Name": "Ana"}, GREET) == ["Ana", 2, "bold"]
    assert params_to_list({"style": None}, GREET) == ["World", 2, None]
    with pytest.raises(PowershaiError, match="needs 'style'") as caught:
        params_to_list({}, GREET, "greet")  # no default: never a silent null
    assert caught.value.missing == ["style"]


def test_falsy_values_given_are_kept():
    assert params_to_list({"name": "", "times": 0, "style": None}, GREET) == ["", 0, None]


def test_unknown_and_repeated_keys_are_errors():
    with pytest.raises(PowershaiError) as caught:
        params_to_list({"nmae": "x"}, GREET, "greet")
    assert caught.value.code == "POWERSHAI_GRADIO_INVOKEAPI_PARAM"
    assert caught.value.valid == ["name", "times", "style"]
    with pytest.raises(PowershaiError, match="twice"):
        params_to_list({"name": "a", "NAME": "b"}, GREET)


@pytest.mark.parametrize(
    ("params", "expected"),
    [(None, []), (["a", 1], ["a", 1]), (("a",), ["a"]), ("one", ["one"]), (0, [0]), ([["x"]], [["x"]])],
)
def test_other_values_pass_through(params, expected):
    assert params_to_list(params, GREET) == expected


@given(st.text())
def test_a_safe_name_never_leaves_its_folder(name):
    safe = safe_file_name(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert safe not in (".", "..")
    assert all(ch.isprintable() for ch in safe)
    folder = Path("/srv/downloads")
    assert (folder / safe).parent == folder


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..", "download"),
        ("C:\\Windows\\evil.exe", "evil.exe"),
        ("a:b?.txt", "a_b_.txt"),
        ("nul.txt", "_nul.txt"),
        ("résumé ç.pdf", "résumé ç.pdf"),
        ("  .hidden.  ", "hidden"),
        ("line\nbreak.txt", "line_break.txt"),
    ],
)
def test_safe_names_keep_what_they_can(name, expected):
    assert safe_file_name(name) == expected


def test_claiming_a_taken_name_numbers_it(tmp_path):
    first = _claim(tmp_path, "out.tar.gz")
    second = _claim(tmp_path, "out.tar.gz")
    assert (first.name, second.name) == ("out.tar.gz", "out (2).tar.gz")


def test_a_url_becomes_a_filedata_named_after_its_path():
    assert url_filedata("https://h/a/b%20c.png?x=1#y")["orig_name"] == "b c.png"
    assert url_filedata("https://h/")["orig_name"] == "file"


def session(name: str) -> GradioSession:
    info = GradioInfo({}, {}, "http://h/api", "http://h", "/api")
    return GradioSession(session_id=name + "-id", app_url="http://h/api", info=info, name=name)


def test_the_store_compares_names_in_any_case_and_keeps_order():
    store = MemoryStore()
    a, b = session("Alpha"), session("beta")
    store.add(a)
    store.add(b)
    assert store.get("ALPHA") is a and store.get_by_id("beta-id") is b
    with pytest.raises(KeyError):
        store.add(session("alpha"))
    replacement = session("ALPHA")
    assert store.add(replacement, replace=True) is a
    assert store.all() == [b, replacement]
    store.set_default("alpha")
    assert store.remove("Alpha") is replacement
    assert store.get_default() is None  # the default goes with its session
    assert store.remove("nothing") is None


def test_the_store_is_safe_under_threads():
    store = MemoryStore()
    added: list[bool] = []

    def worker(n):
        for i in range(100):
            try:
                store.add(session(f"s{i}"))
                added.append(True)
            except KeyError:
                pass
            store.get(f"S{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(added) == 100 and len(store.all()) == 100  # each name added exactly once


def test_a_session_reads_well_and_reads_options_in_any_case():
    s = session("lab")
    assert str(s) == "lab"
    assert repr(s) == "GradioSession(name='lab', app_url='http://h/api', calls=0/100 (warning))"
    s.options = {"maxcalls": 0}
    assert s.option("MaxCalls") == 0
    assert "calls=0/100 (warning)" in repr(s)  # what the policy will apply
