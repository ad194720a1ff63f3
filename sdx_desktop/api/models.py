"""Records of the API as immutable msgspec Structs, decoded straight from response bytes.

Two paths, one result:

* **fast** — a body in exactly the documented shape (integer ids, text fields as
  strings, no unknown fields) is decoded by msgspec in C with no Python per field;
* **tolerant** — anything else the contract allows (ids as numeric strings, ``null``
  or missing fields, extra fields, numbers where text was expected, a list wrapped in
  ``{"data": [...]}``) is decoded to plain objects and converted field by field.
  Unknown fields are kept in ``extra``.

A body neither path can accept raises :class:`~sdx_desktop.api.errors.ProtocolError`
with a plain message for staff and the reason in ``detail``; never a raw ``ValueError``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import msgspec

from .errors import ProtocolError


class DeleteResult(enum.Enum):
    DELETED = "deleted"
    #: The tag was not there any more (404/410): someone else deleted it first.
    ALREADY_GONE = "already gone"


class ExtraFields(Mapping[str, Any]):
    """Fields a record had beyond the documented ones: read-only, and hashable (by its
    keys; the values may be lists) so that records stay hashable."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = MappingProxyType(dict(fields))

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __hash__(self) -> int:
        return hash(frozenset(self._fields))

    def __repr__(self) -> str:
        return f"ExtraFields({dict(self._fields)!r})"


#: Shared "no unknown fields".
NO_EXTRA = ExtraFields({})
#: JSON name of the ``extra`` field: not a name any server sends, so the fast path
#: never fills it and a body with a field called "extra" takes the tolerant path.
_EXTRA_WIRE_NAME = "~extra"

# gc=False: records hold only str/int/None (and the read-only ``extra`` mapping), so
# they can never be part of a reference cycle; 100,000 tags then cost the cyclic
# collector nothing. forbid_unknown_fields routes a record with extras to the
# tolerant path, which keeps them.
_STRUCT_OPTIONS: dict[str, Any] = {
    "frozen": True,
    "gc": False,
    "forbid_unknown_fields": True,
    "repr_omit_defaults": True,
}


class Tag(msgspec.Struct, **_STRUCT_OPTIONS):
    """One interaction-data record: a key/value pair on one interaction."""

    id: int
    interaction_id: int
    custom_key: str
    custom_value: str
    created_at: str = ""
    updated_at: str = ""
    extra: Mapping[str, Any] = msgspec.field(default=NO_EXTRA, name=_EXTRA_WIRE_NAME)

    @classmethod
    def from_json(cls, data: Any) -> Tag:
        """One tag from an already decoded JSON value (tolerant)."""
        obj = _require_object(data, "tag")
        return cls(
            id=_require_id(obj, "tag"),
            interaction_id=_optional_id(obj.get("interaction_id"), "interaction_id") or 0,
            custom_key=_text(obj.get("custom_key"), "custom_key"),
            custom_value=_text(obj.get("custom_value"), "custom_value"),
            created_at=_text(obj.get("created_at"), "created_at"),
            updated_at=_text(obj.get("updated_at"), "updated_at"),
            extra=_extra(obj, _TAG_FIELDS),
        )


class Survey(msgspec.Struct, **_STRUCT_OPTIONS):
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
    extra: Mapping[str, Any] = msgspec.field(default=NO_EXTRA, name=_EXTRA_WIRE_NAME)

    @classmethod
    def from_json(cls, data: Any) -> Survey:
        obj = _require_object(data, "survey")
        texts = {name: _text(obj.get(name), name) for name in _SURVEY_TEXT}
        return cls(id=_require_id(obj, "survey"), extra=_extra(obj, _SURVEY_FIELDS), **texts)

    @property
    def display_name(self) -> str:
        return self.name or f"Survey {self.id}"


class Interaction(msgspec.Struct, **_STRUCT_OPTIONS):
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
    #: A string: the vendor's own example is ``"agent_id": "nevilr"``.
    agent_id: str = ""
    status: str = ""
    web_link: str = ""
    #: Present when the interaction was fetched with ``_include_data``.
    tags: tuple[Tag, ...] | None = msgspec.field(default=None, name="interaction_data")
    extra: Mapping[str, Any] = msgspec.field(default=NO_EXTRA, name=_EXTRA_WIRE_NAME)

    @classmethod
    def from_json(cls, data: Any) -> Interaction:
        obj = _require_object(data, "interaction")
        tags: tuple[Tag, ...] | None = None
        raw_tags = obj.get("interaction_data")
        if raw_tags is not None:
            if not isinstance(raw_tags, list):
                raise ProtocolError(detail="interaction_data is not a list")
            tags = tuple(Tag.from_json(t) for t in raw_tags)
        texts = {name: _text(obj.get(name), name) for name in _INTERACTION_TEXT}
        return cls(
            id=_require_id(obj, "interaction"),
            survey_id=_optional_id(obj.get("survey_id"), "survey_id"),
            tags=tags,
            extra=_extra(obj, _INTERACTION_FIELDS),
            **texts,
        )

    @property
    def contact(self) -> str:
        """What staff recognise an interaction by: its email, else its phone number."""
        return self.email or self.phone_number


Record = TypeVar("Record", Tag, Survey, Interaction)


def _wire_names(model: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(f.encode_name for f in msgspec.structs.fields(model)) - {_EXTRA_WIRE_NAME}


_TAG_FIELDS = _wire_names(Tag)
_SURVEY_FIELDS = _wire_names(Survey)
_SURVEY_TEXT = tuple(sorted(_SURVEY_FIELDS - {"id"}))
_INTERACTION_FIELDS = _wire_names(Interaction)
_INTERACTION_TEXT = tuple(sorted(_INTERACTION_FIELDS - {"id", "survey_id", "interaction_data"}))


# --- decoding whole bodies ---------------------------------------------------------------

_LIST_DECODERS: dict[type[msgspec.Struct], msgspec.json.Decoder[Any]] = {
    Tag: msgspec.json.Decoder(list[Tag]),
    Survey: msgspec.json.Decoder(list[Survey]),
    Interaction: msgspec.json.Decoder(list[Interaction]),
}
_ONE_DECODERS: dict[type[msgspec.Struct], msgspec.json.Decoder[Any]] = {
    model: msgspec.json.Decoder(model) for model in (Tag, Survey, Interaction)
}
_ANY_DECODER = msgspec.json.Decoder()
#: Strings up to this length are shared between the rows of one page (see share_strings).
SHARE_LIMIT = 64


def decode_list(content: bytes, model: type[Record], *, what: str = "") -> list[Record]:
    """A list body (``[...]`` or ``{"data": [...]}``) as records of ``model``."""
    try:
        records: list[Record] = _LIST_DECODERS[model].decode(content)
    except msgspec.ValidationError:  # a shape the contract allows: the tolerant path
        body = _decode_any(content, what)
        if isinstance(body, Mapping) and isinstance(body.get("data"), list):
            body = body["data"]  # tolerate an enveloped list
        if not isinstance(body, list):
            raise ProtocolError(
                detail=f"{what} answered with {_json_type(body)}, not a list"
            ) from None
        from_json: Callable[[Any], Record] = model.from_json
        records = [from_json(item) for item in body]
    except msgspec.DecodeError as error:
        raise _not_json(what, error) from None
    if model is Tag:
        share_strings(records)
    return records


def decode_one(content: bytes, model: type[Record], *, what: str = "") -> Record:
    """A single-record body (a one-element list is accepted too)."""
    try:
        record: Record = _ONE_DECODERS[model].decode(content)
        return record
    except msgspec.ValidationError:  # a shape the contract allows: the tolerant path
        body = _decode_any(content, what)
    except msgspec.DecodeError as error:
        raise _not_json(what, error) from None
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    return model.from_json(body)


def _decode_any(content: bytes, what: str) -> Any:
    try:
        return _ANY_DECODER.decode(content)
    except msgspec.DecodeError as error:
        raise _not_json(what, error) from None


def _not_json(what: str, error: msgspec.DecodeError) -> ProtocolError:
    return ProtocolError(detail=f"{what} answered with a body that is not JSON ({error})")


def share_strings(tags: list[Tag]) -> None:
    """Let equal keys, short values, timestamps and interaction ids of one page share one
    object each: a survey is often 100,000 tags with a handful of distinct keys."""
    shared: dict[Any, Any] = {}
    same = shared.setdefault
    put = msgspec.structs.force_setattr
    for tag in tags:
        put(tag, "interaction_id", same(tag.interaction_id, tag.interaction_id))
        put(tag, "custom_key", same(tag.custom_key, tag.custom_key))
        value = tag.custom_value
        if len(value) <= SHARE_LIMIT:
            put(tag, "custom_value", same(value, value))
        put(tag, "created_at", same(tag.created_at, tag.created_at))
        put(tag, "updated_at", same(tag.updated_at, tag.updated_at))


# --- the tolerant path's field conversions -----------------------------------------------

_DIGITS = re.compile(r"\s*([0-9]{1,30})\s*")


def parse_id(value: Any, *, what: str = "id") -> int:
    """An id as an int. Integers and strings of ASCII digits are accepted; anything else
    (a boolean, a fraction, "²", "12a") is a :class:`ProtocolError`."""
    if isinstance(value, bool):
        raise ProtocolError(detail=f"{what} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _DIGITS.fullmatch(value)
        if match:
            return int(match.group(1))
        raise ProtocolError(detail=f"{what} is not a whole number: {value[:40]!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ProtocolError(detail=f"{what} is not an integer: {_json_type(value)}")


def _require_id(obj: Mapping[str, Any], kind: str) -> int:
    if "id" not in obj:
        raise ProtocolError(detail=f"{kind} record has no id")
    return parse_id(obj["id"], what=f"{kind} id")


def _optional_id(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    return parse_id(value, what=what)


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ProtocolError(detail=f"{what} is {_json_type(value)}, expected text")


def _require_object(data: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ProtocolError(detail=f"{kind} record is {_json_type(data)}, not an object")
    return data


def _extra(obj: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    extra = {k: v for k, v in obj.items() if k not in known}
    return ExtraFields(extra) if extra else NO_EXTRA


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
