"""An unsaved tag kept for the next start.

When SDX Desktop closes — the window, Quit, or the system logging off or shutting down
(``QApplication.quit()``) — while the add/edit dialog holds text that was not saved,
that text is written to a small file in the app's data folder. At the next sign-in to
the same Survey Dynamix address the window offers to open it again (or discard it).
The file holds the key and value typed, never a credential.
"""

from __future__ import annotations

import html
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox

from sdx_desktop.api.models import Tag
from sdx_desktop.paths import data_dir

from .questions import ask, quoted

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .tag_dialog import TagDialog

log = logging.getLogger(__name__)

FILE_NAME = "unsaved-tag.json"
OPEN, DISCARD = "Open it", "Discard"
Role = QMessageBox.ButtonRole


@dataclass(frozen=True, slots=True)
class Draft:
    #: The Survey Dynamix address it belongs to.
    where: str
    interaction_id: int | None
    key: str
    value: str
    #: The tag as it was opened for editing (None: a new tag).
    original: Tag | None = None


def _path(folder: Path | None) -> Path:
    return (folder if folder is not None else data_dir()) / FILE_NAME


def draft_of(dialog: TagDialog, where: str) -> Draft | None:
    """What the dialog holds that was not saved (None: nothing)."""
    if dialog.outcome is not None or not dialog.unsaved():
        return None
    return Draft(
        where,
        dialog.interaction_id(),
        dialog.key_edit.text(),
        dialog.value(),
        dialog.original,
    )


def _tag_fields(tag: Tag | None) -> dict[str, Any] | None:
    if tag is None:
        return None
    return {
        "id": tag.id,
        "interaction_id": tag.interaction_id,
        "custom_key": tag.custom_key,
        "custom_value": tag.custom_value,
        "created_at": tag.created_at,
        "updated_at": tag.updated_at,
    }


def save_draft(draft: Draft, folder: Path | None = None) -> bool:
    """Write the draft (replacing an older one); False when it could not be written."""
    data = {
        "where": draft.where,
        "interaction_id": draft.interaction_id,
        "key": draft.key,
        "value": draft.value,
        "original": _tag_fields(draft.original),
    }
    path = _path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:
        log.warning("Could not keep the unsaved tag: %s", error)
        return False
    log.info("Kept an unsaved tag for the next start")
    return True


def load_draft(where: str, folder: Path | None = None) -> Draft | None:
    """The draft kept for ``where``, if any (a damaged file counts as none)."""
    try:
        data = json.loads(_path(folder).read_text(encoding="utf-8"))
        original = data.get("original")
        draft = Draft(
            str(data["where"]),
            None if data.get("interaction_id") is None else int(data["interaction_id"]),
            str(data.get("key", "")),
            str(data.get("value", "")),
            Tag(**original) if isinstance(original, dict) else None,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("Ignoring an unreadable unsaved tag: %s", error)
        return None
    return draft if draft.where == where else None


def discard_draft(folder: Path | None = None) -> None:
    try:
        _path(folder).unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("Could not remove the unsaved tag: %s", error)


# --- in the window -------------------------------------------------------------------


def keep_open_draft(window: MainWindow, folder: Path | None = None) -> bool:
    """If the window's add/edit dialog holds unsaved text, keep it for next time."""
    dialog = getattr(window, "tag_dialog", None)
    where = window.account_address()
    if dialog is None or not where:
        return False
    try:
        visible = dialog.isVisible()
    except RuntimeError:  # already deleted
        return False
    draft = draft_of(dialog, where) if visible else None
    return draft is not None and save_draft(draft, folder)


def waiting_draft(window: MainWindow, folder: Path | None = None) -> Draft | None:
    where = window.account_address()
    return load_draft(where, folder) if where else None


async def offer_draft(window: MainWindow, draft: Draft, folder: Path | None = None) -> bool:
    """Offer ``draft`` (see :func:`waiting_draft`); True when it was opened again."""
    target = f"interaction #{draft.interaction_id}" if draft.interaction_id else "an interaction"
    answer = await ask(
        window,
        title="A tag you had not saved",
        text=(
            "When SDX Desktop closed, this tag had not been saved:"
            f"<br><br><b>{html.escape(draft.key) or '(no key)'}</b> = "
            f"{html.escape(quoted(draft.value))} on {target}."
        ),
        details="Open it again to check and save it?",
        choices=[(OPEN, Role.AcceptRole), (DISCARD, Role.DestructiveRole)],
        object_name="draftOffer",
    )
    discard_draft(folder)
    if answer != OPEN:
        return False
    window.open_draft(draft)
    return True
