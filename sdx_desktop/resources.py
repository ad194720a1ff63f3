"""Finding the app's resources (icons, the .desktop file) wherever the app runs from.

Three layouts: a source checkout (``<repo>/resources``), an installed wheel
(``sdx_desktop/_resources``, copied in at build time) and the frozen executable
(``sys._MEIPASS/resources``). One helper serves them all.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resources_dir() -> Path:
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    candidates += [_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent / "resources"]
    for candidate in candidates:
        if (candidate / "icons").is_dir():
            return candidate
    raise FileNotFoundError("SDX Desktop's resources folder is missing: reinstall the app.")


def resource_path(*parts: str) -> Path:
    """The path of a resource, e.g. ``resource_path("icons", "add.svg")``."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Missing resource: {'/'.join(parts)}")
    return path
