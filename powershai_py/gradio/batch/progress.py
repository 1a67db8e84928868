"""The progress display of a batch: done, failed, in flight, rate and time left, drawn by tqdm.

PowerShell equivalent: Write-Progress. ``tqdm.auto`` draws a widget in a notebook and a line on
stderr elsewhere; tqdm is imported only when a display is asked for, so ``import powershai_py``
stays light. Without ipywidgets a notebook gets the text line instead of the widget.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Progress", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a progress widget can be drawn)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class Progress:
    """A progress bar over ``total`` inputs (None: unknown, no time left is shown)."""

    def __init__(self, total: int | None, *, description: str = "") -> None:
        self.failed = 0
        self._bar = _open_bar(total, description)

    def advance(self, status: str, in_flight: int) -> None:
        """One more input ended with ``status``; ``in_flight`` calls are still running."""
        if status != "ok":
            self.failed += 1
        self._bar.set_postfix_str(f"failed {self.failed}, in flight {in_flight}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


def _open_bar(total: int | None, description: str) -> Any:
    from tqdm.auto import tqdm

    options: dict[str, Any] = {"total": total, "desc": description, "unit": "call", "smoothing": 0.1}
    try:
        return tqdm(**options)
    except ImportError:  # tqdm's notebook widget needs ipywidgets: draw the text line instead
        from tqdm.std import tqdm as text_tqdm

        return text_tqdm(file=sys.stderr, **options)
