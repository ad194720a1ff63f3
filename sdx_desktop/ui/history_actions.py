"""What the History window's revert buttons offer, in plain words (no widgets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sdx_desktop.journal import Entry, Outcome

from .history_model import plural


@dataclass(frozen=True, slots=True)
class ButtonState:
    text: str
    enabled: bool
    #: Why it is disabled, or what it will do.
    tooltip: str


def common_survey(entries: Sequence[Entry]) -> int | None:
    """The survey all ``entries`` belong to, or None when they span several."""
    surveys = {e.survey_id for e in entries}
    return surveys.pop() if len(surveys) == 1 else None


def revert_summary(entries: Sequence[Entry]) -> str:
    """One line for the revert job: what is being put back."""
    if len(entries) == 1:
        entry = entries[0]
        return f"Revert: {entry.key} on #{entry.interaction_id}"
    jobs = {e.job_summary for e in entries}
    if len(jobs) == 1:
        return f"Revert: {len(entries):,} changes of “{jobs.pop()}”"
    return f"Revert: {len(entries):,} changes"


def revert_changes_state(chosen: Sequence[Entry]) -> ButtonState:
    """The "Revert this change" button: only changes marked Done can be put back."""
    done = [e for e in chosen if e.outcome is Outcome.DONE]
    if not chosen:
        return ButtonState("Revert this change", False, "Select a change in the list first.")
    if not done:
        return ButtonState(
            "Revert this change" if len(chosen) == 1 else "Revert these changes",
            False,
            "Only changes marked “Done” can be reverted: "
            + ("this one was" if len(chosen) == 1 else "these were")
            + " not made on Survey Dynamix, or it never confirmed them.",
        )
    tip = "Put back the values from before, after showing you what that changes."
    left_out = len(chosen) - len(done)
    if left_out:
        tip += (
            f" {plural(left_out, 'selected change')} not marked “Done” "
            f"{'is' if left_out == 1 else 'are'} left out."
        )
    text = "Revert this change" if len(done) == 1 else f"Revert these {len(done):,} changes"
    return ButtonState(text, True, tip)


def revert_job_state(chosen: Sequence[Entry], done_per_job: Mapping[int, int]) -> ButtonState:
    """The "Revert whole job" button: the one job the selected changes belong to."""
    jobs = {e.job_id for e in chosen}
    text = "Revert whole job"
    if not jobs:
        return ButtonState(text, False, "Select a change first: its whole job is reverted.")
    if len(jobs) > 1:
        return ButtonState(
            text,
            False,
            "The selected changes belong to different jobs. Select changes of one job.",
        )
    if not done_per_job.get(next(iter(jobs)), 0):
        return ButtonState(
            text, False, "Nothing in this job is marked “Done”, so there is nothing to revert."
        )
    return ButtonState(text, True, f"Put back everything “{chosen[0].job_summary}” changed.")


__all__ = [
    "ButtonState",
    "common_survey",
    "revert_changes_state",
    "revert_job_state",
    "revert_summary",
]
