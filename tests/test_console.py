"""Command-line output from a windowed build: a windowed Windows executable starts with
no stdout/stderr (``sys.stdout is None``); the flags meant for the command line must
then find the console (on Windows) or at least not fail."""

from __future__ import annotations

import sys

import pytest

from sdx_desktop import __version__, app, console


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["--version"], True),
        (["--help"], True),
        (["-h"], True),
        (["--self-test"], True),
        (["--startup-probe", "--demo"], True),
        ([], False),
        (["--demo"], False),
        (["--debug"], False),
    ],
)
def test_flags_meant_for_the_command_line_want_the_console(argv: list[str], wanted: bool) -> None:
    assert console.wants_console(argv) is wanted


def test_without_stdout_and_stderr_output_goes_somewhere_harmless(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    console.ensure_console()
    try:
        assert sys.stdout is not None and sys.stderr is not None
        print("nowhere to be seen")
        print("nor this", file=sys.stderr)
    finally:
        sys.stdout.close()
        sys.stderr.close()


def test_existing_streams_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    before = sys.stdout, sys.stderr
    console.ensure_console()
    assert (sys.stdout, sys.stderr) == before


def test_version_asks_for_the_console_before_printing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(app, "ensure_console", lambda: asked.append(True))
    with pytest.raises(SystemExit) as exit_:
        app.main(["--version"])
    assert exit_.value.code == 0
    assert asked == [True]
    assert capsys.readouterr().out.strip() == f"SDX Desktop {__version__}"
