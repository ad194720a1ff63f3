"""Every text colour the app sets is readable on its background, in a light and in a
dark theme (contrast at least 4.5:1, WCAG AA), and the icons follow the theme.

The contrast is computed here from the WCAG formula, not with the app's own helper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.tools.palettes import dark_palette, light_palette
from sdx_desktop.ui import colours
from sdx_desktop.ui.colours import TONES, Tone, background, colour, tint
from sdx_desktop.ui.icons import icon

PALETTES = {"light": light_palette, "dark": dark_palette}
UI = Path(colours.__file__).resolve().parent


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def ratio(first: QColor, second: QColor) -> float:
    def lum(c: QColor) -> float:
        return (
            0.2126 * _channel(c.red()) + 0.7152 * _channel(c.green()) + 0.0722 * _channel(c.blue())
        )

    high, low = sorted((lum(first), lum(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(params=list(PALETTES))
def theme(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    previous = QApplication.palette()
    QApplication.setPalette(PALETTES[request.param]())
    yield request.param
    QApplication.setPalette(previous)


@pytest.mark.parametrize("tone", TONES, ids=lambda t: t.name)
def test_each_tone_as_chosen_reads_on_its_background(theme: str, tone: Tone) -> None:
    """The colours picked for each theme are readable as they are (no rescue needed)."""
    palette = QApplication.palette()
    preferred = QColor(tone.dark if theme == "dark" else tone.light)
    back = background(tone, palette)
    assert ratio(preferred, back) >= 4.5, (tone.name, theme, preferred.name(), back.name())
    assert ratio(colour(tone, palette), back) >= 4.5


def test_an_odd_theme_still_gets_readable_colours(qapp: QApplication) -> None:
    odd = QPalette()
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        odd.setColor(role, QColor("#7a7a7a"))  # a mid grey: neither light nor dark
    odd.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    for tone in TONES:
        assert ratio(colour(tone, odd), background(tone, odd)) >= 4.5, tone.name


def _stylesheet_colours(widget: QWidget) -> list[QColor]:
    return [QColor(c) for c in re.findall(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", widget.styleSheet())]


def test_tinted_widgets_follow_a_theme_change(qtbot: QtBot, qapp: QApplication) -> None:
    """A label tinted in a light theme is tinted again when the theme turns dark."""
    previous = QApplication.palette()
    try:
        QApplication.setPalette(light_palette())
        box = QWidget()
        qtbot.addWidget(box)
        error = QLabel("Not saved.", box, objectName="error")
        notice = QLabel("Demo mode", box, objectName="notice")
        tint(error, colours.ERROR)
        tint(notice, colours.NOTICE, padding="6px")
        for theme in ("dark", "light", "dark"):
            QApplication.setPalette(PALETTES[theme]())
            window = QApplication.palette().color(QPalette.ColorRole.Window)
            (fg,) = _stylesheet_colours(error)
            assert ratio(fg, window) >= 4.5, (theme, fg.name(), window.name())
            fg, _child = _stylesheet_colours(notice)
            bg = QColor(re.findall(r"background:\s*(#[0-9a-fA-F]{6})", notice.styleSheet())[0])
            assert ratio(fg, bg) >= 4.5, (theme, fg.name(), bg.name())
            assert (bg.lightness() < 128) == (theme == "dark")
    finally:
        QApplication.setPalette(previous)


def _drawn_colour(name: str) -> QColor:
    image = icon(name).pixmap(QSize(48, 48)).toImage()
    pixels = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 200
    ]
    assert pixels, f"{name} draws nothing"
    r, g, b = (
        sum(getattr(p, c)() for p in pixels) // len(pixels) for c in ("red", "green", "blue")
    )
    return QColor(r, g, b)


@pytest.mark.parametrize("name", ["add", "edit", "refresh", "load-all", "delete", "stop", "quit"])
def test_toolbar_icons_follow_the_theme(theme: str, name: str) -> None:
    button = QApplication.palette().color(QPalette.ColorRole.Button)
    drawn = _drawn_colour(name)
    assert ratio(drawn, button) >= 4.5, (name, theme, drawn.name(), button.name())


def test_colours_live_in_one_module() -> None:
    """No other UI module spells out a colour (the palette or colours.py gives them)."""
    pattern = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?![0-9a-fA-F])|QColor\(\"")
    allowed = {"colours.py", "icons.py"}
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(UI.glob("*.py"))
        if path.name not in allowed
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and "objectName" not in line and not line.lstrip().startswith("#")
    ]
    assert offenders == []
