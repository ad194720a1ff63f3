"""Server lifetime, sample data, the key rule, and the command line."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sdx_desktop.sandbox import (
    DEMO_ACCESS_TOKEN,
    DEMO_AUTH_TOKEN,
    DEMO_CUSTOMER_UUID,
    Faults,
    Quirks,
    SandboxServer,
)
from sdx_desktop.sandbox.__main__ import build_parser, faults_from_args, main, quirks_from_args
from sdx_desktop.sandbox.db import _SCHEMA
from sdx_desktop.sandbox.rules import is_valid_key
from sdx_desktop.sandbox.sample import BENCHMARK_SURVEY_NAME, populate
from sdx_desktop.sandbox.store import Store

from .conftest import Api


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(store.path) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in ("surveys", "interactions", "tags")
        }


def test_key_rule() -> None:
    for good in ("a", "Z", "tier", "NPS_band", "campaign_2026", "a__", "A1b2"):
        assert is_valid_key(good), good
    for bad in ("", "_a", "1a", "a-b", "a b", "a\n", "\na", "é", "aé", "a٣", "ａ", "a.b", None, 5):
        assert not is_valid_key(bad), bad


def test_sample_is_deterministic_and_sized() -> None:
    stores = [Store(None) for _ in range(3)]
    try:
        for store, seed in zip(stores, (2026, 2026, 7), strict=True):
            populate(store, "small", seed)
        same, again, other = (_dump(s) for s in stores)
        assert same == again
        assert same != other
        assert len(same["surveys"]) == 12
        assert len(same["interactions"]) == 3000
        assert 15_000 <= len(same["tags"]) <= 25_000
        names = {row[1] for row in same["surveys"]}
        assert {"Post-Call Satisfaction Q4", "Branch Visit Feedback"} <= names
        statuses = {row[12] for row in same["interactions"]}
        assert statuses == {"Not Started", "Scheduled", "In Progress", "Completed", "Abandoned"}
        assert all(row[8].startswith("2026-") for row in same["interactions"])
    finally:
        for store in stores:
            store.close()


def test_large_sample_has_a_benchmark_survey_that_pages_fast() -> None:
    with SandboxServer.start(sample="large") as server:
        api = Api(server)
        surveys = api.rows("/surveys", _limit=100)
        bench = next(s for s in surveys if s["name"] == BENCHMARK_SURVEY_NAME)
        assert server.store.count_tags(bench["id"]) == 100_000
        assert len(server.store.interaction_ids(bench["id"])) == 10_000
        assert server.store.count_tags() > 115_000
        api.rows("/interaction_data", survey_id=bench["id"], _limit=1000)  # warm up
        timings = []
        for offset in (0, 50_000, 99_000):
            started = time.perf_counter()
            page = api.rows(
                "/interaction_data", survey_id=bench["id"], _limit=1000, _offset=offset,
                _order="ASC",
            )  # fmt: skip
            timings.append(time.perf_counter() - started)
            assert len(page) == 1000
        assert (
            api.get("/interaction_data", {"survey_id": bench["id"], "_offset": 100_000}).status_code
            == 204
        )
        assert max(timings) < 0.5  # a few tens of ms in practice; generous for slow CI


def test_small_sample_starts_quickly() -> None:
    started = time.perf_counter()
    with SandboxServer.start(sample="small") as server:
        elapsed = time.perf_counter() - started
        assert server.store.count_tags() > 15_000
    assert elapsed < 3.0  # well under 1 s on a developer machine


def test_temporary_database_is_removed_on_stop() -> None:
    server = SandboxServer.start(sample="none")
    path = server.store.path
    assert os.path.exists(path)
    assert server.base_url == f"http://127.0.0.1:{server.port}/api"
    server.stop()
    server.stop()  # idempotent
    assert not any(os.path.exists(path + suffix) for suffix in ("", "-wal", "-shm"))
    with pytest.raises(requests.ConnectionError):
        requests.get(server.base_url + "/surveys", timeout=2)


def test_a_persistent_database_is_reused(tmp_path: Path) -> None:
    path = str(tmp_path / "sandbox.sqlite3")
    with SandboxServer.start(db_path=path, sample="small", seed=5) as first:
        surveys = first.store.survey_ids()
        interaction_id = first.store.interaction_ids(surveys[0])[0]
        tag = Api(first).set_tag(interaction_id, "kept", "yes")
    assert os.path.exists(path)
    with SandboxServer.start(db_path=path, sample="large", seed=9) as second:
        assert second.store.survey_ids() == surveys  # no new sample data
        assert second.store.live_tags(interaction_id)["kept"] == "yes"
        assert Api(second).get(f"/interaction_data/{tag['id']}").json() == tag


def test_a_database_from_when_agent_id_was_an_integer_still_answers_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(_SCHEMA.replace("agent_id TEXT", "agent_id INTEGER"))
        conn.execute("INSERT INTO surveys (id, name) VALUES (7, 'Old')")
        for number, agent in ((1, 1042), (2, "nevilr"), (3, None)):
            conn.execute(
                "INSERT INTO interactions (id, uuid, survey_id, survey_type, created_at, "
                "updated_at, agent_id, status) VALUES (?, 'u', 7, 'inbound', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', ?, 'Completed')",
                (number, agent),
            )
    with SandboxServer.start(db_path=path) as server:
        api = Api(server)
        rows = api.rows("/interactions", survey_id=7, _order="ASC")
        assert [r["agent_id"] for r in rows] == ["1042", "nevilr", None]
        assert [r["id"] for r in api.rows("/interactions", survey_id=7, agent_id="1042")] == [1]


def test_only_loopback_addresses_are_served() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.com", "::"):
        with pytest.raises(ValueError):
            SandboxServer.start(host=host, sample="none")


def test_a_busy_port_is_an_os_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            SandboxServer.start(port=taken.getsockname()[1], sample="none")


def test_request_lines_are_not_logged(
    empty: SandboxServer, eapi: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    eapi.get("/surveys")
    eapi.get("/nope")
    assert not [r for r in caplog.records if r.name.startswith("werkzeug")]


def test_error_bodies_never_contain_credentials(server: SandboxServer, api: Api) -> None:
    secrets = (DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN, DEMO_ACCESS_TOKEN)
    responses = [
        api.get("/surveys", {"_limit": "0"}),
        api.get("/nope"),
        api.get("/interactions"),
        api.post(data={"custom_key": "bad key"}),
        api.request("PUT", "/surveys"),
        requests.get(server.base_url + "/surveys", auth=(DEMO_CUSTOMER_UUID, "wrong"), timeout=10),
        requests.get(
            server.base_url + "/surveys", headers={"Authorization": f"Bearer {DEMO_AUTH_TOKEN}"},
            timeout=10,
        ),
    ]  # fmt: skip
    for response in responses:
        assert response.status_code >= 400
        assert not any(secret in response.text for secret in secrets)
        assert not any(secret in str(response.headers) for secret in secrets)


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["--fail-503", "2"], ["--basic", "no-colon"], ["--sample", "huge"],
        ["--deleted-status", "409"], ["--retry-after-statuses", "soon"],
        ["--retry-after-statuses", "200"], ["--trickle-rate", "1.5"],
        ["--trickle-interval", "-1"],
    ):  # fmt: skip
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2, argv
    capsys.readouterr()
    assert main(["--sample", "none", "--forbidden-bearer", DEMO_ACCESS_TOKEN]) == 1
    assert "forbidden_bearer must differ" in capsys.readouterr().err


def test_cli_maps_every_switch_onto_the_settings() -> None:
    args = build_parser().parse_args(
        ["--retry-after-statuses", "", "--trickle-rate", "0.25", "--trickle-interval", "0.5",
         "--echo-request", "--deleted-status", "404", "--ignore-offset", "--duplicate-rows",
         "--empty-list", "array", "--forbidden-bearer", "no-rights", "--post-body", "empty"]
    )  # fmt: skip
    faults = faults_from_args(args)
    assert faults.retry_after_statuses == frozenset()
    assert (faults.trickle_rate, faults.trickle_interval_s) == (0.25, 0.5)
    assert quirks_from_args(args) == Quirks(
        empty_list="array", echo_request=True, deleted_status=404, ignore_offset=True,
        duplicate_rows=True, post_body="empty",
    )  # fmt: skip
    assert args.forbidden_bearer == "no-rights"
    defaults = build_parser().parse_args([])
    assert faults_from_args(defaults) == Faults() and quirks_from_args(defaults) == Quirks()
    assert defaults.forbidden_bearer is None
    some = build_parser().parse_args(["--retry-after-statuses", "503, 429,"])
    assert faults_from_args(some).retry_after_statuses == frozenset({429, 503})


def test_cli_reports_a_file_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "notes.sqlite3"
    garbage.write_text("not a database " * 100)
    assert main(["--db", str(garbage), "--sample", "none"]) == 1
    assert "sdx-sandbox:" in capsys.readouterr().err
    assert garbage.exists()


def _run_cli(*args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start the CLI; return the process, its base URL and the lines printed up to the prompt."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sdx_desktop.sandbox", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl+C"):
            break
    text = "\n".join(lines)
    match = re.search(r"http://127\.0\.0\.1:\d+/api", text)
    assert match, text
    return process, match.group(0), lines


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_how_to_connect_and_stops_on_signals(
    stop_signal: signal.Signals, tmp_path: Path
) -> None:
    database = str(tmp_path / "cli.sqlite3")
    process, url, lines = _run_cli(
        "--db", database,
        "--sample", "none", "--basic", "cli-user:cli-token", "--bearer", "cli-bearer",
        "--empty-list", "array", "--verbose", "--fault-seed", "3",
    )  # fmt: skip
    try:
        text = "\n".join(lines)
        assert "cli-user" in text and "cli-token" in text and "cli-bearer" in text
        assert f'curl -u cli-user:cli-token "{url}/surveys"' in text
        assert f"Database: {database}" in text
        response = requests.get(url + "/surveys", auth=("cli-user", "cli-token"), timeout=10)
        assert response.status_code == 200 and response.json() == []
        headers = {"Authorization": "Bearer cli-bearer"}
        assert requests.get(url + "/surveys", headers=headers, timeout=10).status_code == 200
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "GET /api/surveys" in err  # --verbose logs request lines
    assert "Traceback" not in err


def test_cli_broken_server_switches_work_over_http() -> None:
    process, url, lines = _run_cli(
        "--sample", "none", "--forbidden-bearer", "no-rights", "--echo-request",
        "--fail-503", "1", "--retry-after-statuses", "",
    )  # fmt: skip
    try:
        assert "Bearer without rights (403): no-rights" in "\n".join(lines)
        headers = {"Authorization": "Bearer no-rights"}
        refused = requests.get(url + "/surveys", headers=headers, timeout=10)
        assert refused.status_code == 403
        assert "Authorization: Bearer no-rights" in refused.json()["error"]["message"]
        down = requests.get(
            url + "/surveys", auth=(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN), timeout=10
        )
        assert down.status_code == 503 and "Retry-After" not in down.headers
        assert "request was: GET /api/surveys;" in down.json()["error"]["message"]
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
