"""Command line: ``python -m sdx_desktop.sandbox`` (also installed as ``sdx-sandbox``)."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from . import DEMO_ACCESS_TOKEN, DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID
from .faults import MALFORMED_KINDS, Faults, Quirks
from .sample import SAMPLES


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a rate is a number from 0 to 1")
    return value


def _basic(text: str) -> tuple[str, str]:
    user, colon, token = text.partition(":")
    if not colon or not user or not token:
        raise argparse.ArgumentTypeError("expected CUSTOMER_UUID:AUTH_TOKEN")
    return user, token


def _statuses(text: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError('expected statuses like 429,503 (or "")') from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sdx-sandbox",
        description="Run a local, strict Survey Dynamix-compatible API server.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="loopback address to listen on")
    add("--port", type=int, default=0, help="port (default 0: pick a free one)")
    add("--db", metavar="PATH", help="persistent SQLite file; reused if it holds data")
    add("--sample", choices=SAMPLES, default="small", help="sample data for a new database")
    add("--seed", type=int, default=2026, help="seed of the sample data")
    add(
        "--basic",
        type=_basic,
        default=(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN),
        metavar="UUID:TOKEN",
        help="Basic credential (customer UUID and auth token)",
    )
    add(
        "--bearer",
        default=DEMO_ACCESS_TOKEN,
        metavar="TOKEN",
        help='Bearer (personal access) token; "" turns Bearer auth off',
    )
    add(
        "--forbidden-bearer",
        metavar="TOKEN",
        help="a Bearer token that is accepted but has no rights: answered 403 everywhere",
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument("--latency-ms", type=float, default=0.0, help="delay of every request")
    faults.add_argument("--jitter-ms", type=float, default=0.0, help="extra random delay, 0..N")
    for status in (500, 503, 429):
        faults.add_argument(
            f"--fail-{status}",
            type=_rate,
            default=0.0,
            metavar="RATE",
            help=f"fraction of requests answered with {status}",
        )
    group = faults.add_argument
    group("--retry-after", type=int, default=1, metavar="S", help="Retry-After value, in seconds")
    group(
        "--retry-after-statuses", type=_statuses, default=frozenset({429, 503}), metavar="LIST",
        help='injected statuses that carry Retry-After (default 429,503; "" for none)',
    )  # fmt: skip
    group("--reset-rate", type=_rate, default=0.0, metavar="RATE", help="connection resets")
    group("--timeout-rate", type=_rate, default=0.0, metavar="RATE", help="delayed answers")
    group("--timeout-delay", type=float, default=5.0, metavar="S", help="delay of those answers")
    group("--malformed-rate", type=_rate, default=0.0, metavar="RATE", help="broken 2xx bodies")
    group("--malformed-kind", choices=sorted(MALFORMED_KINDS), default="truncated")
    group("--trickle-rate", type=_rate, default=0.0, metavar="RATE", help="bodies sent bytewise")
    group(
        "--trickle-interval", type=float, default=0.1, metavar="S",
        help="pause between the bytes of those bodies",
    )  # fmt: skip
    group("--fault-seed", type=int, default=0, help="seed of the fault sequence")
    quirks = parser.add_argument_group("quirks").add_argument
    quirks(
        "--empty-list",
        choices=("204", "array"),
        default="204",
        help="answer empty lists with 204 (default) or []",
    )
    quirks(
        "--echo-request",
        action="store_true",
        help="echo the request line and every header (credentials too) into error bodies",
    )
    quirks(
        "--deleted-status", type=int, choices=(410, 404), default=410,
        help="status of GET/DELETE of a deleted tag",
    )  # fmt: skip
    quirks(
        "--post-body", choices=("record", "empty"), default="record",
        help="answer a save with the saved tag (default) or with no body",
    )  # fmt: skip
    quirks("--ignore-offset", action="store_true", help="lists always serve the first page")
    quirks("--loose-key-filter", action="store_true", help="the custom_key filter ignores case")
    quirks(
        "--duplicate-rows",
        action="store_true",
        help="every non-empty list page repeats its first record at its end",
    )
    add("--verbose", action="store_true", help="log every request")
    return parser


def faults_from_args(args: argparse.Namespace) -> Faults:
    """The fault settings the parsed command line asks for (ValueError if inconsistent)."""
    rates = {s: getattr(args, f"fail_{s}") for s in (503, 429, 500) if getattr(args, f"fail_{s}")}
    return Faults(
        latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, status_rates=rates,
        retry_after=args.retry_after, retry_after_statuses=args.retry_after_statuses,
        reset_rate=args.reset_rate,
        timeout_rate=args.timeout_rate, timeout_delay_s=args.timeout_delay,
        malformed_rate=args.malformed_rate, malformed_kind=args.malformed_kind,
        trickle_rate=args.trickle_rate, trickle_interval_s=args.trickle_interval,
        seed=args.fault_seed,
    )  # fmt: skip


def quirks_from_args(args: argparse.Namespace) -> Quirks:
    """The quirk settings the parsed command line asks for."""
    return Quirks(
        empty_list=args.empty_list, echo_request=args.echo_request,
        deleted_status=args.deleted_status, ignore_offset=args.ignore_offset,
        loose_key_filter=args.loose_key_filter,
        duplicate_rows=args.duplicate_rows, post_body=args.post_body,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until Ctrl+C or SIGTERM; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        faults = faults_from_args(args)
        quirks = quirks_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    from .server import SandboxServer  # Flask is imported only once arguments are valid

    reusing = bool(args.db) and os.path.exists(args.db)
    started = time.perf_counter()
    try:
        server = SandboxServer.start(
            host=args.host, port=args.port, db_path=args.db, sample=args.sample,
            seed=args.seed, basic=args.basic, bearer=args.bearer or None,
            forbidden_bearer=args.forbidden_bearer, faults=faults, quirks=quirks,
            verbose=args.verbose,
        )  # fmt: skip
    except (OSError, ValueError, sqlite3.DatabaseError) as error:
        print(f"sdx-sandbox: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    # Explicit, because a shell starting us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _on_signal)
    user, token = args.basic
    print(f"Survey Dynamix sandbox running at {server.base_url}", flush=True)
    print(f"  started in {time.perf_counter() - started:.2f} s ({server.store.count_tags()} tags)")
    print(f"  Basic:  customer UUID {user}  auth token {token}")
    print(f"  Bearer: {args.bearer or '(off)'}")
    if args.forbidden_bearer:
        print(f"  Bearer without rights (403): {args.forbidden_bearer}")
    if args.db:
        print(f"  Database: {args.db}{' (reused)' if reusing else ''}")
    print(f'  Try:    curl -u {user}:{token} "{server.base_url}/surveys"')
    print("Press Ctrl+C to stop.", flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
