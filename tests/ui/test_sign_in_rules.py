"""The sign-in form's checks before anything is sent (domain/sign_in.py, no Qt)."""

from __future__ import annotations

import pytest

from sdx_desktop.api.auth import BasicCredentials, TokenCredentials
from sdx_desktop.api.errors import (
    AuthError,
    NetworkError,
    NotFoundError,
    RequestTimeoutError,
    ServerError,
)
from sdx_desktop.api.urls import REGIONS
from sdx_desktop.domain.sign_in import (
    CHECK_UUID,
    FIX_FIELDS,
    NOT_A_UUID,
    SignInForm,
    likely_wrong_field,
    region_choices,
    uuid_shaped,
    validate_sign_in,
)

UUID = "6f1c2a9e-3b7d-4e2a-9c51-0d8e4f7a2b10"


def test_the_region_list_comes_from_the_api_module() -> None:
    choices = region_choices()
    assert [region for _label, region in choices] == list(REGIONS)
    assert choices[:3] == (
        ("United States (us1)", "us1"),
        ("United States 2 (us2)", "us2"),
        ("United States 3 (us3)", "us3"),
    )
    assert ("Europe (eu1)", "eu1") in choices


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        (UUID, True),
        (UUID.upper(), True),
        (UUID.replace("-", ""), True),
        (f"  {UUID} ", True),
        ("6f1c2a9e-0000", False),
        ("6f1c2a9e3b7d-4e2a-9c51-0d8e4f7a2b10", False),  # hyphens half there
        (UUID.replace("6f", "zz"), False),
        ("acme-corp", False),
        ("", False),
    ],
)
def test_uuid_shape(text: str, shaped: bool) -> None:
    assert uuid_shaped(text) is shaped


def test_everything_fine() -> None:
    check = validate_sign_in(
        SignInForm("eu1", "basic", customer_uuid=f" {UUID} ", auth_token="tok ")
    )
    assert check.ok
    assert check.credentials == BasicCredentials(UUID, "tok")
    assert check.location == "eu1"
    custom = validate_sign_in(
        SignInForm("custom", "token", custom_url="https://sdx.example.org/api/", token="pat")
    )
    assert custom.ok
    assert custom.credentials == TokenCredentials("pat")
    assert custom.location == "https://sdx.example.org/api"


def test_missing_fields_are_named_in_form_order() -> None:
    check = validate_sign_in(SignInForm("custom", "basic"))
    assert not check.ok and check.credentials is None
    assert list(check.problems) == ["custom_url", "customer_uuid", "auth_token"]
    assert check.summary == FIX_FIELDS
    assert check.first_field == "custom_url"
    token = validate_sign_in(SignInForm("us1", "token", token="   "))
    assert token.problems == {"token": "Paste your personal access token."}


def test_a_uuid_that_is_not_uuid_shaped_is_flagged_before_sending() -> None:
    check = validate_sign_in(SignInForm("us1", "basic", customer_uuid="acme-corp", auth_token="t"))
    assert not check.ok
    assert check.problems == {"customer_uuid": NOT_A_UUID}
    assert check.summary == CHECK_UUID
    assert check.first_field == "customer_uuid"
    assert "acme-corp" not in check.summary + NOT_A_UUID + check.detail


def test_an_unsendable_character_is_named_before_the_shape() -> None:
    check = validate_sign_in(
        SignInForm("us1", "basic", customer_uuid="uuid-with\nbreak", auth_token="tok")
    )
    assert list(check.problems) == ["customer_uuid"]
    assert "line break" in check.problems["customer_uuid"]
    assert "with\nbreak" not in check.summary


def test_an_insecure_address_is_refused() -> None:
    check = validate_sign_in(
        SignInForm("custom", "token", custom_url="http://sdx.example.org/api", token="pat")
    )
    assert check.first_field == "custom_url"
    assert "https://" in check.summary


@pytest.mark.parametrize(
    ("error", "custom", "method", "field"),
    [
        (AuthError(), False, "basic", "auth_token"),
        (AuthError(), True, "token", "token"),
        (NetworkError(), True, "basic", "custom_url"),
        (RequestTimeoutError(), True, "token", "custom_url"),
        (NetworkError(), False, "basic", None),  # a region: the network, not the form
        (NotFoundError(), True, "basic", "custom_url"),
        (NotFoundError(), False, "basic", "region"),
        (ServerError(), True, "basic", None),
    ],
)
def test_the_field_most_likely_wrong(
    error: Exception, custom: bool, method: str, field: str | None
) -> None:
    form = SignInForm("custom" if custom else "us1", method)  # type: ignore[arg-type]
    assert likely_wrong_field(error, form) == field  # type: ignore[arg-type]
