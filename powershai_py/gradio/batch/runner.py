"""Run one endpoint of a session (or of several replicas) over many inputs: bounded
concurrency, retries of what is transient, GPU quotas waited out, restarted apps read again,
sleeping Spaces woken, and a journal that makes a killed run resumable.

PowerShell equivalent: none (a PowershAI script writes the loop itself). Inputs are read
lazily, so a generator of a million items is never held in memory; at most ``concurrency``
calls are in flight, and each result is handed out as it finishes (in that order, each
carrying its input's index). Each call is removed from its session once read, so a long run
never fills the session's MaxCalls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import (
    ConnectionLost,
    HttpError,
    PowershaiError,
    QuotaExceeded,
    RequestTimeout,
    StreamLost,
    warn,
)
from ...state import current, using
from ..protocol.calls import find_callable
from ..protocol.models import GradioSession, SessionApiEvent, is_filedata
from ..protocol.status import ReadStatus
from ..sessions.session_calls import (
    invoke_gradio_session_api,
    remove_gradio_session_api,
    stop_gradio_session_api,
    update_gradio_session_api_result,
)
from ..sessions.sessions import as_items, reread_app, resolve_session
from .journal import Journal, fingerprint
from .progress import Progress, in_notebook
from .replicas import Replicas
from .retrying import is_transient

__all__ = ["BatchResult", "map_gradio_session_api", "DEFAULT_CONCURRENCY", "DEFAULT_QUOTA_WAIT"]

# Calls in flight per replica when none is asked. Gradio runs one call of an event at a time
# unless the app sets concurrency_limit, and no Gradio (4.44 to 6.31) says it in /config; a few
# calls in flight keep such a server busy without flooding a larger one.
DEFAULT_CONCURRENCY = 4
DEFAULT_QUOTA_WAIT = 60.0  # seconds, when a quota error names no wait


@dataclass
class BatchResult:
    """How one input of a batch ended. ``status`` is ``ok``, ``failed`` or ``cancelled``;
    ``data`` the call's last data; ``files`` the FileData in it; ``error_code`` and
    ``error_message`` why it failed; ``attempts`` the calls made; ``seconds`` from its first
    try to its end; ``served_by`` the name of the session (replica) of its last call.
    ``from_journal`` marks a result read back from the journal of a run resumed, not run
    again."""

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
    served_by: str | None = None

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


Waker = Callable[[GradioSession], bool]


@dataclass
class _Batch:
    """What every worker of one run shares."""

    state: Any
    api_name: str
    replicas: Replicas[GradioSession]
    retries: int
    timeout: float
    pacer: _Pacer
    wake: Waker | None
    in_flight: dict[int, tuple[SessionApiEvent, GradioSession]] = field(default_factory=dict)


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
    progress: bool | None = None,
    total: int | None = None,
    wake: Waker | None = None,
) -> Generator[BatchResult, None, None]:
    """Call ``api_name`` once per input and yield a :class:`BatchResult` per input as it finishes.

    PowerShell equivalent: none; it replaces a ``foreach`` over Invoke-GradioSessionApi with
    retries and bookkeeping. Each input is what ``invoke_gradio_session_api`` takes as
    ``params`` (a dict of named parameters, a list, or one value); ``inputs`` is read lazily.

    ``session`` is one session, or a list of sessions serving the same app (replicas): each
    call goes to the least busy, and one that fails transiently is set aside for its backoff
    while the others take its inputs. ``concurrency`` bounds the calls in flight over all of
    them (default 4 per replica). A transient failure (connection lost or refused, a stream
    cut, 429/502/503, a full queue) is tried again up to ``retries`` more times, with
    exponential backoff and jitter; after a refused connection or a 5xx the app's ``/config``
    and ``/info`` are read again before its next call (it may have restarted). The app's own
    errors are recorded as failed and never retried. A GPU quota error
    (:class:`QuotaExceeded`) pauses the whole batch for the wait the app names, at most
    ``max_wait`` seconds in all; past it, the inputs left fail saying when to resume; a quota
    error that names no wait pauses ``quota_wait`` seconds. ``timeout`` bounds each call.

    ``journal`` (a file path) records every input as it starts and ends: run again with the
    same journal and inputs, the finished ones are handed back from it (``from_journal``)
    and only the others run. Closing the iterator (or Ctrl-C) stops submitting, cancels the
    calls in flight on the server and leaves them to run again on resume.

    ``progress`` draws a bar (done, failed, in flight, rate, time left): True always, False
    never, None (the default) in a notebook only; ``total`` is the number of inputs when
    ``inputs`` has no ``len()``. ``wake(session)``, when given, is called when a replica stops
    answering, to wake it (``powershai_py.wake_gradio_session`` wakes a Space's) and returns
    True once it is up again.
    """
    targets = [resolve_session(item) for item in as_items(session)]
    if not targets:
        raise PowershaiError("a batch needs at least one session", code="POWERSHAI_BATCH_OPTION")
    for target in targets:  # an endpoint missing on any replica fails now, not input by input
        find_callable(target.info, api_name, target.app_url)
    limit = concurrency if concurrency is not None else DEFAULT_CONCURRENCY * len(targets)
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
    if total is None and isinstance(inputs, Sized):
        total = len(inputs)
    show = in_notebook() if progress is None else bool(progress)
    batch = _Batch(
        state=current(),  # the calls are made with the client active now, wherever results are read
        api_name=api_name,
        replicas=Replicas(targets),
        retries=retries,
        timeout=timeout,
        pacer=_Pacer(max_wait, quota_wait),
        wake=wake,
    )
    return _run(batch, iter(inputs), limit, book, total if show else -1)


def _run(
    batch: _Batch, inputs: Iterator[Any], limit: int, book: Journal | None, total: int | None
) -> Generator[BatchResult, None, None]:
    """The run itself; ``total`` -1 means no progress display."""
    done = book.finished() if book is not None else {}  # index -> fingerprint
    pending: dict[Future[BatchResult], int] = {}
    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="powershai-batch")
    bar = Progress(total, description=batch.api_name.strip("/")) if total != -1 else None

    def work(index: int, params: Any, mark: str) -> BatchResult:
        with using(batch.state):
            result = _attempts(batch, index, params)
        if book is not None:
            if result.status == "cancelled":
                book.forget(index)  # stopped on purpose: it runs again on resume
            else:
                book.record(index, mark, result.status, result.line())
        return result

    def handed(result: BatchResult) -> BatchResult:
        if bar is not None:
            bar.advance(result.status, batch.replicas.busy())
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
                yield handed(BatchResult.from_line(book.result(index), params))
                continue
            while len(pending) >= limit:
                for result in _collect(pending):
                    yield handed(result)
            if book is not None:
                book.started(index, mark)
            pending[pool.submit(work, index, params, mark)] = index
        while pending:
            for result in _collect(pending):
                yield handed(result)
    finally:
        batch.pacer.stopping.set()
        batch.replicas.stop()
        for call, target in list(batch.in_flight.values()):
            try:
                with using(batch.state):
                    stop_gradio_session_api(call, target)
            except PowershaiError:
                pass  # the server may not cancel: the call is left to run again on resume
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
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


def _attempts(batch: _Batch, index: int, params: Any) -> BatchResult:
    """Run one input until it succeeds, fails for good, or the batch stops."""
    pacer = batch.pacer
    started = time.monotonic()
    attempts = 0  # calls made
    tries = 0  # calls that count toward ``retries`` (a quota refusal does not)
    served_by: str | None = None

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
            served_by=served_by,
        )

    while True:
        pacer.hold()
        if pacer.exhausted is not None and not pacer.stopping.is_set():
            return ended("failed", error=pacer.exhausted)  # no call: the quota is known to be spent
        ticket = None if pacer.stopping.is_set() else batch.replicas.take()
        if ticket is None:
            return ended("cancelled")
        attempts += 1
        tries += 1
        served_by = ticket.target.name
        try:
            if batch.replicas.refresh_due(ticket):  # the replica is held while it is read again
                fresh = False
                try:
                    reread_app(ticket.target)
                    fresh = True
                finally:
                    batch.replicas.woken(ticket, fresh)
            data = _call_once(batch, ticket.target, index, params)
        except QuotaExceeded as error:
            batch.replicas.succeeded(ticket)  # the replica answered; its quota is spent
            tries -= 1  # the quota, not the input: waiting does not spend a try
            wait = error.facts.get("retry_after") or pacer.quota_wait
            if not pacer.pause_for(float(wait)):
                pacer.exhausted = _quota_spent(pacer, error)
                return ended("failed", error=pacer.exhausted)
        except PowershaiError as error:
            if pacer.stopping.is_set():
                batch.replicas.released(ticket)
                return ended("cancelled", error=error)
            if not is_transient(error):
                batch.replicas.succeeded(ticket)
                return ended("failed", error=error)
            outage = batch.replicas.failed(
                ticket, retry_after=getattr(error, "retry_after", None), stale=_may_have_restarted(error)
            )
            if outage and batch.wake is not None and _may_have_restarted(error):
                batch.replicas.hold(ticket)  # the other workers wait for it instead of spending tries
                up = False
                try:
                    up = batch.wake(ticket.target)
                except PowershaiError as failure:  # the Hub did not answer: go on as if not woken
                    warn(f"could not wake {ticket.target.name}: {failure}")
                finally:
                    batch.replicas.woken(ticket, up)
            if tries > batch.retries:
                return ended("failed", error=error)
        except BaseException:
            batch.replicas.released(ticket)
            raise
        else:
            batch.replicas.succeeded(ticket)
            return ended("ok", data)


def _may_have_restarted(error: PowershaiError) -> bool:
    """A refused or cut connection, or a 5xx: the app may be restarting (or asleep)."""
    if isinstance(error, (ConnectionLost, StreamLost)):
        return True
    return isinstance(error, HttpError) and (getattr(error, "status", None) or 0) >= 500


def _call_once(batch: _Batch, target: GradioSession, index: int, params: Any) -> Any:
    """One call: submit, read to its end (within the batch's timeout), raise how it ended,
    return its data."""
    call = invoke_gradio_session_api(batch.api_name, params, session=target)
    batch.in_flight[index] = (call, target)
    try:
        deadline = time.monotonic() + batch.timeout
        while True:
            update_gradio_session_api_result(call, session=target, no_output=True)
            how = ReadStatus.of(call.api_event.last_query_status)
            if how is None or how.final:
                break
            if time.monotonic() > deadline:
                stop_gradio_session_api(call, target)
                raise RequestTimeout(
                    f"/{call.api_event.api_name} gave no result within {batch.timeout:g} s "
                    "(the batch's timeout)",
                    kind="deadline",
                )
        call.raise_for_outcome(target.info.version)
        return call.last_data
    finally:
        batch.in_flight.pop(index, None)
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
