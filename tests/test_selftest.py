"""``--self-test`` and ``--startup-probe`` as support and CI run them: in a process of
their own (here from source; CI also runs the frozen executable), offscreen."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """Every place the app could write to points into ``tmp_path``: a self-test that
    touched the user's settings, logs or temporary files would leave something there."""
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)
    places = {
        "HOME": "home",
        "XDG_CONFIG_HOME": "xdg-config",
        "XDG_DATA_HOME": "xdg-data",
        "XDG_CACHE_HOME": "xdg-cache",
        "XDG_STATE_HOME": "xdg-state",
        "SDX_DESKTOP_HOME": "sdx-home",
        "TMPDIR": "tmp",
    }
    for name, folder in places.items():
        path = tmp_path / folder
        path.mkdir()
        env[name] = str(path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=110
    )


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())


def test_self_test_passes_with_one_summary_line_and_leaves_nothing_behind(
    isolated_env: dict[str, str], tmp_path: Path
) -> None:
    result = run(["-m", "sdx_desktop", "--self-test"], isolated_env)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert re.fullmatch(
        r"self-test passed: SDX Desktop \S+ \(source, offscreen\): checked keyring \S+, TLS, "
        r"collation, \d+ icons; signed in, \d+ surveys, \d+ tags? loaded, "
        r"tag saved and deleted in \d+\.\d\d s",
        lines[0],
    ), lines[0]
    assert "FAILED" not in result.stderr
    # Nothing in the user's folders, the caller's SDX_DESKTOP_HOME or the temp folder.
    assert leftovers(tmp_path) == []


def test_self_test_failure_exits_non_zero_with_the_reason_on_stderr(
    isolated_env: dict[str, str], tmp_path: Path
) -> None:
    # The sandbox comes up empty, so the session has no survey to open.
    script = (
        "import sys\n"
        "from sdx_desktop.sandbox.server import SandboxServer\n"
        "start = SandboxServer.start.__func__\n"
        "def empty(cls, **kw):\n"
        "    return start(cls, **{**kw, 'sample': 'none'})\n"
        "SandboxServer.start = classmethod(empty)\n"
        "from sdx_desktop.app import main\n"
        "sys.exit(main(['--self-test']))\n"
    )
    result = run(["-c", script], isolated_env)

    assert result.returncode != 0
    assert result.stdout == ""
    assert "self-test FAILED: the survey list is empty" in result.stderr
    assert leftovers(tmp_path) == []


def test_startup_probe_prints_the_seconds_to_the_main_window(
    isolated_env: dict[str, str],
) -> None:
    result = run(["-m", "sdx_desktop", "--startup-probe", "--demo"], isolated_env)

    assert result.returncode == 0, result.stderr
    match = re.fullmatch(
        r"startup-probe: (\d+\.\d{3}) s from process start to main window shown\n",
        result.stdout,
    )
    assert match, result.stdout
    assert 0 < float(match[1]) < 60
