"""Deleting tags: confirm, check each is unchanged on the server, then delete."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtWidgets import QMessageBox, QWidget

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.models import Tag
from sdx_desktop.domain.operations import Change, JobJournal, JobReport, Result, apply, preview
from sdx_desktop.domain.plans import plan_delete

from .questions import ask, quoted
from .tasks import TaskRunner

Role = QMessageBox.ButtonRole


@dataclass
class DeleteReport:
    deleted: list[int] = field(default_factory=list)
    already_gone: list[int] = field(default_factory=list)
    changed: list[Tag] = field(default_factory=list)  # current versions, left alone
    failed: list[tuple[Tag, SdxError]] = field(default_factory=list)
    #: The engine's report (for undo and history); None when nothing was sent.
    job: JobReport | None = None

    @property
    def removed(self) -> list[int]:
        return self.deleted + self.already_gone


async def delete_tags(
    parent: QWidget,
    runner: TaskRunner,
    api: object,
    tags: Sequence[Tag],
    *,
    recorder: JobJournal | None = None,
    survey_id: int | None = None,
) -> DeleteReport | None:
    """Run the whole delete conversation; ``None`` when the user cancelled at the start.
    The engine checks each tag is unchanged on the server before it goes."""
    if not tags:
        return None
    if not await _confirm(parent, tags):
        return None
    report = DeleteReport()
    try:
        seen = await runner.run(preview, api, plan_delete(tags, survey_id))
    except SdxError as error:
        report.failed = [(tag, error) for tag in tags]
        await _tell(parent, report, asked_for=len(tags))
        return report
    changed = [r for r in seen.rows if r.change is Change.CONFLICT and r.current is not None]
    force: list[int] = []
    if changed and await _confirm_changed(parent, [r.current for r in changed if r.current]):
        force = [r.index for r in changed]
    job = await runner.run(apply, api, seen, force=force, journal=recorder)
    report.job = job
    for result in job.results:
        row = result.row
        if row.change is Change.MISSING:
            report.already_gone.append(row.op.tag.id)  # type: ignore[union-attr]
        elif result.result is Result.DONE:
            if result.message == "already deleted":  # gone between check and delete
                report.already_gone.append(row.op.tag.id)  # type: ignore[union-attr]
            else:
                report.deleted.append(row.op.tag.id)  # type: ignore[union-attr]
        elif result.result is Result.FAILED and result.error is not None:
            report.failed.append((row.op.tag, result.error))  # type: ignore[union-attr]
        elif row.current is not None:
            report.changed.append(row.current)  # kept: changed by someone else
    await _tell(parent, report, asked_for=len(tags))
    return report


#: Tags listed by name in the delete question; the rest are counted.
LISTED = 8


async def _confirm(parent: QWidget, tags: Sequence[Tag]) -> bool:
    if len(tags) == 1:
        tag = tags[0]
        text = (
            f"Delete the tag <b>{html.escape(tag.custom_key)}</b> = "
            f"<b>{html.escape(quoted(tag.custom_value))}</b> from interaction "
            f"<b>#{tag.interaction_id}</b>?"
        )
        details = ""
    else:
        items = "".join(f"<li>{_describe(tag)}</li>" for tag in tags[:LISTED])
        more = len(tags) - LISTED
        if more > 0:
            items += f"<li>… and {more:,} more (all listed under Show Details)</li>"
        text = f"Delete these <b>{len(tags):,}</b> tags?<ul>{items}</ul>"
        details = "\n".join(
            f"#{t.interaction_id}  {t.custom_key} = {quoted(t.custom_value)}" for t in tags
        )
    answer = await ask(
        parent,
        title="Delete tag" if len(tags) == 1 else "Delete tags",
        text=text,
        details="Reports that group or filter by these keys will no longer see them. "
        "You can undo this with Edit → Undo (Ctrl+Z).",
        choices=[("Delete", Role.DestructiveRole), ("Cancel", Role.RejectRole)],
        default=1,
        icon=QMessageBox.Icon.Warning,
        object_name="deleteConfirm",
        detailed_text=details,
    )
    return answer == "Delete"


def _describe(tag: Tag) -> str:
    return (
        f"<b>{html.escape(tag.custom_key)}</b> = {html.escape(quoted(tag.custom_value))}"
        f" on #{tag.interaction_id}"
    )


async def _confirm_changed(parent: QWidget, changed: Sequence[Tag]) -> bool:
    if len(changed) == 1:
        tag = changed[0]
        text = (
            f"Someone else changed <b>{html.escape(tag.custom_key)}</b> on interaction "
            f"#{tag.interaction_id} after you loaded it. Its value is now "
            f"<b>{html.escape(quoted(tag.custom_value))}</b>."
        )
    else:
        text = f"Someone else changed {len(changed)} of these tags after you loaded them."
    answer = await ask(
        parent,
        title="Tag changed meanwhile",
        text=text,
        details="Delete anyway?",
        choices=[("Delete anyway", Role.DestructiveRole), ("Keep", Role.RejectRole)],
        default=1,
        icon=QMessageBox.Icon.Warning,
        object_name="deleteChangedConfirm",
    )
    return answer == "Delete anyway"


async def _tell(parent: QWidget, report: DeleteReport, *, asked_for: int) -> None:
    lines: list[str] = []
    if report.already_gone:
        if asked_for == 1:
            lines.append("This tag was already deleted (by someone else).")
        else:
            lines.append(f"{len(report.already_gone)} were already deleted by someone else.")
    if report.failed:
        error = report.failed[0][1]
        lines.append(
            f"{len(report.failed)} could not be deleted: {html.escape(str(error))} "
            "They are still in the list; try again."
        )
    if not lines:
        return
    await ask(
        parent,
        title="Delete",
        text="<br>".join(lines),
        choices=[("OK", Role.AcceptRole)],
        icon=QMessageBox.Icon.Warning if report.failed else QMessageBox.Icon.Information,
        object_name="deleteReport",
    )
