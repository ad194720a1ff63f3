"""The edit dialog's request and what a save ended as.

The checks a save needs (does the key exist already? did someone else change the tag
since it was opened?) and the rename rule (new key first, then the old one deleted, so
a failure half-way loses nothing) are the operations engine's: see
:mod:`sdx_desktop.domain.operations` and :func:`sdx_desktop.domain.plans.plan_save`.
This module turns the engine's report back into what the dialog tells the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.models import Tag

from .operations import Change, DeleteTag, JobReport, Result, SetTag


@dataclass(frozen=True, slots=True)
class SaveRequest:
    """What the user asked for in the edit dialog."""

    interaction_id: int
    key: str
    value: str
    #: The tag as the user loaded it; ``None`` when adding a new tag.
    original: Tag | None = None

    @property
    def is_noop(self) -> bool:
        o = self.original
        return o is not None and (o.custom_key, o.custom_value) == (self.key, self.value)


@dataclass(frozen=True, slots=True)
class Saved:
    tag: Tag
    #: For a rename: the id of the old tag, now deleted.
    replaced_id: int | None = None


@dataclass(frozen=True, slots=True)
class RenameHalfDone:
    """The new key was saved but the old one could not be deleted: both now exist."""

    new: Tag
    old: Tag
    error: SdxError

    @property
    def message(self) -> str:
        return (
            f"The tag was saved as “{self.new.custom_key}”, but the old key "
            f"“{self.old.custom_key}” could not be removed ({self.error.message.rstrip('.')}). "
            f"Both now exist on interaction {self.old.interaction_id}: delete "
            f"“{self.old.custom_key}” when Survey Dynamix is reachable again. Nothing was lost."
        )


SaveOutcome = Saved | RenameHalfDone


def save_outcome(report: JobReport) -> SaveOutcome | None:
    """What a save job (from ``plan_save``) ended as; None when the new value was not
    saved (the first row's result says why)."""
    first = report.results[0]
    if first.result not in (Result.DONE, Result.UNCHANGED) or not isinstance(first.row.op, SetTag):
        return None
    tag = first.tag or first.row.current
    assert tag is not None
    if len(report.results) == 1:
        return Saved(tag)
    second = report.results[1]
    assert isinstance(second.row.op, DeleteTag)
    old = second.row.op.tag
    if second.error is not None:  # only a failed row carries an error
        return RenameHalfDone(new=tag, old=old, error=second.error)
    if second.result is Result.DONE or second.row.change is Change.MISSING:
        return Saved(tag, replaced_id=old.id)
    return Saved(tag)  # the old key was kept (not sent)
