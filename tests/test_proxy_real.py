"""Proxy functions against real Gradio servers (tests/apps/proxy_app.py, and lab.py for tokens)."""

from __future__ import annotations

import inspect
import os
import struct
import sys
import threading
import types
import zlib
from typing import Any, Literal, Union

import pytest
import requests

from powershai_py import (
    CallFailed,
    EndpointNotFound,
    GradioApiEventResult,
    PipelineResult,
    PowershaiError,
    ProxyResult,
    SessionApiEvent,
    convert_gradio_param_powershell,
    get_gradio_session_api_proxy_function,
    gradio_api_function,
    gradio_param_type,
    invoke_gradio_dynamic_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    remove_gradio_session,
    remove_gradio_session_api_proxy_function,
    send_gradio_session_files,
    update_gradio_session_api_result,
)
from powershai_py.gradio.protocol.models import carries_data
from powershai_py.gradio.proxies.proxy_call import REQUIRED

FileInput = Union[str, os.PathLike, dict]  # noqa: UP007 (what the docs promise for file parameters)
HOSTILE = 'say "hi" $HOME `whoami` \'\'\' """ end\nsecond line'


def raw_info(app) -> dict[str, Any]:
    """/info read with plain requests, independent of the code under test."""
    return requests.get(app.api_url + "/info", timeout=10).json()["named_endpoints"]


def proxies(app, name="app", **options):
    new_gradio_session(app.url, name)
    namespace: dict[str, Any] = {}
    new_gradio_session_api_proxy_function(session=name, namespace=namespace, **options)
    return types.SimpleNamespace(**namespace)


def expected_annotations(major: int) -> dict[str, dict[str, Any]]:
    """What each parameter should be annotated with, written by hand from the app's source."""
    whole = int if major >= 5 else float  # Gradio 4 describes Number(precision=0) as a float
    return {
        "kinds": {
            "text": str,
            "count": whole,
            "ratio": float,
            "flag": bool,
            "choice": Literal["red", "green", "blue"],
            "level": float,
            "items": list[Literal["a", "b", "c"]],
        },
        "falsy-defaults": {"zero": whole, "empty": str, "off": bool},
        "one_file": {"path": FileInput | None},
        "many files": {"paths": list[FileInput] | None},
        "image_size": {"image": FileInput | None},
        "2nd-stage ção": {"text": str},
        "reserved": {"param0": str | None, "param1": str | None, "param2": str | None},
        "fail": {"text": str},
        "numbers": {"count": whole, "pause": float},
        "relay": {"value": str | None, "tag": str},
    }


# --- signatures, names, docs ---------------------------------------------------------------


@pytest.mark.parametrize("which", ["source_app", "relay_app"])
def test_every_signature_matches_info(which, request):
    app = request.getfixturevalue(which)
    info = raw_info(app)
    new_gradio_session(app.url, "src")
    functions = {f.gradio_proxy.api_name: f for f in new_gradio_session_api_proxy_function(session="src")}
    assert list(functions) == [name.lstrip("/") for name in info]  # /info order
    annotations = expected_annotations(app.major)
    for api_name, spec in info.items():
        signature = inspect.signature(functions[api_name.lstrip("/")])
        own = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        wanted = annotations[api_name.lstrip("/")]
        assert [p.name for p in own] == list(wanted), api_name
        for parameter, described in zip(own, spec["parameters"], strict=True):
            if api_name != "/reserved":
                assert parameter.name == described["parameter_name"]
            if not described["parameter_has_default"]:  # required: no default, or REQUIRED after one
                before = spec["parameters"][: own.index(parameter)]
                no_default = REQUIRED if any(p["parameter_has_default"] for p in before) else parameter.empty
                assert parameter.default is no_default, parameter
                continue
            default = described["parameter_default"]
            assert parameter.default == default and type(parameter.default) is type(default), parameter
            assert parameter.annotation == wanted[parameter.name], (api_name, parameter.name)
        keyword_only = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
        assert keyword_only == [
            "manual",
            "api_result_map",
            "map",
            "debug_data",
            "api_token",
            "pipe",
            "transport",
        ]


def test_falsy_defaults_are_kept_and_sent(source_app):
    app = proxies(source_app)
    signature = inspect.signature(app.invoke_gradio_api_falsy_defaults)
    assert [signature.parameters[n].default for n in ("zero", "empty", "off")] == [0, "", False]
    assert app.invoke_gradio_api_falsy_defaults().value() == "0 '' False"


def test_powershell_and_python_names(source_app):
    new_gradio_session(source_app.url, "src")
    functions = new_gradio_session_api_proxy_function(["KINDS", "2nd-stage ção", "many files"], session="src")
    assert [(f.powershell_name, f.__name__) for f in functions] == [
        ("Invoke-GradioApiKinds", "invoke_gradio_api_kinds"),
        ("Invoke-GradioApiManyFiles", "invoke_gradio_api_many_files"),
        ("Invoke-GradioApi2NdStageo", "invoke_gradio_api_2nd_stage_cao"),
    ]
    [custom] = gradio_api_function("numbers", "PowershaiTest", "src", python_prefix="pt_")
    assert (custom.powershell_name, custom.__name__) == ("PowershaiTestNumbers", "pt_numbers")
    assert custom.gradio_proxy.api_filter == ("numbers",)
    with pytest.raises(EndpointNotFound):
        new_gradio_session_api_proxy_function("nummbers", session="src")


def test_docstrings_tell_the_app_endpoint_labels_components_and_returns(source_app):
    app = proxies(source_app)
    doc = inspect.getdoc(app.invoke_gradio_api_many_files)
    assert f"/many files of {source_app.api_url}" in doc
    assert "PowerShell: Invoke-GradioApiManyFiles" in doc
    assert "Files. Component: File. Upload" in doc
    assert "Files back (File" in doc
    kinds = inspect.getdoc(app.invoke_gradio_api_kinds)
    assert "count : int, default 3" in kinds or "count : float, default 3" in kinds
    assert "Choice. Component: Dropdown." in kinds
    assert (
        app.invoke_gradio_api_kinds.__doc__ is not None and "help" not in app.invoke_gradio_api_kinds.__name__
    )


def test_hostile_labels_and_defaults_are_never_code(source_app):
    app = proxies(source_app)
    function = app.invoke_gradio_api_2nd_stage_cao
    assert inspect.signature(function).parameters["text"].default == HOSTILE
    assert 'say "hi" $HOME `whoami`' in inspect.getdoc(function)
    assert function().value() == "got " + HOSTILE
    assert function('a """ b').value() == 'got a """ b'


def test_reserved_parameter_names_become_param_n(source_app):
    app = proxies(source_app)
    function = app.invoke_gradio_api_reserved
    assert [p.powershell_name for p in function.gradio_proxy.parameters] == ["Param0", "Pipe", "Param2"]
    assert function("m", "p", param2="t").value() == "m/p/t"


def test_powershell_types(source_app):
    info = raw_info(source_app)
    kinds = [convert_gradio_param_powershell(p) for p in info["/kinds"]["parameters"]]
    whole = "int" if source_app.major >= 5 else "decimal"
    assert kinds == ["string", whole, "decimal", "bool", "string", "decimal", "string[]"]
    assert convert_gradio_param_powershell(info["/one_file"]["parameters"][0]) == "FileInfo"
    assert convert_gradio_param_powershell(info["/many files"]["parameters"][0]) == "FileInfo[]"
    assert convert_gradio_param_powershell(info["/image_size"]["parameters"][0]) == "FileInfo"
    assert gradio_param_type(info["/kinds"]["parameters"][3]) is bool


# --- calling --------------------------------------------------------------------------------


def test_values_reach_the_app_with_their_types(source_app):
    app = proxies(source_app)
    result = app.invoke_gradio_api_kinds("x", 7, 1.5, False, "blue", 9, ["b", "c"])
    assert isinstance(result, ProxyResult)
    assert (
        result.value() == "str:'x' | int:7 | float:1.5 | bool:False | str:'blue' | int:9 | list:['b', 'c']"
        or (source_app.major < 5 and "float:7.0" in result.value())
    )
    assert "status='complete'" in repr(result) and "data=" in repr(result)


def test_a_call_starts_at_once_and_streams_in_order(source_app):
    app = proxies(source_app)
    result = app.invoke_gradio_api_numbers(count=4, pause=0.3)
    assert isinstance(result.call, SessionApiEvent)
    # it returned once the call was submitted: nothing was read yet, the call is not over
    assert result.call.api_event.last_event_num == 0 and not result.call.done
    seen = []
    for event in result:
        if carries_data(event):  # the queue's status events (estimation...) come too on 4 and 5
            seen.append((event.event, event.data, result.done))
    assert [d for _, d, _ in seen] == [["n1"], ["n2"], ["n3"], ["n4"], ["n4"]]
    assert seen[0][2] is False  # the first event arrived while the call was still running
    assert [e for e, _, _ in seen][-1] == "complete"
    assert [e.data for e in result if carries_data(e)] == [d for _, d, _ in seen]  # iterating again replays
    timestamps = [e.ts for e in result.events]
    assert timestamps == sorted(timestamps)


def test_an_error_event_raises_on_result_and_is_an_event_when_iterating(source_app):
    app = proxies(source_app)
    result = app.invoke_gradio_api_fail("that")
    assert [e.event for e in result][-1] == "error"
    with pytest.raises(CallFailed) as caught:
        result.result()
    assert caught.value.code == "POWERSHAI_GRADIO_CALL_ERROR"
    assert "cannot do that" in caught.value.message  # every version, over the default transport
    assert "error=" in repr(result)


def test_manual_returns_the_session_call(source_app):
    app = proxies(source_app)
    call = app.invoke_gradio_api_numbers(count=2, pause=0, manual=True)
    assert isinstance(call, SessionApiEvent)
    results = update_gradio_session_api_result(call, session="app")
    assert [r.data for r in results if r.event != "heartbeat"][-1] == ["n2"]


def test_debug_data_sends_nothing(source_app, tmp_path):
    session = new_gradio_session(source_app.url, "app")
    [function] = new_gradio_session_api_proxy_function("one_file", session="app")
    local = tmp_path / "x.txt"
    local.write_text("x")
    shown = function(local, debug_data=True, api_token="secret-token")
    assert shown["api_name"] == "one_file" and shown["data"] == [local] and shown["uploads"] == ["path"]
    assert "secret-token" not in repr(shown)
    assert session.api_calls.all_events == [] and session.uploads == {}


def png(width: int, height: int) -> bytes:
    """A tiny grey PNG, built by hand."""
    row = b"\x00" + b"\x80" * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_file_parameters_take_paths_path_objects_and_filedata(source_app, tmp_path):
    app = proxies(source_app)
    one = tmp_path / "one ç.txt"
    one.write_text("12345")
    assert app.invoke_gradio_api_one_file(str(one)).value() == "one ç.txt:5"
    assert app.invoke_gradio_api_one_file(one).value() == "one ç.txt:5"
    [filedata] = send_gradio_session_files(one, session="app")
    assert app.invoke_gradio_api_one_file(filedata).value() == "one ç.txt:5"
    assert app.invoke_gradio_api_one_file(None).value() == "none"  # required: None must be said
    with pytest.raises(PowershaiError, match="needs path"):
        app.invoke_gradio_api_one_file()
    two = tmp_path / "two.txt"
    two.write_text("2")
    names, files_back = app.invoke_gradio_api_many_files([one, two]).result()
    assert names == "one ç.txt, two.txt"
    assert [f["orig_name"] for f in files_back] == ["one ç.txt", "two.txt"]
    assert app.invoke_gradio_api_many_files(two).result()[0] == "two.txt"  # one value, a one-file list
    picture = tmp_path / "pic.png"
    picture.write_bytes(png(3, 2))
    assert app.invoke_gradio_api_image_size(picture).value() == "3x2"


def test_tokens_follow_the_core_rules(lab, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "from-env")
    new_gradio_session(lab.url, "lab")
    [function] = new_gradio_session_api_proxy_function("auth_header", session="lab")
    assert function("x").value() == "Bearer from-env"
    assert function("x", api_token="given").value() == "Bearer given"
    assert function("x", api_token="public").value() == "<none>"


def test_bad_arguments_name_the_valid_ones(source_app):
    app = proxies(source_app)
    with pytest.raises(PowershaiError) as caught:
        app.invoke_gradio_api_numbers(cuont=3)
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"
    assert "count, pause" in caught.value.message


# --- the session behind a proxy ---------------------------------------------------------------


def test_the_session_is_looked_up_by_name_at_each_call(source_app):
    app = proxies(source_app, "named")
    remove_gradio_session("named")
    with pytest.raises(PowershaiError) as caught:
        app.invoke_gradio_api_numbers(count=1, pause=0)
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY_INVOKE_NOSESSION"
    again = new_gradio_session(source_app.url, "named")
    assert app.invoke_gradio_api_numbers(count=1, pause=0).value() == "n1"
    assert len(again.api_calls.all_events) == 1


# --- the registry and namespaces ----------------------------------------------------------------


def test_namespaces_registry_and_removal(source_app):
    new_gradio_session(source_app.url, "reg")
    module = types.ModuleType("my_gradio")
    module.invoke_gradio_api_fail = print  # something of the user's, not a proxy
    with pytest.raises(PowershaiError) as caught:
        new_gradio_session_api_proxy_function(["numbers", "fail"], session="reg", namespace=module)
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS"
    assert not hasattr(module, "invoke_gradio_api_numbers")  # nothing was half done
    made = {
        f.__name__: f
        for f in new_gradio_session_api_proxy_function(
            ["numbers", "fail"], session="reg", namespace=module, force=True
        )
    }
    assert module.invoke_gradio_api_numbers is made["invoke_gradio_api_numbers"]
    assert module.invoke_gradio_api_fail is made["invoke_gradio_api_fail"]
    again = new_gradio_session_api_proxy_function("numbers", session="reg", namespace=module)
    assert module.invoke_gradio_api_numbers is again[0]  # a proxy is replaced without force
    assert get_gradio_session_api_proxy_function("reg") == [made["invoke_gradio_api_fail"], again[0]]
    assert remove_gradio_session_api_proxy_function("Invoke-GradioApiFail") == [
        made["invoke_gradio_api_fail"]
    ]
    assert not hasattr(module, "invoke_gradio_api_fail")
    assert remove_gradio_session_api_proxy_function(module.invoke_gradio_api_numbers) == [again[0]]
    assert get_gradio_session_api_proxy_function("*") == []
    with pytest.raises(PowershaiError) as caught:
        remove_gradio_session_api_proxy_function(print)
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_PROXY_NOTPROXY"


def test_install_into_globals_of_a_module(source_app):
    new_gradio_session(source_app.url, "glob")
    namespace = sys.modules[__name__].__dict__
    new_gradio_session_api_proxy_function("numbers", session="glob", namespace=namespace)
    try:
        assert globals()["invoke_gradio_api_numbers"](count=2, pause=0).value() == "n2"
    finally:
        remove_gradio_session_api_proxy_function("invoke_gradio_api_numbers")
    assert "invoke_gradio_api_numbers" not in globals()


# --- the dynamic API ---------------------------------------------------------------------------------


def test_the_dynamic_api_really_calls(source_app):
    new_gradio_session(source_app.url, "dyn")
    result = invoke_gradio_dynamic_api("numbers", "dyn", COUNT=2, pause=0)
    assert result.value() == "n2"
    with pytest.raises(PowershaiError) as caught:
        invoke_gradio_dynamic_api("numbers", "dyn", cnt=2)
    assert caught.value.code == "POWERSHAI_GRADIO_INVOKEAPI_PARAM" and "count, pause" in caught.value.message
    with pytest.raises(EndpointNotFound) as caught:
        invoke_gradio_dynamic_api("numbrs", "dyn")
    assert caught.value.code == "POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE"
    assert caught.value.available[0] == "numbers"
    assert "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI" in caught.value.message  # why two codes


# --- pipelines between apps -----------------------------------------------------------------------


def chain(source_app, relay_app):
    src = proxies(source_app, "source")
    rel = proxies(relay_app, "relay")
    return src, rel


def test_two_apps_chained_call_downstream_once_per_upstream_result(source_app, relay_app):
    src, rel = chain(source_app, relay_app)
    upstream = src.invoke_gradio_api_numbers(count=3, pause=0.1)
    downstream = rel.invoke_gradio_api_relay(pipe=upstream, map=["value=0"], tag="R")
    assert isinstance(downstream, PipelineResult) and len(downstream) == 3
    assert downstream.values() == ["R(n1)", "R(n2)", "R(n3)"]
    finals = [e for e in downstream if e.event == "complete"]
    assert [[p.data for p in e.pipeline] for e in finals] == [[["n1"]], [["n2"]], [["n3"]]]
    assert all(isinstance(p, GradioApiEventResult) for e in finals for p in e.pipeline)


def test_a_chain_of_three_keeps_both_upstream_results(source_app, relay_app):
    src, rel = chain(source_app, relay_app)
    first = src.invoke_gradio_api_numbers(count=2, pause=0.05)
    second = rel.invoke_gradio_api_relay(pipe=first, api_result_map={"Value": 0}, tag="A")
    third = rel.invoke_gradio_api_relay(pipe=second, map="value=0", tag="B")
    assert third.values() == ["B(A(n1))", "B(A(n2))"]
    finals = [e for e in third if e.event == "complete"]
    assert [[p.data[0] for p in e.pipeline] for e in finals] == [["n1", "A(n1)"], ["n2", "A(n2)"]]


def test_the_pipe_operator_reads_the_same(source_app, relay_app):
    src, rel = chain(source_app, relay_app)
    piped = src.invoke_gradio_api_numbers(count=2, pause=0) | rel.invoke_gradio_api_relay.map(
        "value=0", tag="P"
    )
    assert piped.values() == ["P(n1)", "P(n2)"]


def can_take_in_another_thread(lock) -> bool:
    """Can a thread other than this one take ``lock`` within 2 s (nothing holds it)?"""
    taken = []

    def take():
        if lock.acquire(timeout=2):
            lock.release()
            taken.append(True)

    other = threading.Thread(target=take)
    other.start()
    other.join()
    return taken == [True]


def test_a_mapped_value_that_does_not_fit_is_a_clear_error(source_app):
    src = proxies(source_app, "source")
    upstream = src.invoke_gradio_api_numbers(count=2, pause=0)
    with pytest.raises(PowershaiError) as caught:
        src.invoke_gradio_api_kinds(pipe=upstream, map=["count=0"])
    error = caught.value
    assert error.code == "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"
    assert (error.src_param, error.value, error.src_function) == ("count", "n1", "invoke_gradio_api_kinds")
    assert can_take_in_another_thread(upstream.call.lock)  # the failed pipeline let go of it
    assert upstream.result() == ["n2"]  # and reading goes on from where the pipeline stopped
    with pytest.raises(PowershaiError, match="given both"):
        src.invoke_gradio_api_kinds("x", pipe=upstream, map=["text=0"])
    with pytest.raises(PowershaiError, match="whole number"):
        src.invoke_gradio_api_kinds(pipe=upstream, map=["text=first"])


def test_an_upstream_error_stops_the_pipeline(source_app, relay_app):
    src, rel = chain(source_app, relay_app)
    with pytest.raises(CallFailed):
        rel.invoke_gradio_api_relay(pipe=src.invoke_gradio_api_fail("up"), map=["value=0"])


def test_a_result_read_to_its_last_event_in_a_thread_frees_its_call(source_app):
    result = proxies(source_app, "source").invoke_gradio_api_numbers(count=2, pause=0)

    def read_to_complete():
        for event in result:
            if event.event == "complete":
                break  # what a caller does when it has what it wanted

    worker = threading.Thread(target=read_to_complete)
    worker.start()
    worker.join()
    assert result.done and result.call.received
    assert can_take_in_another_thread(result.call.lock)  # the call can be read or removed


def test_mapped_text_is_converted_to_the_parameter_type(source_app):
    from datetime import datetime

    src = proxies(source_app, "source")
    given = [GradioApiEventResult(num=1, ts=datetime.now(), event="complete", data=["2", "0"])]
    result = src.invoke_gradio_api_numbers(pipe=given, map=["count=0", "pause=-1"])
    assert result.values() == ["n2"]  # "2" became the whole number 2, "0" the float 0.0
    assert result[0].events[-1].pipeline == given
