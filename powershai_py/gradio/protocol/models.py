"""The objects the Gradio functions return. Pure data: no I/O here (the notebook views are
installed by ``display.py``, see :data:`VIEWS`).

PowerShell type names (``PowershaiType:GradioApiEvent``...) and property names
(``EventId``, ``LastQueryStatus``...) belong to the ``compat`` package; these are plain
dataclasses with snake_case fields.

Longer than 500 lines on purpose: one module holds every returned object, so a reader finds
any field in one place; each class is a plain dataclass with a few properties, no logic to split.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ...errors import excerpt
from .status import ReadStatus, outcome_error

__all__ = [
    "Secret",
    "GradioInfo",
    "AppLayout",
    "GradioApiEvent",
    "GradioApiEventResult",
    "QueueStatus",
    "SessionApiEvent",
    "ApiCalls",
    "GradioSession",
    "SessionList",
    "CallList",
    "DEFAULT_OPTIONS",
    "error_message",
    "FILEDATA_TYPE",
    "is_filedata",
]

FILEDATA_TYPE = "gradio.FileData"

# Events only the queue transport sends: where a call is, not what it returned. They never
# count as a result's data.
STATUS_EVENTS = frozenset({"estimation", "process_starts", "progress", "log"})


def carries_data(result: GradioApiEventResult) -> bool:
    """True for an event whose ``data`` is the call's output (not a heartbeat, not a status)."""
    name = (result.event or "").lower()
    return name != "heartbeat" and name not in STATUS_EVENTS


class Secret:
    """Holds a token so that no repr, str, log or JSON dump can show it."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Secret(<hidden>)" if self.value else "Secret(None)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


class _Views:
    """How a notebook shows these objects. Rendering fetches files (I/O), so it lives in
    ``display.py``, a layer above, which installs its views here when the ``protocol``
    package is imported; these plain ones stand in until then."""

    def html(self, obj: Any) -> str:
        return "<pre>" + html.escape(repr(obj)) + "</pre>"

    def bundle(self, obj: Any) -> dict[str, str]:
        return {"text/html": self.html(obj), "text/plain": repr(obj)}


VIEWS = _Views()


def is_filedata(value: Any) -> bool:
    """True for a Gradio FileData dict (``meta._type == "gradio.FileData"``)."""
    if not isinstance(value, dict):
        return False
    meta = value.get("meta")
    return isinstance(meta, dict) and meta.get("_type") == FILEDATA_TYPE


def error_message(error: Any, version: str | None = None) -> str:
    """The text of what a server sent with an ``error`` event; when it sent none, why, for that
    Gradio version."""
    if isinstance(error, dict) and "error" in error:
        error = error["error"]
    if error not in (None, "", "UnknownError"):
        return str(error)
    major = (version or "").split(".")[0]
    if major.isdigit() and int(major) < 6:
        why = f"Gradio {version} does not send the text of an error over its /call route"
    elif major.isdigit():
        why = "the app hides it: Gradio sends gr.Error texts, and others only under show_error=True"
    else:
        why = "Gradio 4 and 5 never send it over /call; Gradio 6 sends gr.Error texts or under show_error"
    return f"the app reported an error without a message ({why})"


@dataclass
class AppLayout:
    """What ``/config`` tells about an app: where its API lives and its hidden inputs.

    ``state_slots`` maps an API name to ``(number of inputs, positions of gr.State
    inputs)``; Gradio 4 and 5 need a null at each of those positions in a call. ``bounds``
    maps an API name to the bounds of its Slider and Number inputs, by their place among
    the inputs ``/info`` lists (State inputs left out): ``{0: {"minimum": 0, "maximum": 10}}``.
    """

    root_url: str
    api_prefix: str
    version: str | None = None
    state_slots: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)
    api_names: tuple[str, ...] = ()
    from_config: bool = True
    fn_indexes: dict[str, int] = field(default_factory=dict)  # API name -> the queue's fn_index
    bounds: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)
    title: str | None = None  # the app's title (gr.Blocks(title=...)); Gradio's default is "Gradio"

    @property
    def real_app_url(self) -> str:
        return self.root_url + self.api_prefix

    @property
    def major(self) -> int | None:
        try:
            return int((self.version or "").split(".")[0])
        except ValueError:
            return None


@dataclass
class GradioInfo:
    """An app's ``/info``, plus the URL that the other calls use.

    PowerShell equivalent: the object Get-GradioInfo returns (with ``RealAppUrl``).
    """

    named_endpoints: dict[str, Any]
    unnamed_endpoints: dict[str, Any]
    real_app_url: str
    root_url: str
    api_prefix: str
    version: str | None = None
    # "/name" -> why it cannot be called (its parameters are unreadable); the others still can
    unusable_endpoints: dict[str, str] = field(default_factory=dict)

    def endpoint(self, api_name: str) -> dict[str, Any] | None:
        """The description of an endpoint, by name with or without "/", any case."""
        found = self.find_endpoint(api_name)
        return found[1] if found else None

    def find_endpoint(self, api_name: str) -> tuple[str, dict[str, Any]] | None:
        """``(name as the app spells it, without "/", description)``, by name in any case.

        An exact match wins over one that differs only in case.
        """
        wanted = "/" + api_name.strip().lstrip("/")
        if wanted in self.named_endpoints:
            return wanted[1:], self.named_endpoints[wanted]
        folded = wanted.casefold()
        for name, spec in self.named_endpoints.items():
            if name.casefold() == folded:
                return name[1:], spec
        return None

    def why_unusable(self, api_name: str) -> tuple[str, str] | None:
        """``(name as the app spells it, why it cannot be called)`` for an endpoint that
        ``/info`` lists but describes in a way no call can be made from; else None."""
        wanted = ("/" + api_name.strip().lstrip("/")).casefold()
        for name, reason in self.unusable_endpoints.items():
            if name.casefold() == wanted:
                return name.lstrip("/"), reason
        return None

    @property
    def endpoint_names(self) -> list[str]:
        """Endpoint names without the leading "/", in the order ``/info`` gives them."""
        return [name.lstrip("/") for name in self.named_endpoints]

    def _repr_html_(self) -> str:
        return VIEWS.html(self)

    def __repr__(self) -> str:
        names = self.endpoint_names
        shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
        broken = f", unusable={list(self.unusable_endpoints)!r}" if self.unusable_endpoints else ""
        return f"GradioInfo(app={self.real_app_url!r}, version={self.version!r}, endpoints=[{shown}]{broken})"


@dataclass
class GradioApiEventResult:
    """One event read from a call's stream.

    ``num`` counts from 1 per call and goes on across update calls (heartbeats count);
    ``ts`` is when the event arrived; ``data`` is the parsed JSON of its ``data:`` field.
    ``pipeline`` is filled by proxy functions called with ``pipe=``: the upstream results
    that led to this one, oldest first.
    """

    num: int
    ts: datetime
    event: str | None
    data: Any = None
    pipeline: list[GradioApiEventResult] = field(default_factory=list, repr=False, compare=False)
    source: Any = field(default=None, repr=False, compare=False)  # the GradioApiEvent it came from

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter: one image output as the image itself, anything else as an HTML table."""
        return VIEWS.bundle(self)


@dataclass
class QueueStatus:
    """Where a call is, as the queue transport last told: waiting, running or done.

    ``rank`` is the call's place in the queue (0: next), ``queue_size`` how many wait,
    ``eta`` the estimated seconds (None when the server has no estimate yet); ``progress``
    holds the latest ``gr.Progress`` steps (dicts with ``index``, ``length``, ``unit``,
    ``progress``, ``desc``). ``messages`` are the app's ``gr.Info``/``gr.Warning`` texts as
    ``(level, text)``, the first 100 (256 KiB) of them; ``messages_dropped`` counts the rest.
    """

    stage: str = "queued"
    rank: int | None = None
    queue_size: int | None = None
    eta: float | None = None
    progress: list[dict[str, Any]] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)
    messages_dropped: int = 0  # messages past the first 100 (or 256 KiB), counted, not kept

    def describe(self) -> str:
        """One short line: ``queued 3/7 · about 12 s``, ``running 45% · step 9/20 · denoising``."""
        if self.stage == "queued":
            text = "queued"
            if self.rank is not None:
                text += f" {self.rank + 1}/{self.queue_size}" if self.queue_size else f" {self.rank + 1}"
            if self.eta is not None:
                text += f" · about {self.eta:.0f} s"
            return text
        if self.stage != "running":
            return self.stage
        parts = ["running"]
        step = self.progress[-1] if self.progress else None
        if step:
            index, length = step.get("index"), step.get("length")
            fraction = step.get("progress")
            if (
                fraction is None
                and isinstance(index, (int, float))
                and isinstance(length, (int, float))
                and length
            ):
                fraction = index / length
            if isinstance(fraction, (int, float)):
                parts[0] += f" {fraction * 100:.0f}%"
            if index is not None and length is not None:
                parts.append(f"{step.get('unit') or 'step'} {index:g}/{length:g}")
            elif index is not None:
                parts.append(f"{step.get('unit') or 'step'} {index:g}")
            if step.get("desc"):
                parts.append(str(step["desc"]))
        return " · ".join(parts)


@dataclass
class GradioApiEvent:
    """A call made to a Gradio endpoint and what was read of its results so far.

    PowerShell equivalent: the GradioApiEvent of Send-GradioApi.

    ``status`` is the name of the last event processed (``complete`` at the end);
    ``last_query_status`` tells how the last read ended: ``running``, ``complete``,
    ``error``, ``HeartBeatExpired``, ``ConnectionLost`` or ``Timeout``. ``events`` and
    ``data`` fill only when reading with ``history=True``; ``data`` then holds each
    event's data list in order. ``error`` is what the server sent with an ``error`` event
    (None, a string or an object), or ``"UnknownError"`` when it sent nothing.
    ``unfinished`` is the data text of an event the stream cut before its end: not a result
    (the call did not complete), kept so that nothing received is lost.
    """

    event_id: str
    api_name: str
    app_url: str
    status: str | None = None
    data: list[Any] = field(default_factory=list)
    events: list[GradioApiEventResult] = field(default_factory=list)
    last_event_num: int = 0
    error: Any = None
    last_query_status: str | None = None
    req: dict[str, Any] = field(default_factory=dict)
    session_hash: str | None = None
    token: Secret = field(default_factory=lambda: Secret(None), repr=False, compare=False)
    stream: Any = field(default=None, repr=False, compare=False)
    credentials: Any = field(default=None, repr=False, compare=False)  # a login (gradio/login.py)
    transport: str = "call"  # "call" (POST /call) or "queue" (POST /queue/join)
    fn_index: int | None = None  # the endpoint's index in /config (the queue and cancel need it)
    queue: QueueStatus = field(default_factory=QueueStatus, repr=False, compare=False)
    cancel_requested: bool = field(default=False, repr=False, compare=False)
    unfinished: str | None = field(default=None, repr=False, compare=False)
    state: Any = field(default=None, repr=False, compare=False)  # the client that made it (state.py)
    heartbeats: int = field(default=0, repr=False, compare=False)  # in a row, when the last read stopped

    def raise_for_outcome(self, version: str | None = None) -> None:
        """Raise what the way the call ended means, as ``raise_for_status`` does in requests:
        :class:`CallFailed` (the app's error), :class:`CallCancelled`, :class:`StreamLost`
        (its stream ended before the result) or :class:`StillRunning`; nothing once it
        completed. ``version`` (the app's Gradio version) words the app's error."""
        text = error_message(self.error, version) if self.error is not None else None
        error = outcome_error(self, text)
        if error is not None:
            raise error

    @property
    def update_url(self) -> str:
        """The URL of the event's result stream (the ``/call`` transport's)."""
        return f"{self.app_url}/call/{quote(self.api_name, safe='')}/{quote(self.event_id, safe='')}"

    @property
    def done(self) -> bool:
        """True once nothing more can be read: the call completed or failed, or its stream was lost."""
        how = ReadStatus.of(self.last_query_status)
        return self.status == "complete" or (how is not None and how.stream_ended)

    def _repr_html_(self) -> str:
        return VIEWS.html(self)

    def __repr__(self) -> str:
        return (
            f"GradioApiEvent(event_id={self.event_id!r}, api_name={self.api_name!r}, "
            f"status={self.status!r}, last_query_status={self.last_query_status!r}, "
            f"events_read={self.last_event_num})"
        )


@dataclass(eq=False)
class SessionApiEvent:
    """A call made through a session: its id and the :class:`GradioApiEvent` behind it.

    PowerShell equivalent: the SessionApiEvent of Invoke-GradioSessionApi.

    ``received`` turns True once the call is over and every result was handed out;
    ``last_received_index`` is the ``num`` of the last result handed out. ``unread`` holds
    results read on the caller's behalf (a stateful session reads a call to its end
    before the next one starts) until the next update hands them out. ``last_data`` is the
    data of the last event read that was not a heartbeat. ``removed`` is set when the call
    leaves its session; its stream is then closed.
    """

    id: str
    api_event: GradioApiEvent
    received: bool = False
    last_received_index: int | None = None
    unread: list[GradioApiEventResult] = field(default_factory=list, repr=False)
    last_data: Any = field(default=None, repr=False)
    removed: bool = field(default=False, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def api_name(self) -> str:
        return self.api_event.api_name

    @property
    def status(self) -> str | None:
        """The call's ``status`` (``complete`` when over), as on its GradioApiEvent."""
        return self.api_event.status

    @property
    def done(self) -> bool:
        return self.api_event.done

    @property
    def queue(self) -> QueueStatus:
        """Where the call is (queued, running, done), as the queue transport last told."""
        return self.api_event.queue

    @property
    def cancelled(self) -> bool:
        """True when the call was cancelled on the server before it gave a result."""
        return self.api_event.last_query_status == ReadStatus.CANCELLED

    def raise_for_outcome(self, version: str | None = None) -> None:
        """:meth:`GradioApiEvent.raise_for_outcome` of the call."""
        self.api_event.raise_for_outcome(version)

    @property
    def error(self) -> Any:
        """What the app sent with its ``error`` event (``"UnknownError"`` when it sent
        nothing), or None while the call has not failed. Same as ``api_event.error``."""
        return self.api_event.error

    def _repr_html_(self) -> str:
        return VIEWS.html(self)

    def __repr__(self) -> str:
        event = self.api_event
        text = f"SessionApiEvent(id={self.id!r}, api='/{self.api_name}', status={self.status!r}"
        if event.last_query_status not in (None, "complete"):
            text += f", last_query_status={event.last_query_status!r}"
        text += f", events_read={event.last_event_num}"
        if event.error is not None:
            said = event.error if event.error == "UnknownError" else error_message(event.error)
            text += f", error={excerpt(said, 80)!r}"
        return text + (", removed)" if self.removed else ")")


@dataclass
class ApiCalls:
    """The calls a session keeps: in call order, and by event id."""

    all_events: list[SessionApiEvent] = field(default_factory=list)
    by_id: dict[str, SessionApiEvent] = field(default_factory=dict)


def _default_options() -> dict[str, Any]:
    return dict(DEFAULT_OPTIONS)


DEFAULT_OPTIONS: dict[str, Any] = {"MaxCalls": 100, "MaxCallsPolicy": "warning"}


@dataclass(eq=False)
class GradioSession:
    """An app opened once and called many times; it keeps the calls made through it.

    PowerShell equivalent: the GradioSession of New-GradioSession.

    ``app_url`` is the URL the calls use (the API root); ``info`` is the app's ``/info``
    when the session was opened; ``options`` holds ``MaxCalls`` and ``MaxCallsPolicy``
    (names read in any case). A ``session_hash`` is set for a stateful session, whose
    calls share the app's ``gr.State``. ``download_path`` is where file outputs are saved
    as they arrive. ``str(session)`` is its name.
    """

    session_id: str
    app_url: str
    info: GradioInfo
    name: str
    uploads: dict[str, Any] = field(default_factory=dict, repr=False)
    api_calls: ApiCalls = field(default_factory=ApiCalls, repr=False)
    version: int = 1
    options: dict[str, Any] = field(default_factory=_default_options)
    download_path: str | None = None
    session_hash: str | None = field(default=None, repr=False)
    token: Secret = field(default_factory=lambda: Secret(None), repr=False)
    login: Any = field(default=None, repr=False, compare=False)  # a GradioLogin (gradio/login.py)
    # bookkeeping of calls in progress; see powershai_py.gradio.sessions
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    call_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    reserved: int = field(default=0, repr=False)
    downloads: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def stateful(self) -> bool:
        """True when the session's calls share one server session (and its ``gr.State``)."""
        return self.session_hash is not None

    def option(self, name: str) -> Any:
        """The value of an option, its name compared in any case (None when unset)."""
        folded = name.casefold()
        for key, value in self.options.items():
            if str(key).casefold() == folded:
                return value
        return None

    def __str__(self) -> str:
        return self.name or self.app_url

    def _repr_html_(self) -> str:
        return VIEWS.html(self)

    def _limits(self) -> tuple[Any, Any]:
        """The MaxCalls options as shown (the defaults the policy applies when unset)."""
        return (
            self.option("MaxCalls") or DEFAULT_OPTIONS["MaxCalls"],
            self.option("MaxCallsPolicy") or DEFAULT_OPTIONS["MaxCallsPolicy"],
        )

    def __repr__(self) -> str:
        limit, policy = self._limits()
        extra = ", stateful" if self.stateful else ""
        return (
            f"GradioSession(name={self.name!r}, app_url={self.app_url!r}, "
            f"calls={len(self.api_calls.all_events)}/{limit} ({policy}){extra})"
        )


class SessionList(list[GradioSession]):
    """A plain list of sessions that Jupyter shows as one table (a row per session)."""

    def _repr_html_(self) -> str:
        return VIEWS.html(self)


class CallList(list[SessionApiEvent]):
    """A plain list of calls that Jupyter shows as one table (a row per call)."""

    def _repr_html_(self) -> str:
        return VIEWS.html(self)
