"""What the add/edit dialog asks before a save would do something silently: add a key
that differs from one already there only by case, replace an existing key, save a tag
someone deleted meanwhile, or overwrite someone else's change."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QWidget

from sdx_desktop.api.models import Tag
from sdx_desktop.domain.edits import SaveRequest

from .questions import ask, quoted

Role = QMessageBox.ButtonRole
Warning_ = QMessageBox.Icon.Warning
MINE, THEIRS = "Overwrite with mine", "Keep theirs"


async def add_case_twin(parent: QWidget, key: str, twin: str) -> bool:
    key, twin = html.escape(key), html.escape(twin)
    answer = await ask(
        parent,
        title="A similar key exists",
        text=(
            f"This interaction already has the key <b>{twin}</b>, which differs from "
            f"<b>{key}</b> only in capital letters. Keys are case-sensitive: reports would "
            "treat them as two different keys."
        ),
        details=f"Add <b>{key}</b> as a separate key anyway?",
        choices=[("Add anyway", Role.AcceptRole), ("Cancel", Role.RejectRole)],
        default=1,
        icon=Warning_,
        object_name="caseTwinWarning",
    )
    return answer == "Add anyway"


async def replace_existing(parent: QWidget, current: Tag, request: SaveRequest) -> bool:
    answer = await ask(
        parent,
        title="Replace existing tag?",
        text=(
            f"<b>{html.escape(current.custom_key)}</b> already exists on this interaction "
            f"with the value <b>{html.escape(quoted(current.custom_value))}</b>. Replace it?"
        ),
        details=f"Your value: {html.escape(quoted(request.value))}",
        choices=[("Replace", Role.AcceptRole), ("Cancel", Role.RejectRole)],
        default=1,
        icon=Warning_,
        object_name="overwriteWarning",
    )
    return answer == "Replace"


async def save_deleted_as_new(parent: QWidget) -> bool:
    answer = await ask(
        parent,
        title="Tag was deleted",
        text="This tag was deleted by someone else after you opened it.",
        details="Save your version as a new tag?",
        choices=[("Save as new tag", Role.AcceptRole), ("Cancel", Role.RejectRole)],
        icon=Warning_,
        object_name="deletedMeanwhile",
    )
    return answer == "Save as new tag"


async def whose_version(parent: QWidget, current: Tag, request: SaveRequest) -> str | None:
    """:data:`MINE`, :data:`THEIRS`, or None (cancelled)."""
    return await ask(
        parent,
        title="Someone else changed this tag",
        text=(
            "This tag was changed by someone else after you opened it."
            f"<br><br>Theirs: <b>{html.escape(current.custom_key)}</b> = "
            f"<b>{html.escape(quoted(current.custom_value))}</b>"
            f" <small>(updated {html.escape(current.updated_at)})</small>"
            f"<br>Yours: <b>{html.escape(request.key)}</b> = "
            f"<b>{html.escape(quoted(request.value))}</b>"
        ),
        details="Which version should be kept?",
        choices=[
            (MINE, Role.AcceptRole),
            (THEIRS, Role.DestructiveRole),
            ("Cancel", Role.RejectRole),
        ],
        default=2,
        icon=Warning_,
        object_name="conflictDialog",
    )
