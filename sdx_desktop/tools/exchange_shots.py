"""Screenshots of the spreadsheet dialogs (called by :mod:`sdx_desktop.tools.screenshots`):
the export dialog before and after an export, and an import from start to preview."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .screenshots import find_visible, wait_until


async def capture_exchange(out: Path) -> list[Path]:
    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.journal import Journal, Where
    from sdx_desktop.sandbox import SandboxServer
    from sdx_desktop.settings import Settings
    from sdx_desktop.ui.main_window import MainWindow
    from sdx_desktop.ui.session import ClientProxy
    from sdx_desktop.ui.tasks import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    work = Path(tempfile.mkdtemp(prefix="sdx-shots-files-"))

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    server = SandboxServer.start(sample="none")
    runner = TaskRunner()
    store = server.store
    survey_id = store.create_survey("Customer feedback — March")
    ids = [store.create_interaction(survey_id, external_ref=f"CF-{n:04d}") for n in range(30)]
    for n, interaction_id in enumerate(ids[:20]):
        store.upsert_tag(interaction_id, "region", ["NORTH", "SOUTH", "EAST"][n % 3])
        store.upsert_tag(interaction_id, "tier", ["GOLD", "SILVER"][n % 2])
    client = SdxClient(BasicCredentials(*server.basic), base_url=server.base_url)
    window = MainWindow(runner, ClientProxy(client), Settings())
    journal = Journal(work / "journal.sqlite3")
    window.changes.attach(journal, Where("shots", server.base_url))
    window.resize(1200, 760)
    window.show()
    try:
        await wait_until(lambda: window.surveys.model.row_of(survey_id) is not None)
        window.surveys.select_survey(survey_id)
        await wait_until(lambda: window.interactions.model.loaded_count > 0)
        window.interactions.select_all_interactions()
        await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)

        window.exchange.export()
        export = find_visible("exportDialog")
        export.path_edit.setText(str(work / "Customer feedback tags.xlsx"))
        export.format_combo.setCurrentIndex(1)
        export.survey_radio.setChecked(True)
        save(export, "export-dialog")
        export.export()
        await wait_until(lambda: export.summary is not None)
        save(export, "export-dialog-done")
        export.close()

        source = work / "tags from the team.csv"
        lines = ["Interaction ID;Key;Value"]
        lines += [f"{i};region;NORTH" for i in ids[18:26]]
        lines += [f"{ids[0]};tier;PLATINUM", f"{ids[1]};Tier;GOLD", f"{ids[2]};team lead;Ana"]
        lines += ["123456;region;WEST", f"{ids[3]};region;SOUTH", f"{ids[3]};region;EAST"]
        source.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
        window.exchange.choose_import_file = lambda: str(source)  # type: ignore[method-assign]
        window.exchange.import_file()
        importing = find_visible("importDialog")
        await wait_until(lambda: importing.plan is not None)
        save(importing, "import-dialog")
        importing.preview_button.click()
        await wait_until(lambda: find_visible("previewDialog") is not None)
        preview = find_visible("previewDialog")
        await wait_until(lambda: preview.preview_result is not None)
        preview.resize(980, 560)
        save(preview, "import-preview")
        preview.close()
    finally:
        window.close()
        journal.close()
        client.close()
        runner.shutdown()
        server.stop()
    return written
