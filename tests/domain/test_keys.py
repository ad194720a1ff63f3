import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdx_desktop.domain.keys import KeyRuleError, check_key, is_valid_key, key_problem
from sdx_desktop.sandbox import rules as sandbox_rules

CONTRACT_RULE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@pytest.mark.parametrize("key", ["REGION", "tier", "campaign_2026", "NPS_band", "a", "Z9_"])
def test_valid_keys(key: str) -> None:
    assert key_problem(key) is None
    assert check_key(key) == key


@pytest.mark.parametrize(
    ("key", "reason_part"),
    [
        ("", "empty"),
        ("   ", "only spaces"),
        (" tier", "start or end with a space"),
        ("tier ", "start or end with a space"),
        ("1tier", "start with a letter"),
        ("_tier", "start with a letter"),
        ("my-key", "“-”"),
        ("my key", "spaces"),
        ("région", "“é”"),
        ("tier\n", "start or end with a space"),
        ("ti\u200ber", "invisible character U+200B"),
        ("Ｔier", "start with a letter"),
        ("tier٣", "“٣”"),
    ],
)
def test_invalid_keys_say_why(key: str, reason_part: str) -> None:
    problem = key_problem(key)
    assert problem is not None and reason_part in problem
    with pytest.raises(KeyRuleError) as info:
        check_key(key)
    assert info.value.key == key and str(info.value) == problem


key_like = st.text(alphabet=st.sampled_from("aZ09_- é\t\n\u200b٣Ｔ"), max_size=12) | st.text(
    max_size=12
)


@given(key_like)
def test_client_rule_agrees_with_sandbox_and_contract(key: str) -> None:
    expected = CONTRACT_RULE.fullmatch(key) is not None
    assert is_valid_key(key) is expected
    assert sandbox_rules.is_valid_key(key) is expected
