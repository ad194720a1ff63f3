"""What the frozen SDX Desktop leaves out, in one place (used by the spec and its hooks).

The app is Qt Widgets + QtSvg (icons) on QtCore/QtGui; it makes its HTTP calls with
``requests``, so Qt's network stack is not used at all. PySide6 hooks collect far more:
every platform plugin, every image format, every Qt translation, the GTK platform theme
(which drags in cairo, pango, harfbuzz, …). The rules below keep what the app needs on
each operating system and nothing else. Plugin folders not named here are kept whole
(the safe default for something a future Qt adds).

Check any change by running the built app (``--self-test``, and on a desktop once by
hand), not by its size alone.
"""

from __future__ import annotations

import sys
from pathlib import PurePath

#: Python modules never imported by the app (some are only *mentioned* in code paths
#: for other platforms or other Qt bindings, which makes PyInstaller collect them).
EXCLUDED_MODULES = [
    # Qt: the app imports QtCore, QtGui, QtWidgets only. (libQt6DBus stays: QtGui links
    # it; only its Python binding goes.)
    "PySide6.QtDBus",
    "PySide6.QtNetwork",  # requests does the HTTP; PySide6/__init__ mentions it for Windows
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtPdf",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    # qasync supports every binding; only PySide6 is installed and used.
    "PyQt5",
    "PyQt6",
    "PySide2",
    # Standard library parts the app has no use for.
    "readline",  # interactive prompts only; pulls libreadline and libtinfo
    "pdb",
    "pydoc",
    "doctest",
    "unittest",
    "multiprocessing",  # the app uses threads; only ProcessPoolExecutor would need it
    "xmlrpc",
    "tkinter",
    "_tkinter",
    "turtle",
    "turtledemo",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "ensurepip",
    "venv",
    "distutils",
    "setuptools",
    "pkg_resources",
    "pip",
    # Development tools that are installed next to the app but never imported by it
    # (jeepney's own test-suite imports pytest).
    "pytest",
    "_pytest",
    "pygments",
    "hypothesis",
    "mypy",
]

#: Plugin folders the app never needs, on any operating system.
DROPPED_PLUGIN_DIRS = {
    "egldeviceintegrations",  # eglfs: embedded devices without a window system
    "generic",  # evdev/tuio input for eglfs/linuxfb
    "networkinformation",  # QtNetwork (unused)
    "tls",  # QtNetwork (unused); Python's ssl does TLS
    "printsupport",  # no printing
    "sqldrivers",  # the sandbox uses Python's sqlite3
    "qmltooling",
    "designer",
    "wayland-graphics-integration-client",  # OpenGL on Wayland; widgets draw in software
    "wayland-graphics-integration-server",
    "vectorimageformats",  # Lottie → QtQuick
    "multimedia",
    "position",
    "renderers",
    "sceneparsers",
    "geometryloaders",
    "webview",
    "canbus",
    "sensors",
}

#: Plugin folders where only some plugins are kept, by base name (no ``lib`` prefix,
#: no suffix). Folders not listed here (and not dropped above) are kept whole: styles,
#: xcbglintegrations, wayland-decoration-client, platforms/darwin, accessiblebridge.
KEPT_PLUGINS: dict[str, set[str]] = {
    # Desktop sessions (X11, Wayland, Windows, macOS) plus offscreen for the self-test
    # and CI. Dropped: eglfs, linuxfb, vnc, minimal, minimalegl, vkkhrdisplay, direct2d.
    "platforms": {"qxcb", "qwayland", "qoffscreen", "qwindows", "qcocoa"},
    # Icons are SVG: the SVG image plugin and the SVG icon engine. No other formats are
    # read (PNG is built into QtGui).
    "imageformats": {"qsvg"},
    "iconengines": {"qsvgicon"},
    # The desktop portal (file dialogs, colour scheme) but not the GTK 3 theme: it loads
    # the system's GTK against the bundled cairo/pango/glib (a classic crash) and pulls
    # about 10 MB of GTK dependencies into the bundle.
    "platformthemes": {"qxdgdesktopportal"},
    # Dead keys / compose sequences and IBus input methods; not the virtual keyboard
    # (QML).
    "platforminputcontexts": {
        "composeplatforminputcontextplugin",
        "ibusplatforminputcontextplugin",
    },
    # The shell every Wayland desktop speaks.
    "wayland-shell-integration": {"xdg-shell"},
}


#: Libraries that nothing links (Qt loads them on demand) and that the app never uses.
#: Windows: Mesa's software OpenGL (~20 MB), a fallback for OpenGL/Qt Quick without a GPU
#: driver; widgets do not use OpenGL.
DROPPED_LIBRARIES = {"opengl32sw.dll"}


def plugin_name(filename: str) -> str:
    """``libqxcb.so`` → ``qxcb``; ``qwindows.dll`` → ``qwindows``; ``libqcocoa.dylib`` →
    ``qcocoa``."""
    stem = filename.split(".", 1)[0]
    if sys.platform != "win32" and stem.startswith("lib"):
        stem = stem[3:]
    return stem


def keep_plugin(dest: str) -> bool:
    """Whether the Qt plugin collected to ``dest`` (``PySide6/Qt/plugins/<type>/<file>``,
    or ``PySide6/plugins/…`` on Windows) belongs in the bundle."""
    parts = PurePath(dest).parts
    if "plugins" not in parts:
        return True
    below = parts[parts.index("plugins") + 1 :]
    if len(below) < 2:
        return True
    kind, filename = "/".join(below[:-1]), below[-1]
    if kind in DROPPED_PLUGIN_DIRS:
        return False
    wanted = KEPT_PLUGINS.get(kind)
    return wanted is None or plugin_name(filename) in wanted


def keep_data(dest: str) -> bool:
    """Qt's own translations are dropped: the app is in English only (Qt's English text is
    built in), so none of them would ever be loaded."""
    parts = PurePath(dest).parts
    return not ("translations" in parts and dest.endswith(".qm") and "PySide6" in parts)


def trim(binaries: list, datas: list) -> tuple[list, list]:
    """Filter a hook's ``binaries`` and ``datas`` lists of ``(source, dest_dir)``."""
    kept_binaries = [
        (src, dest) for src, dest in binaries if keep_plugin(f"{dest}/{PurePath(src).name}")
    ]
    kept_datas = [(src, dest) for src, dest in datas if keep_data(f"{dest}/{PurePath(src).name}")]
    return kept_binaries, kept_datas
