"""The hosted-runner workflow (.github/workflows/build.yml) stays in step with .ci/run and
with packaging/build.py: the same install, the same build script, and on each platform
the self-test command that build.py prints (and the README gives). actionlint, run by
.ci/run, checks the workflow's syntax and expressions; this checks what it runs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "build.yml"
CI_RUN = ROOT / ".ci" / "run"


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sdx_build", ROOT / "packaging" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_lines(text: str) -> list[str]:
    """The command lines of a shell script, or of a workflow's ``run:`` steps (block
    scalars included), without comments."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("run:"):
            line = line[len("run:") :].strip()
        if line and not line.startswith("#") and line != "|":
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def workflow() -> str:
    return WORKFLOW.read_text(encoding="utf-8")


def test_the_workflow_builds_on_windows_macos_and_linux(workflow: str) -> None:
    matrix = re.search(r"^\s+os: \[(.*)\]$", workflow, re.MULTILINE)
    assert matrix, "no os matrix"
    assert [os.strip() for os in matrix[1].split(",")] == [
        "windows-latest",
        "macos-latest",
        "ubuntu-latest",
    ]
    assert re.search(r'python-version: "3\.11"', workflow)


def test_install_and_build_are_those_of_ci_run(workflow: str) -> None:
    ci = run_lines(CI_RUN.read_text(encoding="utf-8"))
    steps = run_lines(workflow)
    install = 'python -m pip install --quiet -e ".[package]"'
    assert install in ci
    assert install.replace("--quiet ", "") in steps
    assert "python packaging/build.py" in ci
    assert "python packaging/build.py --archive" in steps
    assert any(line.startswith("python packaging/system_libs.py --install") for line in ci)
    assert any("packaging/system_libs.py --install" in line for line in steps)


@pytest.mark.parametrize(
    ("platform", "flag"), [("Linux", "IS_LINUX"), ("macOS", "IS_MACOS"), ("Windows", "IS_WINDOWS")]
)
def test_each_platform_runs_the_self_test_build_py_prints(
    workflow: str, monkeypatch: pytest.MonkeyPatch, platform: str, flag: str
) -> None:
    build = build_script()
    for name in ("IS_LINUX", "IS_MACOS", "IS_WINDOWS"):
        monkeypatch.setattr(build, name, name == flag)
    command = build.self_test_command(onefile=False)

    # The step: its "- name:" line and the lines indented under it.
    step = re.search(rf"- name: Self-test \({platform}\)\n(?P<body>(?: {{8,}}.*\n)+)", workflow)
    assert step, f"no self-test step for {platform}"
    assert f"if: runner.os == '{platform}'" in step["body"]
    assert any(line.startswith(command) for line in run_lines(step["body"])), command


def test_ci_run_self_tests_the_linux_build_as_build_py_says() -> None:
    build = build_script()
    command = build.self_test_command(onefile=False) if build.IS_LINUX else None
    if command is None:
        pytest.skip("CI builds on Linux")
    ci = [line.replace("./dist/", "dist/") for line in run_lines(CI_RUN.read_text("utf-8"))]
    assert command in ci


def test_the_one_folder_archive_is_uploaded(workflow: str) -> None:
    upload = workflow.split("uses: actions/upload-artifact@", 1)
    assert len(upload) == 2, "no upload step"
    assert "dist/sdx-desktop-*.zip" in upload[1]  # Windows and macOS
    assert "dist/sdx-desktop-*.tar.gz" in upload[1]  # Linux
    assert "if-no-files-found: error" in upload[1]
