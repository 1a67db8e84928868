"""A session store in SQLite, so sessions and calls outlive the process (used by the CLI).

Each change is one transaction, in WAL mode with a busy timeout, so several processes can
use one file at once without losing a write. The MaxCalls policy is decided in the same
transaction that reserves the call's row, so it holds across processes, and a call's stream
is claimed by one reading process. A store is marked with ``PRAGMA application_id``: a file
that is not a store of ours, or one written by a newer version, is an error and is never
modified. The state folder is created 0700 and the store 0600 (its rows hold app URLs,
parameters and results); a store that cannot be written is opened read-only. Tokens are
never written: a session read back has no token (the environment's, or the one a call
gives, is used).

Within one process the same session object is handed out for a given session id, as the
in-memory store does; another process sees the changes the next time it reads the session.

Longer than 500 lines on purpose: the schema, its migrations and every transaction that reads
or writes it belong together (a change of a table is checked against every query in one file).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ...errors import PowershaiError, SessionBusy
from ..protocol.models import (
    ApiCalls,
    GradioApiEvent,
    GradioInfo,
    GradioSession,
    SessionApiEvent,
)
from ..protocol.status import ReadStatus
from ..sessions.policy import decide, effective_limit, effective_policy, max_calls_reached, trim
from ..sessions.store import CallSlot

__all__ = ["SQLiteStore", "default_store_path", "STORE_ENV"]

SCHEMA_VERSION = 3
APPLICATION_ID = 0x70736870  # "pshp": marks a file as a powershai-py store
STORE_ENV = "POWERSHAI_PY_STORE"
_OUR_TABLES = {"meta", "sessions", "calls", "sqlite_sequence"}
SLOT_PREFIX = "slot:"  # event_id of a row reserved for a call being submitted
STALE_SLOT_DAYS = 15 / (24 * 60)  # a reservation older than 15 minutes belongs to a dead process
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
    reader TEXT,
    claimed REAL,
    transport TEXT,
    call_hash TEXT,
    fn_index INTEGER,
    UNIQUE (session_id, event_id)
);
"""
_MIGRATIONS = {  # from version N to N + 1
    1: ("ALTER TABLE calls ADD COLUMN reader TEXT", "ALTER TABLE calls ADD COLUMN claimed REAL"),
    2: (
        "ALTER TABLE calls ADD COLUMN transport TEXT",
        "ALTER TABLE calls ADD COLUMN call_hash TEXT",
        "ALTER TABLE calls ADD COLUMN fn_index INTEGER",
    ),
}
# A stream that a process began to read cannot be read again by another (Gradio does not
# replay it): such a call is marked with this last_query_status when read back.
READ_ELSEWHERE = ReadStatus.READ_ELSEWHERE.value


OPEN_PATIENCE = 30.0  # seconds a store may stay locked by others while it is opened


class _StillLocked(Exception):  # noqa: N818 - a signal inside this module, turned into a PowershaiError
    """The store stayed locked by others past OPEN_PATIENCE."""


def _busy(exc: sqlite3.OperationalError) -> bool:
    """SQLite's "database is locked" / "busy": another connection holds the file for now."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


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
        default = path is None
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.RLock()
        self._objects: dict[str, GradioSession] = {}  # session id -> the object handed out
        self._reader = f"{os.getpid()}:{uuid.uuid4().hex}"  # this process, as a reader of streams
        try:
            self.read_only = not _prepare(self.path, private_folder=default)
            self._open()
        except _StillLocked:
            raise PowershaiError(
                f"{self.path} stayed locked by other processes for {OPEN_PATIENCE:.0f} s; try again",
                code="POWERSHAI_STORE_BUSY",
                path=str(self.path),
            ) from None
        except sqlite3.DatabaseError as exc:
            raise PowershaiError(
                f"{self.path} is not a powershai-py store ({exc}); it was left as it is: "
                "move it away, or use another file with --store",
                code="POWERSHAI_STORE_CORRUPT",
                path=str(self.path),
            ) from None
        except OSError as exc:
            raise PowershaiError(
                f"cannot use {self.path} as the store ({exc.strerror or exc}): give a file path "
                "in a folder you can write (--store, $POWERSHAI_PY_STORE or $XDG_STATE_HOME)",
                code="POWERSHAI_STORE_PATH",
                path=str(self.path),
            ) from None

    def _open(self) -> None:
        """Connect and check the file; while other processes open or create the same store at
        once, SQLite may answer "database is locked" without waiting (changing the journal mode
        does): that is tried again, for at most OPEN_PATIENCE seconds, never taken for a file
        that is not ours."""
        deadline = time.monotonic() + OPEN_PATIENCE
        pause = 0.02
        while True:
            self._db = self._connect()
            try:
                self._check_and_upgrade()
                return
            except sqlite3.OperationalError as exc:
                self._db.close()
                if not _busy(exc):
                    raise  # not ours, or broken: reported as such by __init__
                if time.monotonic() + pause > deadline:
                    raise _StillLocked from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            uri = self.path.resolve().as_uri()
            try:
                db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, check_same_thread=False)
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:  # WAL without a writable -shm: read it as it is
                db = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
        else:
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        db.isolation_level = None
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def _check_and_upgrade(self) -> None:
        """Refuse a file that is not ours before anything is written; create or upgrade ours.

        Another process may be creating the same store at this moment, so the file is read in
        one read transaction (a consistent snapshot), and read again inside the write
        transaction that creates or upgrades it.
        """
        db = self._db
        db.execute("BEGIN")
        try:
            version, empty = self._check_state(db)
        finally:
            db.execute("COMMIT")
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise PowershaiError(
                    f"{self.path} is read-only and needs an upgrade this version must write; "
                    "open it once where it can be written",
                    code="POWERSHAI_STORE_READONLY",
                    path=str(self.path),
                )
            return
        db.execute("PRAGMA journal_mode = WAL")
        if version < SCHEMA_VERSION:
            with self._write() as tx:
                version, empty = self._check_state(tx)  # it may have been created meanwhile
                if empty:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            tx.execute(statement)
                else:
                    for step in range(version, SCHEMA_VERSION):
                        for statement in _MIGRATIONS[step]:
                            tx.execute(statement)
                tx.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                tx.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        _make_private(self.path)

    def _check_state(self, db: sqlite3.Connection) -> tuple[int, bool]:
        """The store's schema version and whether it is empty; refuse a foreign or newer file."""
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        ours = application == APPLICATION_ID
        # stores of version 1 were not marked yet: they are known by their tables
        legacy = application == 0 and version == 1 and {"meta", "sessions", "calls"} <= tables <= _OUR_TABLES
        empty = application == 0 and version == 0 and not tables
        if not (ours or legacy or empty):
            raise PowershaiError(
                f"{self.path} is an SQLite file of another application (application_id "
                f"{application}, tables {', '.join(sorted(tables)) or 'none'}); it was left as it is: "
                "give powershai-py a file of its own with --store",
                code="POWERSHAI_STORE_FOREIGN",
                path=str(self.path),
            )
        if version > SCHEMA_VERSION:
            raise PowershaiError(
                f"{self.path} was written by a newer powershai-py (store version {version}, this one "
                f"reads {SCHEMA_VERSION}); upgrade, or use another file with --store",
                code="POWERSHAI_STORE_NEWER",
                path=str(self.path),
            )
        return version, empty

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
            if self.store.read_only:
                raise PowershaiError(
                    f"the store {self.store.path} is read-only: it can be listed and shown, not "
                    "changed; give a writable one with --store",
                    code="POWERSHAI_STORE_READONLY",
                    path=str(self.store.path),
                )
            self.store._lock.acquire()
            try:
                self.store._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.store._lock.release()
                raise
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

    def claim_slot(self, session: GradioSession) -> CallSlot:
        """Decide MaxCalls and reserve a row for the call, in one transaction (all processes)."""
        key = SLOT_PREFIX + uuid.uuid4().hex
        with self._write() as db:
            db.execute(
                "DELETE FROM calls WHERE session_id = ? AND event_id LIKE 'slot:%'"
                " AND claimed < julianday('now') - ?",
                (session.session_id, STALE_SLOT_DAYS),
            )
            rows = db.execute(
                "SELECT event_id FROM calls WHERE session_id = ? ORDER BY seq", (session.session_id,)
            ).fetchall()
            decision = decide(len(rows), session.option("MaxCalls"), session.option("MaxCallsPolicy"))
            if decision.action == "refuse":
                raise max_calls_reached(decision.count, decision.limit, session.name)
            evicted = [row[0] for row in rows if not row[0].startswith(SLOT_PREFIX)][: decision.evict]
            db.executemany(
                "DELETE FROM calls WHERE session_id = ? AND event_id = ?",
                [(session.session_id, event_id) for event_id in evicted],
            )
            db.execute(
                "INSERT INTO calls (session_id, event_id, api_name, status, claimed)"
                " VALUES (?, ?, '', 'sending', julianday('now'))",
                (session.session_id, key),
            )
        return CallSlot(key=key, evicted=evicted, decision=decision)

    def release_slot(self, session: GradioSession, slot: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM calls WHERE session_id = ? AND event_id = ?", (session.session_id, slot))

    def add_call(self, session: GradioSession, call: SessionApiEvent, slot: str | None = None) -> list[str]:
        event = call.api_event
        with self._write() as db:
            if slot is not None:  # the reserved row becomes the call's, keeping its place in line
                db.execute(
                    "UPDATE calls SET event_id = ?, api_name = ?, status = ?, last_query_status = ?,"
                    " claimed = NULL, transport = ?, call_hash = ?, fn_index = ?"
                    " WHERE session_id = ? AND event_id = ?",
                    (
                        call.id,
                        event.api_name,
                        event.status,
                        event.last_query_status,
                        event.transport,
                        event.session_hash,
                        event.fn_index,
                        session.session_id,
                        slot,
                    ),
                )
            self._put_call(db, session, call)  # no-op when the row is there
            if slot is None or effective_policy(session.option("MaxCallsPolicy")) != "remove":
                return []
            # processes that reserved their slots together pass the limit together (a slot
            # in flight cannot be evicted): each one that records its call trims the excess
            rows = db.execute(
                "SELECT event_id FROM calls WHERE session_id = ? ORDER BY seq", (session.session_id,)
            ).fetchall()
            evicted = trim(
                [row[0] for row in rows],
                effective_limit(session.option("MaxCalls")),
                lambda event_id: event_id.startswith(SLOT_PREFIX) or event_id == call.id,
            )
            db.executemany(
                "DELETE FROM calls WHERE session_id = ? AND event_id = ?",
                [(session.session_id, event_id) for event_id in evicted],
            )
            return evicted

    def claim_read(self, session: GradioSession, call: SessionApiEvent) -> None:
        """Mark this process as the reader of the call's stream, unless another one is."""
        if self.read_only:
            return  # nothing can be recorded: the stream is read without a claim
        with self._write() as db:
            row = db.execute(
                "SELECT reader FROM calls WHERE session_id = ? AND event_id = ?",
                (session.session_id, call.id),
            ).fetchone()
            if row is not None and row[0] not in (None, self._reader):
                pid = str(row[0]).split(":", 1)[0]
                raise SessionBusy(
                    f"the call {call.id} is being read by another process (pid {pid}); a call's "
                    "results can be read by one process only: wait for it to end, then see "
                    "'powershai-py calls list'",
                    event_id=call.id,
                    pid=pid,
                )
            db.execute(
                "UPDATE calls SET reader = ? WHERE session_id = ? AND event_id = ?",
                (self._reader, session.session_id, call.id),
            )

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
            " events_read, last_data, error, transport, call_hash, fn_index)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.session_id,
                call.id,
                event.api_name,
                event.status,
                event.last_query_status,
                event.last_event_num,
                _json(call.last_data),
                _json(event.error),
                event.transport,
                event.session_hash,
                event.fn_index,
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
        calls = self._rows(
            "SELECT * FROM calls WHERE session_id = ? AND event_id NOT LIKE 'slot:%' ORDER BY seq",
            row["session_id"],
        )
        session.api_calls = ApiCalls()
        for stored in calls:
            call = _call(stored, session, self._reader)
            session.api_calls.all_events.append(call)
            session.api_calls.by_id[call.id] = call
        return session


def _prepare(path: Path, private_folder: bool) -> bool:
    """Create the store's folder (0700 when it is the default state folder) and file (0600),
    whatever the umask; return False when the store can only be read."""
    if path.exists() and not path.is_file():
        raise IsADirectoryError(21, "not a file")
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)  # another process may be first
        if private_folder:
            os.chmod(path.parent, 0o700)
    elif private_folder and path.parent.stat().st_uid == os.geteuid():
        os.chmod(path.parent, 0o700)  # made by an older version with the umask's bits
    if not path.exists():
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(13, "the folder cannot be written")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            os.chmod(path, 0o600)
        except FileExistsError:
            pass  # another process created it between the check and here: use that one
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _make_private(path: Path) -> None:
    """0600 for the store and its -wal and -shm files, when this user owns them."""
    for item in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = item.stat()
            if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != 0o600:
                os.chmod(item, 0o600)
        except OSError:
            pass  # not there (yet), or not ours: left as it is


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def _call(row: dict[str, Any], session: GradioSession, reader: str) -> SessionApiEvent:
    status = row["last_query_status"]
    done = row["status"] == "complete"
    begun = status is not None and status != "NotOpened"
    if not done and (begun or row.get("reader") not in (None, reader)) and not _ended(status):
        status = READ_ELSEWHERE  # begun by another process: its stream cannot be read again
    event = GradioApiEvent(
        event_id=row["event_id"],
        api_name=row["api_name"],
        app_url=session.app_url,
        status=row["status"],
        last_event_num=row["events_read"] or 0,
        error=json.loads(row["error"]) if row["error"] else None,
        last_query_status=status,
        session_hash=row.get("call_hash") or session.session_hash,
        transport=row.get("transport") or "call",
        fn_index=row.get("fn_index"),
    )
    call = SessionApiEvent(id=row["event_id"], api_event=event)
    call.last_data = json.loads(row["last_data"]) if row["last_data"] else None
    call.received = done
    return call


def _ended(status: Any) -> bool:
    """The stored ``last_query_status`` says the call's stream can never be read again."""
    how = ReadStatus.of(status)
    return how is not None and how.stream_ended
