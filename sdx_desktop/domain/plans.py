"""Turning what staff ask for into plans for the operations engine.

Pure functions, except the ``read_*`` helpers, which read what a plan is built from
(the tags of one key across a survey) with the client's exact paging.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sdx_desktop.api.models import Tag
from sdx_desktop.journal import Action, Entry

from .operations import (
    ANYTHING,
    DeleteTag,
    JobReport,
    Operation,
    Plan,
    Result,
    SetTag,
    WriteApi,
)


def _shown(value: str, limit: int = 30) -> str:
    one_line = value.replace("\n", " ")
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def _many(count: int, one: str, other: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (other or one + 's')}"


# --- one tag (the edit dialog) ---------------------------------------------------------


def plan_save(
    interaction_id: int, key: str, value: str, original: Tag | None, survey_id: int | None = None
) -> Plan:
    """The edit dialog's save: add, change the value, or rename (new key first, then
    the old one deleted, so a failure half-way loses nothing)."""
    if original is None:
        return Plan(
            (SetTag(interaction_id, key, value),),
            "add",
            f"Added {key}={_shown(value)} on #{interaction_id}",
            survey_id,
        )
    if original.custom_key == key:
        return Plan(
            (SetTag(interaction_id, key, value, based_on=original),),
            "edit",
            f"Saved {key}={_shown(value)} on #{interaction_id}",
            survey_id,
        )
    return Plan(
        (SetTag(interaction_id, key, value), DeleteTag(original, after=0)),
        "rename",
        f"Renamed {original.custom_key} to {key} on #{interaction_id}",
        survey_id,
    )


def plan_delete(tags: Sequence[Tag], survey_id: int | None = None) -> Plan:
    if len(tags) == 1:
        tag = tags[0]
        summary = f"Deleted {tag.custom_key} from #{tag.interaction_id}"
    else:
        summary = f"Deleted {_many(len(tags), 'tag')}"
    return Plan(tuple(DeleteTag(t) for t in tags), "delete", summary, survey_id)


# --- bulk ----------------------------------------------------------------------------


def plan_set_on_many(
    interaction_ids: Iterable[int], key: str, value: str, survey_id: int | None
) -> Plan:
    ids = list(dict.fromkeys(interaction_ids))
    ops = tuple(SetTag(i, key, value) for i in ids)
    return Plan(
        ops,
        "bulk set",
        f"Set {key}={_shown(value)} on {_many(len(ids), 'interaction')}",
        survey_id,
    )


def plan_remove_key(tags_with_key: Iterable[Tag], key: str, survey_id: int | None) -> Plan:
    """Delete ``key`` wherever it is among ``tags_with_key`` (read with read_key)."""
    ops = tuple(DeleteTag(t) for t in tags_with_key if t.custom_key == key)
    return Plan(
        ops, "remove key", f"Removed {key} from {_many(len(ops), 'interaction')}", survey_id
    )


@dataclass(frozen=True, slots=True)
class ReplaceRule:
    """Find and replace in the values of one key."""

    find: str
    replace: str
    #: Whole value (the value must equal ``find``) or any part of it.
    whole_value: bool = True
    match_case: bool = False
    #: Compare without surrounding spaces, and drop them from the result.
    trim: bool = False

    def apply_to(self, value: str) -> str:
        """The new value (the same value when the rule does not match)."""
        subject = value.strip() if self.trim else value
        flags = 0 if self.match_case else re.IGNORECASE
        if self.whole_value:
            find = self.find.strip() if self.trim else self.find
            equal = subject == find if self.match_case else subject.casefold() == find.casefold()
            return self.replace if equal else value
        if not self.find:
            return subject
        return re.sub(re.escape(self.find), lambda _m: self.replace, subject, flags=flags)


def plan_replace(
    tags_with_key: Iterable[Tag], key: str, rule: ReplaceRule, survey_id: int | None
) -> Plan:
    """Every value of ``key`` the rule changes becomes an update based on the tag as read
    (so someone else's change meanwhile is a conflict, not overwritten)."""
    ops: list[Operation] = []
    for tag in tags_with_key:
        if tag.custom_key != key:
            continue
        new = rule.apply_to(tag.custom_value)
        if new != tag.custom_value:
            ops.append(SetTag(tag.interaction_id, key, new, based_on=tag))
    what = f"“{_shown(rule.find)}” with “{_shown(rule.replace)}”"
    return Plan(
        tuple(ops), "replace", f"Replaced {what} in {key} ({_many(len(ops), 'value')})", survey_id
    )


def read_key(
    api: WriteApi, survey_id: int, key: str, cancel: threading.Event | None = None
) -> list[Tag]:
    """Every tag with exactly ``key`` in a survey (exact paging)."""
    return [
        t
        for page in api.iter_tag_pages(survey_id=survey_id, custom_key=key, cancel=cancel)
        for t in page
        if t.custom_key == key  # keys are case-sensitive, whatever the server matched
    ]


def read_interaction_ids(
    api: WriteApi, survey_id: int, cancel: threading.Event | None = None
) -> list[int]:
    """Every interaction of a survey ("All interactions in this survey")."""
    return [i.id for page in api.iter_interaction_pages(survey_id, cancel=cancel) for i in page]


# --- undo, redo, retry, revert ---------------------------------------------------------


def undo_plan(report: JobReport) -> Plan:
    """The plan that puts back what ``report``'s job changed, newest change first. Each
    step is based on the state the job left, so a later change by someone else shows
    up as a conflict instead of being overwritten."""
    ops: list[Operation] = []
    for done in reversed(report.done):
        row, op = done.row, done.row.op
        if isinstance(op, SetTag):
            after = done.tag
            if row.current is None:  # it created the tag: delete it
                if after is not None:
                    ops.append(DeleteTag(after))
            else:  # it overwrote a value: put the old one back
                ops.append(
                    SetTag(op.interaction_id, op.key, row.current.custom_value, based_on=after)
                )
        else:
            gone = row.current or op.tag
            ops.append(
                SetTag(gone.interaction_id, gone.custom_key, gone.custom_value, based_on=None)
            )
    return Plan(tuple(ops), "undo", f"Undo: {report.plan.summary}", report.plan.survey_id)


def retry_plan(report: JobReport) -> Plan:
    """The rows that failed or were never sent, as a plan of their own. A delete held back
    because the change it waits for failed (a rename) goes with that change and still
    waits for it; a failed row that a later row of the plan overtook (same interaction and
    key, done or unchanged) is left out, so the retry cannot undo that later row."""
    results = report.results  # in plan order: results[i].index == i
    again = {r.index for r in report.unfinished}
    for r in results:
        op = r.row.op
        if isinstance(op, DeleteTag) and op.after in again and r.result is Result.SKIPPED:
            again.add(r.index)
    last_settled = {  # (interaction, key) → last row that ended done or unchanged
        (r.row.interaction_id, r.row.key): r.index
        for r in results
        if r.result in (Result.DONE, Result.UNCHANGED)
    }
    order = [
        i
        for i in sorted(again)
        if last_settled.get((results[i].row.interaction_id, results[i].row.key), -1) < i
    ]
    position = {old: new for new, old in enumerate(order)}
    ops: list[Operation] = []
    for index in order:
        op = results[index].row.op
        if isinstance(op, DeleteTag) and op.after is not None:
            op = DeleteTag(op.tag, after=position.get(op.after))
        ops.append(op)
    summary = f"Retry: {report.plan.summary}"
    return Plan(tuple(ops), report.plan.kind, summary, report.plan.survey_id)


def revert_plan(entries: Sequence[Entry], summary: str, survey_id: int | None) -> Plan:
    """Put back what journal entries changed (History → Revert), newest first. Only
    entries that reached Survey Dynamix are reverted."""
    ops: list[Operation] = []
    for entry in sorted(entries, key=lambda e: e.id, reverse=True):
        if entry.outcome.value != "done":
            continue
        if entry.action is Action.SET:
            assert entry.new_value is not None
            now = Tag(entry.tag_id or 0, entry.interaction_id, entry.key, entry.new_value)
            if entry.old_value is None:
                ops.append(DeleteTag(now))
            else:
                ops.append(SetTag(entry.interaction_id, entry.key, entry.old_value, based_on=now))
        elif entry.old_value is not None:
            ops.append(SetTag(entry.interaction_id, entry.key, entry.old_value, based_on=None))
    return Plan(tuple(ops), "revert", summary, survey_id)


def resend_plan(entries: Sequence[Entry], survey_id: int | None) -> Plan:
    """Unconfirmed changes (after a crash), sent again as they were meant."""
    ops: list[Operation] = []
    for entry in entries:
        if entry.action is Action.SET:
            ops.append(SetTag(entry.interaction_id, entry.key, entry.new_value or ""))
        elif entry.tag_id is not None:
            ops.append(
                DeleteTag(Tag(entry.tag_id, entry.interaction_id, entry.key, entry.old_value or ""))
            )
    count = _many(len(ops), "unconfirmed change")
    return Plan(tuple(ops), "retry", f"Sent again: {count}", survey_id)


def finished_ok(report: JobReport) -> bool:
    return all(r.result in (Result.DONE, Result.UNCHANGED) for r in report.results)


__all__ = [
    "ANYTHING",
    "ReplaceRule",
    "finished_ok",
    "plan_delete",
    "plan_remove_key",
    "plan_replace",
    "plan_save",
    "plan_set_on_many",
    "read_interaction_ids",
    "read_key",
    "resend_plan",
    "retry_plan",
    "revert_plan",
    "undo_plan",
]
