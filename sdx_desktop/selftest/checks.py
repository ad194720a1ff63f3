"""The self-test's checks of what a frozen Qt app loses first: keyring back-ends and
their metadata, TLS, ICU's text data and the SVG plugins. Each returns a few words for
the summary line or raises :class:`SelfTestError` with the reason."""

from __future__ import annotations

import sys


class SelfTestError(Exception):
    """A check failed; the message says which, in a few words."""


# --- checks that need no window -----------------------------------------------------------


def check_bundle() -> list[str]:
    return [check_keyring(), check_tls()]


def check_keyring() -> str:
    """keyring finds its back-ends through package metadata (entry points): a build
    without that metadata silently falls back to "no password store". Looks only; the
    password store itself is not opened."""
    try:
        from keyring.compat.py312 import metadata  # the very module keyring uses
    except ImportError:  # a later keyring moved it
        import importlib.metadata as metadata  # type: ignore[no-redef]
    import importlib

    names = sorted({ep.name for ep in metadata.entry_points(group="keyring.backends")})
    if not names:
        raise SelfTestError(
            "keyring finds no password-store back-ends (its package metadata is missing)"
        )
    expected = {"linux": "SecretService", "win32": "Windows", "darwin": "macOS"}.get(sys.platform)
    if expected is None:
        return f"keyring {'/'.join(names)}"
    if expected not in names:
        raise SelfTestError(f"keyring has no {expected} back-end (found: {', '.join(names)})")
    try:
        importlib.import_module(f"keyring.backends.{expected}")
        if sys.platform == "linux":
            importlib.import_module("secretstorage")
            importlib.import_module("jeepney")
    except ImportError as error:
        raise SelfTestError(
            f"the {expected} password-store back-end cannot load: {error}"
        ) from None
    return f"keyring {expected}"


def check_tls() -> str:
    """TLS: the OS certificate store through truststore, and certifi's bundle (the
    fallback) present and loadable."""
    import ssl

    try:
        import certifi
        import truststore

        truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        bundle = ssl.create_default_context(cafile=certifi.where())
    except (ImportError, OSError, ssl.SSLError) as error:
        raise SelfTestError(f"TLS support is broken: {error}") from None
    if not bundle.get_ca_certs():
        raise SelfTestError("the fallback certificate bundle (certifi) is empty")
    return "TLS"


# --- checks that need a QApplication --------------------------------------------------------


def check_text() -> str:
    """Locale-aware sorting everywhere, and on Linux a legacy codec too: there Qt gets
    both from ICU, whose data the Linux build trims (packaging/icu_data.py). Qt for
    Windows and macOS sorts with the system's own functions and may have no ICU for
    legacy codecs, which the app does not use (Python reads the files)."""
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder

    swedish, german = QCollator(QLocale("sv_SE")), QCollator(QLocale("de_DE"))
    if not (swedish.compare("ö", "z") > 0 and german.compare("ä", "b") < 0):
        raise SelfTestError("locale-aware sorting is broken (ICU collation data)")
    if sys.platform.startswith("linux") and not QStringDecoder("windows-1252").isValid():
        raise SelfTestError("the windows-1252 text codec is missing (ICU converter data)")
    return "collation"


def check_icons() -> str:
    """Every SVG icon renders: needs the SVG icon engine or image plugin in the build."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon, QImageReader

    from sdx_desktop.resources import resources_dir

    if b"svg" not in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]:
        raise SelfTestError("Qt cannot read SVG images (the SVG image plugin is missing)")
    files = sorted((resources_dir() / "icons").glob("*.svg"))
    if not files:
        raise SelfTestError(f"no icons in {resources_dir() / 'icons'}")
    for path in files:
        if QIcon(str(path)).pixmap(QSize(32, 32)).isNull():
            raise SelfTestError(f"the icon {path.name} does not render")
    return f"{len(files)} icons"
