"""Tags in and out of the window: File → Export…/Import…, copy and paste, and the
right-click menus of both tables. Imports and pastes go through the operations engine's
preview like every other write (:meth:`Changes.open_preview`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QMenu

from sdx_desktop.domain.operations import JobReport
from sdx_desktop.exchange import ImportPlan, results_path, write_results

from .clipboard import interactions_as_text, tags_as_text
from .window_actions import make_action

if TYPE_CHECKING:
    from .main_window import MainWindow

Key = QKeySequence.StandardKey
IMPORT_FILES = "Spreadsheets (*.csv *.txt *.tsv *.xlsx *.xls *.ods);;All files (*)"


class ExchangeActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.export_action = make_action(
            window, "exportAction", "&Export…", "export", ["Ctrl+E"],
            "Save tags to a CSV or Excel file",
        )  # fmt: skip
        self.import_action = make_action(
            window, "importAction", "&Import…", "import", ["Ctrl+I"],
            "Add or change tags from a CSV or Excel file, with a preview first",
        )  # fmt: skip
        self.export_selection_action = make_action(
            window, "exportSelectionAction", "Export &selection…", "export", [],
            "Save the selected tags to a file",
        )  # fmt: skip
        self.copy_action = make_action(
            window, "copyAction", "&Copy", "copy", [Key.Copy],
            "Copy the selected rows (paste them into Excel)",
        )  # fmt: skip
        self.paste_action = make_action(
            window, "pasteAction", "&Paste tags", "paste", [Key.Paste],
            "Add the Key/Value rows copied from Excel to this interaction, with a preview",
        )  # fmt: skip
        self.export_action.triggered.connect(lambda: self.export())
        self.export_selection_action.triggered.connect(lambda: self.export(selection=True))
        self.import_action.triggered.connect(self.import_file)
        self.copy_action.triggered.connect(self.copy)
        self.paste_action.triggered.connect(self.paste)

    def install(self) -> None:
        window = self.window
        menu = window.window_actions.file_menu
        first = menu.actions()[0] if menu.actions() else None
        menu.insertActions(first, [self.import_action, self.export_action])
        if first is not None:
            menu.insertSeparator(first)
        window.window_actions.edit_menu.addSeparator()
        window.window_actions.edit_menu.addActions([self.copy_action, self.paste_action])
        # Copy and paste act on the table that has the focus, so text fields keep theirs.
        for view in (window.tag_view, window.interactions.view):
            for action in (self.copy_action, self.paste_action):
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
                view.addAction(action)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.tag_view.customContextMenuRequested.connect(self._tag_menu)
        window.interactions.view.customContextMenuRequested.connect(self._interaction_menu)
        window.addAction(self.export_action)
        window.addAction(self.import_action)

    def update_actions(self) -> None:
        has_survey = self.window.survey is not None
        self.export_action.setEnabled(has_survey)
        self.import_action.setEnabled(has_survey)
        self.export_selection_action.setEnabled(bool(self.window.selected_tags()))

    # --- right-click menus ---------------------------------------------------------

    def _tag_menu(self, at: QPoint) -> None:
        window = self.window
        menu = QMenu(window)
        menu.setObjectName("tagContextMenu")
        menu.addActions([window.edit_action, window.delete_action])
        menu.addSeparator()
        menu.addActions([self.copy_action, self.export_selection_action])
        self.update_actions()
        menu.popup(window.tag_view.viewport().mapToGlobal(at))
        self.context_menu = menu

    def _interaction_menu(self, at: QPoint) -> None:
        window = self.window
        menu = QMenu(window)
        menu.setObjectName("interactionContextMenu")
        menu.addActions([self.copy_action, self.paste_action])
        menu.addSeparator()
        changes = window.changes
        menu.addActions([changes.set_tag_on_many_action, changes.remove_key_action])
        menu.popup(window.interactions.view.viewport().mapToGlobal(at))
        self.context_menu = menu

    # --- copy and paste ------------------------------------------------------------

    def _focused_view(self) -> QAbstractItemView:
        window = self.window
        if window.interactions.view.hasFocus():
            return window.interactions.view
        return window.tag_view

    def copy(self) -> None:
        window = self.window
        if self._focused_view() is window.interactions.view:
            chosen = window.interactions.selected_targets()
            interactions = window.interactions.loaded_interactions() if chosen == "all" else chosen
            text = interactions_as_text(interactions)  # type: ignore[arg-type]
            count = len(interactions)
            noun = "interaction"
        else:
            tags = window.selected_tags()
            refs = {i.id: i for i in window.interactions.loaded_interactions()}
            text, count, noun = tags_as_text(tags, refs), len(tags), "tag"
        if count:
            QGuiApplication.clipboard().setText(text)
            window.statusBar().showMessage(
                f"Copied {count:,} {noun}{'s' if count != 1 else ''}: paste them into Excel.",
                5000,
            )

    def paste(self) -> None:
        window = self.window
        text = QGuiApplication.clipboard().text()
        if window.survey is None or not text.strip():
            return
        onto = window.interaction.id if window.interaction is not None else None
        self._open_import(pasted=text, pasted_onto=onto)

    # --- files ---------------------------------------------------------------------

    def export(self, *, selection: bool = False) -> None:
        from .export_dialog import ExportDialog

        window = self.window
        if window.survey is None:
            return
        proxy = window.tag_proxy

        def shown() -> list:  # type: ignore[type-arg]
            return [t for t in (proxy.tag_at(r) for r in range(proxy.rowCount())) if t]

        dialog = ExportDialog(
            window.runner,
            window.api,
            survey=window.survey,
            interaction=window.interaction,
            shown=shown,
            selection=window.selected_tags() if selection else (),
            interactions={i.id: i for i in window.interactions.loaded_interactions()},
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.export_dialog = dialog

    def choose_import_file(self) -> str:
        """Ask which file to import (tests replace this)."""
        chosen, _ = QFileDialog.getOpenFileName(self.window, "Import tags from", "", IMPORT_FILES)
        return chosen

    def import_file(self) -> None:
        if self.window.survey is None:
            return
        chosen = self.choose_import_file()
        if chosen:
            self._open_import(path=Path(chosen))

    def _open_import(
        self, *, path: Path | None = None, pasted: str | None = None, pasted_onto: int | None = None
    ) -> None:
        from .import_dialog import ImportDialog

        window = self.window
        assert window.survey is not None
        dialog = ImportDialog(
            window.runner,
            window.api,
            survey=window.survey,
            path=path,
            pasted=pasted,
            pasted_onto=pasted_onto,
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.previewRequested.connect(lambda plan: self._preview(plan, path))
        dialog.start()
        self.import_dialog = dialog

    def _preview(self, plan: ImportPlan, path: Path | None) -> None:
        preview = self.window.changes.open_preview(plan.plan)
        if path is None:
            return

        def save_results(report: JobReport) -> None:
            # Beside the file, so staff find what happened to each row of it.
            seen = preview.preview_result  # type: ignore[attr-defined]
            try:
                saved = write_results(results_path(path), plan, seen, report)
            except OSError as error:
                self.window.statusBar().showMessage(
                    f"The results could not be saved beside the file ({error.strerror}).", 15000
                )
                return
            self.window.statusBar().showMessage(f"Results saved as {saved.name}", 15000)

        preview.applied.connect(save_results)  # type: ignore[attr-defined]


__all__ = ["ExchangeActions", "QAction"]
