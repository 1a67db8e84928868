"""The journal of a batch run: every input's state in SQLite, so a run killed at any moment
can be resumed without running a finished input again or losing it.

PowerShell equivalent: none. One row per input that was started: ``running`` while its call
is in flight, then ``ok`` or ``failed`` with the result as JSON, written in one transaction
before the result is handed on. An input still ``running`` when a run is resumed did not
finish (the process died or was interrupted) and runs again. Each row keeps a fingerprint of
its input, so resuming with a different input file is refused instead of mixing two runs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ...errors import PowershaiError

__all__ = ["Journal", "fingerprint"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inputs (
    idx INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT
);
"""


def fingerprint(value: Any) -> str:
    """A short digest of an input, to tell whether a resumed run reads the same inputs."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Journal:
    """A batch run's journal at ``path`` (created 0600; its folder must exist)."""

    def __init__(self, path: str | Path, endpoint: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        existed = self.path.exists()
        if not existed:
            self.path.touch(mode=0o600)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM run WHERE key = 'endpoint'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise PowershaiError(
                f"{self.path} is not a batch journal ({exc}); give another --output, or remove it",
                code="POWERSHAI_BATCH_JOURNAL",
                path=str(self.path),
            ) from None
        if row is None:
            self._db.execute("INSERT INTO run (key, value) VALUES ('endpoint', ?)", (endpoint,))
        elif row[0] != endpoint:
            raise PowershaiError(
                f"the journal {self.path} is of a run of /{row[0]}, not /{endpoint}: resume it with "
                "that endpoint, or start a new run with another output",
                code="POWERSHAI_BATCH_JOURNAL",
                path=str(self.path),
            )

    def finished(self) -> dict[int, str]:
        """Index -> fingerprint of every input that finished (ok or failed); their results
        stay on disk until :meth:`result` reads one."""
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, fingerprint FROM inputs WHERE status != 'running'"
            ).fetchall()
        return dict(rows)

    def result(self, index: int) -> dict[str, Any]:
        """The recorded result of the finished input ``index``."""
        with self._lock:
            row = self._db.execute("SELECT result FROM inputs WHERE idx = ?", (index,)).fetchone()
        return dict(json.loads(row[0]))

    def started(self, index: int, mark: str) -> None:
        """The input ``index`` (its fingerprint ``mark``) is being run."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO inputs (idx, fingerprint, status, result)"
                " VALUES (?, ?, 'running', NULL)",
                (index, mark),
            )

    def record(self, index: int, mark: str, status: str, result: dict[str, Any]) -> None:
        """The input ``index`` finished: ``status`` (``ok``/``failed``) and its result, for good."""
        text = json.dumps(result, default=str, ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO inputs (idx, fingerprint, status, result) VALUES (?, ?, ?, ?)",
                (index, mark, status, text),
            )

    def forget(self, index: int) -> None:
        """The input ``index`` did not finish (interrupted): it runs again on resume."""
        with self._lock:
            self._db.execute("DELETE FROM inputs WHERE idx = ? AND status = 'running'", (index,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
