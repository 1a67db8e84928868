"""Calls: submit a job to an endpoint and get its event (its results are read in ``results.py``).

PowerShell equivalent: ``Send-GradioApi``. Over the ``/call`` transport a call is
``POST {api}/call/{name}``, which answers an event id; over the queue transport it is
``POST {api}/queue/join`` with a session hash, whose results come on the hash's shared stream
(``queue.py``). :func:`choose_transport` picks one; both give a :class:`GradioApiEvent`. The
endpoint checks (:func:`find_callable`, :func:`endpoint_not_found`) live here too, shared by
the session and proxy layers.
"""

from __future__ import annotations

import difflib
import json
import re
import uuid
from typing import Any
from urllib.parse import quote

from ...errors import (
    Advice,
    EndpointNotFound,
    HttpError,
    InvalidEvent,
    PowershaiError,
    ProtocolError,
    excerpt,
    warn,
)
from ...http import request, retry_refused_posts, settings
from ...state import current
from .app import app_layout, pad_state_slots
from .login import login_for
from .models import (
    AppLayout,
    GradioApiEvent,
    GradioInfo,
    Secret,
)
from .queue import channel_for

__all__ = [
    "send_gradio_api",
    "check_transport",
    "choose_transport",
    "to_data_list",
    "endpoint_not_found",
    "unusable_endpoint",
    "find_callable",
    "check_event_id",
]

TRANSPORTS = ("auto", "call", "queue")


def to_data_list(params: Any) -> list[Any]:
    """The ``data`` list of a call: None gives ``[]``, a list or tuple is copied, any other value is one."""
    if params is None:
        return []
    if isinstance(params, (list, tuple)):
        return list(params)
    return [params]


_EVENT_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._~-]{0,199}")


def check_event_id(value: Any, source: str = "the event id given") -> str:
    """``value`` if it can be an event id, else an error: it becomes a path segment of a URL,
    so ``../x`` or ``a/b`` must never reach one. Gradio's ids are 32 hexadecimal digits."""
    if isinstance(value, str) and _EVENT_ID.fullmatch(value):
        return value
    shown = excerpt(repr(value), 80)
    if source == "server":
        raise ProtocolError(f"the server sent {shown} as an event id, which is not one", event_id=shown)
    raise InvalidEvent(
        f"{source} {shown} is not an event id (letters, digits, '-', '_', '.', '~').",
        advice=Advice(
            "See get_gradio_session_api for the ids.", "See 'powershai-py calls list' for the ids."
        ),
        event_id=shown,
    )


def unusable_endpoint(api_name: str, reason: str, app_url: str) -> ProtocolError:
    """The error for an endpoint that ``/info`` lists but describes in a way no call can be made
    from (the rest of the app stays callable)."""
    return ProtocolError(
        f"/{api_name} of {app_url} cannot be called: its /info description is not what Gradio "
        f"serves ({reason}); the app's other endpoints still work. send_gradio_api calls it "
        "with a list of values, without /info",
        api_name=api_name,
        url=app_url,
        field=reason[: reason.find(" is ", reason.find("]"))],  # the reason starts "<field> is ..."
    )


def find_callable(info: GradioInfo, api_name: str, app_url: str) -> tuple[str, dict[str, Any]]:
    """``(name as the app spells it, description)`` of an endpoint a call can be made to;
    :class:`ProtocolError` for one whose description is unusable, :class:`EndpointNotFound`
    for one the app does not have."""
    found = info.find_endpoint(api_name)
    if found is not None:
        return found
    broken = info.why_unusable(api_name)
    if broken is not None:
        raise unusable_endpoint(broken[0], broken[1], app_url)
    raise endpoint_not_found(api_name.strip().lstrip("/"), info.endpoint_names, app_url)


def endpoint_not_found(api_name: str, available: list[str], app_url: str) -> EndpointNotFound:
    """The error for an unknown endpoint, listing the ones that exist (closest first)."""
    close = difflib.get_close_matches(api_name, available, n=3, cutoff=0.5)
    ordered = close + [name for name in available if name not in close]
    listing = ", ".join(ordered) if ordered else "none"
    return EndpointNotFound(
        f"Api name {api_name} not found at {app_url}. Endpoints: {listing}",
        api_name=api_name,
        available=ordered,
        url=app_url,
    )


def send_gradio_api(
    app_url: Any,
    api_name: str,
    params: Any = None,
    session_hash: str | None = None,
    event_id: str | None = None,
    token: str | None = None,
    *,
    auth: Any = None,
    transport: str | None = None,
) -> GradioApiEvent:
    """Submit a call to an endpoint and return its :class:`GradioApiEvent` (not yet read).

    PowerShell equivalent: ``Send-GradioApi -AppUrl URL -ApiName NAME -Params P``.

    ``params`` is the list of input values (a single value is sent as a one-value list).
    ``app_url`` may be the app's root or its API root. On Gradio 4 and 5 a null is added
    for each hidden ``gr.State`` input. With ``event_id`` nothing is sent: the event is
    attached to a call made earlier. ``token="public"`` sends no token. ``auth=(user,
    password)`` logs in to an app launched with ``auth=``. ``transport`` is ``"call"``,
    ``"queue"`` or ``"auto"`` (the default, ``settings.transport``): see
    :func:`choose_transport`. A queue call without a ``session_hash`` gets one of its own.
    """
    if not isinstance(api_name, str) or not api_name.strip("/ "):
        raise PowershaiError("give the endpoint name, e.g. 'predict'", code="POWERSHAI_GRADIO_NOAPINAME")
    name = api_name.strip().lstrip("/")
    credentials = login_for(app_url, auth)
    layout = app_layout(app_url, token, credentials=credentials)
    chosen = choose_transport(layout, name, transport, attached=bool(event_id) and not session_hash)
    if chosen == "queue":
        return _join(layout, name, params, session_hash, event_id, token, credentials)
    body: dict[str, Any] = {"data": pad_state_slots(to_data_list(params), layout, name)}
    if session_hash:
        body["session_hash"] = session_hash
        if layout.major is not None and layout.major < 6:
            warn(
                f"Gradio {layout.version} does not stream /call results of a call made with a "
                "session_hash (its GET answers '404'); only Gradio 6 supports it"
            )
    url = f"{layout.real_app_url}/call/{quote(name, safe='')}"
    if event_id:
        check_event_id(event_id)
    else:
        try:
            event_id = _submit(url, f"{layout.real_app_url}/call/", body, name, token, credentials)
        except HttpError as exc:
            if exc.status in (404, 500) and layout.from_config and name not in layout.api_names:
                raise endpoint_not_found(name, list(layout.api_names), layout.root_url) from None
            raise
    return _event(layout, name, event_id, url, body, session_hash, token, credentials, "call")


def check_transport(transport: Any) -> str:
    """``transport`` in lower case if it names one (``call``, ``queue``, ``auto``), else an error."""
    if isinstance(transport, str) and transport.strip().lower() in TRANSPORTS:
        return transport.strip().lower()
    raise PowershaiError(
        f"{transport!r} is not a transport: give 'call', 'queue' or 'auto'",
        code="POWERSHAI_GRADIO_TRANSPORT",
        transport=str(transport),
    )


def choose_transport(layout: AppLayout, api_name: str, transport: str | None, attached: bool = False) -> str:
    """``"call"`` or ``"queue"`` for a call to ``api_name`` (pure).

    An explicit choice wins. ``"auto"`` (or None: ``settings.transport``) picks the queue, the
    route the official clients use, whenever ``/config`` gives the endpoint's ``fn_index``:
    on Gradio 4 and 5 ``/call`` drops error texts and cannot keep ``gr.State``, on Gradio 6 it
    fails on values a plain JSON encoder refuses (numpy numbers, a component in a chat reply),
    and on every version it carries no progress, warnings or place in the queue. ``/call``
    otherwise. A call ``attached`` by event id without a session hash can only be read over
    ``/call``.
    """
    wanted = check_transport(transport or settings.transport or "auto")
    if wanted == "auto":
        return "queue" if api_name in layout.fn_indexes and not attached else "call"
    if wanted == "queue" and api_name not in layout.fn_indexes:
        raise PowershaiError(
            f"/{api_name} cannot be called over the queue: the app's /config does not list it "
            "(or there is no /config); use the 'call' transport",
            code="POWERSHAI_GRADIO_TRANSPORT",
            transport="queue",
            api_name=api_name,
        )
    return wanted


def _join(
    layout: AppLayout,
    name: str,
    params: Any,
    session_hash: str | None,
    event_id: str | None,
    token: str | None,
    credentials: Any,
) -> GradioApiEvent:
    """Join the queue: ``POST {api}/queue/join`` (or attach to a call joined earlier)."""
    fn_index = layout.fn_indexes[name]
    session_hash = session_hash or uuid.uuid4().hex
    body: dict[str, Any] = {
        "data": pad_state_slots(to_data_list(params), layout, name, always=True),
        "fn_index": fn_index,
        "session_hash": session_hash,
        "event_data": None,
        "trigger_id": None,
    }
    url = f"{layout.real_app_url}/queue/join"
    # from the join on, the session's stream may carry the call's messages, read by any call
    # of the hash: the channel keeps them until the event id is registered
    channel = channel_for(layout.real_app_url, session_hash, token, credentials)
    if event_id:
        check_event_id(event_id)
        channel.register(event_id)
    else:
        with channel.joining():
            event_id = _submit(url, url, body, name, token, credentials)
            channel.register(event_id)
    return _event(layout, name, event_id, url, body, session_hash, token, credentials, "queue")


def _event(
    layout: AppLayout,
    name: str,
    event_id: str,
    url: str,
    body: dict[str, Any],
    session_hash: str | None,
    token: str | None,
    credentials: Any,
    transport: str,
) -> GradioApiEvent:
    """The event of a call just submitted (or attached to) over ``transport``."""
    return GradioApiEvent(
        event_id=event_id,
        api_name=name,
        app_url=layout.real_app_url,
        req={"method": "POST", "url": url, "data": body},
        session_hash=session_hash,
        token=Secret(token),
        credentials=credentials,
        transport=transport,
        fn_index=layout.fn_indexes.get(name),
        state=current(),
    )


def _submit(
    url: str, retry_prefix: str, body: dict[str, Any], name: str, token: str | None, credentials: Any
) -> str:
    """POST a call's JSON body and return the event id the server gives. POSTs under
    ``retry_prefix`` may be retried when refused (429, 503: nothing was submitted)."""
    retry_refused_posts(retry_prefix)
    headers = {"Content-Type": "application/json"}
    payload = _json_body(body, name)
    response = request("POST", url, data=payload, headers=headers, token=token, credentials=credentials)
    return _event_id_of(response, url)


def _json_body(body: dict[str, Any], api_name: str) -> bytes:
    """The body as JSON bytes, or an error that names the parameter JSON cannot carry."""
    try:
        return json.dumps(body).encode()
    except (TypeError, ValueError, RecursionError):
        pass
    for position, value in enumerate(body["data"]):
        try:
            json.dumps(value)
        except (TypeError, ValueError, RecursionError) as exc:
            kind = type(value).__name__
            hint = (
                "upload bytes as a file (send_gradio_file) and pass its FileData"
                if isinstance(value, (bytes, bytearray))
                else "give JSON values: str, int, float, bool, None, and lists and dicts of them"
            )
            raise PowershaiError(
                f"parameter {position} of /{api_name} is a {kind} that JSON cannot carry ({exc}); {hint}",
                code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
                position=position,
                type=kind,
            ) from None
    raise PowershaiError(
        f"the call to /{api_name} cannot be written as JSON; give JSON values",
        code="POWERSHAI_GRADIO_INVOKEAPI_PARAM",
    )


def _event_id_of(response: Any, url: str) -> str:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    event_id = answer.get("event_id") if isinstance(answer, dict) else None
    if not isinstance(event_id, str) or not event_id:
        raise ProtocolError(
            f"POST {url} answered without an event id: {excerpt(response.text)}",
            url=url,
            body=excerpt(response.text),
        )
    return check_event_id(event_id, "server")
