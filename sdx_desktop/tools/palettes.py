"""A light and a dark palette, as office desktops draw them, for screenshots and the
contrast tests (the app itself always takes the system's palette)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

#: Role → colour of a dark theme (close to Windows 11 and GNOME's dark themes).
DARK = {
    Role.Window: "#202124",
    Role.WindowText: "#e8eaed",
    Role.Base: "#181a1b",
    Role.AlternateBase: "#24272a",
    Role.Text: "#e8eaed",
    Role.PlaceholderText: "#9aa0a6",
    Role.Button: "#2d2f33",
    Role.ButtonText: "#e8eaed",
    Role.BrightText: "#ffffff",
    Role.Light: "#3c4043",
    Role.Midlight: "#34373b",
    Role.Mid: "#5f6368",
    Role.Dark: "#121314",
    Role.Shadow: "#000000",
    Role.Highlight: "#3d6fb6",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#8ab4f8",
    Role.LinkVisited: "#c58af9",
    Role.ToolTipBase: "#303134",
    Role.ToolTipText: "#e8eaed",
}

#: Role → colour of a light theme (Qt's Fusion defaults, as most Linux desktops).
LIGHT = {
    Role.Window: "#efefef",
    Role.WindowText: "#000000",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f7f7f7",
    Role.Text: "#000000",
    Role.PlaceholderText: "#6e6e6e",
    Role.Button: "#efefef",
    Role.ButtonText: "#000000",
    Role.BrightText: "#ffffff",
    Role.Light: "#ffffff",
    Role.Midlight: "#cacaca",
    Role.Mid: "#b8b8b8",
    Role.Dark: "#9f9f9f",
    Role.Shadow: "#767676",
    Role.Highlight: "#308cc6",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#0000ff",
    Role.LinkVisited: "#ff00ff",
    Role.ToolTipBase: "#ffffdc",
    Role.ToolTipText: "#000000",
}


def make_palette(colours: dict[QPalette.ColorRole, str]) -> QPalette:
    palette = QPalette()
    for role, name in colours.items():
        palette.setColor(role, QColor(name))
        disabled = QColor(name)
        if role in (Role.WindowText, Role.Text, Role.ButtonText):
            disabled = QColor(colours[Role.Mid])
        palette.setColor(Group.Disabled, role, disabled)
    return palette


def dark_palette() -> QPalette:
    return make_palette(DARK)


def light_palette() -> QPalette:
    return make_palette(LIGHT)
