"""SQLite storage of the sandbox: surveys, interactions and tags.

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
import uuid as uuid_module
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .rules import ENDED_STATUSES, NOT_STARTED_STATUSES, Paging

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

_SURVEY_COLS = ", ".join(SURVEY_FIELDS)
_INTERACTION_COLS = ", ".join(INTERACTION_FIELDS)
_TAG_COLS = ", ".join(TAG_FIELDS)

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
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, call_type TEXT, agent_id INTEGER,
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
DeleteOutcome = Literal["deleted", "gone", "missing"]


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


@dataclass(frozen=True, slots=True)
class InteractionFilter:
    """Validated filters of ``GET /interactions`` (None = not filtered).

    ``created_range`` and ``scheduled_range`` are half-open text ranges
    ``low <= value < high``; ``started``, ``completed`` and ``survey_ended``
    are mapped onto ``status`` as documented in :mod:`.app`.
    """

    survey_id: int | None = None
    created_range: tuple[str, str] | None = None
    email: str | None = None
    survey_type: str | None = None
    scheduled_at: str | None = None
    scheduled_range: tuple[str, str] | None = None
    external_ref: str | None = None
    call_type: str | None = None
    agent_id: int | None = None
    started: bool | None = None
    completed: bool | None = None
    survey_ended: bool | None = None

    def where(self) -> tuple[str, list[Any]]:
        """SQL condition and parameters for these filters."""
        terms: list[str] = []
        params: list[Any] = []
        for column in (
            "survey_id",
            "email",
            "survey_type",
            "scheduled_at",
            "external_ref",
            "call_type",
            "agent_id",
        ):
            value = getattr(self, column)
            if value is not None:
                terms.append(f"{column} = ?")
                params.append(value)
        for column, span in (
            ("created_at", self.created_range),
            ("scheduled_at", self.scheduled_range),
        ):
            if span is not None:
                terms.append(f"{column} >= ? AND {column} < ?")
                params.extend(span)
        # (flag, statuses, whether "true" means the status is one of them)
        for flag, statuses, in_when_true in (
            (self.started, NOT_STARTED_STATUSES, False),
            (self.completed, ("Completed",), True),
            (self.survey_ended, ENDED_STATUSES, True),
        ):
            if flag is None:
                continue
            inside = flag == in_when_true
            marks = ", ".join("?" * len(statuses))
            terms.append(f"status {'IN' if inside else 'NOT IN'} ({marks})")
            params.extend(statuses)
        return (" AND ".join(terms) or "1"), params


def _direction(paging: Paging) -> str:
    return "DESC" if paging.descending else "ASC"


class Store:
    """The sandbox database. Thread-safe; every public method is one transaction.

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
        self._closed = False
        with self._write_lock, self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

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
            if self._closed:
                raise RuntimeError("the sandbox store is closed")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            with self._pool_lock:
                if self._closed:
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
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self.is_temporary:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.remove(self.path + suffix)

    # -- API reads -----------------------------------------------------------

    def has_data(self) -> bool:
        """True once any survey exists (a reused database skips sample data)."""
        return self._scalar("SELECT EXISTS (SELECT 1 FROM surveys)") == 1

    def survey_exists(self, survey_id: int) -> bool:
        return self._scalar("SELECT 1 FROM surveys WHERE id = ?", (survey_id,)) is not None

    def interaction_exists(self, interaction_id: int) -> bool:
        sql = "SELECT 1 FROM interactions WHERE id = ?"
        return self._scalar(sql, (interaction_id,)) is not None

    def list_surveys(self, paging: Paging) -> list[Record]:
        sql = (
            f"SELECT {_SURVEY_COLS} FROM surveys ORDER BY id {_direction(paging)} LIMIT ? OFFSET ?"
        )
        return self._query(sql, (paging.limit, paging.offset))

    def get_survey(self, survey_id: int) -> Record | None:
        rows = self._query(f"SELECT {_SURVEY_COLS} FROM surveys WHERE id = ?", (survey_id,))
        return rows[0] if rows else None

    def list_interactions(self, where: InteractionFilter, paging: Paging) -> list[Record]:
        """One page of interactions; by status unless ``_order`` was given."""
        condition, params = where.where()
        order = f"id {_direction(paging)}" if paging.explicit_order else "status ASC, id DESC"
        sql = (
            f"SELECT {_INTERACTION_COLS} FROM interactions WHERE {condition} "
            f"ORDER BY {order} LIMIT ? OFFSET ?"
        )
        return self._query(sql, (*params, paging.limit, paging.offset))

    def get_interaction(self, interaction_id: int) -> Record | None:
        sql = f"SELECT {_INTERACTION_COLS} FROM interactions WHERE id = ?"
        rows = self._query(sql, (interaction_id,))
        return rows[0] if rows else None

    def tags_for_interactions(self, interaction_ids: Iterable[int]) -> dict[int, list[Record]]:
        """Live tags of several interactions, each list in id order."""
        ids = list(interaction_ids)
        found: dict[int, list[Record]] = {i: [] for i in ids}
        if not ids:
            return found
        marks = ", ".join("?" * len(ids))
        sql = (
            f"SELECT {_TAG_COLS} FROM tags WHERE deleted = 0 "
            f"AND interaction_id IN ({marks}) ORDER BY id"
        )
        for row in self._query(sql, ids):
            found[row["interaction_id"]].append(row)
        return found

    def list_tags(
        self,
        paging: Paging,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        custom_key: str | None = None,
    ) -> list[Record]:
        """One page of live tags, filtered by survey and/or interaction and key."""
        terms = ["deleted = 0"]
        params: list[Any] = []
        for column, value in (
            ("survey_id", survey_id),
            ("interaction_id", interaction_id),
            ("custom_key", custom_key),
        ):
            if value is not None:
                terms.append(f"{column} = ?")
                params.append(value)
        sql = (
            f"SELECT {_TAG_COLS} FROM tags WHERE {' AND '.join(terms)} "
            f"ORDER BY id {_direction(paging)} LIMIT ? OFFSET ?"
        )
        return self._query(sql, (*params, paging.limit, paging.offset))

    def get_tag_row(self, tag_id: int) -> Record | None:
        """The stored tag including ``survey_id`` and ``deleted`` (bool), or None."""
        sql = f"SELECT {', '.join(TAG_COLUMNS)} FROM tags WHERE id = ?"
        rows = self._query(sql, (tag_id,))
        if not rows:
            return None
        row = rows[0]
        row["deleted"] = bool(row["deleted"])
        return row

    # -- API writes ----------------------------------------------------------

    def upsert_tag(self, interaction_id: int, key: str, value: str) -> Record | None:
        """Set ``key`` on an interaction; None if the interaction does not exist.

        An existing live key keeps its id and gets the new value and a later
        ``updated_at``; otherwise a new record is created.
        """
        with self._write() as conn:
            owner = conn.execute(
                "SELECT survey_id FROM interactions WHERE id = ?", (interaction_id,)
            ).fetchone()
            if owner is None:
                return None
            live = conn.execute(
                "SELECT id, updated_at FROM tags "
                "WHERE interaction_id = ? AND custom_key = ? AND deleted = 0",
                (interaction_id, key),
            ).fetchone()
            if live is None:
                stamp = next_timestamp(None)
                cursor = conn.execute(
                    "INSERT INTO tags (interaction_id, survey_id, custom_key, custom_value, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (interaction_id, owner[0], key, value, stamp, stamp),
                )
                tag_id = cursor.lastrowid
            else:
                tag_id = live["id"]
                conn.execute(
                    "UPDATE tags SET custom_value = ?, updated_at = ? WHERE id = ?",
                    (value, next_timestamp(live["updated_at"]), tag_id),
                )
            row = conn.execute(f"SELECT {_TAG_COLS} FROM tags WHERE id = ?", (tag_id,)).fetchone()
        return dict(row)

    def delete_tag(self, tag_id: int) -> tuple[DeleteOutcome, Record | None]:
        """Soft-delete a tag. Returns the outcome and the record as it was."""
        with self._write() as conn:
            row = conn.execute(
                f"SELECT {_TAG_COLS}, deleted FROM tags WHERE id = ?", (tag_id,)
            ).fetchone()
            if row is None:
                return "missing", None
            record = {name: row[name] for name in TAG_FIELDS}
            if row["deleted"]:
                return "gone", record
            conn.execute(
                "UPDATE tags SET deleted = 1, updated_at = ? WHERE id = ?",
                (next_timestamp(row["updated_at"]), tag_id),
            )
        return "deleted", record

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

    # -- helpers for tests ------------------------------------------------------

    def survey_ids(self) -> list[int]:
        """All survey ids, ascending."""
        return [r["id"] for r in self._query("SELECT id FROM surveys ORDER BY id")]

    def interaction_ids(self, survey_id: int) -> list[int]:
        """Ids of one survey's interactions, ascending."""
        sql = "SELECT id FROM interactions WHERE survey_id = ? ORDER BY id"
        return [r["id"] for r in self._query(sql, (survey_id,))]

    def tag_ids(self, survey_id: int | None = None, interaction_id: int | None = None) -> set[int]:
        """Ids of live tags, optionally limited to a survey and/or interaction."""
        terms, params = ["deleted = 0"], []
        for column, value in (("survey_id", survey_id), ("interaction_id", interaction_id)):
            if value is not None:
                terms.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT id FROM tags WHERE {' AND '.join(terms)}"
        return {r["id"] for r in self._query(sql, params)}

    def count_tags(self, survey_id: int | None = None) -> int:
        """Number of live tags, in one survey or overall."""
        if survey_id is None:
            return int(self._scalar("SELECT COUNT(*) FROM tags WHERE deleted = 0"))
        sql = "SELECT COUNT(*) FROM tags WHERE deleted = 0 AND survey_id = ?"
        return int(self._scalar(sql, (survey_id,)))

    def live_tags(self, interaction_id: int) -> dict[str, str]:
        """Live ``custom_key -> custom_value`` of one interaction."""
        sql = "SELECT custom_key, custom_value FROM tags WHERE deleted = 0 AND interaction_id = ?"
        return {r["custom_key"]: r["custom_value"] for r in self._query(sql, (interaction_id,))}

    def set_tag_value_directly(self, tag_id: int, value: str) -> None:
        """Change a live tag's value and ``updated_at`` as another user would.

        Raises KeyError if the tag does not exist or is deleted.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT updated_at FROM tags WHERE id = ? AND deleted = 0", (tag_id,)
            ).fetchone()
            if row is None:
                raise KeyError(tag_id)
            conn.execute(
                "UPDATE tags SET custom_value = ?, updated_at = ? WHERE id = ?",
                (value, next_timestamp(row["updated_at"]), tag_id),
            )

    def create_survey(self, name: str, **fields: Any) -> int:
        """Add a survey; other :data:`SURVEY_FIELDS` may be given. Returns its id."""
        values = {"name": name, **fields}
        _check_fields(values, SURVEY_FIELDS)
        with self._write() as conn:
            cursor = conn.execute(
                f"INSERT INTO surveys ({', '.join(values)}) "
                f"VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            return int(cursor.lastrowid or 0)

    def create_interaction(self, survey_id: int, **fields: Any) -> int:
        """Add an interaction to a survey with plausible defaults. Returns its id.

        Raises KeyError if the survey does not exist.
        """
        new_uuid = str(uuid_module.uuid4())
        stamp = next_timestamp(None)
        values: dict[str, Any] = {
            "uuid": new_uuid, "survey_id": survey_id, "survey_type": "web",
            "created_at": stamp, "updated_at": stamp, "status": "Not Started",
            "web_link": f"https://surveydynamix.com/s/{new_uuid}",
        }  # fmt: skip
        values.update(fields)
        _check_fields(values, INTERACTION_FIELDS)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM surveys WHERE id = ?", (survey_id,)).fetchone() is None:
                raise KeyError(survey_id)
            cursor = conn.execute(
                f"INSERT INTO interactions ({', '.join(values)}) "
                f"VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            return int(cursor.lastrowid or 0)

    def bulk_create_tags(self, survey_id: int, n: int, per_interaction: int = 10) -> None:
        """Give a survey ``n`` more live tags on new interactions, ``per_interaction`` each.

        Keys are ``KEY_000``, ``KEY_001``... per interaction; values are unique.
        """
        if n < 0 or per_interaction < 1:
            raise ValueError("n must be >= 0 and per_interaction >= 1")
        stamp = next_timestamp(None)
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM surveys WHERE id = ?", (survey_id,)).fetchone() is None:
                raise KeyError(survey_id)
            next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM interactions").fetchone()
            first = int(next_id[0])
            count = -(-n // per_interaction)
            interactions = []
            for offset in range(count):
                new_uuid = str(uuid_module.uuid4())
                interactions.append(
                    (
                        first + offset,
                        new_uuid,
                        survey_id,
                        "web",
                        stamp,
                        stamp,
                        "Completed",
                        f"https://surveydynamix.com/s/{new_uuid}",
                    )
                )
            conn.executemany(
                "INSERT INTO interactions (id, uuid, survey_id, survey_type, created_at, "
                "updated_at, status, web_link) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                interactions,
            )
            tags = (
                (
                    first + i // per_interaction,
                    survey_id,
                    f"KEY_{i % per_interaction:03d}",
                    f"value {first + i // per_interaction}-{i % per_interaction}",
                    stamp,
                    stamp,
                )
                for i in range(n)
            )
            conn.executemany(
                "INSERT INTO tags (interaction_id, survey_id, custom_key, custom_value, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                tags,
            )


def _check_fields(values: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
