"""Write bodies must be valid Unicode: lone surrogates and invalid UTF-8 are a plain 400
naming the field, the position and the reason, never a 500, a parse error or stored mojibake."""

from __future__ import annotations

import pytest
import requests

from sdx_desktop.sandbox import SandboxServer

from .conftest import Api, error_of

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _refused(api: Api, server: SandboxServer, interaction: int, **kw: object) -> str:
    """POST, expect a JSON 400 that stored nothing; return its message."""
    before = server.store.live_tags(interaction)
    response = api.post(**kw)
    assert response.status_code == 400, response.text
    assert server.store.live_tags(interaction) == before
    return error_of(response)["message"]


def _json(interaction: int, key: str = "k", value: str = "v") -> str:
    """A JSON body written by hand, so escapes such as \\ud800 reach the server as typed."""
    return f'{{"interaction_id": {interaction}, "custom_key": "{key}", "custom_value": "{value}"}}'


# -- JSON: escaped lone surrogates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "surrogate", "position"),
    [("abc\\ud800", "\\ud800", 3), ("\\udfff", "\\udfff", 0), ("x\\ude00\\ud83d", "\\ude00", 1),
     ("\\ud83d\\ud83d\\ude00", "\\ud83d", 0), ("caf\\u00e9 \\udbff!", "\\udbff", 5)],
)  # fmt: skip
def test_a_lone_surrogate_in_a_json_value_is_named(
    api: Api, server: SandboxServer, interaction: int, value: str, surrogate: str, position: int
) -> None:
    message = _refused(api, server, interaction, data=_json(interaction, value=value), headers=JSON)
    assert message == (
        f"custom_value contains an invalid character (a lone UTF-16 surrogate {surrogate} "
        f"at position {position}); send valid Unicode"
    )


def test_a_surrogate_pair_is_one_valid_character(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    body = _json(interaction, key="smile", value="\\ud83d\\ude00 ok")
    response = api.post(data=body, headers=JSON)
    assert response.status_code == 200, response.text
    assert server.store.live_tags(interaction)["smile"] == "😀 ok"


def test_a_lone_surrogate_in_the_key_or_id_or_a_name_is_named(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    key = _refused(api, server, interaction, data=_json(interaction, key="ti\\ud800er"),
                   headers=JSON)  # fmt: skip
    assert key.startswith("custom_key contains an invalid character (a lone UTF-16 surrogate")
    assert "\\ud800 at position 2" in key and "letter" not in key
    body = f'{{"interaction_id": "{interaction}\\udc00", "custom_key": "k", "custom_value": "v"}}'
    assert _refused(api, server, interaction, data=body, headers=JSON).startswith(
        "interaction_id contains an invalid character"
    )
    body = _json(interaction).replace("}", ', "x\\ud800": 1}')
    assert _refused(api, server, interaction, data=body, headers=JSON).startswith(
        "a field name contains an invalid character (a lone UTF-16 surrogate \\ud800 at position 1)"
    )


# -- JSON: bytes that are not UTF-8 ---------------------------------------------------------


def test_invalid_utf8_in_a_json_body_names_the_field(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    def raw(value: bytes) -> bytes:
        return _json(interaction, value="@").encode().replace(b"@", value)

    message = _refused(api, server, interaction, data=raw(b"ab\xff"), headers=JSON)
    assert message == (
        "custom_value is not valid UTF-8: byte 0xFF at byte 2 (invalid start byte); "
        "send valid UTF-8"
    )
    message = _refused(api, server, interaction, data=raw(b"\xed\xa0\x80"), headers=JSON)
    assert message == (
        "custom_value is not valid UTF-8: the bytes ED A0 80 at byte 0 encode a lone UTF-16 "
        "surrogate (\\ud800), which UTF-8 does not allow; send valid UTF-8"
    )
    outside = b'{"interaction_id": 1\xff}'
    message = _refused(api, server, interaction, data=outside, headers=JSON)
    assert message.startswith("the JSON body is not valid UTF-8: byte 0xFF at byte 20")


def test_other_broken_json_bodies_are_plain_400s(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    for body in (b"", b"{not json", b"[" * 100_000 + b"]" * 100_000, b'"text"'):
        message = _refused(api, server, interaction, data=body, headers=JSON)
        assert "JSON" in message


# -- forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [("a%ED%A0%80", "the bytes ED A0 80 at byte 1 encode a lone UTF-16 surrogate (\\ud800)"),
     ("%ED%BF%BF", "the bytes ED BF BF at byte 0 encode a lone UTF-16 surrogate (\\udfff)"),
     ("%FF", "byte 0xFF at byte 0 (invalid start byte)"),
     ("ok%C3", "byte 0xC3 at byte 2 (unexpected end of data)"),
     ("%C3%28", "byte 0xC3 at byte 0 (invalid continuation byte)")],
)  # fmt: skip
def test_percent_encoded_invalid_utf8_in_a_form_is_named(
    api: Api, server: SandboxServer, interaction: int, encoded: str, reason: str
) -> None:
    body = f"interaction_id={interaction}&custom_key=k&custom_value={encoded}"
    message = _refused(api, server, interaction, data=body, headers=FORM)
    assert message.startswith(f"custom_value is not valid UTF-8: {reason}"), message
    assert message.endswith("; send valid UTF-8")


def test_raw_bytes_and_names_in_a_form_are_checked_too(
    api: Api, server: SandboxServer, interaction: int
) -> None:
    body = b"interaction_id=%d&custom_key=k&custom_value=\xff" % interaction
    assert _refused(api, server, interaction, data=body, headers=FORM).startswith(
        "custom_value is not valid UTF-8: byte 0xFF at byte 0"
    )
    body = b"interaction_id=%d&custom_key=k%%FF&custom_value=v" % interaction
    assert _refused(api, server, interaction, data=body, headers=FORM).startswith(
        "custom_key is not valid UTF-8: byte 0xFF at byte 1"
    )
    body = b"interaction_id=%d&custom_key=k&custom_value=v&x%%FF=1" % interaction
    assert _refused(api, server, interaction, data=body, headers=FORM).startswith(
        "a field name is not valid UTF-8"
    )


def test_valid_forms_read_as_before(api: Api, server: SandboxServer, interaction: int) -> None:
    cases = [
        (f"interaction_id={interaction}&custom_key=pct&custom_value=caf%C3%A9+%F0%9F%98%80",
         "pct", "café 😀"),
        (f"interaction_id={interaction}&custom_key=raw&custom_value=café".encode(), "raw", "café"),
        (f"interaction_id={interaction}&custom_key=blank&custom_value=", "blank", ""),
        (f"interaction_id={interaction}&custom_key=first&custom_value=1&custom_value=2",
         "first", "1"),
        (f"&interaction_id={interaction}&&custom_key=amp&custom_value=a%26b%3Dc", "amp", "a&b=c"),
    ]  # fmt: skip
    for body, key, value in cases:
        response = api.post(data=body, headers=FORM)
        assert response.status_code == 200, response.text
        assert server.store.live_tags(interaction)[key] == value
    bare = f"interaction_id={interaction}&custom_key=bare&custom_value"
    assert api.post(data=bare, headers=FORM).status_code == 200
    assert server.store.live_tags(interaction)["bare"] == ""


# -- multipart --------------------------------------------------------------------------------


def test_multipart_parts_must_be_utf8(api: Api, server: SandboxServer, interaction: int) -> None:
    fields: dict[str, tuple[None, bytes]] = {
        "interaction_id": (None, str(interaction).encode()),
        "custom_key": (None, b"multi"),
        "custom_value": (None, b"caf\xc3\xa9"),
    }
    assert api.post(files=fields).status_code == 200
    assert server.store.live_tags(interaction)["multi"] == "café"
    fields["custom_value"] = (None, b"caf\xe9")  # Latin-1, not UTF-8
    assert _refused(api, server, interaction, files=fields).startswith(
        "custom_value is not valid UTF-8: byte 0xE9 at byte 3"
    )
    fields["custom_value"] = (None, b"\xed\xa0\x80")
    assert "lone UTF-16 surrogate (\\ud800)" in _refused(api, server, interaction, files=fields)
    headers = {"Content-Type": "multipart/form-data"}
    assert "boundary" in _refused(api, server, interaction, data=b"--x--", headers=headers)
    headers = {"Content-Type": "multipart/form-data; boundary=xyz"}
    broken = b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\ncut short'

    assert "multipart" in _refused(api, server, interaction, data=broken, headers=headers)


def test_query_strings_and_other_types_are_still_no_body(api: Api, interaction: int) -> None:
    fields = f"interaction_id={interaction}&custom_key=k&custom_value=v"
    response = api.post(data=fields, headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "interaction_id is required"
    response = requests.post(
        api.url("/interaction_data?" + fields), auth=api.server.basic, timeout=10
    )
    assert response.status_code == 400
