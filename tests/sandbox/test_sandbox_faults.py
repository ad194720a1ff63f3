"""Fault injection and quirk switches, observed over real HTTP."""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests

from sdx_desktop.sandbox import Faults, Quirks, SandboxServer

from .conftest import Api, error_of
from .conftest import seed_tags as _seed

# -- faults -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retry_after"), [(503, True), (429, True), (500, False), (409, False)]
)
def test_status_faults(empty: SandboxServer, eapi: Api, status: int, retry_after: bool) -> None:
    empty.set_faults(status_rates={status: 1.0}, retry_after=7)
    response = eapi.get("/surveys")
    assert response.status_code == status
    error_of(response)
    assert response.headers.get("Retry-After") == ("7" if retry_after else None)


def test_a_failed_write_changes_nothing(empty: SandboxServer, eapi: Api) -> None:
    _, interaction_id = _seed(empty)
    before = empty.store.live_tags(interaction_id)
    empty.set_faults(status_rates={503: 1.0})
    response = eapi.post(
        data={"interaction_id": interaction_id, "custom_key": "x", "custom_value": "y"}
    )
    assert response.status_code == 503
    assert empty.store.live_tags(interaction_id) == before


def test_reset_drops_the_connection_quietly(
    empty: SandboxServer,
    eapi: Api,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    empty.set_faults(reset_rate=1.0)
    for _ in range(3):
        with pytest.raises(requests.ConnectionError) as info:
            eapi.get("/surveys")
        assert "reset" in str(info.value).lower()
    empty.clear_faults()
    assert eapi.get("/surveys").status_code == 204  # the server is still fine
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in capfd.readouterr().err


def test_timeout_outlasts_a_short_client_timeout(empty: SandboxServer, eapi: Api) -> None:
    empty.set_faults(timeout_rate=1.0, timeout_delay_s=0.6)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        eapi.get("/surveys", timeout=0.15)
    assert time.monotonic() - started < 0.5
    started = time.monotonic()
    response = eapi.get("/surveys")  # a patient client gets the real answer
    assert response.status_code == 204
    assert time.monotonic() - started >= 0.6


def test_latency_and_jitter(empty: SandboxServer, eapi: Api) -> None:
    empty.set_faults(latency_ms=150, jitter_ms=100)
    for _ in range(3):
        started = time.monotonic()
        assert eapi.get("/surveys").status_code == 204
        assert 0.15 <= time.monotonic() - started < 0.6


def test_stop_cuts_injected_delays_short() -> None:
    server = SandboxServer.start(sample="none", faults=Faults(latency_ms=30_000))
    started = time.monotonic()

    def stop_soon() -> None:
        time.sleep(0.2)
        server.stop()

    import threading

    stopper = threading.Thread(target=stop_soon)
    stopper.start()
    response = Api(server).get("/surveys")
    stopper.join()
    assert response.status_code == 503
    assert time.monotonic() - started < 5


def test_malformed_truncated(empty: SandboxServer, eapi: Api) -> None:
    survey_id, _ = _seed(empty)
    whole = eapi.get("/interaction_data", {"survey_id": survey_id}).text
    empty.set_faults(malformed_rate=1.0, malformed_kind="truncated")
    response = eapi.get("/interaction_data", {"survey_id": survey_id})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert whole.startswith(response.text) and 0 < len(response.text) < len(whole)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_malformed_html_and_empty(empty: SandboxServer, eapi: Api) -> None:
    survey_id, _ = _seed(empty)
    empty.set_faults(malformed_rate=1.0, malformed_kind="html")
    page = eapi.get(f"/surveys/{survey_id}")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<html>" in page.text
    empty.set_faults(malformed_rate=1.0, malformed_kind="empty")
    blank = eapi.get(f"/surveys/{survey_id}")
    assert blank.status_code == 200 and blank.content == b""
    assert eapi.get("/surveys/987654").status_code == 404  # errors are left alone


def test_malformed_wrong_types(empty: SandboxServer, eapi: Api) -> None:
    survey_id, _ = _seed(empty)
    empty.set_faults(malformed_rate=1.0, malformed_kind="wrong_types")
    listed = eapi.get("/interaction_data", {"survey_id": survey_id}).json()
    assert isinstance(listed, dict)
    one = eapi.get(f"/surveys/{survey_id}").json()
    assert one["id"] == [survey_id]


def _statuses(api: Api, count: int) -> list[int]:
    return [api.get("/surveys").status_code for _ in range(count)]


def test_faults_are_reproducible_from_the_seed(empty: SandboxServer, eapi: Api) -> None:
    empty.set_faults(status_rates={503: 0.3, 500: 0.2}, seed=42)
    first = _statuses(eapi, 30)
    empty.set_faults(seed=42)  # restarting the sequence
    assert _statuses(eapi, 30) == first
    assert 204 in first and {503, 500} & set(first)  # a mix of outcomes
    empty.set_faults(seed=43)
    assert _statuses(eapi, 30) != first
    with SandboxServer.start(
        sample="none", faults=Faults(status_rates={503: 0.3, 500: 0.2}, seed=42)
    ) as other:
        assert _statuses(Api(other), 30) == first


def test_faults_can_be_limited_to_some_methods(empty: SandboxServer, eapi: Api) -> None:
    _, interaction_id = _seed(empty)
    empty.set_faults(status_rates={503: 1.0}, methods=frozenset({"post", "DELETE"}))
    assert empty.faults.methods == frozenset({"POST", "DELETE"})
    assert eapi.get("/surveys").status_code == 200
    fields = {"interaction_id": interaction_id, "custom_key": "x", "custom_value": "y"}
    assert eapi.post(data=fields).status_code == 503
    assert eapi.delete("/interaction_data/1").status_code == 503


def test_faults_apply_to_the_api_only(empty: SandboxServer) -> None:
    empty.set_faults(status_rates={503: 1.0})
    root = empty.base_url.removesuffix("/api")
    assert requests.get(root + "/", timeout=10).status_code == 404


def test_fault_settings_are_validated() -> None:
    for bad in (
        {"reset_rate": 1.5},
        {"status_rates": {503: -0.1}},
        {"status_rates": {200: 0.5}},
        {"malformed_kind": "garbage"},
        {"latency_ms": -1},
    ):
        with pytest.raises(ValueError):
            Faults(**bad)  # type: ignore[arg-type]


def test_settings_are_replaced_not_shared(empty: SandboxServer) -> None:
    rates = {503: 1.0}
    empty.set_faults(status_rates=rates)
    rates[503] = 0.0  # the caller's dict is not the live setting
    assert empty.faults.status_rates == {503: 1.0}
    empty.faults = Faults(latency_ms=1)
    assert empty.faults == Faults(latency_ms=1)
    empty.clear_faults()
    assert not empty.faults.active


def test_request_counter_and_log(empty: SandboxServer, eapi: Api) -> None:
    eapi.get("/surveys")
    empty.reset_request_count()
    eapi.get("/surveys", {"_limit": 5})
    requests.get(empty.base_url + "/surveys", timeout=10)  # a 401 still counts
    requests.get(empty.base_url.removesuffix("/api") + "/elsewhere", timeout=10)  # not /api
    assert empty.request_count == 2
    assert empty.request_log == [("GET", "/api/surveys", "_limit=5"), ("GET", "/api/surveys", "")]
    empty.reset_request_count()
    assert empty.request_count == 0 and empty.request_log == []


# -- quirks ---------------------------------------------------------------------------


def test_empty_list_styles(empty: SandboxServer, eapi: Api) -> None:
    survey_id = empty.store.create_survey("Empty")
    assert eapi.get("/interaction_data", {"survey_id": survey_id}).status_code == 204
    empty.set_quirks(empty_list="array")
    response = eapi.get("/interaction_data", {"survey_id": survey_id})
    assert response.status_code == 200 and response.json() == []
    assert eapi.get(f"/surveys/{survey_id}/interactions").json() == []


def test_quirks_can_be_given_at_start() -> None:
    with SandboxServer.start(
        sample="none", quirks=Quirks(empty_list="array", post_status=201)
    ) as s:
        assert Api(s).get("/surveys").json() == []
        assert s.quirks.post_status == 201
        s.clear_quirks()
        assert s.quirks == Quirks()


def test_ids_as_strings(empty: SandboxServer, eapi: Api) -> None:
    survey_id, interaction_id = _seed(empty)
    empty.store.create_interaction(survey_id, agent_id="42")
    empty.set_quirks(ids_as_strings=True)
    tag = eapi.get("/interaction_data", {"interaction_id": interaction_id}).json()[0]
    assert tag["id"].isdigit() and tag["interaction_id"] == str(interaction_id)
    rows = eapi.get(
        f"/surveys/{survey_id}/interactions", {"_include_data": "true", "_limit": 100}
    ).json()
    assert all(r["survey_id"] == str(survey_id) and isinstance(r["id"], str) for r in rows)
    assert {r["agent_id"] for r in rows} == {None, "42"}
    nested = next(r for r in rows if r["interaction_data"])["interaction_data"][0]
    assert isinstance(nested["id"], str) and isinstance(nested["custom_value"], str)
    assert eapi.get(f"/surveys/{survey_id}").json()["id"] == str(survey_id)


def test_extra_and_omitted_fields(empty: SandboxServer, eapi: Api) -> None:
    survey_id, interaction_id = _seed(empty)
    empty.set_quirks(extra_fields=True, omit_fields=frozenset({"updated_at", "description"}))
    survey = eapi.get(f"/surveys/{survey_id}").json()
    assert "description" not in survey and survey["tenant"] and "flags" in survey
    row = eapi.get(f"/interactions/{interaction_id}", {"_include_data": "true"}).json()
    assert "updated_at" not in row and "tenant" in row
    assert all("updated_at" not in t and "tenant" in t for t in row["interaction_data"])


@pytest.mark.parametrize(
    ("style", "content_type"),
    [("json", "application/json"), ("html", "text/html"), ("text", "text/plain"), ("empty", None)],
)
def test_error_body_styles(
    empty: SandboxServer, eapi: Api, style: str, content_type: str | None
) -> None:
    empty.set_quirks(error_body=style)
    for response in (eapi.get("/surveys/987654"), eapi.get("/interactions"),
                     requests.get(empty.base_url + "/surveys", timeout=10)):  # fmt: skip
        assert response.status_code in (404, 400, 401)
        if content_type is None:
            assert response.content == b"" and "Content-Type" not in response.headers
        else:
            assert response.headers["Content-Type"].startswith(content_type)
            assert str(response.status_code) in response.text


def test_post_status_201(empty: SandboxServer, eapi: Api) -> None:
    _, interaction_id = _seed(empty)
    empty.set_quirks(post_status=201)
    response = eapi.post(
        data={"interaction_id": interaction_id, "custom_key": "k", "custom_value": "v"}
    )
    assert response.status_code == 201 and response.json()["custom_key"] == "k"


@pytest.mark.parametrize("status", [200, 201])
def test_post_without_a_body(empty: SandboxServer, eapi: Api, status: int) -> None:
    """A bare "201 Created" (or 200): the tag is saved, the answer has no body."""
    _, interaction_id = _seed(empty)
    empty.set_quirks(post_status=status, post_body="empty")
    response = eapi.post(
        data={"interaction_id": interaction_id, "custom_key": "k", "custom_value": "v"}
    )
    assert response.status_code == status
    assert response.content == b"" and "Content-Type" not in response.headers
    rows = [empty.store.get_tag_row(i) for i in empty.store.tag_ids(interaction_id=interaction_id)]
    assert [r["custom_value"] for r in rows if r is not None and r["custom_key"] == "k"] == ["v"]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [(200, "record", "record"), (200, "object", {}), (200, "empty", b""), (202, "object", {}),
     (202, "record", "record"), (204, "record", b"")],
)  # fmt: skip
def test_delete_styles(
    empty: SandboxServer, eapi: Api, status: int, body: str, expected: object
) -> None:
    _, interaction_id = _seed(empty)
    tag = eapi.set_tag(interaction_id, "doomed", "yes")
    empty.set_quirks(delete_status=status, delete_body=body)
    response = eapi.delete(f"/interaction_data/{tag['id']}")
    assert response.status_code == status
    if expected == "record":
        assert response.json() == tag
    elif expected == b"":
        assert response.content == b""
    else:
        assert response.json() == expected
    assert eapi.get(f"/interaction_data/{tag['id']}").status_code == 410


def test_quirk_settings_are_validated(empty: SandboxServer) -> None:
    for bad in ({"post_status": 202}, {"delete_status": 201}, {"error_body": "xml"},
                {"empty_list": "null"}, {"delete_body": "full"},
                {"post_body": "object"}):  # fmt: skip
        with pytest.raises(ValueError):
            empty.set_quirks(**bad)
    assert empty.quirks == Quirks()
