"""The command line as staff and IT run it: ``python -m sdx_desktop export|import …`` in
a process of its own, against a running sandbox over real HTTP (and ``--demo``)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from sdx_desktop import cli
from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.journal import Journal, Outcome, Where, account_fingerprint
from sdx_desktop.sandbox import SandboxServer

from .exchange.files import excel_csv, openpyxl_book

ROOT = Path(__file__).resolve().parent.parent
SURVEY = "101"


def environment(server: SandboxServer | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDX_")}
    env["SDX_DESKTOP_HOME"] = os.environ["SDX_DESKTOP_HOME"]  # the test's own folder
    # Never the real password store: keyring's "null" backend remembers nothing.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    if server is not None:
        uuid, token = server.basic or ("", "")
        env.update(SDX_CUSTOMER_UUID=uuid, SDX_AUTH_TOKEN=token)
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    options: dict[str, object] = {"capture_output": True, "cwd": ROOT, **kwargs}
    if "stderr" in kwargs:
        options.pop("capture_output")
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "sdx_desktop", *args],
        text=True, env=env, timeout=100, **options,
    )  # fmt: skip


def posts(server: SandboxServer) -> int:
    return sum(1 for method, _, _ in server.request_log if method == "POST")


# --- export -------------------------------------------------------------------------------


def test_export_with_env_credentials_json_and_quiet_stderr(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "tags.csv"
    result = run(
        ["export", "--base-url", sandbox.base_url, "--survey", SURVEY, "-o", str(out), "--json"],
        environment(sandbox),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert set(data) == {"rows", "tags", "file"}
    assert data["file"] == str(out.resolve()) and data["rows"] == data["tags"] > 100
    assert "Exporting" not in result.stderr  # progress only on a terminal
    assert out.read_bytes().startswith(b"\xef\xbb\xbfInteraction ID,External ref,Key,Value")


def test_export_wide_xlsx_with_an_access_token(sandbox: SandboxServer, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "wide.xlsx"
    env = environment(SDX_ACCESS_TOKEN=sandbox.bearer or "")
    result = run(
        ["export", "--base-url", sandbox.base_url, "--survey", SURVEY, "--layout", "wide",
         "-o", str(out)],
        env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote ") and "wide layout" in result.stdout
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None and sheet["A1"].value == "Interaction ID"


def test_progress_goes_to_stderr_on_a_terminal(sandbox: SandboxServer, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        result = run(
            ["export", "--base-url", sandbox.base_url, "--survey", SURVEY, "-o",
             str(tmp_path / "t.csv"), "--json"],
            environment(sandbox), stderr=follower, stdout=subprocess.PIPE,
        )  # fmt: skip
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert result.returncode == 0
    assert b"Exporting" in seen and b"\r" in seen
    assert json.loads(result.stdout)["rows"] > 0


# --- import -------------------------------------------------------------------------------


def test_import_applies_journals_and_reports_json(
    fresh_sandbox: SandboxServer, tmp_path: Path
) -> None:
    server = fresh_sandbox
    ids = [i.id for i in _interactions(server)]
    path = excel_csv(
        tmp_path / "in.csv",
        [
            ["Interaction ID", "Key", "Value"],
            [ids[0], "cli_new", "one"],
            [ids[1], "cli_new", "two"],
            [ids[1], "bad key", "x"],
            [99_999_999, "cli_new", "x"],
            [ids[2], "dup", "A"],
            [ids[2], "dup", "B"],
        ],
    )
    args = ["import", str(path), "--survey", SURVEY, "--base-url", server.base_url, "--json"]
    dry = run([*args, "--dry-run"], environment(server))
    assert dry.returncode == 1, dry.stderr
    assert json.loads(dry.stdout)["created"] == 2 and posts(server) == 0  # nothing written
    result = run(args, environment(server))
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == {
        "created": 2, "overwritten": 0, "unchanged": 0, "invalid": 1,
        "unknown_interaction": 1, "conflicting_rows": 2, "failed": 0,
    }  # fmt: skip
    assert posts(server) == 2
    assert "Row 4, column Key" in result.stderr  # people's text on stderr with --json
    where = Where(account_fingerprint(server.basic[0], server.base_url), server.base_url)  # type: ignore[index]
    journal_path = Path(os.environ["SDX_DESKTOP_HOME"]) / "data" / "journal.sqlite3"
    with Journal(journal_path) as journal:
        entries = journal.history(where)
    assert sorted(e.new_value or "" for e in entries) == ["one", "two"]
    assert {e.outcome for e in entries} == {Outcome.DONE}
    again = run(args[:-1], environment(server))  # the same file again: nothing to do
    assert "created 0" in again.stdout and posts(server) == 2


def test_round_trip_on_the_command_line_is_exit_0(
    fresh_sandbox: SandboxServer, tmp_path: Path
) -> None:
    env, url = environment(fresh_sandbox), fresh_sandbox.base_url
    out = tmp_path / "survey.xlsx"
    assert (
        run(["export", "--base-url", url, "--survey", SURVEY, "-o", str(out)], env).returncode == 0
    )
    result = run(["import", str(out), "--survey", SURVEY, "--base-url", url, "--json"], env)
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert counts["unchanged"] > 100 and counts["created"] == counts["overwritten"] == 0
    assert posts(fresh_sandbox) == 0


def test_failed_rows_are_exit_1(fresh_sandbox: SandboxServer, tmp_path: Path) -> None:
    ids = [i.id for i in _interactions(fresh_sandbox)]
    path = excel_csv(tmp_path / "in.csv", [["Interaction ID", "Key", "Value"], [ids[0], "k", "v"]])
    fresh_sandbox.set_faults(status_rates={409: 1.0}, methods=frozenset({"POST"}))
    result = run(
        ["import", str(path), "--survey", SURVEY, "--base-url", fresh_sandbox.base_url, "--json"],
        environment(fresh_sandbox),
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["failed"] == 1
    assert "not saved" in result.stderr


# --- exit statuses 2 and 3: nothing written ------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.4 not a sheet", "PDF"),
        (b"Key,Value\n1,2\n", "header"),
        ("Interaction ID;Key;Value\n24001;k;Zürich\n".encode("cp1252"), "Row 2, column Value"),
    ],
)
def test_unreadable_files_are_exit_2(
    sandbox: SandboxServer, tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = posts(sandbox)
    result = run(
        ["import", str(path), "--survey", SURVEY, "--base-url", sandbox.base_url, "--json"],
        environment(sandbox),
    )
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["exit"] == 2
    assert posts(sandbox) == before


@pytest.mark.parametrize(
    "args",
    [
        ["export", "-o", "x.csv"],  # no survey
        ["export", "--survey", "abc", "-o", "x.csv"],
        ["export", "--survey", "1", "-o", "x.csv", "--region", "mars"],
        ["export", "--survey", "1", "-o", "x.csv", "--demo", "--region", "eu1"],
        ["import", "--survey", "1"],  # no file
        ["frobnicate"],
    ],
)
def test_usage_errors_are_exit_2(args: list[str], tmp_path: Path) -> None:
    result = run(args, environment(), cwd=tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_unknown_survey_is_exit_2(sandbox: SandboxServer, tmp_path: Path) -> None:
    result = run(
        ["export", "--base-url", sandbox.base_url, "--survey", "999", "-o", str(tmp_path / "x")],
        environment(sandbox),
    )
    assert result.returncode == 2 and "no survey 999" in result.stderr
    assert not (tmp_path / "x").exists()


def test_sign_in_and_connection_failures_are_exit_3(sandbox: SandboxServer, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    base = ["export", "--survey", SURVEY, "-o", str(out)]
    wrong = environment(SDX_CUSTOMER_UUID="nobody", SDX_AUTH_TOKEN="wrong-token-123")
    result = run([*base, "--base-url", sandbox.base_url], wrong)
    assert result.returncode == 3 and "did not accept the sign-in" in result.stderr
    assert "wrong-token-123" not in result.stderr + result.stdout
    result = run([*base, "--base-url", sandbox.base_url], environment())  # none at all
    assert result.returncode == 3 and "SDX_CUSTOMER_UUID" in result.stderr
    closed = "http://127.0.0.1:9/api"  # the discard port: nothing listens
    result = run([*base, "--base-url", closed], environment(sandbox))
    assert result.returncode == 3 and "Could not reach" in result.stderr
    assert not out.exists()


# --- demo, help, no Qt --------------------------------------------------------------------


def test_demo_export_and_import(tmp_path: Path) -> None:
    out = tmp_path / "demo.csv"
    result = run(["export", "--demo", "--survey", SURVEY, "-o", str(out), "--json"], environment())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tags"] > 100
    result = run(["import", str(out), "--demo", "--survey", SURVEY, "--json"], environment())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["unchanged"] > 100
    xlsx = openpyxl_book(tmp_path / "new.xlsx", {"S": [["Interaction ID", "tier"], [24001, "X"]]})
    result = run(["import", str(xlsx), "--demo", "--survey", "101"], environment())
    assert result.returncode in (0, 1) and "XLSX sheet “S”" in result.stdout


def test_help_is_plain_and_complete() -> None:
    top = run(["--help"], environment())
    assert top.returncode == 0 and "export --help" in top.stdout and "import --help" in top.stdout
    for command in ("export", "import"):
        text = run([command, "--help"], environment()).stdout
        for words in ("SDX_CUSTOMER_UUID", "SDX_ACCESS_TOKEN", "--base-url", "--region",
                      "--demo", "--json", "exit status", "3  sign-in"):  # fmt: skip
            assert words in text, (command, words)
    assert "--dry-run" in run(["import", "--help"], environment()).stdout


def test_the_command_line_never_imports_qt(tmp_path: Path) -> None:
    code = (
        "import sys; from sdx_desktop.app import main; "
        f"rc = main(['export', '--demo', '--survey', '101', '-o', {str(tmp_path / 'q.csv')!r}]); "
        "print('QT' if any(m.startswith('PySide6') for m in sys.modules) else 'NOQT', rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment(),
        cwd=ROOT, timeout=100,
    )  # fmt: skip
    assert result.stdout.strip().endswith("NOQT 0"), result.stderr


def test_the_remembered_sign_in_is_used(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process, with the tests' in-memory keyring (a child would see the real one)."""
    for name in ("SDX_CUSTOMER_UUID", "SDX_AUTH_TOKEN", "SDX_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    CredentialStore().remember(sandbox.base_url, BasicCredentials(*sandbox.basic))  # type: ignore[misc]
    out = tmp_path / "remembered.csv"
    status = cli.main(
        ["export", "--base-url", sandbox.base_url, "--survey", SURVEY, "-o", str(out)]
    )
    assert status == 0 and out.stat().st_size > 1000


def _interactions(server: SandboxServer) -> list:  # type: ignore[type-arg]
    from sdx_desktop.exchange import read_interactions

    from .helpers import make_client

    with make_client(server) as client:
        return sorted(read_interactions(client, int(SURVEY)).values(), key=lambda i: i.id)
