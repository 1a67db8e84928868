"""Hand-written Python twins of the PowerShell corpus: what a person would write with powershai_py.

Each function returns the values its script writes to the output, in order.
"""

from __future__ import annotations

from powershai_py import (
    get_gradio_session,
    get_gradio_session_api,
    get_gradio_sessions,
    get_hf_space,
    invoke_gradio_session_api,
    new_gradio_session,
    new_gradio_session_api_proxy_function,
    remove_gradio_session_api,
    send_gradio_session_files,
    set_gradio_session,
    update_gradio_session_api_result,
)


def session_basics(lab_url, **_):
    out = []
    s = new_gradio_session(lab_url, "lab")
    out += [s.name, s.options["MaxCalls"]]
    call = invoke_gradio_session_api("greet", ["Ana", 2])
    out.append(update_gradio_session_api_result(call)[-1].data[0])
    second = invoke_gradio_session_api("greet", {"name": "Bo"})
    out.append(update_gradio_session_api_result(second, history=True)[-1].data[0])
    out += [second.api_event.status, len(get_gradio_session_api()), f"done with {s.name}"]
    return out


def history(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    call = invoke_gradio_session_api("count_up", [3])
    nothing = update_gradio_session_api_result(call, history=True, no_output=True)
    event = call.api_event
    assert nothing == []
    return [len(event.events), *[data[0] for data in event.data], event.last_query_status, event.status]


def maxcalls(lab_url, **_):
    out = []
    s = new_gradio_session(lab_url, "lab")
    set_gradio_session(max_calls=2, max_calls_policy="remove")
    calls = [invoke_gradio_session_api("echo", ["x"]) for _ in range(3)]
    out += [len(get_gradio_session_api()), s.options["MaxCallsPolicy"]]
    update_gradio_session_api_result(calls[-1])
    out.append(len(remove_gradio_session_api("clean")))
    out.append(len(get_gradio_session_api()))
    remove_gradio_session_api("all")
    out.append(len(get_gradio_session_api()))
    return out


def proxy_pipeline(source_url, relay_url, **_):
    new_gradio_session(source_url, "source")
    new_gradio_session(relay_url, "relay")
    [numbers] = new_gradio_session_api_proxy_function("numbers", session="source", python_prefix="src_")
    [relay] = new_gradio_session_api_proxy_function("relay", session="relay", python_prefix="rel_")
    first = relay(pipe=numbers(count=3, pause=0), map=["value=0"], tag="T")
    out = [event.data[0] for event in first if event.event == "complete"]
    three = numbers(count=2, pause=0) | relay.map("value=0", tag="A") | relay.map("value=0", tag="B")
    return out + [event.data[0] for event in three if event.event == "complete"]


def files(lab_url, file_path, **_):
    new_gradio_session(lab_url, "lab")
    [filedata] = send_gradio_session_files(file_path)
    call = invoke_gradio_session_api("copy_file", [filedata])
    return [filedata["orig_name"], update_gradio_session_api_result(call)[-1].data[1]]


def stateless(lab_url, file_path, **_):
    from powershai_py import (
        get_gradio_info,
        invoke_gradio_http,
        send_gradio_api,
        send_gradio_file,
        update_gradio_api_result,
    )

    info = get_gradio_info(lab_url)
    event = send_gradio_api(lab_url, "echo", ["raw"])
    results = update_gradio_api_result(event, history=True)
    uploaded = send_gradio_file(lab_url, file_path)
    config = invoke_gradio_http(f"{lab_url}/config")
    return [
        len(info.endpoint("greet")["parameters"]),
        results[-1].data[0],
        event.status,
        uploaded[0]["orig_name"],
        config["mode"],
    ]


def misc(lab_url, **_):
    from powershai_py import (
        convert_gradio_param_powershell,
        get_gradio_info,
        get_gradio_session_api_proxy_function,
        invoke_gradio_dynamic_api,
        remove_gradio_session,
        remove_gradio_session_api_proxy_function,
    )

    new_gradio_session(lab_url, "lab")
    out = [event.data[0] for event in invoke_gradio_dynamic_api("echo", "lab", text="dyn")]
    out.append(convert_gradio_param_powershell(get_gradio_info("lab").endpoint("greet")["parameters"][0]))
    functions = new_gradio_session_api_proxy_function("echo", session="lab")
    out.append(len(get_gradio_session_api_proxy_function()))
    remove_gradio_session_api_proxy_function(functions)
    out.append(len(get_gradio_session_api_proxy_function()))
    remove_gradio_session("lab")
    out.append(len(get_gradio_sessions()))
    return out


def spaces(**_):
    from powershai_py import (
        connect_hugging_face_space_gradio,
        get_hf_me,
        invoke_hugging_face_hub,
        start_hugging_face_space,
        wait_hugging_face_space,
    )

    out = [get_hf_me()["name"], len(invoke_hugging_face_hub("spaces", author="owner"))]
    space = get_hf_space("owner/public")
    out += [space.id, space.sdk, get_gradio_session(space).name]
    out.append(wait_hugging_face_space("owner/public", timeout=5, no_status=True))
    start_hugging_face_space("owner/public")
    out.append(connect_hugging_face_space_gradio("owner/public").name)
    [echo] = new_gradio_session_api_proxy_function("echo", session=space)
    return [*out, echo("via hub").value()]


# --- issue 14: scripts in the style of PowershAI's documentation and tests ----------------------------


def _last_data(call):
    return update_gradio_session_api_result(call)[-1].data[0]


def docs_getinfo(lab_url, **_):
    from powershai_py import get_gradio_info

    info = get_gradio_info(lab_url)
    names = [p["parameter_name"] for p in info.named_endpoints["/greet"]["parameters"]]
    return [*names, info.named_endpoints["/echo"]["parameters"][0]["component"]]


def docs_send_update(lab_url, **_):
    from powershai_py import send_gradio_api, update_gradio_api_result

    event = send_gradio_api(lab_url, "count_up", [2])
    return [r.data[0] for r in update_gradio_api_result(event)] + [event.status]


def docs_two_sessions(lab_url, **_):
    new_gradio_session(lab_url, "app1")
    app2 = new_gradio_session(lab_url, "app2")
    set_gradio_session(app2, default=True)
    out = [get_gradio_session(".").name]
    call = invoke_gradio_session_api("greet", {"name": "Ana"})
    out += [r.data[0] for r in update_gradio_session_api_result(call)]
    return out + [len(get_gradio_session_api("app1")), len(get_gradio_session_api())]


def docs_proxy_elapsed(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    [count_up] = new_gradio_session_api_proxy_function("count_up")
    return [f"ElapsedSeconds: {event.data[0]}" for event in count_up(n=2)]


def docs_space_default(**_):
    space = get_hf_space("owner/public")
    set_gradio_session(space, default=True)
    out = [get_gradio_session(".").name]
    [greet] = new_gradio_session_api_proxy_function("greet")
    return out + [event.data[0] for event in greet(name="a car flying", times=1)]


def pester_remove_all(lab_url, **_):
    from powershai_py import remove_gradio_session

    new_gradio_session(lab_url, "a")
    new_gradio_session(lab_url, "b")
    remove_gradio_session(get_gradio_sessions())
    return [len(get_gradio_sessions())]


def pester_proxy_names(lab_url, **_):
    s = new_gradio_session(lab_url, "lab")
    functions = new_gradio_session_api_proxy_function(session=s, prefix="PowershaiTest", force=True)
    names = [f.powershell_name.lower() for f in functions]
    return ["powershaitestecho" in names, len(functions)]


def pester_api_call(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    functions = new_gradio_session_api_proxy_function(prefix="PowershaiTest")
    echo = next(f for f in functions if f.powershell_name == "PowershaiTestEcho")
    answer = echo(text="PowershaiTest:Ok:421").value()
    return [answer] if "PowershaiTest:Ok:421" in answer else []


def pester_pipeline_seq(source_url, **_):
    new_gradio_session(source_url, "source")
    [numbers] = new_gradio_session_api_proxy_function("numbers", prefix="Src", session="source")
    expected = ["n1", "n2", "n3"]
    out, i = [], -1
    for event in numbers(count=3, pause=0):
        if not event.data:
            continue
        i += 1
        wanted = expected[i] if i < len(expected) else expected[-1]
        out.append(f"{i}: {event.data[0] == wanted}")
    return out


def pester_pipeline_connect(source_url, relay_url, **_):
    new_gradio_session(source_url, "source")
    new_gradio_session(relay_url, "relay")
    [numbers] = new_gradio_session_api_proxy_function("numbers", prefix="PowershaiTest", session="source")
    [relay] = new_gradio_session_api_proxy_function("relay", prefix="PowershaiTest", session="relay")
    results = relay(pipe=numbers(count=2, pause=0), map="value=0", tag="X")
    return [event.data[0] for event in results if event.event == "complete"]


def maxcalls_remove(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    set_gradio_session("lab", max_calls=2, max_calls_policy="remove")
    for i in range(1, 5):
        invoke_gradio_session_api("echo", [f"call {i}"])
    calls = get_gradio_session_api()
    return [len(calls), _last_data(calls[-1])]


def maxcalls_warning_silenced(lab_url, **_):
    import warnings

    from powershai_py import PowershaiWarning

    new_gradio_session(lab_url, "lab")
    set_gradio_session("lab", max_calls=1, max_calls_policy="warning")
    invoke_gradio_session_api("echo", ["one"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PowershaiWarning)
        invoke_gradio_session_api("echo", ["two"])
    return [len(get_gradio_session_api())]


def maxcalls_error_quiet(lab_url, **_):
    import contextlib

    from powershai_py import MaxCallsReached

    new_gradio_session(lab_url, "lab")
    set_gradio_session("lab", max_calls=1, max_calls_policy="error")
    invoke_gradio_session_api("echo", ["one"])
    second = None
    with contextlib.suppress(MaxCallsReached):
        second = invoke_gradio_session_api("echo", ["two"])
    return [f"b is null: {second is None}", len(get_gradio_session_api())]


def errors_app(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    call = invoke_gradio_session_api("user_error", ["oops"])
    results = update_gradio_session_api_result(call)
    said = "the app said no" if call.api_event.error else "fine"
    return [results[-1].event, said, call.api_event.last_query_status]


def interpolation_report(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    events = update_gradio_session_api_result(invoke_gradio_session_api("count_up", [3]))
    data = " ".join(value for event in events for value in event.data)
    return [
        f"events: {len(events)}; data: {data}",
        f"last: {events[-1].data[0]}, first: {events[0].data[0]}",
    ]


def foreach_calls(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    calls = [invoke_gradio_session_api("greet", {"name": name, "times": 1}) for name in ("Ana", "Bo")]
    return [_last_data(call) for call in calls]


def for_loop_calls(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    return [_last_data(invoke_gradio_session_api("greet", [i, 1])) for i in range(1, 4)]


def while_retry(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    tries = 0
    while True:
        tries += 1
        if _last_data(invoke_gradio_session_api("echo", [f"try {tries}"])) == "try 2":
            break
    return [f"took {tries} tries"]


def function_wrapper(lab_url, **_):
    new_gradio_session(lab_url, "lab")

    def ask(text):
        return _last_data(invoke_gradio_session_api("echo", [text]))

    return [ask("first"), ask("second"), f"answer: {ask('third')}"]


def splatting_session(lab_url, **_):
    s = new_gradio_session(lab_url, name="splat", force=True)
    call = invoke_gradio_session_api(api_name="echo", params=["splatted"])
    return [s.name, _last_data(call)]


def files_paths(lab_url, file_path, **_):
    import os

    new_gradio_session(lab_url, "lab")
    out = []
    if os.path.exists(file_path):
        out += [f["orig_name"] for f in send_gradio_session_files(file_path)]
    return [*out, os.path.exists(os.path.join(file_path, "nope"))]


def json_roundtrip(lab_url, **_):
    import json

    new_gradio_session(lab_url, "lab")
    answer = _last_data(invoke_gradio_session_api("greet", {"name": "Json", "times": 1}))
    parsed = json.loads('{"answer": {"text": "x", "n": 2}}')
    return [json.dumps(answer), parsed["answer"]["n"]]


def where_case(lab_url, **_):
    new_gradio_session(lab_url, "Space:Owner/App")
    new_gradio_session(lab_url, "other")
    sessions = get_gradio_sessions()
    exact = [s.name for s in sessions if s.name.casefold() == "space:owner/app"]
    return exact + [s.name.upper() for s in sessions if s.name.casefold().startswith("oth")]


def count_semantics(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    out = [f"calls: {len(get_gradio_session_api())}"]
    invoke_gradio_session_api("echo", ["x"])
    out.append(f"one: {len(get_gradio_session_api())}")
    invoke_gradio_session_api("echo", ["y"])
    return [*out, f"two: {len(get_gradio_session_api())}", 1]


def member_enumeration(lab_url, **_):
    new_gradio_session(lab_url, "first")
    new_gradio_session(lab_url, "second")
    names = [s.name for s in get_gradio_sessions()]
    return [*names, len(names)]


def here_string_input(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    text = "line one\nline two"
    return [_last_data(invoke_gradio_session_api("echo", [text])), len(text)]


def script_block_statements(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    [count_up] = new_gradio_session_api_proxy_function("count_up")
    out = []
    for event in count_up(n=2):
        out.append(event.data[0])
        print(f"event {event.num}")
    return out


def positional_proxy(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    [greet] = new_gradio_session_api_proxy_function("greet", prefix="My")
    events = list(greet("Positional", 1))
    return [*events[-1].data, greet.powershell_name]


def remove_all_sessions(lab_url, **_):
    from powershai_py import remove_gradio_session

    new_gradio_session(lab_url, "a")
    new_gradio_session(lab_url, "b")
    remove_gradio_session("*")
    return [len(get_gradio_sessions())]


def confirm_false(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    update_gradio_session_api_result(invoke_gradio_session_api("echo", ["bye"]))
    gone = remove_gradio_session_api("clean")
    return [len(gone), len(get_gradio_session_api())]


def verbose_common(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    return [_last_data(invoke_gradio_session_api("echo", ["v"]))]


def arithmetic_summary(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    total = sum(len(_last_data(invoke_gradio_session_api("greet", ["x", n]))) for n in range(1, 4))
    return [total, f"average: {total / 3:,.1f}"]


def not_and_or(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    call = invoke_gradio_session_api("echo", [""])
    results = update_gradio_session_api_result(call)
    out = []
    if not results[-1].data[0]:
        out.append("empty answer")
    if not call.api_event.error and call.api_event.status == "complete":
        out.append("clean")
    if len(results) == 1:
        out.append("one event")
    return out


def ranges_batch(lab_url, **_):
    new_gradio_session(lab_url, "lab")
    calls = [invoke_gradio_session_api("echo", [f"item {n}"]) for n in range(1, 4)]
    return [_last_data(call) for call in calls]


def endpoint_table(lab_url, **_):
    from powershai_py import get_gradio_info

    greet = get_gradio_info(lab_url).named_endpoints["/greet"]
    return [
        f"{p['parameter_name']:<6}|{p['component']}|{p['parameter_default']}" for p in greet["parameters"]
    ]


def hub_token(**_):
    import os

    from powershai_py import get_hf_me, set_hugging_face_token

    set_hugging_face_token(os.environ["HF_TOKEN"])
    return [get_hf_me()["name"], get_hf_space("owner/public").id]


def install_and_import(lab_url, **_):
    from powershai_py import get_gradio_info

    return [len(get_gradio_info(lab_url).named_endpoints["/count_up"]["parameters"])]
