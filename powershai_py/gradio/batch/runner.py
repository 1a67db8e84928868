"""Run one endpoint of a session over many inputs: bounded concurrency, retries of what is
transient, GPU quotas waited out, and a journal that makes a killed run resumable.

PowerShell equivalent: none (a PowershAI script writes the loop itself). Inputs are read
lazily, so a generator of a million items is never held in memory; at most ``concurrency``
calls are in flight, and each result is handed out as it finishes (in that order, each
carrying its input's index). Each call is removed from its session once read, so a long run
never fills the session's MaxCalls.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import PowershaiError, QuotaExceeded, RequestTimeout
from ...state import current, using
from ..protocol.app import forget_app
from ..protocol.models import GradioSession, SessionApiEvent, is_filedata
from ..protocol.status import ReadStatus
from ..sessions.session_calls import (
    invoke_gradio_session_api,
    remove_gradio_session_api,
    stop_gradio_session_api,
    update_gradio_session_api_result,
)
from ..sessions.sessions import resolve_session
from .journal import Journal, fingerprint
from .retrying import backoff, is_transient

__all__ = ["BatchResult", "map_gradio_session_api", "DEFAULT_CONCURRENCY", "DEFAULT_QUOTA_WAIT"]

DEFAULT_CONCURRENCY = 4  # Gradio runs one call of an event at a time unless the app says more
DEFAULT_QUOTA_WAIT = 60.0  # seconds, when a quota error names no wait


@dataclass
class BatchResult:
    """How one input of a batch ended. ``status`` is ``ok``, ``failed`` or ``cancelled``;
    ``data`` the call's last data; ``files`` the FileData in it; ``error_code`` and
    ``error_message`` why it failed; ``attempts`` the calls made; ``seconds`` from its first
    try to its end. ``from_journal`` marks a result read back from the journal of a run
    resumed, not run again."""

    index: int
    input: Any
    status: str
    data: Any = None
    files: list[dict[str, Any]] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 0
    seconds: float = 0.0
    from_journal: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> dict[str, Any]:
        """The result as the CLI writes it, one JSON object per line."""
        error = None if self.error_code is None else {"code": self.error_code, "message": self.error_message}
        return {
            "index": self.index,
            "status": self.status,
            "data": self.data,
            "error": error,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_line(cls, line: dict[str, Any], input: Any = None) -> BatchResult:
        error = line.get("error") or {}
        return cls(
            index=int(line["index"]),
            input=input,
            status=str(line["status"]),
            data=line.get("data"),
            files=_files_in(line.get("data")),
            error_code=error.get("code"),
            error_message=error.get("message"),
            attempts=int(line.get("attempts") or 0),
            seconds=float(line.get("seconds") or 0.0),
            from_journal=True,
        )


class _Pacer:
    """What the workers share: a pause while a GPU quota returns, and the stop signal."""

    def __init__(self, max_wait: float, quota_wait: float) -> None:
        self.max_wait = max_wait
        self.quota_wait = quota_wait
        self.lock = threading.Lock()
        self.paused_until = 0.0
        self.waited = 0.0
        self.exhausted: QuotaExceeded | None = None  # past max_wait: what the last refusal said
        self.stopping = threading.Event()

    def hold(self) -> None:
        """Wait (interruptibly) while the batch is paused for a quota (not once it gave up)."""
        while not self.stopping.is_set() and self.exhausted is None:
            left = self.paused_until - time.monotonic()
            if left <= 0:
                return
            self.stopping.wait(left)

    def pause_for(self, seconds: float) -> bool:
        """Pause every worker ``seconds``; False when that would pass ``max_wait`` in all."""
        with self.lock:
            now = time.monotonic()
            extra = max(0.0, now + seconds - max(self.paused_until, now))
            if self.waited + extra > self.max_wait:
                self.paused_until = max(self.paused_until, now + seconds)  # when it comes back
                return False
            self.waited += extra
            self.paused_until = max(self.paused_until, now + seconds)
            return True


def map_gradio_session_api(
    api_name: str,
    inputs: Iterable[Any],
    session: Any = ".",
    *,
    concurrency: int | None = None,
    retries: int = 3,
    journal: str | Path | None = None,
    max_wait: float = 600.0,
    quota_wait: float = DEFAULT_QUOTA_WAIT,
    timeout: float = 3600.0,
) -> Generator[BatchResult, None, None]:
    """Call ``api_name`` once per input and yield a :class:`BatchResult` per input as it finishes.

    PowerShell equivalent: none; it replaces a ``foreach`` over Invoke-GradioSessionApi with
    retries and bookkeeping. Each input is what ``invoke_gradio_session_api`` takes as
    ``params`` (a dict of named parameters, a list, or one value); ``inputs`` is read lazily.

    ``concurrency`` bounds the calls in flight (default 4). A transient failure (connection
    lost or refused, a stream cut, 429/502/503, a full queue) is tried again up to ``retries``
    more times, with exponential backoff and jitter; the app's own errors are recorded as
    failed and never retried. A GPU quota error (:class:`QuotaExceeded`) pauses the whole
    batch for the wait the app names, at most ``max_wait`` seconds in all; past it, the
    inputs left fail saying when to resume; a quota error that names no wait pauses
    ``quota_wait`` seconds. ``timeout`` bounds each call (seconds).

    ``journal`` (a file path) records every input as it starts and ends: run again with the
    same journal and inputs, the finished ones are handed back from it (``from_journal``)
    and only the others run. Closing the iterator (or Ctrl-C) stops submitting, cancels the
    calls in flight on the server and leaves them to run again on resume.
    """
    target = resolve_session(session)
    limit = concurrency if concurrency is not None else DEFAULT_CONCURRENCY
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PowershaiError(
            f"concurrency must be a whole number of 1 or more, not {concurrency!r}",
            code="POWERSHAI_BATCH_OPTION",
        )
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise PowershaiError(
            f"retries must be a whole number of 0 or more, not {retries!r}", code="POWERSHAI_BATCH_OPTION"
        )
    book = Journal(journal, api_name.strip().lstrip("/")) if journal is not None else None
    pacer = _Pacer(max_wait, quota_wait)
    # the calls are made with the client active now, wherever the results are read
    return _run(current(), target, api_name, iter(inputs), limit, retries, book, pacer, timeout)


def _run(
    state: Any,
    target: GradioSession,
    api_name: str,
    inputs: Iterator[Any],
    limit: int,
    retries: int,
    book: Journal | None,
    pacer: _Pacer,
    timeout: float,
) -> Generator[BatchResult, None, None]:
    done = book.finished() if book is not None else {}  # index -> fingerprint
    in_flight: dict[int, SessionApiEvent] = {}
    pending: dict[Future[BatchResult], int] = {}
    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="powershai-batch")

    def work(index: int, params: Any, mark: str) -> BatchResult:
        with using(state):
            result = _attempts(target, api_name, index, params, retries, timeout, pacer, in_flight)
        if book is not None:
            if result.status == "cancelled":
                book.forget(index)  # stopped on purpose: it runs again on resume
            else:
                book.record(index, mark, result.status, result.line())
        return result

    try:
        for index, params in enumerate(inputs):
            mark = fingerprint(params)
            if book is not None and index in done:
                if done[index] != mark:
                    raise PowershaiError(
                        f"input {index} is not the one the journal recorded for it: the inputs "
                        "changed since the run began; resume with the same inputs, or start "
                        "a new run with another journal",
                        code="POWERSHAI_BATCH_JOURNAL",
                        index=index,
                    )
                yield BatchResult.from_line(book.result(index), params)
                continue
            while len(pending) >= limit:
                yield from _collect(pending)
            if book is not None:
                book.started(index, mark)
            pending[pool.submit(work, index, params, mark)] = index
        while pending:
            yield from _collect(pending)
    finally:
        pacer.stopping.set()
        for call in list(in_flight.values()):
            try:
                with using(state):
                    stop_gradio_session_api(call, target)
            except PowershaiError:
                pass  # the server may not cancel: the call is left to run again on resume
        pool.shutdown(wait=True, cancel_futures=True)
        if book is not None:
            for future, index in pending.items():
                if future.cancelled():
                    book.forget(index)
            book.close()


def _collect(pending: dict[Future[BatchResult], int]) -> Generator[BatchResult, None, None]:
    finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
    for future in finished:
        del pending[future]
        yield future.result()


def _attempts(
    target: GradioSession,
    api_name: str,
    index: int,
    params: Any,
    retries: int,
    timeout: float,
    pacer: _Pacer,
    in_flight: dict[int, SessionApiEvent],
) -> BatchResult:
    """Run one input until it succeeds, fails for good, or the batch stops."""
    started = time.monotonic()
    attempts = 0  # calls made
    tries = 0  # calls that count toward ``retries`` (a quota refusal does not)
    rng = random.Random()

    def ended(status: str, data: Any = None, error: BaseException | None = None) -> BatchResult:
        code = getattr(error, "code", type(error).__name__) if error is not None else None
        message = getattr(error, "message", str(error)) if error is not None else None
        return BatchResult(
            index=index,
            input=params,
            status=status,
            data=data,
            files=_files_in(data),
            error_code=code,
            error_message=message,
            attempts=attempts,
            seconds=time.monotonic() - started,
        )

    while True:
        pacer.hold()
        if pacer.stopping.is_set():
            return ended("cancelled")
        if pacer.exhausted is not None:  # no call: the quota is known to be spent
            return ended("failed", error=pacer.exhausted)
        attempts += 1
        tries += 1
        try:
            return ended("ok", _call_once(target, api_name, index, params, timeout, in_flight))
        except QuotaExceeded as error:
            tries -= 1  # the quota, not the input: waiting does not spend a try
            wait = error.facts.get("retry_after") or pacer.quota_wait
            if not pacer.pause_for(float(wait)):
                pacer.exhausted = _quota_spent(pacer, error)
                return ended("failed", error=pacer.exhausted)
        except PowershaiError as error:
            if pacer.stopping.is_set():
                return ended("cancelled", error=error)
            if not is_transient(error) or tries > retries:
                return ended("failed", error=error)
            forget_app(target.app_url)  # an app that restarted may have a new /config
            pause = backoff(tries, retry_after=getattr(error, "retry_after", None), rng=rng)
            if pacer.stopping.wait(pause):
                return ended("cancelled", error=error)


def _call_once(
    target: GradioSession,
    api_name: str,
    index: int,
    params: Any,
    timeout: float,
    in_flight: dict[int, SessionApiEvent],
) -> Any:
    """One call: submit, read to its end (within ``timeout``), raise how it ended, return its data."""
    call = invoke_gradio_session_api(api_name, params, session=target)
    in_flight[index] = call
    try:
        deadline = time.monotonic() + timeout
        while True:
            update_gradio_session_api_result(call, session=target, no_output=True)
            how = ReadStatus.of(call.api_event.last_query_status)
            if how is None or how.final:
                break
            if time.monotonic() > deadline:
                stop_gradio_session_api(call, target)
                raise RequestTimeout(
                    f"/{call.api_event.api_name} gave no result within {timeout:g} s (the batch's timeout)",
                    kind="deadline",
                )
        call.raise_for_outcome(target.info.version)
        return call.last_data
    finally:
        in_flight.pop(index, None)
        remove_gradio_session_api(call, target, force=True)


def _quota_spent(pacer: _Pacer, error: QuotaExceeded) -> QuotaExceeded:
    when = time.strftime(
        "%H:%M", time.localtime(time.time() + max(0.0, pacer.paused_until - time.monotonic()))
    )
    said = f" ({error.message})"
    return QuotaExceeded(
        f"the GPU quota is spent and the batch already waited {pacer.waited:.0f} s of its "
        f"max_wait ({pacer.max_wait:g} s){said}; resume the run after {when} or later",
        retry_after=error.facts.get("retry_after"),
    )


def _files_in(data: Any) -> list[dict[str, Any]]:
    """The FileData found anywhere in ``data``."""
    found: list[dict[str, Any]] = []
    stack = [data]
    while stack:
        value = stack.pop()
        if is_filedata(value):
            found.append(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(reversed(value))
    return found
