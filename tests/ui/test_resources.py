"""Every icon the app ships loads through the resources helper, as the app loads it
(source checkout here; the frozen build checks the same in ``--self-test``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication

from sdx_desktop.resources import resource_path, resources_dir
from sdx_desktop.ui.icons import icon

ICONS = sorted((resources_dir() / "icons").glob("*.svg"))


def test_the_icon_set_is_there() -> None:
    names = {path.stem for path in ICONS}
    assert "sdx-desktop" in names
    assert len(names) >= 10


@pytest.mark.parametrize("path", ICONS, ids=lambda path: path.stem)
def test_icon_loads_and_renders(qapp: QApplication, path: Path) -> None:
    assert resource_path("icons", path.name) == path
    qicon = icon(path.stem)
    assert not qicon.isNull()
    for side in (16, 32, 64):
        pixmap = qicon.pixmap(QSize(side, side))
        assert not pixmap.isNull()
        # Something was drawn: an SVG that failed to render gives a fully clear pixmap.
        image = pixmap.toImage()
        drawn = sum(image.pixelColor(x, y).alpha() > 0 for x in range(side) for y in range(side))
        assert drawn >= side, f"{path.name} renders (almost) nothing at {side}px"
    assert not QPixmap(str(path)).isNull()


def test_a_missing_resource_names_itself() -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such-icon\.svg"):
        resource_path("icons", "no-such-icon.svg")


def test_the_frozen_layout_is_found_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = tmp_path / "resources" / "icons"
    frozen.mkdir(parents=True)
    shutil.copy(resources_dir() / "icons" / "sdx-desktop.svg", frozen)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    resources_dir.cache_clear()
    try:
        assert resources_dir() == tmp_path / "resources"
        assert resource_path("icons", "sdx-desktop.svg") == frozen / "sdx-desktop.svg"
    finally:
        monkeypatch.undo()
        resources_dir.cache_clear()
