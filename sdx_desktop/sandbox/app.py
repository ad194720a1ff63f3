"""The sandbox's Flask application: the Survey Dynamix routes under ``/api``.

Interaction state filters map onto the ``status`` text:

* ``started``: true when status is not "Not Started" or "Scheduled";
* ``completed``: true when status is "Completed";
* ``survey_ended``: true when status is "Completed" or "Abandoned".

The text filters (``email``, ``external_ref``, ``call_type``, ``agent_id``)
match exactly and case-sensitively; an empty value is a 400. ``agent_id``
is a string like ``"nevilr"`` or ``"1042"``, never parsed as a number.

Every error, Flask's own 404/405 included, is answered in the configured
error style (JSON ``{"error": {"status", "message"}}`` by default); see
:mod:`.pipeline` for what happens to a request before and after its route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.routing import BaseConverter, ValidationError

from .bodies import read_fields
from .config import SandboxConfig
from .pipeline import API_PREFIX, RESET_ENVIRON_KEY, ApiError, context, install
from .responses import (
    empty_response,
    json_response,
    list_json_response,
    list_response,
    record_response,
    renders_rows,
)
from .rules import (
    MAX_ID,
    SURVEY_TYPES,
    Paging,
    ParamError,
    is_date,
    is_timestamp,
    is_valid_key,
    is_valid_value,
    parse_bool,
    parse_date,
    parse_date_range,
    parse_id,
    parse_paging,
)
from .store import TAG_FIELDS, InteractionFilter, Store

__all__ = ["API_PREFIX", "RESET_ENVIRON_KEY", "create_app"]

api = Blueprint("api", __name__, url_prefix=API_PREFIX)


class IdConverter(BaseConverter):
    """Path ids: ASCII digits only, within SQLite's integer range (else 404)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(value)


def create_app(store: Store, config: SandboxConfig) -> Flask:
    """Build the WSGI app serving ``store`` with the settings in ``config``."""
    app = Flask(__name__)
    # Room for a 65,535-character value even at 4 UTF-8 bytes, percent-encoded.
    app.config["MAX_FORM_MEMORY_SIZE"] = 4 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    app.url_map.converters["id"] = IdConverter
    install(app, store, config)
    app.register_blueprint(api)
    return app


# -- parameter helpers ----------------------------------------------------------


def _args() -> dict[str, str]:
    """Query parameters, first value of each (repeats are ignored)."""
    return request.args.to_dict(flat=True)


def _paging(args: Mapping[str, str], config: SandboxConfig) -> Paging:
    """Validated paging; the ``ignore_offset`` quirk then serves from row 0."""
    paging = parse_paging(args)
    if config.quirks.ignore_offset:
        paging = replace(paging, offset=0)
    return paging


def _optional_id(args: Mapping[str, str], name: str, given: int | None) -> int | None:
    if given is not None:
        return given
    return parse_id(name, args[name]) if name in args else None


def _text(args: Mapping[str, str], name: str) -> str | None:
    if name not in args:
        return None
    if args[name] == "":
        raise ParamError(f"{name} must not be empty")
    return args[name]


def _include_data(args: Mapping[str, str]) -> bool:
    return parse_bool("_include_data", args["_include_data"]) if "_include_data" in args else False


def _require_survey(store: Store, survey_id: int | None) -> None:
    if survey_id is not None and not store.survey_exists(survey_id):
        raise ApiError(404, f"Survey {survey_id} not found.")


def _require_interaction(store: Store, interaction_id: int | None) -> None:
    if interaction_id is not None and not store.interaction_exists(interaction_id):
        raise ApiError(404, f"Interaction {interaction_id} not found.")


def _interaction_filter(args: Mapping[str, str], survey_id: int | None) -> InteractionFilter:
    survey_id = _optional_id(args, "survey_id", survey_id)
    created = parse_date_range(args)
    if survey_id is None and created is None:
        raise ParamError("survey_id, or start_date and end_date, is required")
    survey_type = _text(args, "survey_type")
    if survey_type is not None and survey_type not in SURVEY_TYPES:
        raise ParamError(f"survey_type must be one of {', '.join(sorted(SURVEY_TYPES))}")
    scheduled = _text(args, "scheduled_at")
    scheduled_exact = scheduled_range = None
    if scheduled is not None:
        if is_timestamp(scheduled):
            scheduled_exact = scheduled
        elif is_date(scheduled):
            day = parse_date("scheduled_at", scheduled).isoformat()
            scheduled_range = (f"{day} 00:00:00", f"{day} ~")  # "~" sorts after any time
        else:
            raise ParamError("scheduled_at must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
    flags = {
        name: parse_bool(name, args[name]) if name in args else None
        for name in ("started", "completed", "survey_ended")
    }
    return InteractionFilter(
        survey_id=survey_id, created_range=created, email=_text(args, "email"),
        survey_type=survey_type, scheduled_at=scheduled_exact, scheduled_range=scheduled_range,
        external_ref=_text(args, "external_ref"), call_type=_text(args, "call_type"),
        agent_id=_text(args, "agent_id"),
        **flags,
    )  # fmt: skip


def _with_tags(store: Store, interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tags = store.tags_for_interactions(row["id"] for row in interactions)
    return [{**row, "interaction_data": tags[row["id"]]} for row in interactions]


# -- surveys ----------------------------------------------------------------------

_GET: dict[str, Any] = {"methods": ["GET"], "provide_automatic_options": False}


@api.route("/surveys", **_GET)
def surveys() -> Response:
    store, config = context()
    return list_response(store.list_surveys(_paging(_args(), config)), config.quirks)


@api.route("/surveys/<id:survey_id>", **_GET)
def survey(survey_id: int) -> Response:
    store, config = context()
    record = store.get_survey(survey_id)
    if record is None:
        raise ApiError(404, f"Survey {survey_id} not found.")
    return record_response(record, config.quirks)


# -- interactions -----------------------------------------------------------------


@api.route("/interactions", **_GET)
@api.route("/surveys/<id:survey_id>/interactions", **_GET)
def interactions(survey_id: int | None = None) -> Response:
    """Interactions by survey and/or created_at range; status order unless ``_order``."""
    store, config = context()
    args = _args()
    paging = _paging(args, config)
    where = _interaction_filter(args, survey_id)
    include = _include_data(args)
    _require_survey(store, where.survey_id)
    rows = store.list_interactions(where, paging)
    if include:
        rows = _with_tags(store, rows)
    return list_response(rows, config.quirks)


@api.route("/interactions/<id:interaction_id>", **_GET)
def interaction(interaction_id: int) -> Response:
    store, config = context()
    include = _include_data(_args())
    record = store.get_interaction(interaction_id)
    if record is None:
        raise ApiError(404, f"Interaction {interaction_id} not found.")
    if include:
        record = _with_tags(store, [record])[0]
    return record_response(record, config.quirks)


# -- interaction data (tags) ------------------------------------------------------


@api.route("/interaction_data", methods=["GET", "POST"], provide_automatic_options=False)
@api.route("/surveys/<id:survey_id>/interaction_data", **_GET)
@api.route("/interactions/<id:interaction_id>/interaction_data", **_GET)
def interaction_data(survey_id: int | None = None, interaction_id: int | None = None) -> Response:
    if request.method == "POST":
        return _upsert_tag()
    store, config = context()
    args = _args()
    paging = _paging(args, config)
    survey_id = _optional_id(args, "survey_id", survey_id)
    interaction_id = _optional_id(args, "interaction_id", interaction_id)
    if survey_id is None and interaction_id is None:
        raise ParamError("survey_id or interaction_id is required")
    key = args.get("custom_key")
    if key is not None and not is_valid_key(key):
        raise ParamError("custom_key must start with a letter and use only A-Z, a-z, 0-9 and _")
    _require_survey(store, survey_id)
    _require_interaction(store, interaction_id)
    any_case = config.quirks.loose_key_filter
    if not renders_rows(config.quirks):
        page = store.list_tags_json(
            paging,
            survey_id=survey_id,
            interaction_id=interaction_id,
            custom_key=key,
            key_any_case=any_case,
        )
        return list_json_response(page, config.quirks)
    rows = store.list_tags(
        paging,
        survey_id=survey_id,
        interaction_id=interaction_id,
        custom_key=key,
        key_any_case=any_case,
    )
    return list_response(rows, config.quirks)


def _upsert_tag() -> Response:
    store, config = context()
    fields = read_fields(request)  # form fields or a JSON object, valid Unicode only
    for name in ("interaction_id", "custom_key", "custom_value"):
        if name not in fields:
            raise ParamError(f"{name} is required")
    raw_id = fields["interaction_id"]
    if type(raw_id) is int and 0 <= raw_id <= MAX_ID:
        interaction_id = raw_id
    elif isinstance(raw_id, str):
        interaction_id = parse_id("interaction_id", raw_id)
    else:
        raise ParamError("interaction_id must be a whole number")
    key = fields["custom_key"]
    if not is_valid_key(key):
        raise ParamError("custom_key must start with a letter and use only A-Z, a-z, 0-9 and _")
    value = fields["custom_value"]
    if not is_valid_value(value):
        raise ParamError("custom_value must be text of at most 65,535 characters")
    record = store.upsert_tag(interaction_id, key, value)
    if record is None:
        raise ApiError(404, f"Interaction {interaction_id} not found.")
    if config.quirks.post_body == "empty":
        return empty_response(config.quirks.post_status)
    return record_response(record, config.quirks, config.quirks.post_status)


@api.route(
    "/interaction_data/<id:tag_id>", methods=["GET", "DELETE"], provide_automatic_options=False
)
def tag(tag_id: int) -> Response:
    store, config = context()
    if request.method == "DELETE":
        return _delete_tag(store, config, tag_id)
    row = store.get_tag_row(tag_id)
    if row is None:
        raise ApiError(404, f"Interaction data {tag_id} not found.")
    if row["deleted"]:
        raise _deleted(config, tag_id)
    return record_response({name: row[name] for name in TAG_FIELDS}, config.quirks)


def _deleted(config: SandboxConfig, tag_id: int) -> ApiError:
    """The answer to a deleted tag: 410, or 404 under the ``deleted_status`` quirk."""
    if config.quirks.deleted_status == 404:
        return ApiError(404, f"Interaction data {tag_id} not found.")
    return ApiError(410, f"Interaction data {tag_id} has been deleted.")


def _delete_tag(store: Store, config: SandboxConfig, tag_id: int) -> Response:
    outcome, record = store.delete_tag(tag_id)
    if outcome == "missing":
        raise ApiError(404, f"Interaction data {tag_id} not found.")
    if outcome == "gone":
        raise _deleted(config, tag_id)
    quirks = config.quirks
    if quirks.delete_status == 204 or quirks.delete_body == "empty":
        return empty_response(quirks.delete_status)
    if quirks.delete_body == "object" or record is None:
        return json_response({}, quirks.delete_status)
    return record_response(record, quirks, quirks.delete_status)
