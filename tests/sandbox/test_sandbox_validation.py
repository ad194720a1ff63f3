"""The sandbox is strict: malformed requests are 400, bad credentials 401, wrong methods 405."""

from __future__ import annotations

import base64

import pytest
import requests

from sdx_desktop.sandbox import (
    DEMO_ACCESS_TOKEN,
    DEMO_AUTH_TOKEN,
    DEMO_CUSTOMER_UUID,
    SandboxServer,
)
from sdx_desktop.sandbox.rules import is_valid_key

from .conftest import Api, error_of

BAD_INTEGERS = ["0x1", "+1", "1.0", " 1", "1 ", "", "abc", "-1", "1e3", "١"]


@pytest.mark.parametrize("value", ["0", "1001", "-1", "1.5", "abc", "+1", "", " 1", "١٠"])
def test_bad_limit(api: Api, value: str) -> None:
    response = api.get("/surveys", {"_limit": value})
    assert response.status_code == 400
    assert "_limit" in error_of(response)["message"]


@pytest.mark.parametrize("value", BAD_INTEGERS)
def test_bad_offset(api: Api, value: str) -> None:
    assert api.get("/surveys", {"_offset": value}).status_code == 400


@pytest.mark.parametrize("value", ["", "up", "ASCENDING", "id", "ASC "])
def test_bad_order(api: Api, value: str) -> None:
    assert api.get("/surveys", {"_order": value}).status_code == 400


def test_paging_limits_at_the_edges_are_accepted(api: Api) -> None:
    assert api.get("/surveys", {"_limit": "1"}).status_code == 200
    assert api.get("/surveys", {"_limit": "1000", "_offset": "0"}).status_code == 200
    assert api.get("/surveys", {"_limit": "0010"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/interaction_data", "/surveys/{s}/interaction_data", "/interactions/{i}/interaction_data"],
)
def test_every_list_validates_paging(api: Api, server: SandboxServer, path: str) -> None:
    survey_id = server.store.survey_ids()[0]
    interaction_id = server.store.interaction_ids(survey_id)[0]
    url = path.format(s=survey_id, i=interaction_id)
    params = {"survey_id": survey_id, "_limit": "1001"}
    assert api.get(url, params).status_code == 400


def test_interactions_need_a_survey_or_a_date_range(api: Api, server: SandboxServer) -> None:
    response = api.get("/interactions")
    assert response.status_code == 400
    assert "survey_id" in error_of(response)["message"]
    assert api.get("/interactions", {"email": "a@example.com"}).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01"},
        {"end_date": "2026-01-01"},
        {"start_date": "2026-01-02", "end_date": "2026-01-01"},
        {"start_date": "2026-1-01", "end_date": "2026-01-02"},
        {"start_date": "2026-02-30", "end_date": "2026-03-01"},
        {"start_date": "2026/01/01", "end_date": "2026-01-02"},
        {"start_date": "2026-01-01T00:00:00", "end_date": "2026-01-02"},
        {"start_date": "", "end_date": "2026-01-02"},
        {"start_date": "2026-01-01", "end_date": "tomorrow"},
    ],
)
def test_bad_date_ranges(api: Api, server: SandboxServer, params: dict[str, str]) -> None:
    assert api.get("/interactions", params).status_code == 400
    with_survey = {"survey_id": str(server.store.survey_ids()[0]), **params}
    assert api.get("/interactions", with_survey).status_code == 400


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("survey_id", "abc"),
        ("survey_id", "-3"),
        ("survey_type", "phone"),
        ("survey_type", "SMS"),
        ("survey_type", ""),
        ("agent_id", ""),
        ("started", "yes"),
        ("started", "True"),
        ("completed", "2"),
        ("survey_ended", ""),
        ("_include_data", "on"),
        ("scheduled_at", "soon"),
        ("scheduled_at", "2026-01-01T10:00:00"),
        ("email", ""),
        ("external_ref", ""),
        ("call_type", ""),
    ],
)
def test_bad_interaction_filters(api: Api, server: SandboxServer, name: str, value: str) -> None:
    params = {"survey_id": str(server.store.survey_ids()[0]), name: value}
    response = api.get("/interactions", params)
    assert response.status_code == 400
    assert name in error_of(response)["message"]


def test_bad_include_data_on_one_interaction(api: Api, server: SandboxServer) -> None:
    interaction_id = server.store.interaction_ids(server.store.survey_ids()[0])[0]
    assert api.get(f"/interactions/{interaction_id}", {"_include_data": "yes"}).status_code == 400


def test_tag_lists_need_a_survey_or_interaction(api: Api, server: SandboxServer) -> None:
    response = api.get("/interaction_data")
    assert response.status_code == 400
    assert api.get("/interaction_data", {"custom_key": "tier"}).status_code == 400
    for params in ({"survey_id": "x"}, {"interaction_id": "1.0"}, {"survey_id": ""}):
        assert api.get("/interaction_data", params).status_code == 400
    survey_id = server.store.survey_ids()[0]
    for key in ("1abc", "with space", "dash-key", "", "ünïcode", "tier\n"):
        response = api.get("/interaction_data", {"survey_id": survey_id, "custom_key": key})
        assert response.status_code == 400, key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "1tier",
        "_tier",
        "tier-x",
        "tier x",
        "tier\n",
        "tïer",
        "tier٣",
        "tier.x",
        "ｔier",
        " tier",
    ],
)
def test_post_with_a_bad_key_is_400(api: Api, interaction: int, key: str) -> None:
    response = api.post(
        data={"interaction_id": interaction, "custom_key": key, "custom_value": "v"}
    )
    assert response.status_code == 400
    assert "custom_key" in error_of(response)["message"]
    assert not is_valid_key(key)


@pytest.mark.parametrize("missing", ["interaction_id", "custom_key", "custom_value"])
def test_post_without_a_field_is_400(api: Api, interaction: int, missing: str) -> None:
    fields = {"interaction_id": interaction, "custom_key": "tier", "custom_value": "GOLD"}
    del fields[missing]
    response = api.post(data=fields)
    assert response.status_code == 400
    assert missing in error_of(response)["message"]
    assert api.post(json=fields).status_code == 400


@pytest.mark.parametrize("bad_id", ["abc", "", "-1", "1.5", " 7"])
def test_post_with_a_malformed_interaction_id_is_400(api: Api, bad_id: str) -> None:
    response = api.post(data={"interaction_id": bad_id, "custom_key": "k", "custom_value": "v"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {"interaction_id": True, "custom_key": "k", "custom_value": "v"},
        {"interaction_id": 1.5, "custom_key": "k", "custom_value": "v"},
        {"interaction_id": None, "custom_key": "k", "custom_value": "v"},
        {"interaction_id": 1, "custom_key": 5, "custom_value": "v"},
        {"interaction_id": 1, "custom_key": "k", "custom_value": 5},
        {"interaction_id": 1, "custom_key": "k", "custom_value": None},
        {"interaction_id": 1, "custom_key": "k", "custom_value": "\ud800"},
    ],
)
def test_post_with_a_bad_json_body_is_400(api: Api, body: object) -> None:
    assert api.post(json=body).status_code == 400


def test_post_with_unparseable_json_is_400(api: Api) -> None:
    response = api.post(data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error_of(response)


def test_value_of_65536_characters_is_400(api: Api, interaction: int) -> None:
    for value in ("x" * 65_536, "é" * 65_536):
        response = api.post(
            data={"interaction_id": interaction, "custom_key": "long", "custom_value": value}
        )
        assert response.status_code == 400
        assert "65,535" in error_of(response)["message"]


def test_post_for_an_unknown_interaction_is_404(api: Api) -> None:
    response = api.post(data={"interaction_id": 987654321, "custom_key": "k", "custom_value": "v"})
    assert response.status_code == 404
    error_of(response)


# -- authentication ---------------------------------------------------------------


def _basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        _basic_header(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN + "x"),
        _basic_header(DEMO_CUSTOMER_UUID.upper(), DEMO_AUTH_TOKEN),
        _basic_header(DEMO_CUSTOMER_UUID, ""),
        _basic_header("", DEMO_AUTH_TOKEN),
        _basic_header(DEMO_CUSTOMER_UUID, DEMO_ACCESS_TOKEN),
        "Basic " + base64.b64encode(DEMO_CUSTOMER_UUID.encode()).decode(),
        "Basic !!!not-base64!!!",
        "Basic",
        f"Bearer {DEMO_ACCESS_TOKEN}x",
        f"Bearer {DEMO_AUTH_TOKEN}",
        f"Bearer  {DEMO_ACCESS_TOKEN}",
        f"Bearer {DEMO_ACCESS_TOKEN} ",
        "Bearer",
        f"Token {DEMO_ACCESS_TOKEN}",
        DEMO_ACCESS_TOKEN,
        f"Digest {DEMO_ACCESS_TOKEN}",
    ],
)
def test_wrong_or_malformed_credentials_are_401(server: SandboxServer, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    for method, path in (("GET", "/surveys"), ("POST", "/interaction_data"),
                         ("DELETE", "/interaction_data/1"), ("GET", "/nope")):  # fmt: skip
        response = requests.request(method, server.base_url + path, headers=headers, timeout=10)
        assert response.status_code == 401
        assert error_of(response)["message"]
        assert DEMO_AUTH_TOKEN not in response.text
        assert DEMO_ACCESS_TOKEN not in response.text
        assert DEMO_CUSTOMER_UUID not in response.text


def test_good_credentials_of_both_kinds(server: SandboxServer) -> None:
    url = server.base_url + "/surveys"
    assert requests.get(url, auth=server.basic, timeout=10).status_code == 200
    for scheme in ("Bearer", "bearer", "BEARER"):
        headers = {"Authorization": f"{scheme} {server.bearer}"}
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
    headers = {"Authorization": _basic_header(*server.basic).replace("Basic", "basic")}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200


def test_custom_credentials_replace_the_demo_ones() -> None:
    with SandboxServer.start(sample="none", basic=("u-1", "p:w:d"), bearer=None) as server:
        url = server.base_url + "/surveys"
        assert server.basic == ("u-1", "p:w:d") and server.bearer is None
        assert requests.get(url, auth=("u-1", "p:w:d"), timeout=10).status_code == 204
        demo = (DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN)
        assert requests.get(url, auth=demo, timeout=10).status_code == 401
        headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
        assert requests.get(url, headers=headers, timeout=10).status_code == 401


def test_auth_comes_before_faults(empty: SandboxServer) -> None:
    empty.set_faults(status_rates={503: 1.0})
    response = requests.get(empty.base_url + "/surveys", timeout=10)
    assert response.status_code == 401


# -- methods ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/surveys"),
        ("DELETE", "/surveys"),
        ("PUT", "/surveys/{s}"),
        ("PATCH", "/interactions"),
        ("POST", "/interactions/{i}"),
        ("DELETE", "/interactions/{i}"),
        ("POST", "/surveys/{s}/interactions"),
        ("POST", "/surveys/{s}/interaction_data"),
        ("DELETE", "/interactions/{i}/interaction_data"),
        ("PUT", "/interaction_data"),
        ("DELETE", "/interaction_data"),
        ("PUT", "/interaction_data/{t}"),
        ("POST", "/interaction_data/{t}"),
        ("PATCH", "/interaction_data/{t}"),
        ("OPTIONS", "/surveys"),
    ],
)
def test_wrong_methods_are_405(api: Api, server: SandboxServer, method: str, path: str) -> None:
    survey_id = server.store.survey_ids()[0]
    interaction_id = server.store.interaction_ids(survey_id)[0]
    tag_id = min(server.store.tag_ids(interaction_id=interaction_id) or {1})
    url = path.format(s=survey_id, i=interaction_id, t=tag_id)
    response = api.request(method, url)
    assert response.status_code == 405
    error_of(response)
    assert "Allow" in response.headers
    row = server.store.get_tag_row(tag_id)
    assert row is None or not row["deleted"]
