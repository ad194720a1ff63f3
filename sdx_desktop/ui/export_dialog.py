"""File → Export…: the tags to a CSV or Excel file, with progress and Cancel.

What to export is chosen here; the writing is :mod:`sdx_desktop.exchange` (streamed,
bounded memory), run off the UI thread.
"""

from __future__ import annotations

import asyncio
import html
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.errors import CancelledError, SdxError
from sdx_desktop.api.models import Interaction, Survey, Tag
from sdx_desktop.exchange import ExchangeError, ExportSummary, export_from_server, write_tags

from .tasks import TaskRunner

FORMATS = (("csv", "CSV file (.csv): opens in Excel, keeps every value whole"),
           ("xlsx", "Excel workbook (.xlsx)"))  # fmt: skip


class ExportDialog(QDialog):
    """Choose what, how and where; then export with progress. Stays open with a plain
    message when the export fails, and can be cancelled at any time (no file is left)."""

    def __init__(
        self,
        runner: TaskRunner,
        api: object,
        *,
        survey: Survey,
        interaction: Interaction | None,
        shown: Callable[[], Sequence[Tag]],
        selection: Sequence[Tag] = (),
        interactions: Mapping[int, Interaction] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export tags")
        self.setMinimumWidth(520)
        self._runner, self._api = runner, api
        self._survey, self._interaction = survey, interaction
        self._shown, self._selection = shown, list(selection)
        self._interactions = dict(interactions or {})
        self._cancel: threading.Event | None = None
        self.summary: ExportSummary | None = None

        self.scope = QButtonGroup(self)
        self.shown_radio = self._scope(
            "shownRadio", f"The {len(shown()):,} tags shown (with the filter and sort)"
        )
        self.selection_radio = self._scope(
            "selectionRadio", f"The {len(self._selection):,} selected tags"
        )
        self.selection_radio.setVisible(bool(self._selection))
        label = f"#{interaction.id}" if interaction is not None else ""
        self.interaction_radio = self._scope(
            "interactionRadio", f"Every tag of interaction {label}"
        )
        self.interaction_radio.setVisible(interaction is not None)
        self.survey_radio = self._scope(
            "surveyRadio", f"Every tag of the survey “{survey.display_name}” (loads them all)"
        )
        (self.selection_radio if self._selection else self.shown_radio).setChecked(True)

        self.long_radio = QRadioButton("One row per tag", objectName="longRadio", checked=True)
        self.wide_radio = QRadioButton(
            "One row per interaction, one column per key", objectName="wideRadio"
        )
        self.format_combo = QComboBox(objectName="formatCombo")
        for fmt, text in FORMATS:
            self.format_combo.addItem(text, fmt)
        self.format_combo.setAccessibleName("File format")
        self.path_edit = QLineEdit(objectName="exportPathEdit")
        self.path_edit.setAccessibleName("File to write")
        self.path_edit.setText(str(self._default_path("csv")))
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        choose = QPushButton("&Choose…", objectName="choosePathButton")
        choose.clicked.connect(self._choose)

        self.progress = QProgressBar(objectName="exportProgress", textVisible=False)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.message = QLabel(objectName="exportMessage", wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.message.setOpenExternalLinks(False)
        self.message.linkActivated.connect(self._open_folder)

        self.buttons = QDialogButtonBox()
        self.export_button = QPushButton("&Export", objectName="exportButton", default=True)
        self.close_button = QPushButton("Close", objectName="closeButton")
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.reject)

        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(choose)
        scope_box = QVBoxLayout()
        for radio in (self.shown_radio, self.selection_radio, self.interaction_radio,
                      self.survey_radio):  # fmt: skip
            scope_box.addWidget(radio)
        layout_box = QVBoxLayout()
        layout_box.addWidget(self.long_radio)
        layout_box.addWidget(self.wide_radio)
        form = QFormLayout()
        form.addRow("What:", scope_box)
        form.addRow("Layout:", layout_box)
        form.addRow("&Format:", self.format_combo)
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, where)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.progress)
        box.addWidget(self.message)
        box.addWidget(self.buttons)

    def _scope(self, name: str, text: str) -> QRadioButton:
        radio = QRadioButton(text, objectName=name)
        self.scope.addButton(radio)
        return radio

    # --- where to -------------------------------------------------------------------

    def _default_path(self, fmt: str) -> Path:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = re.sub(r'[\\/:*?"<>|]+', " ", self._survey.display_name).strip() or "tags"
        return Path(folder or Path.home()) / f"{name} tags.{fmt}"

    def _format_changed(self) -> None:
        fmt = self.format_combo.currentData()
        path = Path(self.path_edit.text().strip() or self._default_path(fmt))
        self.path_edit.setText(str(path.with_suffix(f".{fmt}")))

    def choose_path(self) -> str:
        """Ask where to save (tests replace this)."""
        fmt = self.format_combo.currentData()
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Export tags to",
            self.path_edit.text(),
            "Excel workbook (*.xlsx)" if fmt == "xlsx" else "CSV file (*.csv)",
        )
        return chosen

    def _choose(self) -> None:
        chosen = self.choose_path()
        if chosen:
            self.path_edit.setText(chosen)

    # --- exporting --------------------------------------------------------------------

    @property
    def exporting(self) -> bool:
        return self._cancel is not None

    def export(self) -> None:
        path = self.path_edit.text().strip()
        if not path or self.exporting:
            if not path:
                self._say("Choose where to save the file first.", error=True)
            return
        self._runner.spawn(self._export(Path(path).expanduser()))

    async def _export(self, path: Path) -> None:
        cancel = self._cancel = threading.Event()
        loop = asyncio.get_running_loop()
        layout = "wide" if self.wide_radio.isChecked() else "long"
        fmt = self.format_combo.currentData()

        def progress(count: int) -> None:
            loop.call_soon_threadsafe(self._say, f"Exporting… {count:,} tags written so far.")

        self._busy(True)
        try:
            if self.survey_radio.isChecked() or self.interaction_radio.isChecked():
                whole = self.survey_radio.isChecked()
                assert whole or self._interaction is not None
                summary = await self._runner.run(
                    export_from_server,
                    self._api,
                    path,
                    survey_id=self._survey.id,
                    interaction_id=None if whole else self._interaction.id,  # type: ignore[union-attr]
                    layout=layout,
                    fmt=fmt,
                    progress=progress,
                    cancel=cancel,
                )
            else:
                tags = self._selection if self.selection_radio.isChecked() else self._shown()
                summary = await self._runner.run(
                    write_tags,
                    list(tags),
                    path,
                    layout=layout,
                    fmt=fmt,
                    interactions_by_id=self._interactions,
                    progress=progress,
                    cancel=cancel,
                )
        except CancelledError:
            self._say("Export stopped. No file was written.")
            return
        except asyncio.CancelledError:  # the window is closing: stop the writer too
            cancel.set()
            raise
        except (ExchangeError, SdxError) as error:
            self._say(f"<b>Not exported.</b> {html.escape(str(error))}", error=True)
            return
        finally:
            self._cancel = None
            self._busy(False)
        self.summary = summary
        text = (
            f"Exported {summary.tags:,} tags ({summary.rows:,} rows) to "
            f"<b>{html.escape(summary.path.name)}</b>. "
            f'<a href="folder">Open the folder</a>'
        )
        warning = summary.warning()
        self._say(text + (f"<br><br>{html.escape(warning)}" if warning else ""), error=False)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.export_button.setEnabled(not busy)
        self.close_button.setText("Cancel" if busy else "Close")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)

    def _open_folder(self, _link: str) -> None:
        if self.summary is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.summary.path.parent)))

    def reject(self) -> None:
        """Cancel stops an export under way first (its partial file is removed)."""
        if self._cancel is not None:
            self._cancel.set()
            return
        super().reject()
