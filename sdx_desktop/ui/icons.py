"""Icons from the app's SVG resources, drawn in the theme's colours, cached.

The line icons are drawn in two colours (navy, and red for delete and stop); those are
replaced by :data:`~sdx_desktop.ui.colours.ICON` and
:data:`~sdx_desktop.ui.colours.ICON_DANGER` for the palette in use, so they stay
visible on a dark toolbar. The app's own icon keeps its colours. Widgets holding
icons call :func:`icon` again when the palette changes (see
:meth:`WindowActions.retheme <sdx_desktop.ui.window_actions.WindowActions.retheme>`).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize
from PySide6.QtGui import QAction, QIcon, QImageReader, QPixmap

from sdx_desktop.resources import resource_path

from .colours import ICON, ICON_DANGER, colour, css, is_dark

#: The colours the SVG files are drawn in, and the tone each one becomes.
SOURCE_COLOURS = {"#2b4a6f": ICON, "#a12a22": ICON_DANGER}
#: Keeps its own colours (it is the app's logo, not a line icon).
APP_ICON = "sdx-desktop"
SIZES = (16, 20, 24, 32, 48, 64)


def icon(name: str) -> QIcon:
    """The icon ``name`` (an SVG in ``resources/icons``) for the current theme."""
    return _icon(name, is_dark())


@cache
def _icon(name: str, dark: bool) -> QIcon:
    path = resource_path("icons", f"{name}.svg")
    if name == APP_ICON:
        return QIcon(str(path))
    svg = themed_svg(path.read_text(encoding="utf-8"))
    result = QIcon()
    for side in SIZES:
        pixmap = _render(svg, side)
        if not pixmap.isNull():
            result.addPixmap(pixmap)
    return result if not result.isNull() else QIcon(str(path))


def set_icon(action: QAction, name: str) -> None:
    """Give ``action`` the icon ``name``, and have :func:`retheme` renew it."""
    action.setProperty("sdxIcon", name)
    action.setIcon(icon(name))


def retheme(root: QObject) -> None:
    """Draw the icons of ``root``'s actions again in the current theme's colours."""
    for action in root.findChildren(QAction):
        name = action.property("sdxIcon")
        if isinstance(name, str) and name:
            action.setIcon(icon(name))


def themed_svg(svg: str) -> str:
    """The SVG text with its line colours replaced by the theme's."""
    for source, tone in SOURCE_COLOURS.items():
        svg = svg.replace(source, css(colour(tone)))
    return svg


def _render(svg: str, side: int) -> QPixmap:
    data = QByteArray(svg.encode("utf-8"))
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"svg"))
    reader.setScaledSize(QSize(side, side))
    image = reader.read()
    buffer.close()
    return QPixmap.fromImage(image)
