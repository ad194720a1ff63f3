"""The mutation score per package, from the results of a ``mutmut run`` in this folder.

Run after ``mutmut run`` (see docs/testing.md): ``python .ci/mutation_score.py``
prints a Markdown table (killed, survived, and the rest per package, and the score:
killed out of every mutant that was checked); ``--survivors`` also lists each
surviving mutant by name, for ``mutmut show NAME``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter, defaultdict

#: Module prefix → how the table names it.
PACKAGES = {
    "sdx_desktop.api": "api/",
    "sdx_desktop.domain": "domain/",
    "sdx_desktop.ui.paged_model": "ui/paged_model.py",
}
#: What mutmut reports per mutant; the score counts only the checked ones.
CHECKED = ("killed", "survived", "timeout", "suspicious", "no tests", "segfault")


def results() -> list[tuple[str, str]]:
    """(mutant name, status) of every mutant mutmut generated."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = []
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            found.append((name, status))
    return found


def package_of(name: str) -> str:
    return next((p for p in PACKAGES if name.startswith(p + ".")), "other")


def table(found: list[tuple[str, str]]) -> str:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in found:
        counts[package_of(name)][status] += 1
        counts["all"][status] += 1
    lines = [
        "| package | mutants | killed (timeouts incl.) | survived | no test reaches it "
        "| not checked | score |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for package in (*PACKAGES, "all"):
        c = counts[package]
        if not c:
            continue
        killed = c["killed"] + c["timeout"]
        checked = sum(c[s] for s in CHECKED)
        score = f"{100 * killed / checked:.1f} %" if checked else "–"
        shown = PACKAGES.get(package, package)
        lines.append(
            f"| `{shown}` | {sum(c.values()):,} | {killed:,} | {c['survived']:,} "
            f"| {c['no tests']:,} | {c['not checked']:,} | **{score}** |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", action="store_true", help="list every survivor")
    args = parser.parse_args()
    found = results()
    print(table(found))
    if args.survivors:
        print()
        for name, status in found:
            if status == "survived":
                print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
