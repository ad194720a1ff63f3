"""What a save or a delete must check first, and how it is carried out.

The API silently overwrites on POST (upsert by key) and has no rename, so the app
checks before it writes: adding a key that already exists asks first, editing a tag
someone else changed meanwhile asks first, and a key change is "create the new key,
then delete the old" so that a failure half-way loses nothing.

These functions block on the client; the UI calls them from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sdx_desktop.api.errors import GoneError, NotFoundError, SdxError
from sdx_desktop.api.models import DeleteResult, Tag

from .keys import check_key


class TagApi(Protocol):
    """The part of ``SdxClient`` the edit rules use."""

    def find_tag(self, interaction_id: int, custom_key: str) -> Tag | None: ...
    def get_tag(self, tag_id: int) -> Tag: ...
    def set_tag(self, interaction_id: int, key: str, value: str) -> Tag: ...
    def delete_tag(self, tag_id: int) -> DeleteResult: ...


@dataclass(frozen=True, slots=True)
class SaveRequest:
    """What the user asked for in the edit dialog."""

    interaction_id: int
    key: str
    value: str
    #: The tag as the user loaded it; ``None`` when adding a new tag.
    original: Tag | None = None

    @property
    def is_rename(self) -> bool:
        return self.original is not None and self.original.custom_key != self.key

    @property
    def is_noop(self) -> bool:
        o = self.original
        return o is not None and (o.custom_key, o.custom_value) == (self.key, self.value)


# --- what the pre-save look-up found -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClearToSave:
    pass


@dataclass(frozen=True, slots=True)
class WouldOverwrite:
    """The key already exists on that interaction: the API would silently replace it."""

    existing: Tag


@dataclass(frozen=True, slots=True)
class ChangedMeanwhile:
    """Someone else changed the tag after the user loaded it."""

    loaded: Tag
    current: Tag


@dataclass(frozen=True, slots=True)
class DeletedMeanwhile:
    """Someone else deleted the tag after the user loaded it."""

    loaded: Tag


SaveCheck = ClearToSave | WouldOverwrite | ChangedMeanwhile | DeletedMeanwhile


def has_changed(loaded: Tag, current: Tag) -> bool:
    """Whether the server copy differs from what the user loaded."""
    return (current.custom_key, current.custom_value, current.updated_at) != (
        loaded.custom_key,
        loaded.custom_value,
        loaded.updated_at,
    )


def check_save(api: TagApi, request: SaveRequest) -> SaveCheck:
    """Look before writing. Raises ``KeyRuleError`` for a bad key (no request is made)."""
    check_key(request.key)
    original = request.original
    if original is not None:
        try:
            current = api.get_tag(original.id)
        except (GoneError, NotFoundError):
            return DeletedMeanwhile(original)
        if has_changed(original, current) and not _already_as_wanted(current, request):
            return ChangedMeanwhile(original, current)
        if not request.is_rename:
            return ClearToSave()
    existing = api.find_tag(request.interaction_id, request.key)
    if existing is not None and not _already_as_wanted(existing, request):
        return WouldOverwrite(existing)
    return ClearToSave()


def _already_as_wanted(current: Tag, request: SaveRequest) -> bool:
    """The server already holds exactly what the user is saving (often their own earlier
    save whose answer was lost): saving again changes nothing, so there is nothing to ask."""
    return (current.custom_key, current.custom_value) == (request.key, request.value)


# --- carrying out a save -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Saved:
    tag: Tag
    #: For a rename: the id of the old tag, now deleted.
    replaced_id: int | None = None


@dataclass(frozen=True, slots=True)
class RenameHalfDone:
    """The new key was saved but the old one could not be deleted: both now exist."""

    new: Tag
    old: Tag
    error: SdxError

    @property
    def message(self) -> str:
        return (
            f"The tag was saved as “{self.new.custom_key}”, but the old key "
            f"“{self.old.custom_key}” could not be removed ({self.error.message.rstrip('.')}). "
            f"Both now exist on interaction {self.old.interaction_id}: delete "
            f"“{self.old.custom_key}” when Survey Dynamix is reachable again. Nothing was lost."
        )


SaveOutcome = Saved | RenameHalfDone


def apply_save(api: TagApi, request: SaveRequest) -> SaveOutcome:
    """Write the tag. A rename creates the new key first, then deletes the old one."""
    check_key(request.key)
    tag = api.set_tag(request.interaction_id, request.key, request.value)
    original = request.original
    if original is None or not request.is_rename:
        return Saved(tag)
    try:
        api.delete_tag(original.id)  # "already gone" is fine: the end state is the same
    except SdxError as error:
        return RenameHalfDone(new=tag, old=original, error=error)
    return Saved(tag, replaced_id=original.id)


# --- deletes -------------------------------------------------------------------------

DeleteCheck = ClearToSave | ChangedMeanwhile | DeletedMeanwhile


def check_delete(api: TagApi, loaded: Tag) -> DeleteCheck:
    """Fetch the tag again before deleting it: gone already, or changed since loaded?"""
    try:
        current = api.get_tag(loaded.id)
    except (GoneError, NotFoundError):
        return DeletedMeanwhile(loaded)
    if has_changed(loaded, current):
        return ChangedMeanwhile(loaded, current)
    return ClearToSave()


def apply_delete(api: TagApi, tag: Tag) -> DeleteResult:
    return api.delete_tag(tag.id)
