"""The local change journal: every write the app makes, before it is sent and after.

One SQLite file in the app's data folder (WAL, so a crash loses at most the entry
being written). Each operation of a job is one row, written as **pending** before its
request goes out and completed (**done**, **failed**, …) when the answer arrives. A
row still pending at the next start is a change Survey Dynamix never confirmed (a
crash, a lost connection, a closed laptop); recovery asks the server what happened.

The journal is the undo stack's memory, the History window and the audit trail. It
holds no secret: the account is stored as a one-way fingerprint, never the customer
UUID or a token.
"""

from __future__ import annotations

import enum
import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .paths import data_dir

JOURNAL_FILE = "journal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    account TEXT NOT NULL,
    base_url TEXT NOT NULL,
    survey_id INTEGER,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    account TEXT NOT NULL,
    base_url TEXT NOT NULL,
    survey_id INTEGER,
    interaction_id INTEGER NOT NULL,
    tag_id INTEGER,
    action TEXT NOT NULL,
    key TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS entries_by_account ON entries (account, base_url, id);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (outcome) WHERE outcome = 'pending';
CREATE INDEX IF NOT EXISTS entries_by_job ON entries (job_id, seq);
"""


class Action(enum.StrEnum):
    SET = "set"
    DELETE = "delete"


class Outcome(enum.StrEnum):
    #: Written before the request: not (yet) confirmed by Survey Dynamix.
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    #: Checked after a crash: the change never reached Survey Dynamix.
    NOT_APPLIED = "not applied"
    #: The user chose to forget an unconfirmed change.
    DISCARDED = "discarded"


def account_fingerprint(account: str, base_url: str) -> str:
    """Who made a change, without storing who: a one-way fingerprint of the account."""
    return hashlib.sha256(f"{base_url}\n{account}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Where:
    """The account and server a journal view is about."""

    account: str  # a fingerprint (account_fingerprint), never a secret
    base_url: str


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    job_id: int
    seq: int
    at: str
    survey_id: int | None
    interaction_id: int
    tag_id: int | None
    action: Action
    key: str
    old_value: str | None
    new_value: str | None
    outcome: Outcome
    detail: str
    job_summary: str = ""


@dataclass(frozen=True, slots=True)
class Intent:
    """One operation about to be sent."""

    seq: int
    action: Action
    interaction_id: int
    key: str
    tag_id: int | None = None
    old_value: str | None = None
    new_value: str | None = None


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


class Journal:
    """Thread-safe: the apply step writes from several worker threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / JOURNAL_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # Each completed write is on disk before the next request goes out.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- writing -------------------------------------------------------------------

    def start_job(self, where: Where, *, survey_id: int | None, kind: str, summary: str) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO jobs (started_at, account, base_url, survey_id, kind, summary) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), where.account, where.base_url, survey_id, kind, summary),
            )
            return int(cursor.lastrowid or 0)

    def record_intent(self, job_id: int, intent: Intent) -> int:
        with self._transaction() as db:
            job = db.execute(
                "SELECT account, base_url, survey_id FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            if job is None:
                raise KeyError(f"no job {job_id}")
            cursor = db.execute(
                "INSERT INTO entries (job_id, seq, at, account, base_url, survey_id, "
                "interaction_id, tag_id, action, key, old_value, new_value, outcome) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    intent.seq,
                    _now(),
                    *job,
                    intent.interaction_id,
                    intent.tag_id,
                    intent.action.value,
                    intent.key,
                    intent.old_value,
                    intent.new_value,
                    Outcome.PENDING.value,
                ),
            )
            return int(cursor.lastrowid or 0)

    def record_outcome(
        self, entry_id: int, outcome: Outcome, *, tag_id: int | None = None, detail: str = ""
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE entries SET outcome = ?, detail = ?, tag_id = COALESCE(?, tag_id), "
                "at = ? WHERE id = ?",
                (outcome.value, detail, tag_id, _now(), entry_id),
            )

    def mark(self, entry_ids: Iterable[int], outcome: Outcome, detail: str = "") -> None:
        with self._transaction() as db:
            db.executemany(
                "UPDATE entries SET outcome = ?, detail = ? WHERE id = ?",
                [(outcome.value, detail, entry_id) for entry_id in entry_ids],
            )

    def clear(self, where: Where) -> None:
        """Forget this account's history on this server (pending entries included)."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM jobs WHERE account = ? AND base_url = ?",
                (where.account, where.base_url),
            )

    # --- reading -------------------------------------------------------------------

    def unconfirmed(self, where: Where) -> list[Entry]:
        """Changes sent (or about to be) whose answer never arrived, oldest first."""
        return self._select(where, "AND e.outcome = 'pending' ORDER BY e.id", ())

    def history(
        self,
        where: Where,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        key: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Entries newest first; ``since``/``until`` are dates (YYYY-MM-DD), inclusive."""
        clauses: list[str] = []
        args: list[object] = []
        for column, value in (
            ("e.survey_id", survey_id),
            ("e.interaction_id", interaction_id),
            ("e.key", key),
        ):
            if value is not None:
                clauses.append(f"AND {column} = ?")
                args.append(value)
        if since:
            clauses.append("AND e.at >= ?")
            args.append(f"{since} 00:00:00")
        if until:
            clauses.append("AND e.at <= ?")
            args.append(f"{until} 23:59:59")
        tail = " ".join(clauses) + " ORDER BY e.id DESC"
        if limit is not None:
            tail += " LIMIT ?"
            args.append(int(limit))
        return self._select(where, tail, args)

    def job_entries(self, job_id: int) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(_SELECT + " WHERE e.job_id = ? ORDER BY e.seq", (job_id,))
            return [_entry(row) for row in rows.fetchall()]

    def _select(self, where: Where, tail: str, args: Sequence[object]) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                _SELECT + " WHERE e.account = ? AND e.base_url = ? " + tail,
                (where.account, where.base_url, *args),
            )
            return [_entry(row) for row in rows.fetchall()]


_SELECT = (
    "SELECT e.id, e.job_id, e.seq, e.at, e.survey_id, e.interaction_id, e.tag_id, e.action, "
    "e.key, e.old_value, e.new_value, e.outcome, e.detail, j.summary "
    "FROM entries e JOIN jobs j ON j.id = e.job_id"
)


def _entry(row: tuple[object, ...]) -> Entry:
    (
        entry_id,
        job_id,
        seq,
        at,
        survey_id,
        interaction_id,
        tag_id,
        action,
        key,
        old_value,
        new_value,
        outcome,
        detail,
        summary,
    ) = row
    return Entry(
        id=int(entry_id),  # type: ignore[call-overload]
        job_id=int(job_id),  # type: ignore[call-overload]
        seq=int(seq),  # type: ignore[call-overload]
        at=str(at),
        survey_id=None if survey_id is None else int(survey_id),  # type: ignore[call-overload]
        interaction_id=int(interaction_id),  # type: ignore[call-overload]
        tag_id=None if tag_id is None else int(tag_id),  # type: ignore[call-overload]
        action=Action(str(action)),
        key=str(key),
        old_value=None if old_value is None else str(old_value),
        new_value=None if new_value is None else str(new_value),
        outcome=Outcome(str(outcome)),
        detail=str(detail),
        job_summary=str(summary),
    )
