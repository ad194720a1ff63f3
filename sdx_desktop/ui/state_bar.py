"""A slim bar under a paged list: "Loading…", or why a page failed with a Retry button."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from .colours import FAILURE, tint
from .paged_model import LoadState, PagedTableModel


class LoadStateBar(QFrame):
    def __init__(
        self, model: PagedTableModel[Any], *, noun: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._noun = noun
        self.setObjectName(f"{noun}StateBar")
        self.label = QLabel(wordWrap=True)
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(model.retry)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        model.stateChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        state = self._model.state
        if state is LoadState.FAILED and self._model.error is not None:
            what = "more " if self._model.loaded_count else "the "
            self.label.setText(f"Could not load {what}{self._noun}. {self._model.error}")
            self.retry_button.setText("Retry")
            self.retry_button.show()
            tint(self, FAILURE)
            self.show()
        elif state is LoadState.STOPPED:
            self.label.setText(f"Stopped loading {self._noun}.")
            self.retry_button.setText("Continue")
            self.retry_button.show()
            tint(self, None)
            self.show()
        elif state is LoadState.LOADING:
            self.label.setText(f"Loading {self._noun}…")
            self.retry_button.hide()
            tint(self, None)
            self.show()
        else:
            self.hide()
