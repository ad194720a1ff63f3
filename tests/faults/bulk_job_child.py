"""The app, killed half-way: a bulk job of ~1,000 sets in a process of its own.

Run by ``tests/faults/test_bulk_recovery.py`` (which kills it with SIGKILL mid-job)::

    python -m tests.faults.bulk_job_child --base-url URL --survey ID --journal PATH \\
        [--basic UUID:TOKEN]

``--basic`` defaults to the ``SDX_CHILD_BASIC`` environment variable, so a test need
not put even the sandbox's demo token on the process list. The child reads the survey's
interactions, builds the plan with :func:`build_plan` (deterministic, so the test
rebuilds exactly the same plan to re-run it after the kill), previews it and applies it
with a :class:`JournalRecorder` on the journal at PATH, as the app does. Exit status 0
when every row ended done or unchanged, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.domain.history import JournalRecorder
from sdx_desktop.domain.operations import Plan, SetTag, apply, preview
from sdx_desktop.domain.plans import finished_ok, read_interaction_ids
from sdx_desktop.journal import Journal, Where, account_fingerprint

#: ``KEY_000`` exists on every interaction of the test's survey (an overwrite); the
#: others are new (creates).
KEYS = ("KEY_000", "crash_b", "crash_c", "crash_d")


def value_for(interaction_id: int, key: str) -> str:
    return f"{key} of #{interaction_id} ✓"


def build_plan(interaction_ids: Iterable[int], survey_id: int) -> Plan:
    """One set per key per interaction, interactions ascending, keys in ``KEYS`` order."""
    ids = sorted(set(interaction_ids))
    ops = tuple(SetTag(i, key, value_for(i, key)) for i in ids for key in KEYS)
    return Plan(ops, "bulk set", f"Crash test: {len(ops):,} sets", survey_id)


def where_for(client: SdxClient) -> Where:
    return Where(account_fingerprint(client.account, client.base_url), client.base_url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.bulk_job_child")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--basic", default=os.environ.get("SDX_CHILD_BASIC"))
    parser.add_argument("--survey", type=int, required=True)
    parser.add_argument("--journal", required=True)
    args = parser.parse_args(argv)
    if not args.basic or ":" not in args.basic:
        parser.error("--basic UUID:TOKEN (or SDX_CHILD_BASIC) is required")
    customer_uuid, token = args.basic.split(":", 1)
    client = SdxClient(
        BasicCredentials(customer_uuid, token),
        base_url=args.base_url,
        retry=RetryPolicy(attempts=2, backoff=0.0, max_wait=0.05),
        timeouts=Timeouts(connect=5.0, read=30.0),
    )
    with client, Journal(Path(args.journal)) as journal:
        plan = build_plan(read_interaction_ids(client, args.survey), args.survey)
        report = apply(
            client, preview(client, plan), journal=JournalRecorder(journal, where_for(client))
        )
    print(f"applied {len(plan)} operations: {dict(report.counts)}", flush=True)
    return 0 if finished_ok(report) else 1


if __name__ == "__main__":
    sys.exit(main())
