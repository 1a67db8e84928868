"""Hand-written Python twins of the PowerShell corpus: what a person would write with powershai_py.

Each function returns the values its script writes to the output, in order.
"""

from __future__ import annotations

from powershai_py import (
    get_gradio_session,
    get_gradio_session_api,
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
    out.append(len(get_gradio_session()))
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
