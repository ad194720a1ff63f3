"""Screenshots of what staff meet when finding things and asking for help (called by
:mod:`sdx_desktop.tools.screenshots`): a phone search, an exact-ref search that finds
nothing, "No survey matches…", a sort over part of a list and a value of many lines,
the add-tag dialog finding an interaction, the sign-in dialog flagging a UUID, the offer
of an unsaved tag, Help and About."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .screenshots import find_visible, wait_until


async def capture_staff(out: Path) -> list[Path]:
    from PySide6.QtCore import Qt

    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.credentials import CredentialStore
    from sdx_desktop.sandbox import SandboxServer
    from sdx_desktop.settings import Settings
    from sdx_desktop.ui import drafts
    from sdx_desktop.ui.login_dialog import LoginDialog
    from sdx_desktop.ui.main_window import MainWindow
    from sdx_desktop.ui.session import ClientProxy
    from sdx_desktop.ui.tasks import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget: Any, name: str) -> None:
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    server = SandboxServer.start(sample="small")
    runner = TaskRunner()
    store = server.store
    survey_id = store.survey_ids()[0]
    wanted = store.create_interaction(
        survey_id,
        survey_type="inbound",
        external_ref="CRM-604330",
        phone_number="+16045553309",
        status="Completed",
    )
    notes = "\n".join(
        ["Customer called twice about the late refund."]
        + [f"Follow-up note {n}: left a voicemail." for n in range(1, 31)]
    )
    store.upsert_tag(wanted, "agent_notes", notes)
    store.upsert_tag(wanted, "REGION", "WEST")
    client = SdxClient(BasicCredentials(*server.basic), base_url=server.base_url)
    window = MainWindow(runner, ClientProxy(client), Settings())
    window.resize(1280, 780)
    window.show()
    picker = window.interactions
    try:
        await wait_until(lambda: window.surveys.model.loaded_count > 0)
        window.surveys.select_survey(survey_id)
        await wait_until(lambda: picker.model.loaded_count > 0)

        # A phone number typed as people write it finds the stored one.
        picker.field_combo.setCurrentIndex(picker.field_combo.findData("phone"))
        picker.search.setText("(604) 555-3309")
        picker.search.returnPressed.emit()
        await wait_until(lambda: picker.model.exhausted and picker.proxy.rowCount() > 1)
        picker.view.setCurrentIndex(picker.proxy.index(1, 0))
        await wait_until(lambda: window.tags.exhausted and window.tags.loaded_count > 0)
        await asyncio.sleep(0.1)
        save(window, "main-window-phone-search")

        picker.field_combo.setCurrentIndex(picker.field_combo.findData("external_ref"))
        picker.search.setText("crm-604330")
        picker.search.returnPressed.emit()
        await wait_until(lambda: picker.model.exhausted and picker.note.isVisible())
        await asyncio.sleep(0.1)
        save(window, "main-window-exact-ref-not-found")

        window.surveys.search.setText("Payroll")
        await wait_until(lambda: window.surveys.no_match.isVisible())
        await asyncio.sleep(0.1)
        save(window.surveys, "survey-search-no-match")
        window.surveys.search.clear()
        window.surveys.select_survey(survey_id)
        picker.search.clear()
        picker.search.returnPressed.emit()
        await wait_until(lambda: picker.model.loaded_count > 0)

        # A whole survey's tags, sorted while only part of them is loaded.
        settings_page = window.settings.page_size
        window.set_page_size(100)
        picker.select_all_interactions()
        await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)
        window.tag_view.sortByColumn(window.tags.KEY, Qt.SortOrder.AscendingOrder)
        window.update_status()
        await asyncio.sleep(0.1)
        save(window, "main-window-partial-sort")
        window.set_page_size(settings_page)

        # Adding a tag from "All interactions": find the interaction by its ref.
        window.add_tag()
        dialog = window.tag_dialog
        assert dialog is not None and dialog.interaction_combo is not None
        line = dialog.interaction_combo.lineEdit()
        assert line is not None
        line.setText("CRM-604330")
        dialog.finder.search_now()
        await wait_until(lambda: dialog.finder.matches.count() > 0)
        dialog.key_edit.setText("callback_due")
        await asyncio.sleep(0.1)
        save(dialog, "tag-dialog-find-interaction")
        dialog.reject()

        help_dialog = window.show_help()
        await asyncio.sleep(0.1)
        save(help_dialog, "help-how-to")
        help_dialog.show_tab(help_dialog.SHORTCUTS)
        await asyncio.sleep(0.1)
        save(help_dialog, "help-keyboard-shortcuts")
        help_dialog.close()
        about = window.show_about()
        await asyncio.sleep(0.1)
        save(about, "about-dialog")
        about.close()

        # Next start after quitting with the add dialog open.
        drafts.save_draft(
            drafts.Draft(window.account_address(), wanted, "callback_due", "Monday 10:00")
        )
        window.connected()
        await wait_until(lambda: find_visible("draftOffer"))
        offer = find_visible("draftOffer")
        await asyncio.sleep(0.1)
        save(offer, "draft-offer")
        offer.reject()
        await asyncio.sleep(0.1)

        login = LoginDialog(runner, CredentialStore(), Settings())
        login.show()
        login.fields.customerUuidEdit.setText("acme-corp")
        login.fields.authTokenEdit.setText("token-from-the-admin")
        login.signInButton.click()
        await asyncio.sleep(0.1)
        save(login, "login-dialog-uuid-shape")
        login.close()
        window.close()
    finally:
        runner.shutdown()
        client.close()
        server.stop()
    return written
