"""The vendor's own examples, verbatim, and the id shapes a careless server may send."""

from __future__ import annotations

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Interaction, Tag, decode_list, decode_one
from sdx_desktop.sandbox import SandboxServer

# The reference's example interaction, as printed there (agent_id is a string).
VENDOR_INTERACTION = b"""{
  "id": 24062,
  "uuid": "0a2d5ef4-2a2f-11e6-9c8f-0e1d2a3f4b5c",
  "survey_id": 3,
  "phone_number": "+16045553309",
  "email": "example@example.com",
  "survey_type": "outbound",
  "scheduled_at": "2016-02-19 10:30:02",
  "external_ref": "ABC123",
  "created_at": "2016-02-19 10:30:02",
  "updated_at": "2016-02-19 10:30:02",
  "call_type": "",
  "agent_id": "nevilr",
  "status": "Not Started",
  "web_link": "https://surveydynamix.com/web_survey/0a2d5ef4"
}"""

VENDOR_TAG = b"""{"id": 12214125, "interaction_id": 24062, "custom_key": "VALUE",
"custom_value": "GOLD", "created_at": "2016-02-19 10:30:02",
"updated_at": "2016-02-19 10:30:02"}"""


def test_the_vendor_example_interaction_decodes_verbatim() -> None:
    interaction = decode_one(VENDOR_INTERACTION, Interaction)
    assert interaction.id == 24062 and interaction.survey_id == 3
    assert interaction.agent_id == "nevilr"
    assert interaction.contact == "example@example.com"
    (listed,) = decode_list(b"[" + VENDOR_INTERACTION + b"]", Interaction)
    assert listed == interaction


def test_the_vendor_example_tag_decodes_verbatim() -> None:
    tag = decode_one(VENDOR_TAG, Tag)
    assert (tag.id, tag.interaction_id, tag.custom_key, tag.custom_value) == (
        12214125,
        24062,
        "VALUE",
        "GOLD",
    )


@pytest.mark.parametrize(
    ("agent_id", "expected"), [('"nevilr"', "nevilr"), ("1042", "1042"), ("null", "")]
)
def test_agent_ids_are_text_whatever_the_server_sends(agent_id: str, expected: str) -> None:
    body = f'[{{"id": 1, "agent_id": {agent_id}}}]'.encode()
    (interaction,) = decode_list(body, Interaction)
    assert interaction.agent_id == expected


@pytest.mark.parametrize("bad_id", ['"²"', '"١٢"', '"12a"', '"-"', "true", "1.5", '""', "null"])
def test_an_id_that_is_not_a_whole_number_is_a_protocol_error(bad_id: str) -> None:
    with pytest.raises(errors.ProtocolError) as info:
        decode_list(f'[{{"id": {bad_id}, "interaction_id": 1}}]'.encode(), Tag)
    assert str(info.value).startswith("Survey Dynamix sent an answer the app could not read.")


@pytest.mark.parametrize("good_id", ['"12"', '" 12 "', "12", "12.0"])
def test_ids_as_numeric_strings_are_accepted(good_id: str) -> None:
    (tag,) = decode_list(f'[{{"id": {good_id}, "interaction_id": "7"}}]'.encode(), Tag)
    assert (tag.id, tag.interaction_id) == (12, 7)


def test_the_sandbox_filters_interactions_by_a_text_agent_id(
    sandbox: SandboxServer, client: SdxClient
) -> None:
    survey_id = sandbox.store.create_survey("Agents")
    mine = sandbox.store.create_interaction(survey_id, agent_id="nevilr")
    sandbox.store.create_interaction(survey_id, agent_id="a.chen")
    found = client.list_interactions(survey_id, agent_id="nevilr")
    assert [i.id for i in found] == [mine]
    assert found[0].agent_id == "nevilr"
