"""A long working session must not bring the app down.

On Python 3.11 ``None``, ``True`` and ``False`` are ordinary reference-counted objects
(they are immortal only from 3.12 on). A binding that returns them without taking a
reference makes their counts drift down with every call, and when one reaches zero the
interpreter aborts with "Fatal Python error: none_dealloc" (or "bool_dealloc"): the
window vanishes with no error dialog and whatever was typed is lost.

Measured here on the real main window: routine updates (typing in the quick filter,
which refreshes the status line and the actions) must leave those counts where they
were. On Python 3.12+ the counts of immortal objects never change, so this always holds.
"""

from __future__ import annotations

import gc
import sys

from pytestqt.qtbot import QtBot

from sdx_desktop.sandbox import SandboxServer

from ..ui.conftest import choose_interaction, choose_survey
from ._support import new_interaction, survey_of
from .conftest import WindowFactory

CYCLES = 40


def _counts() -> dict[str, int]:
    gc.collect()
    return {
        "None": sys.getrefcount(None),
        "True": sys.getrefcount(True),
        "False": sys.getrefcount(False),
    }


def test_routine_updates_do_not_use_up_references_to_none_true_and_false(
    server: SandboxServer, open_window: WindowFactory, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, "Long session", tags=20)
    window = open_window(server)
    choose_survey(window, survey_of(server, interaction_id), qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.exhausted and not window.tags.loading)
    qtbot.waitUntil(lambda: window.runner.pending == 0)

    before = _counts()
    for _ in range(CYCLES):
        window.tag_filter.setText("KEY_01")
        window.tag_filter.setText("")
    after = _counts()

    lost = {name: before[name] - after[name] for name in before}
    print(f"\nreferences lost over {CYCLES} filter cycles: {lost}")
    # Less than one per cycle: allocation noise, not a steady leak.
    assert all(n < CYCLES for n in lost.values()), (
        f"references lost over {CYCLES} filter cycles: {lost}; at this rate a long "
        f"session aborts the interpreter (counts now {after})"
    )
