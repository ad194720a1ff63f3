"""Fixtures for the sandbox's own tests: real servers, raw ``requests`` over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sdx_desktop.sandbox import SandboxServer

TIMEOUT = 10.0


class Api:
    """Thin raw-HTTP helper bound to one server and its Basic credential."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.base = server.base_url

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> requests.Response:
        kw.setdefault("auth", self.server.basic)
        kw.setdefault("timeout", TIMEOUT)
        return requests.get(self.url(path), params=params, **kw)

    def post(self, path: str = "/interaction_data", **kw: Any) -> requests.Response:
        kw.setdefault("auth", self.server.basic)
        kw.setdefault("timeout", TIMEOUT)
        return requests.post(self.url(path), **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("auth", self.server.basic)
        kw.setdefault("timeout", TIMEOUT)
        return requests.delete(self.url(path), **kw)

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("auth", self.server.basic)
        kw.setdefault("timeout", TIMEOUT)
        return requests.request(method, self.url(path), **kw)

    def rows(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """A list endpoint's rows; 204 counts as an empty list."""
        response = self.get(path, params)
        assert response.status_code in (200, 204), response.text
        return [] if response.status_code == 204 else response.json()

    def set_tag(self, interaction_id: int, key: str, value: str) -> dict[str, Any]:
        response = self.post(
            data={"interaction_id": interaction_id, "custom_key": key, "custom_value": value}
        )
        assert response.status_code == 200, response.text
        return response.json()


def seed_tags(server: SandboxServer, tags: int = 30) -> tuple[int, int]:
    """A survey with ``tags`` tags on interactions of 10; returns (survey, first interaction)."""
    survey_id = server.store.create_survey("Faulty")
    server.store.bulk_create_tags(survey_id, tags, per_interaction=10)
    return survey_id, server.store.interaction_ids(survey_id)[0]


def error_of(response: requests.Response) -> dict[str, Any]:
    """The JSON error body, checked for shape and agreement with the status line."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == response.status_code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture(scope="package")
def server() -> Iterator[SandboxServer]:
    """The small sample, shared by read tests; writers make their own rows."""
    with SandboxServer.start(sample="small") as running:
        yield running


@pytest.fixture
def api(server: SandboxServer) -> Api:
    return Api(server)


@pytest.fixture
def empty() -> Iterator[SandboxServer]:
    """A fresh server without sample data, for faults, quirks and exact counts."""
    with SandboxServer.start(sample="none") as running:
        yield running


@pytest.fixture
def eapi(empty: SandboxServer) -> Api:
    return Api(empty)


@pytest.fixture
def interaction(server: SandboxServer) -> int:
    """A new, tag-less interaction of a new survey on the shared server."""
    survey_id = server.store.create_survey("Scratch survey")
    return server.store.create_interaction(survey_id)
