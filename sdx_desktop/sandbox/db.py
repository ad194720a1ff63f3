"""The sandbox's SQLite file: schema, clock and a pool of connections.

One database file in WAL mode so readers never wait for the writer. Writes
are serialised by a lock (SQLite allows one writer anyway; the lock avoids
busy retries). Connections come from a small pool: werkzeug runs every
connection in a fresh thread, so a thread-local connection would be
opened and abandoned per request; the pool still gives each thread its own
connection for the duration of a request.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

SURVEY_FIELDS = (
    "id", "name", "description", "greeting_text", "instructions_text", "closing_text",
    "email_subject", "email_from_address", "email_from_name", "greeting_sound_file",
    "instructions_sound_file", "closing_sound_file", "inbound_number", "outbound_number",
    "sms_number",
)  # fmt: skip
INTERACTION_FIELDS = (
    "id", "uuid", "survey_id", "phone_number", "email", "survey_type", "scheduled_at",
    "external_ref", "created_at", "updated_at", "call_type", "agent_id", "status", "web_link",
)  # fmt: skip
TAG_FIELDS = ("id", "interaction_id", "custom_key", "custom_value", "created_at", "updated_at")
# Order of the columns in the tags table (survey_id is denormalised for paging).
TAG_COLUMNS = (*TAG_FIELDS[:2], "survey_id", *TAG_FIELDS[2:], "deleted")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS surveys (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT, greeting_text TEXT,
    instructions_text TEXT, closing_text TEXT, email_subject TEXT, email_from_address TEXT,
    email_from_name TEXT, greeting_sound_file TEXT, instructions_sound_file TEXT,
    closing_sound_file TEXT, inbound_number TEXT, outbound_number TEXT, sms_number TEXT
);
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id), phone_number TEXT, email TEXT,
    survey_type TEXT NOT NULL, scheduled_at TEXT, external_ref TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, call_type TEXT, agent_id TEXT,
    status TEXT NOT NULL, web_link TEXT
);
-- Default interaction order is status ASC, id DESC within a survey.
CREATE INDEX IF NOT EXISTS interactions_by_status ON interactions(survey_id, status, id DESC);
CREATE INDEX IF NOT EXISTS interactions_by_survey ON interactions(survey_id, id);
CREATE INDEX IF NOT EXISTS interactions_by_created ON interactions(created_at);
-- AUTOINCREMENT: tag ids are never reused, even for the highest deleted id.
CREATE TABLE IF NOT EXISTS tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    interaction_id INTEGER NOT NULL REFERENCES interactions(id),
    survey_id INTEGER NOT NULL, custom_key TEXT NOT NULL, custom_value TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
);
-- Deleted rows stay (for 410) but free their key for a new record.
CREATE UNIQUE INDEX IF NOT EXISTS tags_live_key ON tags(interaction_id, custom_key)
    WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS tags_live_by_survey ON tags(survey_id, id) WHERE deleted = 0;
CREATE INDEX IF NOT EXISTS tags_live_by_survey_key ON tags(survey_id, custom_key, id)
    WHERE deleted = 0;
"""

Record = dict[str, Any]


def format_timestamp(moment: datetime) -> str:
    """Render a naive UTC datetime the way the API does (``YYYY-MM-DD HH:MM:SS``)."""
    # isoformat is several times faster than strftime, which matters for sample data.
    return moment.isoformat(" ", "seconds")


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def next_timestamp(previous: str | None) -> str:
    """Current UTC time, but always later than ``previous``.

    Second resolution would let two quick updates share an ``updated_at``;
    bumping past the previous value keeps every change visible.
    """
    moment = _utc_now()
    if previous:
        floor = datetime.strptime(previous, TIMESTAMP_FORMAT) + timedelta(seconds=1)
        moment = max(moment, floor)
    return format_timestamp(moment)


class Database:
    """A SQLite file with the sandbox schema and a pool of connections.

    ``path=None`` makes a temporary file that :meth:`close` removes.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            fd, temp_path = tempfile.mkstemp(prefix="sdx-sandbox-", suffix=".sqlite3")
            os.close(fd)
            self.path = temp_path
            self.is_temporary = True
        else:
            self.path = os.fspath(path)
            self.is_temporary = False
        self._write_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = threading.Event()
        try:
            with self._write_lock, self._connection() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
        except BaseException:
            self.close()  # e.g. the file is not a database: don't leak a temp file
            raise

    # -- connections ---------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 5000")
        # The sandbox is disposable; durability against power loss is not needed.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._pool_lock:
            if self._closed.is_set():
                raise RuntimeError("the sandbox store is closed")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            with self._pool_lock:
                if self._closed.is_set():
                    conn.close()
                else:
                    self._idle.append(conn)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        with self._connection() as conn:
            return [dict(row) for row in conn.execute(sql, params)]

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._connection() as conn:
            row = conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Close every connection and delete the file if it is temporary."""
        with self._pool_lock:
            if self._closed.is_set():
                return
            self._closed.set()
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self.is_temporary:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.remove(self.path + suffix)

    # -- bulk loading (sample data) -------------------------------------------

    def insert_bulk(
        self,
        surveys: Sequence[Sequence[Any]] = (),
        interactions: Sequence[Sequence[Any]] = (),
        tags: Sequence[Sequence[Any]] = (),
    ) -> None:
        """Insert prepared rows in one transaction.

        Rows are tuples in :data:`SURVEY_FIELDS`, :data:`INTERACTION_FIELDS`
        and :data:`TAG_COLUMNS` order (a tag id may be None to auto-number).
        """
        with self._write() as conn:
            for table, columns, rows in (
                ("surveys", SURVEY_FIELDS, surveys),
                ("interactions", INTERACTION_FIELDS, interactions),
                ("tags", TAG_COLUMNS, tags),
            ):
                if rows:
                    marks = ", ".join("?" * len(columns))
                    conn.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                    )
