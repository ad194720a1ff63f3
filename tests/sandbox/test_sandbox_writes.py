"""Writing tags: upsert, delete, 410, value limits, bodies, and concurrent use."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sdx_desktop.sandbox import SandboxServer

from .conftest import Api, error_of


def test_post_creates_then_upserts_the_same_id(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    created = api.set_tag(interaction, "tier", "GOLD")
    assert created["interaction_id"] == interaction
    assert (created["custom_key"], created["custom_value"]) == ("tier", "GOLD")
    assert created["created_at"] == created["updated_at"]
    again = api.set_tag(interaction, "tier", "SILVER")
    assert again["id"] == created["id"]
    assert again["custom_value"] == "SILVER"
    assert again["created_at"] == created["created_at"]
    assert again["updated_at"] > created["updated_at"]  # even within the same second
    third = api.set_tag(interaction, "tier", "SILVER")
    assert third["updated_at"] > again["updated_at"]
    assert api.get(f"/interaction_data/{created['id']}").json() == third
    assert server.store.live_tags(interaction) == {"tier": "SILVER"}


def test_keys_are_case_sensitive(api: Api, server: SandboxServer, interaction: int) -> None:
    ids = {api.set_tag(interaction, key, key.lower())["id"] for key in ("Foo", "foo", "FOO")}
    assert len(ids) == 3
    assert server.store.live_tags(interaction) == {"Foo": "foo", "foo": "foo", "FOO": "foo"}


def test_delete_is_204_then_410_and_ids_are_never_reused(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    tag = api.set_tag(interaction, "region", "west")
    response = api.delete(f"/interaction_data/{tag['id']}")
    assert response.status_code == 204
    assert response.content == b""
    for again in (
        api.get(f"/interaction_data/{tag['id']}"),
        api.delete(f"/interaction_data/{tag['id']}"),
    ):
        assert again.status_code == 410
        error_of(again)
    assert api.get(f"/interactions/{interaction}/interaction_data").status_code == 204
    row = server.store.get_tag_row(tag["id"])
    assert row is not None and row["deleted"] is True
    reposted = api.set_tag(interaction, "region", "west")
    assert reposted["id"] > tag["id"]
    assert api.get(f"/interaction_data/{tag['id']}").status_code == 410
    assert server.store.tag_ids(interaction_id=interaction) == {reposted["id"]}


def test_deleting_the_newest_tag_does_not_free_its_id(empty: SandboxServer, eapi: Api) -> None:
    survey_id = empty.store.create_survey("Ids")
    interaction_id = empty.store.create_interaction(survey_id)
    first = eapi.set_tag(interaction_id, "a", "1")
    assert eapi.delete(f"/interaction_data/{first['id']}").status_code == 204
    second = eapi.set_tag(interaction_id, "a", "1")
    assert second["id"] > first["id"]


def test_unknown_tag_is_404_for_get_and_delete(api: Api) -> None:
    for response in (
        api.get("/interaction_data/987654321"),
        api.delete("/interaction_data/987654321"),
    ):
        assert response.status_code == 404
        error_of(response)


def test_value_limits_count_characters(api: Api, server: SandboxServer, interaction: int) -> None:
    for key, value in (
        ("ascii", "x" * 65_535),
        ("accents", "é" * 65_535),
        ("emoji", "😀" * 65_535),
        ("cjk", "客" * 65_535),
        ("blank", ""),
        ("spaces", "  leading and trailing  "),
        ("lines", "line one\nline two\r\n\ttabbed"),
    ):
        tag = api.set_tag(interaction, key, value)
        assert tag["custom_value"] == value
        assert api.get(f"/interaction_data/{tag['id']}").json()["custom_value"] == value
    assert server.store.live_tags(interaction)["emoji"] == "😀" * 65_535


def test_json_bodies_are_accepted(api: Api, server: SandboxServer, interaction: int) -> None:
    for body in (
        {"interaction_id": interaction, "custom_key": "via_json", "custom_value": "yes"},
        {"interaction_id": str(interaction), "custom_key": "via_json", "custom_value": "again"},
    ):
        response = api.post(json=body)
        assert response.status_code == 200, response.text
    assert server.store.live_tags(interaction) == {"via_json": "again"}


def test_multipart_forms_are_accepted(api: Api, server: SandboxServer, interaction: int) -> None:
    fields: dict[str, Any] = {
        "interaction_id": (None, str(interaction)),
        "custom_key": (None, "multi"),
        "custom_value": (None, "part"),
    }
    response = api.post(files=fields)
    assert response.status_code == 200, response.text
    assert server.store.live_tags(interaction) == {"multi": "part"}


def test_query_string_fields_do_not_count_as_a_body(api: Api, interaction: int) -> None:
    params = {"interaction_id": interaction, "custom_key": "k", "custom_value": "v"}
    assert api.post(params=params).status_code == 400


def test_changing_a_value_behind_the_clients_back(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    tag = api.set_tag(interaction, "tier", "GOLD")
    server.store.set_tag_value_directly(tag["id"], "BRONZE")
    now = api.get(f"/interaction_data/{tag['id']}").json()
    assert now["custom_value"] == "BRONZE"
    assert now["updated_at"] > tag["updated_at"]


def test_store_helpers_agree_with_the_api(api: Api, server: SandboxServer) -> None:
    survey_id = server.store.create_survey("Exactly 1234", description="made by a test")
    assert api.get(f"/surveys/{survey_id}").json()["description"] == "made by a test"
    server.store.bulk_create_tags(survey_id, 1234, per_interaction=100)
    assert server.store.count_tags(survey_id) == 1234
    assert len(server.store.interaction_ids(survey_id)) == 13
    tags = api.rows("/interaction_data", survey_id=survey_id, _limit=1000, _order="ASC")
    tags += api.rows(
        "/interaction_data", survey_id=survey_id, _limit=1000, _offset=1000, _order="ASC"
    )
    assert [t["id"] for t in tags] == sorted(server.store.tag_ids(survey_id=survey_id))
    interaction_id = server.store.create_interaction(
        survey_id, status="Completed", email="x@example.com", agent_id="0007"
    )
    row = api.get(f"/interactions/{interaction_id}").json()
    assert (row["status"], row["email"], row["agent_id"]) == ("Completed", "x@example.com", "0007")
    with pytest.raises(TypeError):
        server.store.create_interaction(survey_id, agent_id=7)  # agent ids are text
    assert server.store.count_tags() >= 1234


def test_concurrent_paging_and_upserts(api: Api, server: SandboxServer) -> None:
    survey_id = server.store.create_survey("Concurrency")
    server.store.bulk_create_tags(survey_id, 4000, per_interaction=50)
    writer_interactions = [server.store.create_interaction(survey_id) for _ in range(8)]
    expected = sorted(server.store.tag_ids(survey_id=survey_id))
    start = threading.Barrier(16)

    def read_page(page: int) -> list[int]:
        start.wait()
        rows = api.rows(
            "/interaction_data", survey_id=survey_id, _limit=500, _offset=page * 500, _order="ASC"
        )
        return [t["id"] for t in rows]

    def write(index: int) -> list[dict[str, Any]]:
        start.wait()
        interaction_id = writer_interactions[index]
        return [api.set_tag(interaction_id, f"k{n % 5}", f"v{n}") for n in range(20)]

    with ThreadPoolExecutor(16) as pool:
        pages = [pool.submit(read_page, p) for p in range(8)]
        writes = [pool.submit(write, i) for i in range(8)]
        walked = [tag_id for page in pages for tag_id in page.result()]
        written = [w.result() for w in writes]
    assert walked == expected
    for interaction_id, records in zip(writer_interactions, written, strict=True):
        assert server.store.live_tags(interaction_id) == {f"k{n}": f"v{15 + n}" for n in range(5)}
        assert len({r["id"] for r in records}) == 5  # upserts kept one id per key


def test_concurrent_upserts_of_one_key_keep_one_record(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    with ThreadPoolExecutor(8) as pool:
        records = list(pool.map(lambda n: api.set_tag(interaction, "shared", f"v{n}"), range(40)))
    assert len({r["id"] for r in records}) == 1
    assert len(server.store.tag_ids(interaction_id=interaction)) == 1
    stamps = sorted(r["updated_at"] for r in records)
    assert len(set(stamps)) == len(stamps)  # every write visibly changed updated_at
