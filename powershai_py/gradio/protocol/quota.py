"""GPU quota errors of ZeroGPU Spaces: recognise them in an app's error text, and read the
wait they name (pure).

PowerShell equivalent: none (PowershAI shows them as any app error). A ZeroGPU Space ends a
call that needs more GPU time than the caller has left with a plain app error, worded for
instance "You have exceeded your GPU quota (46s left vs. 60s requested). ... retry in
0:09:48." or "You have exceeded your GPU quota (60s requested vs. 56s left). <a ...>Create a
free account</a> ...", under a title that may read "ZeroGPU quota exceeded". Such a call is a
:class:`~powershai_py.errors.QuotaExceeded`: its ``retry_after`` is the named wait in seconds,
or None when the text names none.
"""

from __future__ import annotations

import re

__all__ = ["is_quota_error", "quota_wait"]

_QUOTA = re.compile(r"exceeded your GPU quota|ZeroGPU quota exceeded", re.IGNORECASE)
_RETRY_IN = re.compile(r"retry in\s+(?:(\d+)\s+days?,\s*)?(\d{1,3}):(\d{2}):(\d{2})", re.IGNORECASE)


def is_quota_error(text: str) -> bool:
    """True when an app's error text says the caller ran out of GPU quota."""
    return bool(_QUOTA.search(text or ""))


def quota_wait(text: str) -> float | None:
    """The seconds a quota error says to wait (``retry in H:MM:SS``), or None if it names none."""
    if not is_quota_error(text):
        return None
    found = _RETRY_IN.search(text)
    if found is None:
        return None
    days, hours, minutes, seconds = (int(part) if part else 0 for part in found.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
