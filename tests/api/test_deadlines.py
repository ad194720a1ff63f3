"""An overall deadline per call, a size cap on answers, and 413 as "value too large"."""

from __future__ import annotations

import time

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client

PATIENT = RetryPolicy(attempts=4, backoff=0.0, max_wait=0.05)


def test_a_server_that_stalls_before_answering_meets_the_deadline(
    fresh_sandbox: SandboxServer,
) -> None:
    # Every answer is held back 10 s; each attempt would wait its 3 s read timeout and
    # retry four times (15 s). The 2 s deadline for the whole call ends it first.
    fresh_sandbox.set_faults(timeout_rate=1.0, timeout_delay_s=10.0)
    timeouts = Timeouts(connect=2.0, read=3.0, total=2.0)
    with make_client(fresh_sandbox, timeouts=timeouts, retry=PATIENT) as client:
        started = time.monotonic()
        with pytest.raises(errors.NotAnsweringError) as info:
            client.list_surveys()
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed  # the deadline, not 4 x read timeout
    assert str(info.value).startswith("Survey Dynamix is not answering.")
    assert info.value.retryable


def test_a_trickling_answer_meets_the_deadline(fresh_sandbox: SandboxServer) -> None:
    # One byte every 0.05 s: no single read ever times out.
    fresh_sandbox.set_faults(trickle_rate=1.0, trickle_interval_s=0.05)
    timeouts = Timeouts(connect=2.0, read=1.0, total=1.5)
    with make_client(fresh_sandbox, timeouts=timeouts, retry=PATIENT) as client:
        started = time.monotonic()
        with pytest.raises(errors.NotAnsweringError):
            client.list_surveys(limit=100)
        elapsed = time.monotonic() - started
    assert elapsed < 2.5, elapsed


def test_a_slow_but_steady_answer_within_the_deadline_is_read(
    fresh_sandbox: SandboxServer,
) -> None:
    # The deadline must not cut a healthy call short: the same trickle on a small
    # answer that completes in time.
    fresh_sandbox.set_faults(trickle_rate=1.0, trickle_interval_s=0.001)
    with make_client(fresh_sandbox, timeouts=Timeouts(total=30.0)) as client:
        surveys = client.list_surveys(limit=1)
    assert len(surveys) == 1


def test_the_deadline_bounds_the_retries_of_a_failing_server(
    fresh_sandbox: SandboxServer,
) -> None:
    # 503 with Retry-After: 5 on every try; 4 retries would wait 4 x 5 s.
    fresh_sandbox.set_faults(status_rates={503: 1.0}, retry_after=5)
    retry = RetryPolicy(attempts=4, backoff=0.0, max_wait=10.0)
    with make_client(fresh_sandbox, timeouts=Timeouts(total=1.5), retry=retry) as client:
        fresh_sandbox.reset_request_count()
        started = time.monotonic()
        with pytest.raises(errors.SdxError):
            client.list_surveys()
        elapsed = time.monotonic() - started
    assert elapsed < 2.5, elapsed
    # The wait was cut to the deadline, and no retry started after it.
    assert fresh_sandbox.request_count == 1


def test_an_oversized_answer_is_refused_plainly(fresh_sandbox: SandboxServer) -> None:
    survey_id = fresh_sandbox.store.survey_ids()[0]
    with make_client(fresh_sandbox, max_body_bytes=10_000) as client:
        assert client.list_tags(survey_id=survey_id, limit=5)  # small: fine
        with pytest.raises(errors.ResponseTooLargeError) as info:
            client.list_tags(survey_id=survey_id, limit=1000)
    assert "far more data than expected" in str(info.value)
    assert not info.value.retryable


def test_413_says_the_value_is_too_large_and_is_not_retried(
    fresh_sandbox: SandboxServer,
) -> None:
    interaction_id = fresh_sandbox.store.interaction_ids(fresh_sandbox.store.survey_ids()[0])[0]
    fresh_sandbox.set_faults(status_rates={413: 1.0}, methods={"POST"})
    with make_client(fresh_sandbox) as client:
        fresh_sandbox.reset_request_count()
        with pytest.raises(errors.ValueTooLargeError) as info:
            client.set_tag(interaction_id, "note", "x" * 70_000)
    assert str(info.value).startswith(
        "This value is too large for Survey Dynamix (at most 65,535 characters)."
    )
    assert not info.value.retryable
    assert fresh_sandbox.request_count == 1
