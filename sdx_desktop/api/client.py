"""``SdxClient``: the single gateway between the app and Survey Dynamix (or the sandbox).

Every method blocks; the UI calls them from a worker thread through its async seam.
Every failure is a typed :class:`~sdx_desktop.api.errors.SdxError` with a message for
staff; no raw ``requests`` exception or credential ever leaves this module.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from sdx_desktop import __version__

from . import errors
from .auth import Credentials
from .deadline import deadline_scope, expired
from .http import (
    MAX_BODY_BYTES,
    RetryPolicy,
    Timeouts,
    build_session,
    error_for_exception,
    error_for_response,
    read_body,
)
from .keys import check_key
from .models import DeleteResult, Interaction, Record, Survey, Tag, decode_list, decode_one
from .paging import Order, PageWalk, walk_pages
from .urls import is_loopback_host, normalise_base_url, region_url

log = logging.getLogger(__name__)


MAX_PAGE = 1000
LOAD_ALL_CONCURRENCY = 8

#: Interaction filters the API takes (besides survey_id and paging).
INTERACTION_FILTERS = frozenset(
    {
        "start_date",
        "end_date",
        "email",
        "survey_type",
        "scheduled_at",
        "external_ref",
        "call_type",
        "agent_id",
        "started",
        "completed",
        "survey_ended",
    }
)


class SdxClient:
    """Talks to one Survey Dynamix account. Thread-safe for the calls the app makes."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        region: str | None = None,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        concurrency: int = LOAD_ALL_CONCURRENCY,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if (base_url is None) == (region is None):
            raise ValueError("give exactly one of base_url or region")
        self.base_url = normalise_base_url(
            base_url if base_url is not None else region_url(region or "")
        )
        self._credentials = credentials
        self._auth = credentials.requests_auth()
        self._secrets = credentials.secrets
        self.timeouts = timeouts
        self.concurrency = concurrency
        self.max_body_bytes = max_body_bytes
        self._session = build_session(
            pool_size=concurrency + 2,
            policy=retry,
            user_agent=f"SDX-Desktop/{__version__} (+python-requests/{requests.__version__})",
            use_proxies=not is_loopback_host(urlsplit(self.base_url).hostname or ""),
        )

    def __repr__(self) -> str:
        return f"SdxClient({self.base_url!r})"

    @property
    def account(self) -> str:
        return self._credentials.account

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SdxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- surveys ---------------------------------------------------------------------

    def test_connection(self) -> None:
        """One cheap authenticated request; raises the typed error if it fails."""
        self._get_list("/surveys", {"_limit": 1}, Survey)

    def list_surveys(
        self, *, limit: int = 100, offset: int = 0, order: Order = "ASC"
    ) -> list[Survey]:
        return self._get_list("/surveys", _paging(limit, offset, order), Survey)

    def get_survey(self, survey_id: int) -> Survey:
        return self._get_one(f"/surveys/{int(survey_id)}", {}, Survey)

    # --- interactions ----------------------------------------------------------------

    def list_interactions(
        self,
        survey_id: int | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
        order: Order = "DESC",
        include_data: bool = False,
        **filters: str | int | bool | None,
    ) -> list[Interaction]:
        unknown = set(filters) - INTERACTION_FILTERS
        if unknown:
            raise TypeError(f"unknown interaction filter(s): {', '.join(sorted(unknown))}")
        params = _paging(limit, offset, order)
        if survey_id is not None:
            params["survey_id"] = int(survey_id)
        params.update({k: _query_value(v) for k, v in filters.items() if v is not None and v != ""})
        if include_data:
            params["_include_data"] = "true"
        return self._get_list("/interactions", params, Interaction)

    def get_interaction(self, interaction_id: int, *, include_data: bool = False) -> Interaction:
        params: dict[str, Any] = {"_include_data": "true"} if include_data else {}
        return self._get_one(f"/interactions/{int(interaction_id)}", params, Interaction)

    # --- tags ------------------------------------------------------------------------

    def list_tags(
        self,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        custom_key: str | None = None,
        limit: int = 100,
        offset: int = 0,
        order: Order = "ASC",
    ) -> list[Tag]:
        params = _paging(limit, offset, order)
        params.update(_tag_scope(survey_id, interaction_id))
        if custom_key is not None:
            params["custom_key"] = custom_key
        return self._get_list("/interaction_data", params, Tag)

    def find_tag(self, interaction_id: int, custom_key: str) -> Tag | None:
        """The live tag with this exact key on this interaction, if any."""
        found = self.list_tags(interaction_id=interaction_id, custom_key=custom_key, limit=10)
        # Keys are case-sensitive; guard against a server that matches loosely.
        return next((t for t in found if t.custom_key == custom_key), None)

    def get_tag(self, tag_id: int) -> Tag:
        return self._get_one(f"/interaction_data/{int(tag_id)}", {}, Tag)

    def set_tag(self, interaction_id: int, key: str, value: str) -> Tag:
        """Create the tag, or overwrite the value of that key on that interaction (upsert)."""
        check_key(key)
        _check_sendable(value)
        data = {
            "interaction_id": str(int(interaction_id)),
            "custom_key": key,
            "custom_value": value,
        }
        response, body = self._send("POST", "/interaction_data", data=data)
        if response.status_code not in (200, 201):
            raise self._error(response, "/interaction_data")
        if body.strip():
            return decode_one(body, Tag, what="/interaction_data")
        # A bare "201 Created" without the record: look the record up instead.
        found = self.find_tag(interaction_id, key)
        if found is None:
            raise errors.ProtocolError(detail="saved tag not found after POST")
        return found

    def delete_tag(self, tag_id: int) -> DeleteResult:
        path = f"/interaction_data/{int(tag_id)}"
        response, _ = self._send("DELETE", path)
        if response.status_code in (200, 202, 204):
            return DeleteResult.DELETED
        if response.status_code in (404, 410):
            return DeleteResult.ALREADY_GONE
        raise self._error(response, path)

    def iter_tag_pages(
        self,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        custom_key: str | None = None,
        page_size: int = MAX_PAGE,
        concurrency: int | None = None,
        cancel: threading.Event | None = None,
        walk: PageWalk[Tag] | None = None,
    ) -> Iterator[list[Tag]]:
        """Every tag of a survey (or interaction), as pages of new tags in ascending id
        order, exact under concurrent change (see :mod:`sdx_desktop.api.paging`)."""
        _tag_scope(survey_id, interaction_id)

        def fetch(offset: int, limit: int) -> Sequence[Tag]:
            return self.list_tags(
                survey_id=survey_id,
                interaction_id=interaction_id,
                custom_key=custom_key,
                limit=limit,
                offset=offset,
                order="ASC",
            )

        return walk_pages(
            fetch,
            page_size=page_size,
            order="ASC",
            concurrency=concurrency or self.concurrency,
            cancel=cancel,
            walk=walk,
        )

    def iter_interaction_pages(
        self,
        survey_id: int,
        *,
        page_size: int = MAX_PAGE,
        cancel: threading.Event | None = None,
    ) -> Iterator[list[Interaction]]:
        """Every interaction of a survey, oldest first, exact like :meth:`iter_tag_pages`."""

        def fetch(offset: int, limit: int) -> Sequence[Interaction]:
            return self.list_interactions(survey_id, limit=limit, offset=offset, order="ASC")

        return walk_pages(fetch, page_size=page_size, concurrency=self.concurrency, cancel=cancel)

    def iter_all_tags(self, **kwargs: Any) -> Iterator[Tag]:
        for page in self.iter_tag_pages(**kwargs):
            yield from page

    # --- plumbing --------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> tuple[requests.Response, bytes]:
        """One call, retries included, within the overall deadline; the answer and its
        whole body (at most ``max_body_bytes``)."""
        with deadline_scope(self.timeouts.total):
            try:
                response = self._session.request(
                    method,
                    self.base_url + path,
                    auth=self._auth,
                    timeout=(self.timeouts.connect, self.timeouts.read),
                    allow_redirects=False,
                    stream=True,
                    **kwargs,
                )
                with response:
                    return response, read_body(response, path, self.max_body_bytes)
            except requests.RequestException as exc:
                if expired():
                    error: errors.SdxError = errors.NotAnsweringError(
                        detail=f"no complete answer to {method} {path} within "
                        f"{self.timeouts.total:g} s"
                    )
                else:
                    error = error_for_exception(exc, path, self._secrets)
                log.info("%s %s failed: %s", method, path, error.detail)
                raise error from None

    def _error(self, response: requests.Response, path: str) -> errors.SdxError:
        error = error_for_response(response, path, self._secrets)
        log.info("%s %s failed: %s", response.request.method, path, error.detail)
        return error

    def _get(self, path: str, params: Mapping[str, Any]) -> tuple[requests.Response, bytes]:
        response, body = self._send("GET", path, params=params)
        if response.status_code >= 300:
            raise self._error(response, path)
        return response, body

    def _get_list(self, path: str, params: Mapping[str, Any], model: type[Record]) -> list[Record]:
        response, body = self._get(path, params)
        if response.status_code == 204:
            return []  # a known way of saying "empty list"
        return decode_list(body, model, what=path)

    def _get_one(self, path: str, params: Mapping[str, Any], model: type[Record]) -> Record:
        _, body = self._get(path, params)
        return decode_one(body, model, what=path)


def _check_sendable(value: str) -> None:
    """A str can hold what UTF-8 cannot carry (a lone surrogate, e.g. from a badly
    decoded file); refuse it plainly before anything is sent."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise errors.BadRequestError(
            "The value contains a character that cannot be saved (at position "
            f"{error.start + 1}). Retype that part of the value and try again.",
            detail="value is not valid UTF-8",
        ) from None


def _paging(limit: int, offset: int, order: Order) -> dict[str, Any]:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1..{MAX_PAGE}")
    if offset < 0:
        raise ValueError("offset must be >= 0")
    if order not in ("ASC", "DESC"):
        raise ValueError("order must be ASC or DESC")
    return {"_limit": limit, "_offset": offset, "_order": order}


def _tag_scope(survey_id: int | None, interaction_id: int | None) -> dict[str, int]:
    if survey_id is None and interaction_id is None:
        raise ValueError("give survey_id or interaction_id")
    scope: dict[str, int] = {}
    if survey_id is not None:
        scope["survey_id"] = int(survey_id)
    if interaction_id is not None:
        scope["interaction_id"] = int(interaction_id)
    return scope


def _query_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
