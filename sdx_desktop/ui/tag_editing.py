"""Adding, editing and deleting tags from the main window: opens the add/edit dialog
(also with a draft kept from the last run), shows what a save or delete did in the
table, and hands each job to :class:`~sdx_desktop.ui.changes.Changes` (undo, history,
the status bar's "… · Undo")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QObject, Qt

from sdx_desktop.api.models import Tag
from sdx_desktop.domain.edits import RenameHalfDone, Saved, SaveOutcome

from . import drafts
from .delete_flow import delete_tags
from .tag_dialog import TagDialog

if TYPE_CHECKING:
    from .main_window import MainWindow


class TagEditing(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def add(self) -> TagDialog | None:
        window = self.window
        if window.survey is None:
            return None
        return self._open(
            interaction_id=window.interaction.id if window.interaction else None,
            survey_id=window.survey.id,
        )

    def edit_selected(self) -> TagDialog | None:
        selected = self.window.selected_tags()
        return self._open(tag=selected[0]) if len(selected) == 1 else None

    def open_draft(self, draft: drafts.Draft) -> TagDialog:
        """The add/edit dialog again, with what was typed before the app closed."""
        dialog = self._open(tag=draft.original, interaction_id=draft.interaction_id)
        dialog.key_edit.setText(draft.key)
        dialog.value_edit.setPlainText(draft.value)
        return dialog

    def _open(
        self,
        *,
        tag: Tag | None = None,
        interaction_id: int | None = None,
        survey_id: int | None = None,
    ) -> TagDialog:
        window = self.window
        dialog = TagDialog(
            window.runner,
            window.api,
            tag=tag,
            interaction_id=interaction_id,
            interactions=window.interactions.loaded_interactions(),
            recorder=window.recorder,
            survey_id=survey_id,
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._show_saved)
        dialog.applied.connect(window.changes.record)
        dialog.vanished.connect(window.tags.remove_id)
        dialog.open()
        window.tag_dialog = dialog
        return dialog

    def _show_saved(self, outcome: SaveOutcome) -> None:
        window = self.window
        if isinstance(outcome, Saved):
            if outcome.replaced_id is not None:
                window.tags.remove_id(outcome.replaced_id)
            tag = outcome.tag
        else:
            assert isinstance(outcome, RenameHalfDone)
            tag = outcome.new
        if window.belongs_here(tag):
            window.tags.upsert_item(tag)
            self._select(tag.id)
        window.update_status()

    def _select(self, tag_id: int) -> None:
        window = self.window
        row = window.tags.row_of(tag_id)
        if row is None:
            return
        index = window.tag_proxy.mapFromSource(window.tags.index(row, 0))
        if index.isValid():
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            window.tag_view.selectionModel().setCurrentIndex(index, flags)
            window.tag_view.scrollTo(index)

    def delete_selected(self) -> None:
        selected = self.window.selected_tags()
        if selected:
            self.window.runner.spawn(self._delete(selected))

    async def _delete(self, selected: list[Tag]) -> None:
        window = self.window
        report = await delete_tags(
            window,
            window.runner,
            window.api,
            selected,
            recorder=window.recorder,
            survey_id=window.survey.id if window.survey else None,
        )
        if report is None:
            return
        if report.job is not None:
            window.changes.record(report.job)
        for tag_id in report.removed:
            window.tags.remove_id(tag_id)
        for current in report.changed:
            window.tags.upsert_item(current)
        window.update_status()
