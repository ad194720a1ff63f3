"""Queries of the sandbox: what the API reads and writes, plus helpers for tests."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .db import (
    INTERACTION_FIELDS,
    SURVEY_FIELDS,
    TAG_COLUMNS,
    TAG_FIELDS,
    Database,
    Record,
    next_timestamp,
)
from .rules import ENDED_STATUSES, NOT_STARTED_STATUSES, Paging

__all__ = ["TAG_FIELDS", "DeleteOutcome", "InteractionFilter", "Store"]

DeleteOutcome = Literal["deleted", "gone", "missing"]
_SURVEY_COLS = ", ".join(SURVEY_FIELDS)
# agent_id is text; the CAST keeps it text in databases made when the column was INTEGER.
_INTERACTION_COLS = ", ".join(
    "CAST(agent_id AS TEXT) AS agent_id" if name == "agent_id" else name
    for name in INTERACTION_FIELDS
)
_TAG_COLS = ", ".join(TAG_FIELDS)


@dataclass(frozen=True, slots=True)
class InteractionFilter:
    """Validated filters of ``GET /interactions`` (None = not filtered).

    ``created_range`` and ``scheduled_range`` are half-open text ranges
    ``low <= value < high``; ``started``, ``completed`` and ``survey_ended``
    are mapped onto ``status`` as documented in :mod:`.app`. ``agent_id`` is
    text, matched exactly (case-sensitive; "0042" is not "42").
    """

    survey_id: int | None = None
    created_range: tuple[str, str] | None = None
    email: str | None = None
    survey_type: str | None = None
    scheduled_at: str | None = None
    scheduled_range: tuple[str, str] | None = None
    external_ref: str | None = None
    call_type: str | None = None
    agent_id: str | None = None
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


class Store(Database):
    """The sandbox database. Thread-safe; every public method is one transaction.

    ``path=None`` makes a temporary file that :meth:`close` removes.
    """

    # -- API reads -----------------------------------------------------------

    def has_data(self) -> bool:
        """True once any survey exists (a reused database skips sample data)."""
        return bool(self._scalar("SELECT EXISTS (SELECT 1 FROM surveys)"))

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
        key_any_case: bool = False,
    ) -> list[Record]:
        """One page of live tags, filtered by survey and/or interaction and key."""
        where, params = _live_tags_where(survey_id, interaction_id, custom_key, key_any_case)
        sql = (
            f"SELECT {_TAG_COLS} FROM tags WHERE {where} "
            f"ORDER BY id {_direction(paging)} LIMIT ? OFFSET ?"
        )
        return self._query(sql, (*params, paging.limit, paging.offset))

    def list_tags_json(
        self,
        paging: Paging,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        custom_key: str | None = None,
        key_any_case: bool = False,
    ) -> str:
        """The same page as :meth:`list_tags`, as a JSON array built by SQLite itself.

        Pages of 1,000 tags are the bulk of a whole-survey load; building them in C
        (with the GIL released) keeps a threaded server from serialising on them.
        """
        where, params = _live_tags_where(survey_id, interaction_id, custom_key, key_any_case)
        fields = ", ".join(f"'{name}', {name}" for name in TAG_FIELDS)
        sql = (
            f"SELECT json_group_array(json_object({fields})) FROM ("
            f"SELECT {_TAG_COLS} FROM tags WHERE {where} "
            f"ORDER BY id {_direction(paging)} LIMIT ? OFFSET ?)"
        )
        return str(self._scalar(sql, (*params, paging.limit, paging.offset)))

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
        where, params = _live_tags_where(survey_id, interaction_id, None)
        sql = f"SELECT id FROM tags WHERE {where}"
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

        Raises KeyError if the survey does not exist, TypeError for an unknown
        field or an ``agent_id`` that is not a string (or None).
        """
        if not isinstance(fields.get("agent_id", ""), str | None):
            raise TypeError("agent_id is a string (or None), as in the API")
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


def _live_tags_where(
    survey_id: int | None,
    interaction_id: int | None,
    custom_key: str | None,
    key_any_case: bool = False,
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) selecting live tags by the list filters
    (``key_any_case``: the key filter ignores case, as a careless server might)."""
    terms = ["deleted = 0"]
    params: list[Any] = []
    for column, value in (
        ("survey_id", survey_id),
        ("interaction_id", interaction_id),
        ("custom_key", custom_key),
    ):
        if value is not None:
            nocase = " COLLATE NOCASE" if column == "custom_key" and key_any_case else ""
            terms.append(f"{column} = ?{nocase}")
            params.append(value)
    return " AND ".join(terms), params
