"""The engine's link to the local journal, and crash recovery.

:class:`JournalRecorder` writes each operation to the :class:`~sdx_desktop.journal.Journal`
before it is sent and completes it after. :func:`check_unconfirmed` asks the server
what became of operations left pending by a crash, a lost connection or a closed
laptop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sdx_desktop.api.errors import NotFoundError
from sdx_desktop.journal import Action, Entry, Intent, Journal, Outcome, Where

from .operations import DeleteTag, Plan, Planned, Result, RowResult, SetTag, WriteApi

#: Journal details :func:`settle` writes (the History window words them for people).
CONFIRMED_LATER = "confirmed later"
NOT_REACHED = "did not reach Survey Dynamix"


class JournalRecorder:
    """Implements the engine's ``JobJournal`` on a :class:`Journal` for one account."""

    def __init__(self, journal: Journal, where: Where) -> None:
        self.journal = journal
        self.where = where

    def start(self, plan: Plan) -> int:
        return self.journal.start_job(
            self.where, survey_id=plan.survey_id, kind=plan.kind, summary=plan.summary
        )

    def intent(self, job_id: int, row: Planned) -> int:
        op = row.op
        if isinstance(op, SetTag):
            intent = Intent(
                seq=row.index,
                action=Action.SET,
                interaction_id=op.interaction_id,
                key=op.key,
                tag_id=None if row.current is None else row.current.id,
                old_value=row.old_value,
                new_value=op.value,
            )
        else:
            intent = Intent(
                seq=row.index,
                action=Action.DELETE,
                interaction_id=op.interaction_id,
                key=op.key,
                tag_id=op.tag.id,
                old_value=(row.current or op.tag).custom_value,
            )
        return self.journal.record_intent(job_id, intent)

    def outcome(self, entry_id: int, result: RowResult) -> None:
        if result.result is Result.DONE:
            tag_id = None if result.tag is None else result.tag.id
            self.journal.record_outcome(
                entry_id, Outcome.DONE, tag_id=tag_id, detail=result.message
            )
        elif _answer_lost(result):
            # The request may have been carried out, only its answer is missing: leave
            # the entry unconfirmed, so check_unconfirmed finds out what became of it.
            self.journal.record_outcome(entry_id, Outcome.PENDING, detail=result.message)
        else:
            self.journal.record_outcome(entry_id, Outcome.FAILED, detail=result.message)


def _answer_lost(result: RowResult) -> bool:
    """No HTTP status came back (a timeout, a dropped connection, an unreadable answer):
    Survey Dynamix may hold the change."""
    error = result.error
    return error is not None and error.status is None and error.retryable


@dataclass(frozen=True, slots=True)
class Checked:
    entry: Entry
    #: Whether the change is on the server now.
    reached: bool
    #: The tag holding a set that reached the server (the journal keeps it, for revert).
    tag_id: int | None = None


def check_unconfirmed(api: WriteApi, entries: Sequence[Entry]) -> list[Checked]:
    """For each unconfirmed entry, whether Survey Dynamix holds the change now."""
    by_interaction: dict[int, dict[str, tuple[int, str]] | None] = {}
    checked: list[Checked] = []
    for entry in entries:
        if entry.interaction_id not in by_interaction:
            try:
                tags = [
                    t
                    for page in api.iter_tag_pages(
                        interaction_id=entry.interaction_id, concurrency=1
                    )
                    for t in page
                ]
            except NotFoundError:
                by_interaction[entry.interaction_id] = None
            else:
                by_interaction[entry.interaction_id] = {
                    t.custom_key: (t.id, t.custom_value) for t in tags
                }
        now = by_interaction[entry.interaction_id]
        if entry.action is Action.SET:
            held = None if now is None else now.get(entry.key)
            reached = held is not None and held[1] == entry.new_value
            found = held[0] if held is not None and reached else None
        else:
            reached = now is None or all(tag_id != entry.tag_id for tag_id, _ in now.values())
            found = None
        checked.append(Checked(entry, reached, found))
    return checked


def settle(journal: Journal, checked: Sequence[Checked]) -> None:
    """Record what :func:`check_unconfirmed` found."""
    for c in checked:
        if c.reached:
            journal.record_outcome(
                c.entry.id, Outcome.DONE, tag_id=c.tag_id, detail=CONFIRMED_LATER
            )
    journal.mark(
        [c.entry.id for c in checked if not c.reached],
        Outcome.NOT_APPLIED,
        NOT_REACHED,
    )


__all__ = ["Checked", "DeleteTag", "JournalRecorder", "check_unconfirmed", "settle"]
