"""Read endpoints of the sandbox over real HTTP: records, aliases, paging, filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from sdx_desktop.sandbox import SandboxServer

from .conftest import Api, error_of

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
SURVEY_FIELDS = {
    "id", "name", "description", "greeting_text", "instructions_text", "closing_text",
    "email_subject", "email_from_address", "email_from_name", "greeting_sound_file",
    "instructions_sound_file", "closing_sound_file", "inbound_number", "outbound_number",
    "sms_number",
}  # fmt: skip
INTERACTION_FIELDS = {
    "id", "uuid", "survey_id", "phone_number", "email", "survey_type", "scheduled_at",
    "external_ref", "created_at", "updated_at", "call_type", "agent_id", "status", "web_link",
}  # fmt: skip
TAG_FIELDS = {"id", "interaction_id", "custom_key", "custom_value", "created_at", "updated_at"}
STATUSES = {"Not Started", "Scheduled", "In Progress", "Completed", "Abandoned"}


def _busiest_survey(server: SandboxServer) -> int:
    return max(server.store.survey_ids()[:12], key=server.store.count_tags)


def _all_interactions(api: Api, survey_id: int) -> list[dict[str, Any]]:
    rows = api.rows(f"/surveys/{survey_id}/interactions", _limit=1000, _order="ASC")
    assert len(rows) < 1000  # the sample keeps each survey under one page
    return rows


def test_surveys_list_and_get(api: Api, server: SandboxServer) -> None:
    rows = api.rows("/surveys", _limit=1000)
    assert [r["id"] for r in rows] == sorted(server.store.survey_ids(), reverse=True)
    for row in rows:
        assert set(row) == SURVEY_FIELDS
        assert isinstance(row["id"], int) and row["name"]
    one = api.get(f"/surveys/{rows[0]['id']}")
    assert one.status_code == 200
    assert one.headers["Content-Type"] == "application/json"
    assert one.json() == rows[0]


def test_sample_records_carry_every_documented_field(api: Api, server: SandboxServer) -> None:
    survey_id = _busiest_survey(server)
    interactions = _all_interactions(api, survey_id)
    assert interactions
    for row in interactions:
        assert set(row) == INTERACTION_FIELDS
        assert isinstance(row["id"], int) and row["survey_id"] == survey_id
        assert row["status"] in STATUSES
        assert TIMESTAMP.fullmatch(row["created_at"]) and TIMESTAMP.fullmatch(row["updated_at"])
        assert row["scheduled_at"] is None or TIMESTAMP.fullmatch(row["scheduled_at"])
        assert row["agent_id"] is None or isinstance(row["agent_id"], str)
    tags = api.rows("/interaction_data", survey_id=survey_id, _limit=1000)
    assert tags
    for tag in tags:
        assert set(tag) == TAG_FIELDS
        assert isinstance(tag["id"], int) and isinstance(tag["interaction_id"], int)
        assert TIMESTAMP.fullmatch(tag["created_at"]) and TIMESTAMP.fullmatch(tag["updated_at"])
    one = api.get(f"/interaction_data/{tags[0]['id']}")
    assert one.status_code == 200 and one.json() == tags[0]


def test_nested_routes_give_the_same_rows_as_the_query_form(
    api: Api, server: SandboxServer
) -> None:
    survey_id = _busiest_survey(server)
    paging = {"_limit": 1000, "_order": "DESC"}
    nested = api.rows(f"/surveys/{survey_id}/interactions", **paging)
    assert nested == api.rows("/interactions", survey_id=survey_id, **paging)
    assert {r["id"] for r in nested} == set(server.store.interaction_ids(survey_id))
    tags = api.rows(f"/surveys/{survey_id}/interaction_data", **paging)
    assert tags == api.rows("/interaction_data", survey_id=survey_id, **paging)
    interaction_id = tags[0]["interaction_id"]
    per_interaction = api.rows(f"/interactions/{interaction_id}/interaction_data")
    assert per_interaction == api.rows("/interaction_data", interaction_id=interaction_id)
    expected = server.store.live_tags(interaction_id)
    assert {t["custom_key"]: t["custom_value"] for t in per_interaction} == expected
    single = api.get(f"/interactions/{interaction_id}").json()
    assert single == next(r for r in nested if r["id"] == interaction_id)


def test_paging_defaults_are_ten_rows_newest_first(api: Api, server: SandboxServer) -> None:
    survey_id = _busiest_survey(server)
    page = api.rows("/interaction_data", survey_id=survey_id)
    expected = sorted(server.store.tag_ids(survey_id=survey_id), reverse=True)[:10]
    assert [t["id"] for t in page] == expected


@pytest.mark.parametrize("order", ["ASC", "desc", "Asc"])
def test_walking_all_pages_gives_every_row_once(
    api: Api, server: SandboxServer, order: str
) -> None:
    survey_id = _busiest_survey(server)
    expected = sorted(server.store.tag_ids(survey_id=survey_id))
    if order.upper() == "DESC":
        expected.reverse()
    walked: list[int] = []
    limit = 97
    while True:
        page = api.rows(
            "/interaction_data", survey_id=survey_id, _limit=limit, _offset=len(walked),
            _order=order,
        )  # fmt: skip
        walked += [t["id"] for t in page]
        if len(page) < limit:
            break
    assert walked == expected
    assert len(walked) > 1000  # more than one maximum page


def test_offset_past_the_end_is_an_empty_list(api: Api, server: SandboxServer) -> None:
    response = api.get("/surveys", {"_offset": 10_000})
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers


def test_unknown_query_parameters_are_ignored(api: Api) -> None:
    plain = api.rows("/surveys", _limit=3)
    assert api.rows("/surveys", _limit=3, foo="bar", _page="x", limit="0") == plain


def test_interactions_default_to_status_order(api: Api, server: SandboxServer) -> None:
    survey_id = _busiest_survey(server)
    rows = api.rows("/interactions", survey_id=survey_id, _limit=1000)
    assert [(r["status"], -r["id"]) for r in rows] == sorted((r["status"], -r["id"]) for r in rows)
    assert len({r["status"] for r in rows}) > 1
    ascending = api.rows("/interactions", survey_id=survey_id, _limit=1000, _order="asc")
    assert [r["id"] for r in ascending] == sorted(r["id"] for r in rows)
    descending = api.rows("/interactions", survey_id=survey_id, _limit=1000, _order="DESC")
    assert [r["id"] for r in descending] == sorted((r["id"] for r in rows), reverse=True)


def test_include_data_adds_live_tags(api: Api, server: SandboxServer) -> None:
    survey_id = _busiest_survey(server)
    rows = api.rows(f"/surveys/{survey_id}/interactions", _limit=50, _include_data="true")
    assert any(r["interaction_data"] for r in rows)
    for row in rows:
        tags = row.pop("interaction_data")
        assert set(row) == INTERACTION_FIELDS
        assert all(set(t) == TAG_FIELDS and t["interaction_id"] == row["id"] for t in tags)
        assert {t["custom_key"]: t["custom_value"] for t in tags} == server.store.live_tags(
            row["id"]
        )
    without = api.rows(f"/surveys/{survey_id}/interactions", _limit=50, _include_data="0")
    assert without == rows
    one = api.get(f"/interactions/{rows[0]['id']}", {"_include_data": "1"}).json()
    assert [t["id"] for t in one["interaction_data"]] == sorted(
        server.store.tag_ids(interaction_id=rows[0]["id"])
    )


_Pred = Callable[[dict[str, Any]], bool]
_STATE_FILTERS: list[tuple[str, str, _Pred]] = [
    ("started", "true", lambda r: r["status"] not in ("Not Started", "Scheduled")),
    ("started", "0", lambda r: r["status"] in ("Not Started", "Scheduled")),
    ("completed", "1", lambda r: r["status"] == "Completed"),
    ("completed", "false", lambda r: r["status"] != "Completed"),
    ("survey_ended", "true", lambda r: r["status"] in ("Completed", "Abandoned")),
    ("survey_ended", "false", lambda r: r["status"] not in ("Completed", "Abandoned")),
]


@pytest.mark.parametrize(("name", "value", "keep"), _STATE_FILTERS)
def test_state_filters(api: Api, server: SandboxServer, name: str, value: str, keep: _Pred) -> None:
    survey_id = _busiest_survey(server)
    everything = _all_interactions(api, survey_id)
    expected = [r["id"] for r in everything if keep(r)]
    got = api.rows("/interactions", survey_id=survey_id, _limit=1000, _order="ASC", **{name: value})
    assert [r["id"] for r in got] == expected
    assert 0 < len(expected) < len(everything)


@pytest.mark.parametrize(
    "field", ["email", "survey_type", "external_ref", "call_type", "agent_id", "scheduled_at"]
)
def test_field_filters_are_exact_matches(api: Api, server: SandboxServer, field: str) -> None:
    survey_id = next(
        s for s in server.store.survey_ids()[:12]
        if any(r[field] is not None for r in _all_interactions(api, survey_id=s))
    )  # fmt: skip
    everything = _all_interactions(api, survey_id)
    value = next(r[field] for r in everything if r[field] is not None)
    expected = [r["id"] for r in everything if r[field] == value]
    got = api.rows(
        "/interactions", survey_id=survey_id, _limit=1000, _order="ASC", **{field: value}
    )
    assert [r["id"] for r in got] == expected


def _survey_with_agent(api: Api, server: SandboxServer, agent: str) -> int:
    return next(
        s for s in server.store.survey_ids()[:12]
        if any(r["agent_id"] == agent for r in _all_interactions(api, s))
    )  # fmt: skip


def test_agent_id_is_text_and_filters_exactly(api: Api, server: SandboxServer) -> None:
    survey_id = _survey_with_agent(api, server, "nevilr")
    everything = _all_interactions(api, survey_id)
    expected = [r["id"] for r in everything if r["agent_id"] == "nevilr"]
    response = api.get(
        "/interactions", {"survey_id": survey_id, "agent_id": "nevilr", "_order": "ASC"}
    )
    assert response.status_code == 200
    assert '"agent_id":"nevilr"' in response.text  # a JSON string, not a number
    assert [r["id"] for r in response.json()] == expected
    assert {r["agent_id"] for r in response.json()} == {"nevilr"}
    one = api.get(f"/interactions/{expected[0]}").json()
    assert one["agent_id"] == "nevilr"
    for near_miss in ("NEVILR", "nevil", "nevilr ", "nevil.r"):  # exact and case-sensitive
        rows = api.rows("/interactions", survey_id=survey_id, agent_id=near_miss, _limit=1000)
        assert all(r["agent_id"] == near_miss for r in rows)
        assert not set(expected) & {r["id"] for r in rows}


def test_numeric_looking_agent_ids_stay_text(api: Api, server: SandboxServer) -> None:
    survey_id = _survey_with_agent(api, server, "0071")
    rows = api.rows("/interactions", survey_id=survey_id, agent_id="0071", _limit=1000)
    assert rows and {r["agent_id"] for r in rows} == {"0071"}
    assert api.get("/interactions", {"survey_id": survey_id, "agent_id": "71"}).status_code == 204
    for text in ("12a", "-5", "1.0", "zoë.m", "a b"):  # any text is a filter, never a 400
        response = api.get("/interactions", {"survey_id": survey_id, "agent_id": text})
        assert response.status_code in (200, 204), text


def test_sample_agents_include_the_vendors_example_and_calls_without_one(
    api: Api, server: SandboxServer
) -> None:
    rows = [r for s in server.store.survey_ids()[:12] for r in _all_interactions(api, s)]
    agents = {r["agent_id"] for r in rows}
    assert {"nevilr", "a.chen", "1042", "m_okafor", None} <= agents
    assert all(a is None or isinstance(a, str) for a in agents)
    phone = [r for r in rows if r["survey_type"] in ("inbound", "outbound")]
    assert any(r["agent_id"] is None for r in phone)
    assert all(r["agent_id"] is None for r in rows if r not in phone)


def test_scheduled_at_day_matches_the_whole_day(api: Api, server: SandboxServer) -> None:
    survey_id = _busiest_survey(server)
    everything = _all_interactions(api, survey_id)
    day = next(r["scheduled_at"] for r in everything if r["scheduled_at"])[:10]
    expected = [r["id"] for r in everything if (r["scheduled_at"] or "").startswith(day)]
    got = api.rows(
        "/interactions", survey_id=survey_id, _limit=1000, _order="ASC", scheduled_at=day
    )
    assert [r["id"] for r in got] == expected


def test_date_range_spans_surveys_and_is_inclusive(api: Api, server: SandboxServer) -> None:
    everything = [r for s in server.store.survey_ids()[:12] for r in _all_interactions(api, s)]
    start, end = "2026-03-10", "2026-03-12"
    expected = sorted(r["id"] for r in everything if start <= r["created_at"][:10] <= end)
    got = api.rows("/interactions", start_date=start, end_date=end, _limit=1000, _order="ASC")
    assert [r["id"] for r in got] == expected
    assert len({r["survey_id"] for r in got}) > 1
    one_day = api.rows("/interactions", start_date=end, end_date=end, _limit=1000)
    assert {r["created_at"][:10] for r in one_day} == {end}
    survey_id = got[0]["survey_id"]
    both = api.rows(
        "/interactions", survey_id=survey_id, start_date=start, end_date=end, _limit=1000,
        _order="ASC",
    )  # fmt: skip
    assert [r["id"] for r in both] == [r["id"] for r in got if r["survey_id"] == survey_id]


def test_custom_key_filter_is_exact_and_case_sensitive(api: Api, server: SandboxServer) -> None:
    survey_id = _busiest_survey(server)
    upper = api.rows("/interaction_data", survey_id=survey_id, custom_key="REGION", _limit=1000)
    lower = api.rows("/interaction_data", survey_id=survey_id, custom_key="region", _limit=1000)
    assert upper and lower
    assert {t["custom_key"] for t in upper} == {"REGION"}
    assert {t["custom_key"] for t in lower} == {"region"}
    assert (
        api.get("/interaction_data", {"survey_id": survey_id, "custom_key": "REGIO"}).status_code
        == 204
    )
    interaction_id = upper[0]["interaction_id"]
    both = api.rows("/interaction_data", interaction_id=interaction_id, custom_key="REGION")
    assert [t["id"] for t in both] == [upper[0]["id"]]


def test_survey_and_interaction_filters_combine(api: Api, server: SandboxServer) -> None:
    first, second = server.store.survey_ids()[:2]
    interaction_id = server.store.interaction_ids(first)[0]
    mine = api.rows("/interaction_data", survey_id=first, interaction_id=interaction_id)
    assert {t["id"] for t in mine} == server.store.tag_ids(interaction_id=interaction_id)
    other = api.get("/interaction_data", {"survey_id": second, "interaction_id": interaction_id})
    assert other.status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        "/surveys/987654321",
        "/interactions/987654321",
        "/interaction_data/987654321",
        "/surveys/987654321/interactions",
        "/surveys/987654321/interaction_data",
        "/interactions/987654321/interaction_data",
        "/interactions?survey_id=987654321",
        "/interaction_data?survey_id=987654321",
        "/interaction_data?interaction_id=987654321",
        "/interactions?survey_id=987654321&start_date=2026-01-01&end_date=2026-01-02",
        "/surveys/0",
        "/surveys/99999999999999999999999",
        "/surveys/abc",
        "/surveys/-1",
        "/nope",
        "/surveys/1/nope",
        "/surveys/",
        "",
    ],
)
def test_unknown_things_are_404_json(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    error_of(response)


def test_routes_outside_api_are_404_json_without_auth(server: SandboxServer) -> None:
    import requests

    response = requests.get(server.base_url.removesuffix("/api") + "/surveys", timeout=10)
    assert response.status_code == 404
    error_of(response)


def test_tag_pages_rendered_by_sqlite_match_the_python_rendering() -> None:
    """The fast JSON path (no quirks) and the quirk path give the same records in the
    same order, for both directions and a filter."""
    import requests

    from sdx_desktop.sandbox import SandboxServer

    with SandboxServer.start(sample="small") as server:
        survey_id = server.store.survey_ids()[0]
        params = {"survey_id": survey_id, "_limit": 1000, "_offset": 7}
        for order in ("ASC", "DESC"):
            fast = requests.get(
                f"{server.base_url}/interaction_data", params={**params, "_order": order},
                auth=server.basic, timeout=10,
            ).json()  # fmt: skip
            server.set_quirks(omit_fields=frozenset({"no_such_field"}))  # forces the slow path
            slow = requests.get(
                f"{server.base_url}/interaction_data", params={**params, "_order": order},
                auth=server.basic, timeout=10,
            ).json()  # fmt: skip
            server.clear_quirks()
            assert fast == slow and len(fast) == 1000
            assert [t["id"] for t in fast] == sorted(
                (t["id"] for t in fast), reverse=order == "DESC"
            )
