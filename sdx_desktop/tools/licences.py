"""Collect the licence texts of everything SDX Desktop bundles into resources/licences/.

    python -m sdx_desktop.tools.licences [--out resources/licences]

Walks the app's runtime requirements (for this platform) from the installed packages'
metadata, copies each one's licence files, adds Qt's and PySide6's (LGPL-3.0, which
refers to the GPL-3.0) and Python's, and writes ``components.json``, which Help → About
lists. Run it again after changing a dependency; the packaging spec ships the whole
``resources`` folder.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

APP = "sdx-desktop"
#: Texts not inside any wheel: Qt and PySide6 ship none in their wheels.
SYSTEM_TEXTS = {
    "LGPL-3.0.txt": Path("/usr/share/common-licenses/LGPL-3"),
    "GPL-3.0.txt": Path("/usr/share/common-licenses/GPL-3"),
}
LICENCE_FILE = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)
QT_NOTE = (
    "Qt and PySide6 are used under the GNU Lesser General Public License v3 (LGPL-3.0). "
    "They are linked dynamically: the Qt and PySide6 libraries in the app's folder can be "
    "replaced with other builds of the same version. Their source code is available from "
    "https://download.qt.io/official_releases/qt/ and "
    "https://download.qt.io/official_releases/QtForPython/ ; ask IT for a copy on a disk "
    "if you cannot download it."
)


def _name(requirement: str) -> Requirement:
    return Requirement(requirement)


def runtime_closure(root: str = APP) -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time on this platform."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = _name(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            pending.append(req.name)
    seen.pop(APP, None)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def licence_name(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if expression:
        return expression
    declared = meta.get("License") or ""
    if declared and len(declared) < 60:
        return declared
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License :: OSI Approved :: "):
            return classifier.rsplit(" :: ", 1)[1]
    return "see the licence text"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def collect(out: Path) -> list[dict[str, str]]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    for name, source in SYSTEM_TEXTS.items():
        (out / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    components: list[dict[str, str]] = []
    qt_version = ""
    for dist in runtime_closure():
        name, version = dist.metadata["Name"], dist.version
        if name.lower().startswith(("pyside6", "shiboken6")):
            qt_version = qt_version or version
            components.append(
                {
                    "name": name,
                    "version": version,
                    "licence": "LGPL-3.0-only",
                    "file": "LGPL-3.0.txt",
                    "note": QT_NOTE,
                }
            )
            continue
        texts = [
            f for f in dist.files or [] if LICENCE_FILE.search(str(f)) and "dist-info" in str(f)
        ]
        body = "\n\n".join(
            f"----- {Path(str(f)).name} -----\n\n{_read(Path(str(dist.locate_file(f))))}"
            for f in texts
        )
        file_name = f"{re.sub(r'[^A-Za-z0-9.]+', '-', name)}.txt"
        (out / file_name).write_text(
            f"{name} {version} — {licence_name(dist)}\n\n{body}".rstrip() + "\n",
            encoding="utf-8",
        )
        components.append(
            {"name": name, "version": version, "licence": licence_name(dist), "file": file_name}
        )
    python_text = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    (out / "Python.txt").write_text(python_text.read_text(encoding="utf-8"), encoding="utf-8")
    version = ".".join(map(str, sys.version_info[:3]))
    components.insert(
        0,
        {
            "name": "Qt",
            "version": qt_version,
            "licence": "LGPL-3.0-only",
            "file": "LGPL-3.0.txt",
            "note": QT_NOTE,
        },
    )
    components.insert(
        1,
        {
            "name": "GNU GPL v3",
            "version": "",
            "licence": "the terms the LGPL-3.0 builds on",
            "file": "GPL-3.0.txt",
        },
    )
    components.insert(
        2, {"name": "Python", "version": version, "licence": "PSF-2.0", "file": "Python.txt"}
    )
    (out / "components.json").write_text(
        json.dumps(components, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return components


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("resources/licences"))
    args = parser.parse_args(argv)
    for component in collect(args.out):
        print(f"{component['name']} {component['version']}: {component['licence']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
