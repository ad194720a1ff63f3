"""An in-memory Survey Dynamix for fast engine tests (the same cases also run against
the sandbox over HTTP: see test_operations.py)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

from sdx_desktop.api.errors import NotFoundError, ServerError
from sdx_desktop.api.models import DeleteResult, Interaction, Tag


class FakeApi:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1000)
        self._clock = itertools.count(1)
        self.tags: dict[int, Tag] = {}
        self.interactions: dict[int, int] = {}  # interaction -> survey
        #: (interaction_id, key) pairs whose writes fail with a server error.
        self.failing: set[tuple[int, str]] = set()
        self.writes = 0

    # --- set-up, as the sandbox store offers it -----------------------------------

    def add_interaction(self, interaction_id: int, survey_id: int = 1) -> int:
        self.interactions[interaction_id] = survey_id
        return interaction_id

    def put(self, interaction_id: int, key: str, value: str) -> Tag:
        return self.set_tag(interaction_id, key, value, count=False)

    # --- the API ------------------------------------------------------------------

    def set_tag(self, interaction_id: int, key: str, value: str, *, count: bool = True) -> Tag:
        with self._lock:
            if count:
                self.writes += 1
            if (interaction_id, key) in self.failing:
                raise ServerError(status=500)
            if interaction_id not in self.interactions:
                raise NotFoundError(status=404)
            stamp = f"2026-01-01 00:00:{next(self._clock):02d}"
            old = next(
                (
                    t
                    for t in self.tags.values()
                    if (t.interaction_id, t.custom_key) == (interaction_id, key)
                ),
                None,
            )
            tag = Tag(
                old.id if old else next(self._ids),
                interaction_id,
                key,
                value,
                old.created_at if old else stamp,
                stamp,
            )
            self.tags[tag.id] = tag
            return tag

    def delete_tag(self, tag_id: int) -> DeleteResult:
        with self._lock:
            self.writes += 1
            tag = self.tags.get(tag_id)
            if tag is not None and (tag.interaction_id, tag.custom_key) in self.failing:
                raise ServerError(status=500)
            return (
                DeleteResult.DELETED if self.tags.pop(tag_id, None) else DeleteResult.ALREADY_GONE
            )

    def iter_tag_pages(
        self,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        custom_key: str | None = None,
        concurrency: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[list[Tag]]:
        with self._lock:
            if interaction_id is not None and interaction_id not in self.interactions:
                raise NotFoundError(status=404)
            rows = sorted(
                (
                    t
                    for t in self.tags.values()
                    if (interaction_id is None or t.interaction_id == interaction_id)
                    and (survey_id is None or self.interactions.get(t.interaction_id) == survey_id)
                    and (custom_key is None or t.custom_key == custom_key)
                ),
                key=lambda t: t.id,
            )
        yield rows

    def iter_interaction_pages(
        self, survey_id: int, *, cancel: threading.Event | None = None
    ) -> Iterator[list[Interaction]]:
        with self._lock:
            ids = sorted(i for i, s in self.interactions.items() if s == survey_id)
        yield [Interaction(i, survey_id=survey_id) for i in ids]

    def live(self, interaction_id: int) -> dict[str, str]:
        return {
            t.custom_key: t.custom_value
            for t in self.tags.values()
            if t.interaction_id == interaction_id
        }
