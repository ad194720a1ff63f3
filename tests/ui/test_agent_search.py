"""The interaction picker's agent-id search: agent ids are text, as in the vendor's API."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sdx_desktop.sandbox import SandboxServer

from .conftest import WindowFactory, choose_survey

AGENT_COLUMN = 3


def test_agent_ids_are_searched_and_shown_as_text(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Agents")
    agents = ("nevilr", "a.chen", "nevilr", "1042", "0042", None)
    ids = {
        sandbox.store.create_interaction(survey_id, survey_type="inbound", agent_id=agent): agent
        for agent in agents
    }
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    picker = window.interactions
    model = picker.model
    qtbot.waitUntil(lambda: model.exhausted, timeout=10_000)
    for interaction_id, agent in ids.items():
        row = model.row_of(interaction_id)
        assert row is not None
        assert model.index(row, AGENT_COLUMN).data() == (agent or "")
    assert model.headerData(AGENT_COLUMN, Qt.Orientation.Horizontal) == "Agent"

    picker.field_combo.setCurrentIndex(picker.field_combo.findData("agent_id"))
    for typed, expected in (("  nevilr ", "nevilr"), ("0042", "0042"), ("a.chen", "a.chen")):
        picker.search.setText(typed)
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda want=expected: model.exhausted and {i.agent_id for i in model.items} == {want},
            timeout=10_000,
        )
        assert sorted(i.id for i in model.items) == sorted(
            i for i, agent in ids.items() if agent == expected
        )
        assert "number" not in picker.state_bar.label.text()
    picker.search.setText("nobody")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.exhausted and not model.items, timeout=10_000)
