"""A session store in SQLite, so sessions and calls outlive the process (used by the CLI).

Each change is one transaction, in WAL mode with a busy timeout, so several processes can
use one file at once without losing a write. A file that is not a store of ours, or one
written by a newer version, is an error and is never overwritten. Tokens are never written:
a session read back has no token (the environment's, or the one a call gives, is used).

Within one process the same session object is handed out for a given session id, as the
in-memory store does; another process sees the changes the next time it reads the session.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import PowershaiError
from .models import ApiCalls, GradioApiEvent, GradioInfo, GradioSession, SessionApiEvent

__all__ = ["SQLiteStore", "default_store_path", "STORE_ENV"]

SCHEMA_VERSION = 1
STORE_ENV = "POWERSHAI_PY_STORE"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    name_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    session_id TEXT NOT NULL UNIQUE,
    app_url TEXT NOT NULL,
    info TEXT NOT NULL,
    options TEXT NOT NULL,
    download_path TEXT,
    session_hash TEXT,
    added REAL NOT NULL DEFAULT (julianday('now'))
);
CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    api_name TEXT NOT NULL,
    status TEXT,
    last_query_status TEXT,
    events_read INTEGER NOT NULL DEFAULT 0,
    last_data TEXT,
    error TEXT,
    UNIQUE (session_id, event_id)
);
"""
# A stream that a process began to read cannot be read again by another (Gradio does not
# replay it): such a call is marked with this last_query_status when read back.
READ_ELSEWHERE = "ReadElsewhere"


def default_store_path() -> Path:
    """``$POWERSHAI_PY_STORE``, else the platform's state folder + ``powershai-py/store.sqlite3``."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "powershai-py" / "store.sqlite3"


class SQLiteStore:
    """Sessions and their calls in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.RLock()
        self._objects: dict[str, GradioSession] = {}  # session id -> the object handed out
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise PowershaiError(
                    f"{self.path} was written by a newer powershai-py (store version {version}, this one "
                    f"reads {SCHEMA_VERSION}); upgrade, or use another file with --store",
                    code="POWERSHAI_STORE_NEWER",
                    path=str(self.path),
                )
            self._db.execute("PRAGMA journal_mode = WAL")
            if version < SCHEMA_VERSION:
                with self._write() as db:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise PowershaiError(
                f"{self.path} is not a powershai-py store ({exc}); it was left as it is: "
                "move it away, or use another file with --store",
                code="POWERSHAI_STORE_CORRUPT",
                path=str(self.path),
            ) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # --- transactions ---

    class _Tx:
        def __init__(self, store: SQLiteStore) -> None:
            self.store = store

        def __enter__(self) -> sqlite3.Connection:
            self.store._lock.acquire()
            self.store._db.execute("BEGIN IMMEDIATE")
            return self.store._db

        def __exit__(self, kind: Any, *_: Any) -> None:
            try:
                self.store._db.execute("ROLLBACK" if kind else "COMMIT")
            finally:
                self.store._lock.release()

    def _write(self) -> SQLiteStore._Tx:
        return SQLiteStore._Tx(self)

    def _rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self._lock:
            return self._rows_in(self._db, sql, *args)

    # --- the SessionStore interface ---

    def get(self, name: str) -> GradioSession | None:
        rows = self._rows("SELECT * FROM sessions WHERE name_key = ?", name.casefold())
        return self._session(rows[0]) if rows else None

    def get_by_id(self, session_id: str) -> GradioSession | None:
        rows = self._rows("SELECT * FROM sessions WHERE session_id = ?", session_id)
        return self._session(rows[0]) if rows else None

    def all(self) -> list[GradioSession]:
        return [self._session(row) for row in self._rows("SELECT * FROM sessions ORDER BY added, rowid")]

    def add(self, session: GradioSession, replace: bool = False) -> GradioSession | None:
        key = session.name.casefold()
        with self._write() as db:
            old = db.execute("SELECT * FROM sessions WHERE name_key = ?", (key,)).fetchone()
            previous = None
            if old is not None:
                if not replace:
                    raise KeyError(session.name)
                previous = self._objects.pop(old[2], None)
                db.execute("DELETE FROM calls WHERE session_id = ?", (old[2],))
                db.execute("DELETE FROM sessions WHERE name_key = ?", (key,))
            db.execute(
                "INSERT INTO sessions (name_key, name, session_id, app_url, info, options, download_path,"
                " session_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    session.name,
                    session.session_id,
                    session.app_url,
                    json.dumps(asdict(session.info)),
                    json.dumps(session.options),
                    session.download_path,
                    session.session_hash,
                ),
            )
            for call in session.api_calls.all_events:
                self._put_call(db, session, call)
        self._objects[session.session_id] = session
        return previous

    def remove(self, name: str) -> GradioSession | None:
        key = name.casefold()
        with self._write() as db:
            row = db.execute("SELECT session_id FROM sessions WHERE name_key = ?", (key,)).fetchone()
            if row is None:
                return None
            stored = self._rows_in(db, "SELECT * FROM sessions WHERE name_key = ?", key)[0]
            db.execute("DELETE FROM calls WHERE session_id = ?", (row[0],))
            db.execute("DELETE FROM sessions WHERE name_key = ?", (key,))
            default = db.execute("SELECT value FROM meta WHERE key = 'default'").fetchone()
            if default is not None and str(default[0]).casefold() == key:
                db.execute("DELETE FROM meta WHERE key = 'default'")
        return self._objects.pop(row[0], None) or self._build(stored)

    def get_default(self) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = 'default'")
        return rows[0]["value"] if rows else None

    def set_default(self, name: str | None) -> None:
        with self._write() as db:
            if name is None:
                db.execute("DELETE FROM meta WHERE key = 'default'")
            else:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('default', ?)", (name,))

    def save_options(self, session: GradioSession) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sessions SET options = ? WHERE session_id = ?",
                (json.dumps(session.options), session.session_id),
            )

    def add_call(self, session: GradioSession, call: SessionApiEvent) -> None:
        with self._write() as db:
            self._put_call(db, session, call)

    def remove_calls(self, session: GradioSession, calls: list[SessionApiEvent]) -> None:
        if not calls:
            return
        with self._write() as db:
            db.executemany(
                "DELETE FROM calls WHERE session_id = ? AND event_id = ?",
                [(session.session_id, call.id) for call in calls],
            )

    def update_call(self, session: GradioSession, call: SessionApiEvent) -> None:
        event = call.api_event
        with self._write() as db:
            db.execute(
                "UPDATE calls SET status = ?, last_query_status = ?, events_read = ?, last_data = ?,"
                " error = ? WHERE session_id = ? AND event_id = ?",
                (
                    event.status,
                    event.last_query_status,
                    event.last_event_num,
                    _json(call.last_data),
                    _json(event.error),
                    session.session_id,
                    call.id,
                ),
            )

    # --- rows to objects ---

    @staticmethod
    def _rows_in(db: sqlite3.Connection, sql: str, *args: Any) -> list[dict[str, Any]]:
        cursor = db.execute(sql, args)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _put_call(self, db: sqlite3.Connection, session: GradioSession, call: SessionApiEvent) -> None:
        event = call.api_event
        db.execute(
            "INSERT OR IGNORE INTO calls (session_id, event_id, api_name, status, last_query_status,"
            " events_read, last_data, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.session_id,
                call.id,
                event.api_name,
                event.status,
                event.last_query_status,
                event.last_event_num,
                _json(call.last_data),
                _json(event.error),
            ),
        )

    def _session(self, row: dict[str, Any]) -> GradioSession:
        known = self._objects.get(row["session_id"])
        if known is not None:
            return known
        session = self._build(row)
        with self._lock:
            return self._objects.setdefault(session.session_id, session)

    def _build(self, row: dict[str, Any]) -> GradioSession:
        session = GradioSession(
            session_id=row["session_id"],
            app_url=row["app_url"],
            info=GradioInfo(**json.loads(row["info"])),
            name=row["name"],
            options=json.loads(row["options"]),
            download_path=row["download_path"],
            session_hash=row["session_hash"],
        )
        calls = self._rows("SELECT * FROM calls WHERE session_id = ? ORDER BY seq", row["session_id"])
        session.api_calls = ApiCalls()
        for stored in calls:
            call = _call(stored, session)
            session.api_calls.all_events.append(call)
            session.api_calls.by_id[call.id] = call
        return session


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def _call(row: dict[str, Any], session: GradioSession) -> SessionApiEvent:
    status = row["last_query_status"]
    done = row["status"] == "complete"
    if not done and status is not None and status != "NotOpened":
        status = READ_ELSEWHERE  # begun by another process: its stream cannot be read again
    event = GradioApiEvent(
        event_id=row["event_id"],
        api_name=row["api_name"],
        app_url=session.app_url,
        status=row["status"],
        last_event_num=row["events_read"] or 0,
        error=json.loads(row["error"]) if row["error"] else None,
        last_query_status=status,
        session_hash=session.session_hash,
    )
    call = SessionApiEvent(id=row["event_id"], api_event=event)
    call.last_data = json.loads(row["last_data"]) if row["last_data"] else None
    call.received = done
    return call
