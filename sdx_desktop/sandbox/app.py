"""The sandbox's Flask application: the Survey Dynamix routes under ``/api``.

Interaction state filters map onto the ``status`` text:

* ``started``: true when status is not "Not Started" or "Scheduled";
* ``completed``: true when status is "Completed";
* ``survey_ended``: true when status is "Completed" or "Abandoned".

Every error, Flask's own 404/405 included, is answered in the configured
error style (JSON ``{"error": {"status", "message"}}`` by default).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BaseConverter, ValidationError

from .auth import is_authorized
from .config import SandboxConfig
from .faults import NO_FAULT, FaultPlan
from .responses import (
    empty_response,
    error_response,
    json_response,
    list_json_response,
    list_response,
    malformed_response,
    record_response,
    reshapes_records,
)
from .rules import (
    MAX_ID,
    SURVEY_TYPES,
    ParamError,
    is_date,
    is_timestamp,
    is_valid_key,
    is_valid_value,
    parse_bool,
    parse_date,
    parse_date_range,
    parse_id,
    parse_int,
    parse_paging,
)
from .store import TAG_FIELDS, InteractionFilter, Store

API_PREFIX = "/api"
# Set on the WSGI environ when a request's connection must be reset (see server.py).
RESET_ENVIRON_KEY = "sdx_sandbox.reset"
_EXTENSION = "sdx_sandbox"
_log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix=API_PREFIX)


class ApiError(Exception):
    """Answer the request with ``status`` and a plain-language ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
    app.extensions[_EXTENSION] = (store, config)
    app.before_request(_admit)
    app.after_request(_finish)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(ParamError, _param_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.register_blueprint(api)
    return app


def _context() -> tuple[Store, SandboxConfig]:
    store, config = current_app.extensions[_EXTENSION]
    return store, config


def _config() -> SandboxConfig:
    return _context()[1]


# -- request pipeline ---------------------------------------------------------


def _admit() -> Response | None:
    """Count, authenticate, then apply the faults drawn for this request."""
    g.plan = NO_FAULT
    if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
        return None
    config = _config()
    config.stats.record(request.method, request.path, request.query_string.decode("latin-1"))
    if not is_authorized(request.headers.get("Authorization"), config.basic, config.bearer):
        response = error_response(401, "Missing or invalid credentials.", config.quirks)
        response.headers["WWW-Authenticate"] = 'Basic realm="Survey Dynamix sandbox"'
        return response
    plan = config.faults.plan(request.method)
    g.plan = plan
    if plan.reset:
        request.environ[RESET_ENVIRON_KEY] = True
        return empty_response(500)  # never sent: the server resets the connection
    if plan.delay_s:
        config.stopping.wait(plan.delay_s)
    if config.stopping.is_set():
        return error_response(503, "The sandbox is shutting down.", config.quirks)
    if plan.status is not None:
        return _fault_response(plan.status, plan.retry_after, config)
    return None


_FAULT_MESSAGES = {
    429: "Too many requests; slow down and retry later.",
    500: "Server error; try again later.",
    503: "Offline for maintenance; try again later.",
}


def _fault_response(status: int, retry_after: int | None, config: SandboxConfig) -> Response:
    message = _FAULT_MESSAGES.get(status, "Injected failure.")
    response = error_response(status, message, config.quirks)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _finish(response: Response) -> Response:
    plan: FaultPlan = g.get("plan", NO_FAULT)
    if plan.timeout_s:
        _config().stopping.wait(plan.timeout_s)
    if plan.malformed and plan.status is None and 200 <= response.status_code < 300:
        return malformed_response(response, plan.malformed)
    return response


def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.message, _config().quirks)


def _param_error(error: ParamError) -> Response:
    return error_response(400, str(error), _config().quirks)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        message = f"No such resource: {request.path}"
    elif isinstance(error, MethodNotAllowed):
        message = f"Method {request.method} is not allowed on {request.path}"
    else:
        message = error.description or "Request failed."
    response = error_response(status, message, _config().quirks)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _unexpected_error(error: Exception) -> Response:
    if not _config().stopping.is_set():  # a closed store during shutdown is expected
        _log.exception("Unexpected error while handling %s %s", request.method, request.path)
    return error_response(500, "Internal server error.", _config().quirks)


# -- parameter helpers ----------------------------------------------------------


def _args() -> dict[str, str]:
    """Query parameters, first value of each (repeats are ignored)."""
    return request.args.to_dict(flat=True)


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
        agent_id=parse_int("agent_id", args["agent_id"]) if "agent_id" in args else None,
        **flags,
    )  # fmt: skip


def _with_tags(store: Store, interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tags = store.tags_for_interactions(row["id"] for row in interactions)
    return [{**row, "interaction_data": tags[row["id"]]} for row in interactions]


# -- surveys ----------------------------------------------------------------------

_GET: dict[str, Any] = {"methods": ["GET"], "provide_automatic_options": False}


@api.route("/surveys", **_GET)
def surveys() -> Response:
    store, config = _context()
    return list_response(store.list_surveys(parse_paging(_args())), config.quirks)


@api.route("/surveys/<id:survey_id>", **_GET)
def survey(survey_id: int) -> Response:
    store, config = _context()
    record = store.get_survey(survey_id)
    if record is None:
        raise ApiError(404, f"Survey {survey_id} not found.")
    return record_response(record, config.quirks)


# -- interactions -----------------------------------------------------------------


@api.route("/interactions", **_GET)
@api.route("/surveys/<id:survey_id>/interactions", **_GET)
def interactions(survey_id: int | None = None) -> Response:
    """Interactions by survey and/or created_at range; status order unless ``_order``."""
    store, config = _context()
    args = _args()
    paging = parse_paging(args)
    where = _interaction_filter(args, survey_id)
    include = _include_data(args)
    _require_survey(store, where.survey_id)
    rows = store.list_interactions(where, paging)
    if include:
        rows = _with_tags(store, rows)
    return list_response(rows, config.quirks)


@api.route("/interactions/<id:interaction_id>", **_GET)
def interaction(interaction_id: int) -> Response:
    store, config = _context()
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
    store, config = _context()
    args = _args()
    paging = parse_paging(args)
    survey_id = _optional_id(args, "survey_id", survey_id)
    interaction_id = _optional_id(args, "interaction_id", interaction_id)
    if survey_id is None and interaction_id is None:
        raise ParamError("survey_id or interaction_id is required")
    key = args.get("custom_key")
    if key is not None and not is_valid_key(key):
        raise ParamError("custom_key must start with a letter and use only A-Z, a-z, 0-9 and _")
    _require_survey(store, survey_id)
    _require_interaction(store, interaction_id)
    if not reshapes_records(config.quirks):
        page = store.list_tags_json(
            paging, survey_id=survey_id, interaction_id=interaction_id, custom_key=key
        )
        return list_json_response(page, config.quirks)
    rows = store.list_tags(
        paging, survey_id=survey_id, interaction_id=interaction_id, custom_key=key
    )
    return list_response(rows, config.quirks)


def _post_fields() -> Mapping[str, Any]:
    """Form fields, or the members of a JSON object body."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ParamError("the JSON body must be an object")
        return body
    return request.form.to_dict(flat=True)


def _upsert_tag() -> Response:
    store, config = _context()
    fields = _post_fields()
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
    return record_response(record, config.quirks, config.quirks.post_status)


@api.route(
    "/interaction_data/<id:tag_id>", methods=["GET", "DELETE"], provide_automatic_options=False
)
def tag(tag_id: int) -> Response:
    store, config = _context()
    if request.method == "DELETE":
        return _delete_tag(store, config, tag_id)
    row = store.get_tag_row(tag_id)
    if row is None:
        raise ApiError(404, f"Interaction data {tag_id} not found.")
    if row["deleted"]:
        raise ApiError(410, f"Interaction data {tag_id} has been deleted.")
    return record_response({name: row[name] for name in TAG_FIELDS}, config.quirks)


def _delete_tag(store: Store, config: SandboxConfig, tag_id: int) -> Response:
    outcome, record = store.delete_tag(tag_id)
    if outcome == "missing":
        raise ApiError(404, f"Interaction data {tag_id} not found.")
    if outcome == "gone":
        raise ApiError(410, f"Interaction data {tag_id} has been deleted.")
    quirks = config.quirks
    if quirks.delete_status == 204 or quirks.delete_body == "empty":
        return empty_response(quirks.delete_status)
    if quirks.delete_body == "object" or record is None:
        return json_response({}, quirks.delete_status)
    return record_response(record, quirks, quirks.delete_status)
