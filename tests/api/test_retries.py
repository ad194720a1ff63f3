"""Retries and failures under injected faults: exact results, bounded time, typed errors."""

from __future__ import annotations

import time

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.client import DeleteResult, SdxClient
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client

# Enough attempts that 30 % faults practically never exhaust them (0.3**9 per request).
PATIENT = RetryPolicy(attempts=8, backoff=0.0, max_wait=0.05)


def _faulty(server: SandboxServer, rate: float, **extra: object) -> None:
    third = rate / 3
    server.set_faults(
        status_rates={503: third, 429: third},
        reset_rate=third,
        retry_after=0,
        seed=7,
        **extra,
    )


def test_load_all_is_exact_under_thirty_percent_faults(fresh_sandbox: SandboxServer) -> None:
    survey_id = max(
        fresh_sandbox.store.survey_ids(), key=lambda s: fresh_sandbox.store.count_tags(s)
    )
    expected = fresh_sandbox.store.tag_ids(survey_id=survey_id)
    assert len(expected) > 1000
    _faulty(fresh_sandbox, 0.3)
    with make_client(fresh_sandbox, retry=PATIENT) as client:
        tags = list(client.iter_all_tags(survey_id=survey_id, page_size=200))
    ids = [t.id for t in tags]
    assert ids == sorted(expected)


def test_writes_reach_their_final_state_under_faults(fresh_sandbox: SandboxServer) -> None:
    survey_id = fresh_sandbox.store.create_survey("Faulty writes")
    interaction_id = fresh_sandbox.store.create_interaction(survey_id)
    _faulty(fresh_sandbox, 0.3)
    with make_client(fresh_sandbox, retry=PATIENT) as client:
        made = {
            key: client.set_tag(interaction_id, key, f"v_{key}")
            for key in ("a", "b", "c", "d", "e")
        }
        client.set_tag(interaction_id, "a", "changed")
        assert client.delete_tag(made["b"].id) is DeleteResult.DELETED
        # A retried delete whose first answer was lost reports "already gone": same end state.
        assert client.delete_tag(made["c"].id) in (DeleteResult.DELETED, DeleteResult.ALREADY_GONE)
    fresh_sandbox.clear_faults()
    assert fresh_sandbox.store.live_tags(interaction_id) == {"a": "changed", "d": "v_d", "e": "v_e"}


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        ({"status_rates": {503: 1.0}}, errors.ServerError),
        ({"status_rates": {500: 1.0}}, errors.ServerError),
        ({"status_rates": {429: 1.0}, "retry_after": 3600}, errors.RateLimitedError),
        ({"reset_rate": 1.0}, errors.NetworkError),
        ({"timeout_rate": 1.0, "timeout_delay_s": 1.0}, errors.RequestTimeoutError),
    ],
)
def test_permanent_faults_give_a_typed_error_not_a_hang(
    fresh_sandbox: SandboxServer, faults: dict[str, object], expected: type[errors.SdxError]
) -> None:
    fresh_sandbox.set_faults(**faults)
    policy = RetryPolicy(attempts=3, backoff=0.0, max_wait=0.1)
    started = time.monotonic()
    with make_client(
        fresh_sandbox, retry=policy, timeouts=Timeouts(connect=1.0, read=0.3)
    ) as client:
        with pytest.raises(expected) as info:
            client.list_surveys()
        with pytest.raises(expected):
            client.set_tag(1, "tier", "x")
    assert time.monotonic() - started < 30  # generous: it must finish, not hang
    assert info.value.retryable
    assert fresh_sandbox.request_count >= 4  # it did retry (1 + 3 attempts)


def test_retry_after_is_honoured(fresh_sandbox: SandboxServer) -> None:
    fresh_sandbox.set_faults(status_rates={429: 1.0}, retry_after=1)
    policy = RetryPolicy(attempts=1, backoff=0.0, max_wait=5.0)
    with make_client(fresh_sandbox, retry=policy) as client:
        started = time.monotonic()
        with pytest.raises(errors.RateLimitedError) as info:
            client.list_surveys()
    assert time.monotonic() - started >= 0.9
    assert info.value.retry_after == 1.0
    assert "busy" in str(info.value)


def test_unreachable_server_is_a_network_error() -> None:
    from sdx_desktop.api.auth import TokenCredentials

    client = SdxClient(
        TokenCredentials("t"),
        base_url="http://127.0.0.1:9/api",
        retry=RetryPolicy(attempts=1, backoff=0.0),
        timeouts=Timeouts(connect=1.0, read=1.0),
    )
    with client, pytest.raises(errors.NetworkError) as info:
        client.test_connection()
    assert type(info.value) is errors.NetworkError  # refused, not "took too long"
    assert str(info.value).startswith("Could not reach Survey Dynamix")
