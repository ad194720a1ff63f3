"""Benchmark: loading a whole 100k-tag survey, concurrent windows vs one page after another.

    python -m pytest -m bench tests/bench/test_load_all.py -s

Against the sandbox's large sample with 50 ms injected latency per request. Prints the
figures; asserts nothing about wall-clock time (machines are shared and noisy).
"""

from __future__ import annotations

import math
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID, SandboxServer

LATENCY_MS = 50
PAGE = 1000


def _timed_start(sample: str) -> tuple[SandboxServer, float]:
    started = time.perf_counter()
    server = SandboxServer.start(sample=sample)
    return server, time.perf_counter() - started


def _sequential(client: SdxClient, survey_id: int) -> int:
    total, offset = 0, 0
    while True:
        page = client.list_tags(survey_id=survey_id, limit=PAGE, offset=offset, order="ASC")
        total += len(page)
        offset += PAGE
        if len(page) < PAGE:
            return total


@contextmanager
def sandbox_process(*args: str) -> Iterator[str]:
    """The sandbox in its own process, as a real server would be: its JSON work does not
    compete with the client for this process's GIL. Yields the base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdx_desktop.sandbox", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/api)", first)
        assert match, first
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.mark.bench
def test_load_all_concurrent_vs_sequential() -> None:
    small, small_start = _timed_start("small")
    small.stop()
    large, large_start = _timed_start("large")
    survey_id = max(large.store.survey_ids(), key=large.store.count_tags)
    expected = large.store.count_tags(survey_id)
    large.stop()
    with sandbox_process("--sample", "large", "--latency-ms", str(LATENCY_MS)) as url:
        client = SdxClient(BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN), base_url=url)
        with client:
            started = time.perf_counter()
            concurrent = sum(1 for _ in client.iter_all_tags(survey_id=survey_id))
            concurrent_s = time.perf_counter() - started
            started = time.perf_counter()
            sequential = _sequential(client, survey_id)
            sequential_s = time.perf_counter() - started
    assert concurrent == sequential == expected
    pages = math.ceil((expected + 1) / PAGE)
    limit_s = math.ceil(pages / client.concurrency) * LATENCY_MS / 1000
    print()
    print(f"sandbox start-up: small {small_start:.2f} s, large {large_start:.2f} s")
    print(f"{expected:,} tags, {LATENCY_MS} ms latency per request, pages of {PAGE:,}")
    print(f"  concurrent (8 in flight): {concurrent_s:6.2f} s")
    print(f"  sequential              : {sequential_s:6.2f} s")
    print(f"  network limit           : {limit_s:6.2f} s ({pages} pages)")
    print(f"  speed-up {sequential_s / concurrent_s:.1f}x; {concurrent_s / limit_s:.2f}x the limit")
