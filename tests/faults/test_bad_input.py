"""Bad input at the edges, through the edit path the dialog uses (the operations engine:
``plan_save``, ``preview``, then ``apply``, over real HTTP): a key that breaks the rule
is marked invalid and nothing is ever written with it (the preview's one read of the
interaction is the only request, and it does not carry the key), and every valid key
and value comes back exactly as typed.

Hypothesis makes the keys and values (any Unicode including astral characters and
emoji, control characters, NUL, CR/LF, empty, very long); examples are derandomized so
a run is reproducible, and bounded so the suite stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sdx_desktop.api import errors
from sdx_desktop.api.client import SdxClient
from sdx_desktop.domain.edits import Saved, save_outcome
from sdx_desktop.domain.keys import KeyRuleError, key_problem
from sdx_desktop.domain.operations import Change, Result, apply, preview
from sdx_desktop.domain.plans import plan_save
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.sandbox.rules import MAX_VALUE_LENGTH
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ..ui._boxes import WAIT_MS
from ._support import assert_plain

#: The contract's rule, written independently of the app's.
CONTRACT_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)

EDGE_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character a str can hold and UTF-8 can carry (lone surrogates cannot: see below).
any_char = st.characters(exclude_categories=("Cs",))
tricky_chars = st.sampled_from(
    ["\x00", "\r", "\n", "\r\n", "\t", "\x1b", "\x7f", "\u0085", "\u2028", "\u200b", "\ufeff",
     "😀", "👩‍👩‍👧", "\U0001f9ea", "\U0010ffff", "é", "e\u0301", "ǅ", "\u212a", "ß", "İ", "١",
     "Ｔ", " ", "-", "%", "&", "=", "+", "%00", "&custom_key=x", "<b>", "'", '"', "\\"]
)  # fmt: skip
keys = st.one_of(
    st.text(any_char, max_size=40),
    st.lists(st.one_of(tricky_chars, st.sampled_from(["a", "Z", "9", "_"])), max_size=8).map(
        "".join
    ),
    st.sampled_from(["", " ", "tier ", " tier", "1tier", "_tier", "tier\n", "ti er", "a" * 300]),
)
values = st.one_of(
    st.text(any_char, max_size=300),
    st.lists(st.one_of(tricky_chars, any_char), max_size=40).map("".join),
    # Very long: up to the limit, sometimes one past it.
    st.tuples(st.text(any_char, min_size=1, max_size=4), st.sampled_from([0, 1])).map(
        lambda t: (t[0] * MAX_VALUE_LENGTH)[: MAX_VALUE_LENGTH - 1] + "x" * (1 + t[1])
    ),
    st.just(""),
)


@pytest.fixture(scope="module")
def edge_client(module_sandbox: SandboxServer) -> Iterator[SdxClient]:
    with make_client(module_sandbox) as client:
        yield client


@pytest.fixture(scope="module")
def edge_survey(module_sandbox: SandboxServer) -> int:
    return module_sandbox.store.create_survey("Edge input")


def _requests_since(server: SandboxServer, before: int) -> list[tuple[str, str, str]]:
    """``(method, path, query)`` of the requests the sandbox received after it had
    counted ``before``."""
    count = server.request_count - before
    return server.request_log[-count:] if count else []


def _assert_only_read(server: SandboxServer, before: int, interaction_id: int) -> None:
    """Since ``before``: only the preview's single read of the interaction's tags (no
    key in it), nothing written."""
    sent = _requests_since(server, before)
    assert [method for method, _, _ in sent] == ["GET"], f"more than the preview's read: {sent}"
    ((_, path, query),) = sent
    assert path == "/api/interaction_data"
    assert f"interaction_id={interaction_id}" in query.split("&")
    assert "custom_key" not in query, f"the key was sent: {query!r}"


def _is_valid(key: str) -> bool:
    valid = CONTRACT_KEY.fullmatch(key) is not None
    assert (key_problem(key) is None) is valid, f"the app's key rule disagrees on {key!r}"
    return valid


valid_keys = st.one_of(
    st.from_regex(CONTRACT_KEY, fullmatch=True).filter(lambda k: len(k) <= 80),
    st.sampled_from(["a", "Z", "tier", "TIER", "Tier", "a" * 300, "x_1_", "Q9"]),
)


@EDGE_SETTINGS
@given(key=keys, value=values)
def test_invalid_keys_never_reach_the_network(
    key: str, value: str, module_sandbox: SandboxServer, edge_client: SdxClient, edge_survey: int
) -> None:
    server, client = module_sandbox, edge_client
    if _is_valid(key):
        event("valid key: checked by the other test")
        return
    interaction_id = server.store.create_interaction(edge_survey)
    plan = plan_save(interaction_id, key, value, None)
    before = server.request_count
    seen = preview(client, plan)
    (row,) = seen.rows
    assert row.change is Change.INVALID
    assert_plain(row.reason)
    _assert_only_read(server, before, interaction_id)
    before = server.request_count
    report = apply(client, seen)
    (result,) = report.results
    assert result.result is Result.SKIPPED and result.error is None
    assert_plain(result.message)
    assert save_outcome(report) is None
    with pytest.raises(KeyRuleError) as info:
        client.set_tag(interaction_id, key, value)
    assert_plain(str(info.value))
    assert server.request_count == before, "an invalid key reached the network"
    assert server.store.live_tags(interaction_id) == {}


@EDGE_SETTINGS
@given(key=valid_keys, value=values)
def test_valid_keys_and_edge_values_round_trip_exactly(
    key: str, value: str, module_sandbox: SandboxServer, edge_client: SdxClient, edge_survey: int
) -> None:
    server, client = module_sandbox, edge_client
    assert _is_valid(key)
    event("longest values" if len(value) >= MAX_VALUE_LENGTH else "shorter values")
    interaction_id = server.store.create_interaction(edge_survey)
    seen = preview(client, plan_save(interaction_id, key, value, None))
    (row,) = seen.rows
    assert row.change is Change.CREATE, row
    report = apply(client, seen)
    if len(value) > MAX_VALUE_LENGTH:
        (refused,) = report.results
        assert refused.result is Result.FAILED
        assert isinstance(refused.error, errors.BadRequestError)
        assert_plain(refused.message)
        assert save_outcome(report) is None
        assert server.store.live_tags(interaction_id) == {}
        return
    outcome = save_outcome(report)
    assert isinstance(outcome, Saved)
    saved = outcome.tag
    assert (saved.interaction_id, saved.custom_key) == (interaction_id, key)
    assert saved.custom_value.encode("utf-8") == value.encode("utf-8")
    assert server.store.live_tags(interaction_id) == {key: value}
    assert client.get_tag(saved.id).custom_value.encode("utf-8") == value.encode("utf-8")
    found = client.find_tag(interaction_id, key)
    assert found is not None and found.id == saved.id and found.custom_value == value


def test_a_value_utf8_cannot_carry_is_a_typed_error(
    module_sandbox: SandboxServer, edge_client: SdxClient, edge_survey: int
) -> None:
    """A lone surrogate (possible in a Python str, e.g. from a script or a badly decoded
    file) cannot be sent as UTF-8. The client promises a typed, plainly worded error for
    every failure, never a raw exception; the engine marks the value invalid and writes
    nothing."""
    interaction_id = module_sandbox.store.create_interaction(edge_survey)
    broken = "broken \ud800 text"
    before = module_sandbox.request_count
    with pytest.raises(errors.SdxError) as info:
        edge_client.set_tag(interaction_id, "tier", broken)
    assert_plain(str(info.value))
    assert module_sandbox.request_count == before
    seen = preview(edge_client, plan_save(interaction_id, "tier", broken, None))
    (row,) = seen.rows
    assert row.change is Change.INVALID
    assert_plain(row.reason)
    _assert_only_read(module_sandbox, before, interaction_id)
    before = module_sandbox.request_count
    assert save_outcome(apply(edge_client, seen)) is None
    assert module_sandbox.request_count == before
    assert module_sandbox.store.live_tags(interaction_id) == {}


# --- a few through the real dialog -------------------------------------------------------


@pytest.fixture
def dialog_for(
    qtbot: QtBot, runner: TaskRunner, edge_client: SdxClient, module_sandbox: SandboxServer,
    edge_survey: int,
) -> Iterator[tuple[TagDialog, int]]:  # fmt: skip
    interaction_id = module_sandbox.store.create_interaction(edge_survey)
    dialog = TagDialog(runner, ClientProxy(edge_client), interaction_id=interaction_id)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    yield dialog, interaction_id


@pytest.mark.parametrize(
    "key", ["", " ", "tier ", "1tier", "_x", "ti-er", "région", "tier\x00", "\u212a", "😀", "a b"]
)
def test_the_dialog_sends_nothing_for_a_bad_key(
    key: str, dialog_for: tuple[TagDialog, int], module_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    dialog, interaction_id = dialog_for
    dialog.key_edit.setText(key)
    dialog.value_edit.setPlainText("x")
    assert not dialog.save_button.isEnabled()
    if key:
        assert dialog.key_error.isVisible()
        assert_plain(dialog.key_error.text())
    before = module_sandbox.request_count
    qtbot.keyClick(dialog.value_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    dialog.save()
    qtbot.waitUntil(lambda: dialog._runner.idle, timeout=10_000)
    assert dialog.isVisible()
    assert module_sandbox.request_count == before
    assert module_sandbox.store.live_tags(interaction_id) == {}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "😀 👩‍👩‍👧 \U0001f9ea \U0010ffff",
        "line one\nline two\n\n",
        "tab\tNUL\x00 escape\x1b bell\x07",
        "e\u0301 ǅ ß İ ١ Ｔ \u200b\ufeff",
        "&custom_key=other&custom_value=y %00 %2B + = ' \" \\ <b>bold</b>",
        "😀" * MAX_VALUE_LENGTH,
    ],
    ids=["empty", "astral", "newlines", "controls", "unicode", "form-syntax", "longest"],
)
def test_the_dialog_saves_values_exactly(
    value: str, dialog_for: tuple[TagDialog, int], module_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    dialog, interaction_id = dialog_for
    dialog.key_edit.setText("Edge_Key_1")
    dialog.value_edit.setPlainText(value)
    assert dialog.value_edit.toPlainText() == value
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert module_sandbox.store.live_tags(interaction_id) == {"Edge_Key_1": value}
    assert dialog.outcome is not None
    assert dialog.outcome.tag.custom_value == value  # type: ignore[union-attr]


# --- what the dialog was not asked to change, it must not change -------------------------


def _edit_in_dialog(
    qtbot: QtBot, runner: TaskRunner, client: SdxClient, tag_key: str, tag_value: str,
    interaction_id: int, *, new_key: str | None = None, new_value: str | None = None,
) -> TagDialog:  # fmt: skip
    tag = client.set_tag(interaction_id, tag_key, tag_value)
    dialog = TagDialog(runner, ClientProxy(client), tag=tag)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    if new_key is not None:
        dialog.key_edit.setText(new_key)
    if new_value is not None:
        dialog.value_edit.setPlainText(new_value)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    return dialog


LINE_BREAKS = {
    "crlf": "imported\r\nfrom Excel\r\n",
    "cr": "old Mac\rline",
    "line-separator": "a\u2028b",
    "paragraph-separator": "a\u2029b",
}


@pytest.mark.parametrize("value", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_pressing_save_without_changes_leaves_the_value_as_it_was(
    value: str, qtbot: QtBot, runner: TaskRunner, edge_client: SdxClient,
    module_sandbox: SandboxServer, edge_survey: int,
) -> None:  # fmt: skip
    """Values with Windows (CR LF) or other line breaks are common in data imported from
    office tools. Opening such a tag and pressing Save must not rewrite it."""
    interaction_id = module_sandbox.store.create_interaction(edge_survey)
    _edit_in_dialog(qtbot, runner, edge_client, "notes", value, interaction_id)
    assert module_sandbox.store.live_tags(interaction_id) == {"notes": value}


def test_renaming_a_key_keeps_its_value_exactly(
    qtbot: QtBot, runner: TaskRunner, edge_client: SdxClient,
    module_sandbox: SandboxServer, edge_survey: int,
) -> None:  # fmt: skip
    interaction_id = module_sandbox.store.create_interaction(edge_survey)
    value = LINE_BREAKS["crlf"]
    _edit_in_dialog(qtbot, runner, edge_client, "notes", value, interaction_id, new_key="comments")
    assert module_sandbox.store.live_tags(interaction_id) == {"comments": value}


def test_changing_the_value_of_a_tag_with_a_long_key_keeps_the_key(
    qtbot: QtBot, runner: TaskRunner, edge_client: SdxClient, module_sandbox: SandboxServer,
    edge_survey: int,
) -> None:  # fmt: skip
    """The key rule sets no length limit (nor does the contract), so a 300-character key is
    valid; editing only its value must not rename (shorten) it."""
    interaction_id = module_sandbox.store.create_interaction(edge_survey)
    long_key = "K" + "e" * 299
    _edit_in_dialog(qtbot, runner, edge_client, long_key, "old", interaction_id, new_value="new")
    assert module_sandbox.store.live_tags(interaction_id) == {long_key: "new"}
