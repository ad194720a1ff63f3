"""File → Import… (and paste): how a file was read, what in it cannot be imported, and
then the engine's preview of the changes.

Reading a file and turning its rows into a plan is :mod:`sdx_desktop.exchange`; this
dialog shows it, lets staff read the file differently (separator, encoding, sheet),
and hands the plan on (:attr:`ImportDialog.previewRequested`). Nothing is written here.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.models import Survey
from sdx_desktop.exchange import (
    ExchangeError,
    ImportPlan,
    Table,
    plan_import,
    read_interactions,
    read_pasted,
    read_table,
)

from .tasks import TaskRunner

SEPARATORS = (("As detected", None), ("Comma ,", ","), ("Semicolon ;", ";"), ("Tab", "\t"))
ENCODINGS = (("As detected", None), ("UTF-8", "utf-8"), ("UTF-16", "utf-16"),
             ("Windows (Western)", "cp1252"))  # fmt: skip
#: File problems listed by name; the rest are counted.
LISTED = 12


class ImportDialog(QDialog):
    """Open with :meth:`start`; emits :attr:`previewRequested` with the ImportPlan."""

    previewRequested = Signal(object)  # ImportPlan

    def __init__(
        self,
        runner: TaskRunner,
        api: object,
        *,
        survey: Survey,
        path: Path | None = None,
        pasted: str | None = None,
        pasted_onto: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import tags" if path is not None else "Paste tags")
        self.setMinimumWidth(560)
        self._runner, self._api, self._survey = runner, api, survey
        self.path, self._pasted, self._pasted_onto = path, pasted, pasted_onto
        self.table: Table | None = None
        self.plan: ImportPlan | None = None
        self._known: set[int] | None = None

        source = path.name if path is not None else "the copied rows"
        self.heading = QLabel(
            f"Import <b>{html.escape(source)}</b> into “{html.escape(survey.display_name)}”",
            objectName="importHeading",
            wordWrap=True,
        )
        self.read_as = QLabel(objectName="importReadAs", wordWrap=True)
        self.separator_combo = self._combo("separatorCombo", "Separator", SEPARATORS)
        self.encoding_combo = self._combo("encodingCombo", "Text encoding", ENCODINGS)
        self.sheet_combo = QComboBox(objectName="sheetCombo")
        self.sheet_combo.setAccessibleName("Sheet")
        self.summary = QLabel(objectName="importSummary", wordWrap=True)
        self.problems = QPlainTextEdit(objectName="importProblems", readOnly=True)
        self.problems.setAccessibleName("Rows that will not be imported")
        self.problems.setMaximumHeight(150)
        self.problems.hide()
        self.progress = QProgressBar(objectName="importProgress", textVisible=False)
        self.progress.setRange(0, 0)

        self.buttons = QDialogButtonBox()
        self.preview_button = QPushButton(
            "&Preview changes…", objectName="previewChangesButton", default=True
        )
        self.preview_button.setEnabled(False)
        self.buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.preview_button.clicked.connect(self._preview)
        self.buttons.rejected.connect(self.reject)
        for combo in (self.separator_combo, self.encoding_combo, self.sheet_combo):
            combo.activated.connect(self._read_again)

        form = QFormLayout()
        form.addRow("&Separator:", self.separator_combo)
        form.addRow("&Encoding:", self.encoding_combo)
        form.addRow("S&heet:", self.sheet_combo)
        self._form = form
        box = QVBoxLayout(self)
        box.addWidget(self.heading)
        box.addWidget(self.read_as)
        box.addLayout(form)
        box.addWidget(self.summary)
        box.addWidget(self.problems)
        box.addWidget(self.progress)
        box.addWidget(self.buttons)

    def _combo(self, name: str, label: str, items: tuple[tuple[str, str | None], ...]) -> QComboBox:
        combo = QComboBox(objectName=name)
        combo.setAccessibleName(label)
        for text, data in items:
            combo.addItem(text, data)
        return combo

    def start(self) -> None:
        self.open()
        self._read_again()

    def _read_again(self) -> None:
        self._runner.spawn(self._read())

    async def _read(self) -> None:
        self.preview_button.setEnabled(False)
        self.progress.show()
        self.summary.setText("Reading the file…" if self.path else "Reading the copied rows…")
        try:
            if self._known is None:
                interactions = await self._runner.run(read_interactions, self._api, self._survey.id)
                self._known = set(interactions)
            table = await self._runner.run(self._read_table)
            plan = plan_import(
                table,
                self._survey.id,
                self._known,
                source_name=self.path.name if self.path else "",
            )
        except (ExchangeError, SdxError) as error:
            self._failed(str(error))
            return
        finally:
            self.progress.hide()
        self.table, self.plan = table, plan
        self._show(table, plan)

    def _read_table(self) -> Table:
        if self.path is None:
            return read_pasted(self._pasted or "", interaction_id=self._pasted_onto)
        return read_table(
            self.path,
            sheet=self.sheet_combo.currentText() or None,
            delimiter=self.separator_combo.currentData(),
            encoding=self.encoding_combo.currentData(),
        )

    def _show(self, table: Table, plan: ImportPlan) -> None:
        text_file = table.format == "csv" and self.path is not None
        for combo in (self.separator_combo, self.encoding_combo):
            combo.setVisible(text_file)
            self._form.labelForField(combo).setVisible(text_file)
        workbook = len(table.sheets) > 1
        self.sheet_combo.setVisible(workbook)
        self._form.labelForField(self.sheet_combo).setVisible(workbook)
        if workbook and self.sheet_combo.count() != len(table.sheets):
            self.sheet_combo.clear()
            self.sheet_combo.addItems(table.sheets)
            self.sheet_combo.setCurrentText(table.sheet or "")
        layout = "one row per tag" if plan.layout == "long" else "one row per interaction"
        self.read_as.setText(f"Read as {html.escape(table.description())}; {layout}.")
        changes = len(plan.plan)
        lines = [
            f"<b>{changes:,}</b> tag{'s' if changes != 1 else ''} to check against Survey Dynamix."
        ]
        if plan.left_as_is:
            lines.append(f"{plan.left_as_is:,} empty cells: those tags are left as they are.")
        lines += [html.escape(note) for note in table.notes]
        if plan.problems:
            lines.append(
                f"<b>{len(plan.problems):,}</b> row(s) or cells cannot be imported "
                "(listed below); the rest can."
            )
            shown = [str(p) for p in plan.problems[:LISTED]]
            if len(plan.problems) > LISTED:
                shown.append(f"… and {len(plan.problems) - LISTED:,} more (in the results file).")
            self.problems.setPlainText("\n".join(shown))
        self.problems.setVisible(bool(plan.problems))
        self.summary.setText("<br>".join(lines))
        self.preview_button.setEnabled(changes > 0)
        if changes == 0:
            self.summary.setText("<br>".join([*lines, "Nothing in this file can be imported."]))

    def _failed(self, message: str) -> None:
        self.summary.setText(f"<b>Cannot import.</b> {html.escape(message)}")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.problems.hide()
        self.preview_button.setEnabled(False)

    def _preview(self) -> None:
        if self.plan is not None:
            self.previewRequested.emit(self.plan)
            self.accept()
