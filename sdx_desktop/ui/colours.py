"""The app's few colours of its own, by meaning, for a light or a dark theme.

Everything else comes from the palette. Each :class:`Tone` names a preferred colour for
a light and for a dark theme; :func:`colour` picks the one for the palette in use and,
if that is still hard to read on the background it is drawn on (a theme of unusual
colours), moves its lightness until the contrast reaches :data:`MIN_CONTRAST` (WCAG
AA for normal text). :func:`tint` puts a tone on a widget and puts it again when the
theme changes while the app runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

#: Contrast every text colour keeps against its background (WCAG AA, normal text).
MIN_CONTRAST = 4.5

Role = QPalette.ColorRole


@dataclass(frozen=True, slots=True)
class Tone:
    """A colour by meaning: for a light and for a dark theme, on the palette's
    ``on`` role, or on a background of its own (``background``: light, dark)."""

    name: str
    light: str
    dark: str
    on: QPalette.ColorRole = Role.Window
    background: tuple[str, str] | None = None


#: Something is wrong (a refused key, a failed save, a sign-in problem).
ERROR = Tone("error", "#b3261e", "#ff8a80")
#: The same, in a table cell (drawn on the view's base colour).
ERROR_IN_TABLE = Tone("error in a table", "#b3261e", "#ff8a80", on=Role.Base)
#: It worked ("Connected").
SUCCESS = Tone("success", "#1b5e20", "#81c784")
#: Help under a field, and what an empty list says.
HINT = Tone("hint", "#5f6368", "#b4b8be")
#: The same, in a table cell (e.g. a discarded change in the history).
HINT_IN_TABLE = Tone("hint in a table", "#5f6368", "#b4b8be", on=Role.Base)
#: A notice across the top (demo mode, "please sign in again").
NOTICE = Tone("notice", "#4a3800", "#ffe59a", background=("#fff4ce", "#3b3000"))
#: The bar under a list whose page could not be loaded.
FAILURE = Tone("failure", "#5f1410", "#ffd2cc", background=("#fdecea", "#4a1f1c"))
#: The toolbar's and menus' line icons.
ICON = Tone("icon", "#2b4a6f", "#a9c8f0", on=Role.Button)
#: The icons' red (delete, stop).
ICON_DANGER = Tone("icon danger", "#a12a22", "#ff9e94", on=Role.Button)

#: Every tone (the contrast test walks them).
TONES = (ERROR, ERROR_IN_TABLE, SUCCESS, HINT, HINT_IN_TABLE, NOTICE, FAILURE, ICON, ICON_DANGER)


def palette_now(palette: QPalette | None = None) -> QPalette:
    return palette if palette is not None else QGuiApplication.palette()


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the theme draws light text on a dark window."""
    pal = palette_now(palette)
    return luminance(pal.color(Role.Window)) < luminance(pal.color(Role.WindowText))


def background(tone: Tone, palette: QPalette | None = None) -> QColor:
    """What the tone is drawn on."""
    pal = palette_now(palette)
    if tone.background is not None:
        return QColor(tone.background[1] if is_dark(pal) else tone.background[0])
    return pal.color(tone.on)


def colour(tone: Tone, palette: QPalette | None = None) -> QColor:
    """The tone for this palette (default: the application's), readable on its
    background."""
    pal = palette_now(palette)
    preferred = QColor(tone.dark if is_dark(pal) else tone.light)
    return readable(preferred, background(tone, pal))


def luminance(colour: QColor) -> float:
    """WCAG relative luminance."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio, 1 to 21."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def readable(preferred: QColor, on: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """``preferred``, or the nearest colour of its hue light or dark enough to read on
    ``on``."""
    if contrast(preferred, on) >= minimum:
        return QColor(preferred)
    towards_light = luminance(on) < 0.18
    hue, saturation = preferred.hslHueF(), preferred.hslSaturationF()
    lightness, alpha = preferred.lightnessF(), preferred.alphaF()
    step = 0.02 if towards_light else -0.02
    candidate = QColor(preferred)
    while 0.0 <= lightness <= 1.0:
        lightness += step
        candidate = QColor.fromHslF(hue, saturation, min(1.0, max(0.0, lightness)), alpha)
        if contrast(candidate, on) >= minimum:
            return candidate
    return QColor("#ffffff" if towards_light else "#000000")


def css(colour_: QColor) -> str:
    return colour_.name(QColor.NameFormat.HexRgb)


# --- putting a tone on a widget -----------------------------------------------------------


def tint(widget: QWidget, tone: Tone | None, *, padding: str = "") -> None:
    """Draw ``widget``'s text in ``tone`` (``None``: the palette's own colours again). A
    tone with a background of its own also fills the widget's background (with
    ``padding`` and rounded corners). Put again when the theme changes."""
    widget.setProperty("sdxTone", tone.name if tone is not None else "")
    widget.setProperty("sdxTonePadding", padding)
    _apply(widget, tone, padding)
    if tone is not None:
        _watch_theme()


def _apply(widget: QWidget, tone: Tone | None, padding: str) -> None:
    if tone is None:
        widget.setStyleSheet("")
        return
    if tone.background is not None:
        name = widget.objectName()
        selector = f"#{name}" if name else widget.metaObject().className()
        extra = f" padding: {padding};" if padding else ""
        sheet = (
            f"{selector} {{ color: {css(colour(tone))}; background: {css(background(tone))};"
            f" border-radius: 4px;{extra} }}"
            f" {selector} QLabel {{ color: {css(colour(tone))}; }}"
        )
    else:
        sheet = f"color: {css(colour(tone))};"
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


def retint_all() -> None:
    """Put every widget's tone again (the theme changed)."""
    for widget in QApplication.allWidgets():
        name = widget.property("sdxTone")
        tone = _BY_NAME.get(name) if isinstance(name, str) else None
        if tone is not None:
            _apply(widget, tone, str(widget.property("sdxTonePadding") or ""))


_BY_NAME = {tone.name: tone for tone in TONES}


class _ThemeWatcher(QObject):
    """Sees the application's palette change (the user switched to a dark theme)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ApplicationPaletteChange
            and watched is QApplication.instance()
        ):
            retint_all()
        return False


_watcher: _ThemeWatcher | None = None


def _watch_theme() -> None:
    global _watcher
    app = QApplication.instance()
    if app is None or (_watcher is not None and shiboken6.isValid(_watcher)):
        return
    _watcher = _ThemeWatcher(app)
    app.installEventFilter(_watcher)
