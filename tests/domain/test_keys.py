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


EMPTY = "The key is empty. Type a name such as REGION or tier."
SPACES = "The key is only spaces. Type a name such as REGION or tier."
EDGE_SPACE = "The key must not start or end with a space."
FIRST_LETTER = "The key must start with a letter (A–Z or a–z)."


def only(shown: str) -> str:
    return f"The key may contain only letters A–Z, digits and _ (not {shown})."


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", EMPTY),
        ("   ", SPACES),
        (" tier", EDGE_SPACE),
        ("tier ", EDGE_SPACE),
        ("tier\n", EDGE_SPACE),
        ("1tier", FIRST_LETTER),
        ("_tier", FIRST_LETTER),
        ("Ｔier", FIRST_LETTER),
        ("my-key", only("“-”")),
        ("my key", only("spaces")),
        ("région", only("“é”")),
        ("ti\u200ber", only("the invisible character U+200B")),
        ("tier٣", only("“٣”")),
        # Every character that breaks the rule, once each, sorted; at most five.
        ("a-b.c-d", only("“-”, “.”")),
        ("a!b#c$d%e&f'g", only("“!”, “#”, “$”, “%”, “&”")),
    ],
)
def test_invalid_keys_say_why(key: str, reason: str) -> None:
    assert key_problem(key) == reason
    with pytest.raises(KeyRuleError) as info:
        check_key(key)
    assert info.value.key == key and str(info.value) == reason


key_like = st.text(alphabet=st.sampled_from("aZ09_- é\t\n\u200b٣Ｔ"), max_size=12) | st.text(
    max_size=12
)


@given(key_like)
def test_client_rule_agrees_with_sandbox_and_contract(key: str) -> None:
    expected = CONTRACT_RULE.fullmatch(key) is not None
    assert is_valid_key(key) is expected
    assert sandbox_rules.is_valid_key(key) is expected
