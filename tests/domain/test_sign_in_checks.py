"""The sign-in form's checks (domain/sign_in.py) in the details mutation testing found
unchecked: each field's own message, the kind of problem the log gets, and the labels
of regions the app does not have a country name for. The dialog's behaviour is in
tests/ui/test_sign_in_rules.py and test_login_dialog.py."""

from __future__ import annotations

import pytest

from sdx_desktop.api.auth import BasicCredentials, TokenCredentials
from sdx_desktop.api.errors import CredentialFormatError, InsecureUrlError
from sdx_desktop.api.urls import normalise_base_url
from sdx_desktop.domain.sign_in import (
    CHECK_UUID,
    CUSTOM,
    FIX_FIELDS,
    NOT_A_UUID,
    SignInForm,
    region_label,
    validate_sign_in,
)

UUID = "6f1c2a9e-3b7d-4e2a-9c51-0d8e4f7a2b10"


def test_each_missing_field_says_what_to_enter() -> None:
    check = validate_sign_in(SignInForm(region=CUSTOM, method="basic"))
    assert check.problems == {
        "custom_url": "Enter the server address.",
        "customer_uuid": "Enter your customer UUID.",
        "auth_token": "Enter your auth token.",
    }
    assert (check.summary, check.detail, check.credentials) == (FIX_FIELDS, "missing", None)
    token = validate_sign_in(SignInForm(region="us1", method="token", token="  "))
    assert token.problems == {"token": "Paste your personal access token."}
    assert token.detail == "missing" and not token.ok


def test_an_unsendable_secret_is_named_with_its_reason() -> None:
    form = SignInForm(region="us1", method="basic", customer_uuid=UUID, auth_token="tok\x00en")
    check = validate_sign_in(form)
    with pytest.raises(CredentialFormatError) as info:
        BasicCredentials(UUID, "tok\x00en").check_sendable()
    assert list(check.problems) == ["auth_token"]
    assert (check.summary, check.detail) == (str(info.value), info.value.detail)
    assert check.summary and check.detail
    token = validate_sign_in(SignInForm(region="us1", method="token", token="a\nb"))
    with pytest.raises(CredentialFormatError) as token_info:
        TokenCredentials("a\nb").check_sendable()
    assert (token.summary, token.detail) == (str(token_info.value), token_info.value.detail)


def test_a_uuid_of_the_wrong_shape_is_a_problem_of_its_own_kind() -> None:
    form = SignInForm(region="eu1", method="basic", customer_uuid="12345", auth_token="t")
    check = validate_sign_in(form)
    assert (check.problems, check.summary, check.detail) == (
        {"customer_uuid": NOT_A_UUID},
        CHECK_UUID,
        "uuid shape",
    )


def test_a_refused_custom_address_says_why_in_the_field_and_the_summary() -> None:
    url = "http://example.com/api"
    form = SignInForm(region=CUSTOM, method="token", token="t0k", custom_url=url)
    with pytest.raises(InsecureUrlError) as info:
        normalise_base_url(url)
    check = validate_sign_in(form)
    assert check.problems == {"custom_url": str(info.value)}
    assert (check.summary, check.detail) == (str(info.value), "custom address")
    good = validate_sign_in(
        SignInForm(
            region=CUSTOM, method="token", token="t0k", custom_url=" http://127.0.0.1:8/api/ "
        )
    )
    assert good.ok and good.location == "http://127.0.0.1:8/api"


@pytest.mark.parametrize(
    ("region", "label"),
    [
        ("us1", "United States (us1)"),
        ("us2", "United States 2 (us2)"),
        ("au1", "Australia (au1)"),
        ("xx1", "XX (xx1)"),  # letters without a country name are shown as they are
        ("sa3", "SA 3 (sa3)"),
    ],
)
def test_region_labels(region: str, label: str) -> None:
    assert region_label(region) == label
