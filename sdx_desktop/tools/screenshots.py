"""Write PNG screenshots of every window and dialog into docs/screenshots/.

    python -m sdx_desktop.tools.screenshots [--out DIR] [--theme light|dark|both]

Runs offscreen against the sandbox with the small sample, through the real widgets, in
a light and a dark desktop theme (``--theme``): NAME.png and NAME-dark.png.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


async def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state")
        await asyncio.sleep(0.02)


def find_visible(object_name: str):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == object_name and widget.isVisible():
            return widget
    return None


async def capture(out: Path) -> list[Path]:

    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.credentials import CredentialStore
    from sdx_desktop.sandbox import SandboxServer
    from sdx_desktop.settings import Settings
    from sdx_desktop.ui.login_dialog import LoginDialog
    from sdx_desktop.ui.main_window import MainWindow
    from sdx_desktop.ui.session import ClientProxy
    from sdx_desktop.ui.tag_dialog import TagDialog
    from sdx_desktop.ui.tasks import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    server = SandboxServer.start(sample="small")
    runner = TaskRunner()
    settings = Settings()
    try:
        login = LoginDialog(runner, CredentialStore(), settings)
        login.show()
        await asyncio.sleep(0.1)
        save(login, "login-dialog")
        login.close()

        starting = MainWindow(runner, ClientProxy(), settings, demo=True, connect=False)
        starting.resize(1280, 780)
        starting.show()
        starting.show_connecting("Starting the practice server…")
        await asyncio.sleep(0.1)
        save(starting, "main-window-starting")
        starting.close()

        api = ClientProxy(SdxClient(BasicCredentials(*server.basic), base_url=server.base_url))
        window = MainWindow(runner, api, settings, demo=True)
        window.resize(1280, 780)
        window.show()
        await wait_until(lambda: window.surveys.model.loaded_count > 0)
        window.surveys.select_survey(server.store.survey_ids()[0])
        picker = window.interactions
        await wait_until(lambda: picker.model.loaded_count > 0)
        tagged = next(i for i in picker.model.items if len(server.store.live_tags(i.id)) >= 4)
        row = picker.model.row_of(tagged.id)
        assert row is not None
        picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
        await wait_until(lambda: window.tags.exhausted and window.tags.loaded_count > 0)
        window.tag_view.selectRow(1)
        await asyncio.sleep(0.1)
        save(window, "main-window")

        picker.select_all_interactions()
        await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)
        await asyncio.sleep(0.1)
        save(window, "main-window-all-tags")

        picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
        await wait_until(lambda: window.tags.exhausted and window.tags.loaded_count > 0)

        dialog = TagDialog(
            runner, api, interaction_id=tagged.id, interactions=[tagged], parent=window
        )
        dialog.key_edit.setText("2nd-region")
        dialog.value_edit.setPlainText("NORTH")
        dialog.open()
        await asyncio.sleep(0.1)
        save(dialog, "tag-dialog-invalid-key")

        existing_key, existing_value = next(iter(server.store.live_tags(tagged.id).items()))
        dialog.key_edit.setText(existing_key)
        dialog.value_edit.setPlainText(existing_value + " (corrected)")
        dialog.save()
        await wait_until(lambda: find_visible("overwriteWarning"))
        warning = find_visible("overwriteWarning")
        save(warning, "overwrite-warning")
        for button in warning.buttons():
            if button.text() == "Cancel":
                button.click()
        await asyncio.sleep(0.1)
        dialog.close()

        tag = window.tags.item(0)
        assert tag is not None
        editor = TagDialog(runner, api, tag=tag, interactions=[tagged], parent=window)
        editor.value_edit.setPlainText("EAST")
        editor.open()
        server.store.set_tag_value_directly(tag.id, "WEST (changed by a colleague)")
        editor.save()
        await wait_until(lambda: find_visible("conflictDialog"))
        conflict = find_visible("conflictDialog")
        save(conflict, "conflict-dialog")
        for button in conflict.buttons():
            if button.text() == "Cancel":
                button.click()
        await asyncio.sleep(0.1)
        editor.close()

        window.tag_view.selectRow(0)
        window.delete_selected()
        await wait_until(lambda: find_visible("deleteConfirm"))
        confirm = find_visible("deleteConfirm")
        save(confirm, "delete-confirm")
        for button in confirm.buttons():
            if button.text() == "Cancel":
                button.click()
        await asyncio.sleep(0.1)

        server.set_faults(status_rates={503: 1.0}, retry_after=0)
        window.refresh()
        await wait_until(lambda: window.tags.error is not None, timeout=30)
        await asyncio.sleep(0.1)
        save(window, "main-window-server-down")
        server.clear_faults()
        window.close()
    finally:
        runner.shutdown()
        server.stop()
    return written


# --- History window and recovery prompt ----------------------------------------------


async def capture_history(out: Path) -> list[Path]:
    """The History window with several jobs, and the recovery prompt before and after
    "Check again", over a journal in a temporary folder."""
    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.api.http import RetryPolicy
    from sdx_desktop.domain import plans
    from sdx_desktop.domain.history import JournalRecorder
    from sdx_desktop.domain.operations import apply, preview
    from sdx_desktop.journal import Action, Intent, Journal, Where
    from sdx_desktop.sandbox import SandboxServer
    from sdx_desktop.ui.history_window import HistoryWindow
    from sdx_desktop.ui.recovery import RecoveryDialog, pending_changes
    from sdx_desktop.ui.tasks import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    server = SandboxServer.start(sample="small")
    runner = TaskRunner()
    journal = Journal(Path(tempfile.mkdtemp(prefix="sdx-shots-journal-")) / "journal.sqlite3")
    where = Where("screenshots", server.base_url)
    credentials = BasicCredentials(*server.basic)
    api = SdxClient(credentials, base_url=server.base_url)
    impatient = SdxClient(
        credentials, base_url=server.base_url, retry=RetryPolicy(attempts=1, backoff=0.0)
    )
    recorder = JournalRecorder(journal, where)

    def run(plan) -> None:  # type: ignore[no-untyped-def]
        apply(api, preview(api, plan), journal=recorder)

    try:
        survey = server.store.survey_ids()[0]
        ids = server.store.interaction_ids(survey)
        tagged = [i for i in ids if len(server.store.live_tags(i)) >= 3][:4]
        run(plans.plan_set_on_many(ids[:12], "tier", "GOLD", survey))
        first = api.list_tags(interaction_id=tagged[0])
        run(plans.plan_save(tagged[0], first[0].custom_key, "North-East", first[0], survey))
        second = api.list_tags(interaction_id=tagged[1])
        run(plans.plan_delete([second[0]], survey))
        # Survey Dynamix goes down between the preview and the writes.
        seen = preview(impatient, plans.plan_set_on_many(tagged[2:4], "followup", "yes", survey))
        server.set_faults(status_rates={503: 1.0}, retry_after=0)
        apply(impatient, seen, journal=recorder)
        server.clear_faults()

        history = HistoryWindow(runner, journal, where)
        history.resize(1180, 560)
        history.show()
        await wait_until(lambda: history.model.rowCount() > 0)
        history.table.selectRow(0)
        await asyncio.sleep(0.1)
        save(history, "history-window")
        history.close()

        # The app was killed in the middle of a job: three changes never answered,
        # one of which had reached Survey Dynamix.
        a, b, c = ids[20:23]
        job = journal.start_job(
            where, survey_id=survey, kind="bulk set", summary="Set region=WEST on 3 interactions"
        )
        for seq, interaction in enumerate((a, b, c)):
            journal.record_intent(
                job, Intent(seq, Action.SET, interaction, "region", new_value="WEST")
            )
        api.set_tag(a, "region", "WEST")
        api.set_tag(c, "region", "WEST")
        dialog = RecoveryDialog(runner, api, journal, where, pending_changes(journal, where))
        dialog.open()
        await asyncio.sleep(0.1)
        save(dialog, "recovery-prompt")
        dialog.check_again()
        await wait_until(lambda: dialog.retry_button.isVisible())
        await asyncio.sleep(0.1)
        save(dialog, "recovery-prompt-checked")
        dialog.close()
    finally:
        runner.shutdown()
        api.close()
        impatient.close()
        journal.close()
        server.stop()
    return written


# --- Preview dialog and bulk input dialogs --------------------------------------------


async def capture_bulk(out: Path) -> list[Path]:
    """The preview dialog (mixed changes with a conflict), its progress while saving, the
    per-row results with failures, and the three bulk input dialogs."""
    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.api.http import RetryPolicy
    from sdx_desktop.domain.operations import Plan, SetTag
    from sdx_desktop.sandbox import SandboxServer
    from sdx_desktop.ui.bulk_dialogs import RemoveKeyDialog, ReplaceValuesDialog, SetTagDialog
    from sdx_desktop.ui.preview_dialog import PreviewDialog
    from sdx_desktop.ui.tasks import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    server = SandboxServer.start(sample="none")
    runner = TaskRunner()
    # No retries: a 503 shows up as a failed row, as it would after the client's retries.
    api = SdxClient(
        BasicCredentials(*server.basic),
        base_url=server.base_url,
        retry=RetryPolicy(attempts=0, backoff=0.0),
    )
    store = server.store
    try:
        survey = store.create_survey("Customer feedback — March")
        ids = [store.create_interaction(survey) for _ in range(40)]
        for n, i in enumerate(ids[:14]):
            api.set_tag(i, "region", ["north ", "South", "North", "east"][n % 4])
        api.set_tag(ids[20], "Region", "West")  # a key differing only by case
        seen = api.set_tag(ids[21], "region", "north")
        store.set_tag_value_directly(seen.id, "North-East (agreed with team lead)")
        ops = [SetTag(i, "region", "North") for i in ids[:14] + ids[22:]]
        ops[1:1] = [
            SetTag(ids[21], "region", "North", based_on=seen),
            SetTag(ids[20], "region", "North"),
            SetTag(ids[3], "2nd_region", "North"),
            SetTag(987_654, "region", "North"),
        ]
        plan = Plan(tuple(ops), "bulk set", f"Set region=North on {len(ops)} interactions", survey)
        dialog = PreviewDialog(runner, api, plan, title="Set region on many interactions")
        dialog.resize(1100, 620)
        dialog.start()
        await wait_until(lambda: dialog.apply_button.isVisible())
        await asyncio.sleep(0.1)
        save(dialog, "preview-dialog")

        server.set_faults(latency_ms=400, status_rates={503: 0.15}, retry_after=0)
        dialog.apply_button.click()
        await wait_until(lambda: dialog.progress_bar.value() >= 8)
        await asyncio.sleep(0.1)
        save(dialog, "preview-dialog-saving")
        await wait_until(lambda: dialog.close_button.isVisible(), timeout=60)
        server.clear_faults()
        await asyncio.sleep(0.1)
        save(dialog, "preview-dialog-results")
        dialog.close()

        known = ["agent", "priority", "Region", "region", "tier"]
        set_tag = SetTagDialog(selected_count=37, known_keys=known)
        set_tag.key_combo.setEditText("tier")
        set_tag.value_edit.setPlainText("GOLD")
        set_tag.open()
        await asyncio.sleep(0.1)
        save(set_tag, "bulk-set-tag-dialog")
        set_tag.close()

        remove = RemoveKeyDialog(known, survey_name="Customer feedback — March")
        remove.key_combo.setEditText("Priority")
        remove.open()
        await asyncio.sleep(0.1)
        save(remove, "bulk-remove-key-dialog")
        remove.close()

        replace = ReplaceValuesDialog(
            known,
            known_values={"region": ["South", "North ", "north", "east"]},
            survey_name="Customer feedback — March",
        )
        replace.key_combo.setCurrentText("region")
        replace.find_edit.setText("north")
        replace.replace_edit.setText("North")
        replace.trim.setChecked(True)
        replace.open()
        await asyncio.sleep(0.1)
        save(replace, "bulk-replace-values-dialog")
        replace.close()
    finally:
        runner.shutdown()
        api.close()
        server.stop()
    return written


class _PictureKeyring:
    """Stands in for the system keyring while taking pictures: keeps nothing, writes nothing."""

    def __new__(cls):  # type: ignore[no-untyped-def]
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, service: str, username: str) -> str | None:
                return None

            def set_password(self, service: str, username: str, password: str) -> None:
                pass

            def delete_password(self, service: str, username: str) -> None:
                pass

        return Backend()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument(
        "--theme",
        choices=("light", "dark", "both"),
        default="both",
        help="light pictures as NAME.png, dark ones as NAME-dark.png (default: both)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Never touch the real user's settings or keyring while taking pictures.
    os.environ["SDX_DESKTOP_HOME"] = tempfile.mkdtemp(prefix="sdx-shots-")
    import keyring

    keyring.set_keyring(_PictureKeyring())

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SDX Desktop")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from .exchange_shots import capture_exchange
    from .palettes import dark_palette, light_palette
    from .staff_shots import capture_staff

    themes = ("light", "dark") if args.theme == "both" else (args.theme,)
    written: list[Path] = []
    with loop:
        for theme in themes:
            # The same windows in a light and in a dark desktop theme.
            app.setPalette(dark_palette() if theme == "dark" else light_palette())
            out = args.out if theme == "light" else Path(tempfile.mkdtemp(prefix="sdx-dark-"))
            taken: list[Path] = []
            for scenes in (capture, capture_history, capture_bulk, capture_exchange, capture_staff):
                taken += loop.run_until_complete(scenes(out))
            if theme == "dark":
                args.out.mkdir(parents=True, exist_ok=True)
                taken = [shutil.move(p, args.out / f"{p.stem}-dark{p.suffix}") for p in taken]
            written += taken
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
