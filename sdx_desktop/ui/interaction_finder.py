"""Finding the interaction to add a tag to, in the add-tag dialog opened from "All
interactions": type an ID, an external ref, an email or a phone number; the loaded
interactions that match are listed at once, and an exact external ref or email is
also looked up on Survey Dynamix (the list shows only what was loaded)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.models import Interaction

from .colours import HINT, tint
from .layout import named
from .tasks import TaskRunner
from .wording import interaction_label, interaction_matches

SEARCH_DELAY_MS = 350
#: At most this many matches are listed.
MAX_MATCHES = 50
InteractionRole = Qt.ItemDataRole.UserRole + 1


class InteractionFinder(QWidget):
    """The matches for what is typed in ``combo``'s text (see the module docstring);
    :attr:`chosen` fires with the interaction picked from them."""

    chosen = Signal(object)  # Interaction

    def __init__(
        self,
        combo: QComboBox,
        runner: TaskRunner,
        api: object,
        survey_id: int | None,
        known: Sequence[Interaction],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._combo = combo
        self._runner = runner
        self._api = api
        self._survey_id = survey_id
        self._known = list(known)
        self._task: asyncio.Task[None] | None = None
        self._generation = 0

        self.matches = named(QListWidget(), "interactionMatches")
        self.matches.setAccessibleName("Matching interactions")
        self.matches.setAccessibleDescription("Enter picks the interaction to add the tag to.")
        self.matches.setMaximumHeight(combo.sizeHint().height() * 4)
        self.matches.itemActivated.connect(self._pick)
        self.matches.itemClicked.connect(self._pick)
        self.matches.hide()
        self.status = named(QLabel(wordWrap=True), "interactionFinderStatus")
        tint(self.status, HINT)
        self.status.setText("Type the interaction’s ID, external ref, email or phone number.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.matches)
        layout.addWidget(self.status)

        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        line_edit = combo.lineEdit()
        assert line_edit is not None  # an editable combo box has one
        line_edit.textEdited.connect(lambda _text: self._timer.start())

    def search_now(self) -> None:
        """List the loaded matches; look up an exact external ref or email on the server."""
        self._timer.stop()
        self._generation += 1
        text = self._combo.currentText().strip()
        index = self._combo.currentIndex()
        picked = index >= 0 and self._combo.itemText(index) == self._combo.currentText()
        if not text or picked:
            self._show([], "")
            return
        local = [i for i in self._known if interaction_matches(text, i)][:MAX_MATCHES]
        if text.lstrip("#").isdigit() and not local:
            self._show([], "")  # an ID typed in full: nothing to look up
            return
        lookup = self._survey_id is not None and not text.lstrip("#").isdigit()
        self._show(local, "Looking on Survey Dynamix…" if lookup else self._count_text(local))
        if lookup:
            self._task = self._runner.spawn(self._look_up(text, local, self._generation))

    async def _look_up(self, text: str, local: list[Interaction], generation: int) -> None:
        assert self._survey_id is not None
        field = "email" if "@" in text else "external_ref"
        try:
            found = await self._runner.run(
                self._api.list_interactions,  # type: ignore[attr-defined]
                self._survey_id,
                limit=MAX_MATCHES,
                **{field: text},
            )
        except SdxError as error:
            if generation == self._generation:
                self.status.setText(f"Could not look on Survey Dynamix: {error}")
            return
        if generation != self._generation:
            return  # typed on meanwhile
        seen = {i.id for i in local}
        extra = [i for i in found if i.id not in seen]
        for interaction in extra:
            if all(k.id != interaction.id for k in self._known):
                self._known.append(interaction)
        self._show(local + extra, self._count_text(local + extra, looked_up=field))

    @staticmethod
    def _count_text(found: Sequence[Interaction], looked_up: str = "") -> str:
        where = ""
        if looked_up:
            what = "email" if looked_up == "email" else "external ref"
            where = f" (Survey Dynamix was asked for this exact {what})"
        if not found:
            return f"No interaction matches{where}."
        matches = f"{len(found):,} match{'es' if len(found) != 1 else ''}"
        return f"Pick the interaction in the list: {matches}{where}."

    def _show(self, found: Sequence[Interaction], status: str) -> None:
        self.matches.clear()
        for interaction in found:
            item = QListWidgetItem(interaction_label(interaction))
            item.setData(InteractionRole, interaction)
            self.matches.addItem(item)
        self.matches.setVisible(bool(found))
        self.status.setText(status)
        self.status.setVisible(bool(status))

    def _pick(self, item: QListWidgetItem) -> None:
        interaction = item.data(InteractionRole)
        if isinstance(interaction, Interaction):
            self._generation += 1
            self._show([], "")
            self.chosen.emit(interaction)
