"""The objects the Gradio functions return. Pure data: no I/O here.

PowerShell type names (``PowershaiType:GradioApiEvent``...) and property names
(``EventId``, ``LastQueryStatus``...) belong to the ``compat`` package; these are plain
dataclasses with snake_case fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

__all__ = [
    "Secret",
    "GradioInfo",
    "AppLayout",
    "GradioApiEvent",
    "GradioApiEventResult",
    "FILEDATA_TYPE",
    "is_filedata",
]

FILEDATA_TYPE = "gradio.FileData"


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


def is_filedata(value: Any) -> bool:
    """True for a Gradio FileData dict (``meta._type == "gradio.FileData"``)."""
    if not isinstance(value, dict):
        return False
    meta = value.get("meta")
    return isinstance(meta, dict) and meta.get("_type") == FILEDATA_TYPE


@dataclass
class AppLayout:
    """What ``/config`` tells about an app: where its API lives and its hidden inputs.

    ``state_slots`` maps an API name to ``(number of inputs, positions of gr.State
    inputs)``; Gradio 4 and 5 need a null at each of those positions in a call.
    """

    root_url: str
    api_prefix: str
    version: str | None = None
    state_slots: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)
    api_names: tuple[str, ...] = ()
    from_config: bool = True

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

    def endpoint(self, api_name: str) -> dict[str, Any] | None:
        """The description of an endpoint, by name with or without "/", any case."""
        wanted = "/" + api_name.lstrip("/")
        if wanted in self.named_endpoints:
            return self.named_endpoints[wanted]
        folded = wanted.casefold()
        for name, spec in self.named_endpoints.items():
            if name.casefold() == folded:
                return spec
        return None

    @property
    def endpoint_names(self) -> list[str]:
        """Endpoint names without the leading "/", in the order ``/info`` gives them."""
        return [name.lstrip("/") for name in self.named_endpoints]


@dataclass
class GradioApiEventResult:
    """One event read from a call's stream.

    ``num`` counts from 1 per call and goes on across update calls (heartbeats count);
    ``ts`` is when the event arrived; ``data`` is the parsed JSON of its ``data:`` field.
    """

    num: int
    ts: datetime
    event: str | None
    data: Any = None


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

    @property
    def update_url(self) -> str:
        """The URL of the event's result stream."""
        return f"{self.app_url}/call/{quote(self.api_name, safe='')}/{self.event_id}"

    @property
    def done(self) -> bool:
        """True once the stream ended (complete, error, or lost)."""
        return self.status == "complete"
