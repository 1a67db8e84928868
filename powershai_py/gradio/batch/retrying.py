"""Which failures of a call are worth another try, and how long to wait before it (pure).

PowerShell equivalent: none (PowershAI leaves retries to the script). A batch retries what the
network or a busy server did, never what the app itself said:

* retried: a connection lost or refused (an app restarting), a stream cut or silent before its
  result, HTTP 429, 502, 503 and a full queue (honouring the server's ``Retry-After``);
* never retried: the app's own errors (``gr.Error``, an exception), a validation error, an
  endpoint or session that does not exist, a cancelled call, anything else we raise on purpose.

GPU quota errors are neither: the batch waits until the quota returns (``runner``).
"""

from __future__ import annotations

import random
from typing import Any

from ...errors import (
    CallCancelled,
    CallFailed,
    ConnectionLost,
    HttpError,
    QueueFull,
    RequestTimeout,
    StillRunning,
    StreamLost,
)

__all__ = ["is_transient", "backoff", "TRANSIENT_STATUSES"]

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


def is_transient(error: BaseException) -> bool:
    """True when ``error`` came from the network or a busy server, so trying again may work."""
    if isinstance(error, (CallFailed, CallCancelled)):
        return False  # the app's own answer (QuotaExceeded is handled apart)
    if isinstance(error, (ConnectionLost, RequestTimeout, StreamLost, StillRunning, QueueFull)):
        return True
    if isinstance(error, HttpError):
        return getattr(error, "status", None) in TRANSIENT_STATUSES
    return False


def backoff(
    attempt: int,
    *,
    base: float = 0.5,
    cap: float = 30.0,
    retry_after: Any = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before try number ``attempt + 1`` (``attempt`` >= 1 tries were made).

    Exponential (``base``, doubled per attempt, at most ``cap``) with full jitter in its upper
    half, so callers that failed together do not come back together; a server's
    ``retry_after`` (seconds) is a floor, capped too.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    wait = ceiling * (0.5 + 0.5 * (rng or random).random())
    if isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool) and retry_after > 0:
        wait = max(wait, min(float(retry_after), cap))
    return wait
