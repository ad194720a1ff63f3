"""Fail CI when branch coverage of the API client or the domain logic drops.

Run after the test suite (which measures branch coverage on every run: pytest's
addopts in pyproject.toml). It writes coverage's JSON report from the data the run
left in build/coverage/ and checks it:

* each package in FLOORS keeps its floor (statements and branches together, as
  coverage.py counts its percentage);
* each file in PERFECT_FILES stays at 100 % (like qutebrowser's list of perfect
  files): a file that was fully covered once cannot slide back unnoticed;
* a file at 100 % that is not on the list is named, so it can be added.

Usage: python .ci/coverage_floors.py [coverage.json]  (see docs/testing.md)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Package prefix -> lowest percentage allowed.
FLOORS = {
    "sdx_desktop/domain/": 100.0,
    "sdx_desktop/api/": 95.0,
}

#: Files that must stay at 100 % (every file of domain/ is held there by its floor).
PERFECT_FILES = {
    "sdx_desktop/api/auth.py",
    "sdx_desktop/api/client.py",
    "sdx_desktop/api/deadline.py",
    "sdx_desktop/api/errors.py",
    "sdx_desktop/api/http.py",
    "sdx_desktop/api/keys.py",
    "sdx_desktop/api/models.py",
    "sdx_desktop/api/paging.py",
    "sdx_desktop/api/urls.py",
}


def _load(argv: list[str]) -> dict[str, dict[str, object]]:
    if argv:
        report = Path(argv[0])
    else:
        import coverage

        cov = coverage.Coverage(config_file=str(ROOT / "pyproject.toml"))
        cov.load()
        report = ROOT / "build" / "coverage" / "coverage.json"
        cov.json_report(outfile=str(report))
    data = json.loads(report.read_text("utf-8"))
    if not data.get("meta", {}).get("branch_coverage"):
        sys.exit(f"{report}: branch coverage was not measured")
    return {Path(name).as_posix(): info["summary"] for name, info in data["files"].items()}


def _percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def _counts(summary: dict[str, object]) -> tuple[int, int]:
    statements = int(summary["num_statements"])  # type: ignore[call-overload]
    branches = int(summary["num_branches"])  # type: ignore[call-overload]
    covered = int(summary["covered_lines"]) + int(summary["covered_branches"])  # type: ignore[call-overload]
    return covered, statements + branches


def _missing(summary: dict[str, object]) -> str:
    return f"{summary['missing_lines']} lines, {summary['missing_branches']} branches missed"


def main(argv: list[str]) -> int:
    files = _load(argv)
    failures: list[str] = []
    print(f"{'package / file':<44} {'branch cov.':>11}  floor")
    for prefix, floor in FLOORS.items():
        members = {name: s for name, s in files.items() if name.startswith(prefix)}
        if not members:
            failures.append(f"{prefix}: no coverage data (did the tests run with --cov?)")
            continue
        covered = total = 0
        for name, summary in sorted(members.items()):
            c, t = _counts(summary)
            covered, total = covered + c, total + t
            mark = "" if c == t else f"  ({_missing(summary)})"
            print(f"  {name:<42} {_percent(c, t):>10.2f}%{mark}")
        percent = _percent(covered, total)
        ok = percent >= floor
        print(f"{prefix:<44} {percent:>10.2f}%  {floor:.0f}%  {'ok' if ok else 'BELOW THE FLOOR'}")
        if not ok:
            failures.append(f"{prefix} at {percent:.2f} %, below its floor of {floor:.0f} %")
    for name in sorted(PERFECT_FILES):
        summary = files.get(name)
        if summary is None:
            failures.append(f"{name}: listed as perfect but not measured")
            continue
        c, t = _counts(summary)
        if c != t:
            failures.append(
                f"{name} is no longer fully covered ({_percent(c, t):.2f} %: {_missing(summary)})"
            )
    for name, summary in sorted(files.items()):
        c, t = _counts(summary)
        listed = name in PERFECT_FILES or any(
            name.startswith(p) for p, f in FLOORS.items() if f == 100
        )
        if c == t and t and not listed and name.startswith(tuple(FLOORS)):
            print(
                f"note: {name} is fully covered; add it to PERFECT_FILES in {Path(__file__).name}"
            )
    if failures:
        print("\nCoverage floors not met:", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        print(
            "(a branch that cannot be reached: '# pragma: no branch' with a reason)",
            file=sys.stderr,
        )
        return 1
    print("coverage floors met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
