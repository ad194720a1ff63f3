"""PyInstaller's own hook for PySide6.QtWidgets, minus what SDX Desktop does not use
(see packaging/bundle_rules.py). This folder is the spec's ``hookspath``, which
takes precedence over the stock hook."""

from bundle_rules import trim
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries, datas = trim(binaries, datas)
