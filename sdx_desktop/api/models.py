"""Records of the API as frozen dataclasses, built tolerantly from JSON.

The vendor reference leaves field types and presence open, so ``from_json`` accepts
numeric strings for ids, defaults missing fields and keeps unknown ones in ``extra``.
A record that cannot be made sense of at all (not an object, no usable id) raises
:class:`~sdx_desktop.api.errors.ProtocolError`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, ClassVar, Self

from .errors import ProtocolError


class DeleteResult(enum.Enum):
    DELETED = "deleted"
    #: The tag was not there any more (404/410): someone else deleted it first.
    ALREADY_GONE = "already gone"


def parse_id(value: Any, *, what: str = "id") -> int:
    """An id as an int; numeric strings are accepted, anything else is a protocol error."""
    if isinstance(value, bool):
        raise ProtocolError(detail=f"{what} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ProtocolError(detail=f"{what} is not an integer: {type(value).__name__}")


def _optional_id(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    return parse_id(value, what=what)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ProtocolError(detail=f"expected text, got {type(value).__name__}")


def _require_object(data: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ProtocolError(detail=f"{kind} record is {type(data).__name__}, not an object")
    return data


def _extra(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    extra = {k: v for k, v in data.items() if k not in known}
    return MappingProxyType(extra) if extra else NO_EXTRA


_TAG_TYPES = [int, int, str, str, str, str]
#: Shared, read-only "no unknown fields" (saves a dict per record).
NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Tag:
    """One interaction-data record: a key/value pair on one interaction."""

    id: int
    interaction_id: int
    custom_key: str
    custom_value: str
    created_at: str = ""
    updated_at: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA, compare=False, repr=False)

    _KNOWN: ClassVar[frozenset[str]] = frozenset(
        {"id", "interaction_id", "custom_key", "custom_value", "created_at", "updated_at"}
    )

    @classmethod
    def list_from_json(cls, items: list[Any]) -> list[Self]:
        shared: dict[Any, Any] = {}
        return [cls.from_json(item, shared) for item in items]

    @classmethod
    def from_json(cls, data: Any, shared: dict[Any, Any] | None = None) -> Self:
        """One tag. ``shared`` (one dict per page) lets equal keys, values, timestamps and
        interaction ids of a page share one object: a whole survey is 100,000 tags."""
        if type(data) is dict and data.keys() == cls._KNOWN:
            values = (
                data["id"],
                data["interaction_id"],
                data["custom_key"],
                data["custom_value"],
                data["created_at"],
                data["updated_at"],
            )
            if list(map(type, values)) == _TAG_TYPES:
                if shared is None:
                    return cls(*values, NO_EXTRA)
                dedupe: Callable[[Any, Any], Any] = shared.setdefault
                return cls(
                    values[0],
                    dedupe(values[1], values[1]),
                    dedupe(values[2], values[2]),
                    dedupe(values[3], values[3]) if len(values[3]) <= 64 else values[3],
                    dedupe(values[4], values[4]),
                    dedupe(values[5], values[5]),
                    NO_EXTRA,
                )
        obj = _require_object(data, "tag")
        if "id" not in obj:
            raise ProtocolError(detail="tag record has no id")
        return cls(
            id=parse_id(obj["id"]),
            interaction_id=_optional_id(obj.get("interaction_id"), "interaction_id") or 0,
            custom_key=_text(obj.get("custom_key")),
            custom_value=_text(obj.get("custom_value")),
            created_at=_text(obj.get("created_at")),
            updated_at=_text(obj.get("updated_at")),
            extra=_extra(obj, cls._KNOWN),
        )


@dataclass(frozen=True, slots=True)
class Survey:
    id: int
    name: str = ""
    description: str = ""
    greeting_text: str = ""
    instructions_text: str = ""
    closing_text: str = ""
    email_subject: str = ""
    email_from_address: str = ""
    email_from_name: str = ""
    greeting_sound_file: str = ""
    instructions_sound_file: str = ""
    closing_sound_file: str = ""
    inbound_number: str = ""
    outbound_number: str = ""
    sms_number: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        obj = _require_object(data, "survey")
        if "id" not in obj:
            raise ProtocolError(detail="survey record has no id")
        text_fields = [f.name for f in fields(cls) if f.name not in ("id", "extra")]
        known = frozenset(["id", *text_fields])
        values = {name: _text(obj.get(name)) for name in text_fields}
        return cls(id=parse_id(obj["id"]), **values, extra=_extra(obj, known))

    @property
    def display_name(self) -> str:
        return self.name or f"Survey {self.id}"


@dataclass(frozen=True, slots=True)
class Interaction:
    id: int
    uuid: str = ""
    survey_id: int | None = None
    phone_number: str = ""
    email: str = ""
    survey_type: str = ""
    scheduled_at: str = ""
    external_ref: str = ""
    created_at: str = ""
    updated_at: str = ""
    call_type: str = ""
    agent_id: int | None = None
    status: str = ""
    web_link: str = ""
    #: Present when the interaction was fetched with ``_include_data``.
    tags: tuple[Tag, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA, compare=False, repr=False)

    _ID_FIELDS: ClassVar[frozenset[str]] = frozenset({"id", "survey_id", "agent_id"})

    @classmethod
    def from_json(cls, data: Any) -> Self:
        obj = _require_object(data, "interaction")
        if "id" not in obj:
            raise ProtocolError(detail="interaction record has no id")
        text_fields = [
            f.name
            for f in fields(cls)
            if f.name not in cls._ID_FIELDS and f.name not in ("tags", "extra")
        ]
        known = frozenset([*cls._ID_FIELDS, *text_fields, "interaction_data"])
        tags: tuple[Tag, ...] | None = None
        raw_tags = obj.get("interaction_data")
        if raw_tags is not None:
            if not isinstance(raw_tags, list):
                raise ProtocolError(detail="interaction_data is not a list")
            tags = tuple(Tag.from_json(t) for t in raw_tags)
        return cls(
            id=parse_id(obj["id"]),
            survey_id=_optional_id(obj.get("survey_id"), "survey_id"),
            agent_id=_optional_id(obj.get("agent_id"), "agent_id"),
            tags=tags,
            extra=_extra(obj, known),
            **{name: _text(obj.get(name)) for name in text_fields},
        )

    @property
    def contact(self) -> str:
        """What staff recognise an interaction by: its email, else its phone number."""
        return self.email or self.phone_number
