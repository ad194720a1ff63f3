"""Icons from the app's SVG resources, cached."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from sdx_desktop.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(resource_path("icons", f"{name}.svg")))
