"""Deleting tags: confirm, check each is unchanged on the server, then delete."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.models import DeleteResult, Tag
from sdx_desktop.domain.edits import ChangedMeanwhile, DeletedMeanwhile, apply_delete, check_delete

from .questions import ask, quoted
from .tasks import TaskRunner

Role = QMessageBox.ButtonRole

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient


@dataclass
class DeleteReport:
    deleted: list[int] = field(default_factory=list)
    already_gone: list[int] = field(default_factory=list)
    changed: list[Tag] = field(default_factory=list)  # current versions, left alone
    failed: list[tuple[Tag, SdxError]] = field(default_factory=list)

    @property
    def removed(self) -> list[int]:
        return self.deleted + self.already_gone


async def delete_tags(
    parent: QWidget, runner: TaskRunner, api: SdxClient, tags: Sequence[Tag]
) -> DeleteReport | None:
    """Run the whole delete conversation; ``None`` when the user cancelled at the start."""
    if not tags:
        return None
    if not await _confirm(parent, tags):
        return None
    report = DeleteReport()
    to_delete: list[Tag] = []
    for tag in tags:
        try:
            check = await runner.run(check_delete, api, tag)
        except SdxError as error:
            report.failed.append((tag, error))
            continue
        if isinstance(check, DeletedMeanwhile):
            report.already_gone.append(tag.id)
        elif isinstance(check, ChangedMeanwhile):
            report.changed.append(check.current)
        else:
            to_delete.append(tag)
    if report.changed and await _confirm_changed(parent, report.changed):
        to_delete += report.changed
        report.changed = []
    for tag in to_delete:
        try:
            result = await runner.run(apply_delete, api, tag)
        except SdxError as error:
            report.failed.append((tag, error))
            continue
        if result is DeleteResult.ALREADY_GONE:
            report.already_gone.append(tag.id)  # deleted by someone between check and delete
        else:
            report.deleted.append(tag.id)
    await _tell(parent, report, asked_for=len(tags))
    return report


async def _confirm(parent: QWidget, tags: Sequence[Tag]) -> bool:
    if len(tags) == 1:
        tag = tags[0]
        text = (
            f"Delete the tag <b>{html.escape(tag.custom_key)}</b> = "
            f"<b>{html.escape(quoted(tag.custom_value))}</b> from interaction "
            f"<b>#{tag.interaction_id}</b>?"
        )
    else:
        text = f"Delete these <b>{len(tags):,}</b> tags?"
    answer = await ask(
        parent,
        title="Delete tag" if len(tags) == 1 else "Delete tags",
        text=text,
        details="Reports that group or filter by this key will no longer see it. "
        "This cannot be undone.",
        choices=[("Delete", Role.DestructiveRole), ("Cancel", Role.RejectRole)],
        default=1,
        icon=QMessageBox.Icon.Warning,
        object_name="deleteConfirm",
    )
    return answer == "Delete"


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
