"""Linux: system libraries the bundle takes from the computer it runs on.

PyInstaller copies every shared library the app links, including a few that must match
the rest of the running desktop. These are left out, as AppImage does (its
"excludelist" explains each one); every desktop Linux has them, and a computer without a
desktop installs them with the packages named in packaging/system_libs.py.

Leaving one out can leave behind libraries that only it needed (freetype brings libpng
and brotli): those go too, since the system's copy comes with its own dependencies.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import PurePath

#: soname: why the system's copy must be used.
HOST_LIBRARIES = {
    # The C++ runtime and its helper: a bundled copy older than the system's breaks the
    # system's graphics drivers and input methods that Qt loads ("GLIBCXX_3.4.xx not
    # found"). The PySide6 wheels are built for old runtimes on purpose.
    "libstdc++.so.6": "C++ runtime",
    "libgcc_s.so.1": "GCC runtime",
    # X11 client libraries: PyInstaller already leaves out libxcb, and libX11 must match
    # it ("undefined symbol: xcb_wait_for_reply64").
    "libX11.so.6": "X11",
    "libX11-xcb.so.1": "X11",
    # Fonts: the library must understand the system's font configuration files, or the
    # app stalls or shows boxes instead of letters.
    "libfontconfig.so.1": "fonts",
    "libfreetype.so.6": "fonts",
    # D-Bus client library (QtDBus links it: desktop portal, input methods,
    # accessibility). Every desktop session runs on D-Bus and has it; the bundled copy
    # dragged in libsystemd and libgcrypt, 2.5 MB that only it used.
    "libdbus-1.so.3": "D-Bus",
    # Base-system libraries every Linux has (in AppImage's list for conflicts seen).
    "libz.so.1": "base system",
    "libexpat.so.1": "base system",
    "libgpg-error.so.0": "base system",
    "libuuid.so.1": "base system",
    "libcom_err.so.2": "base system",
}


@cache
def needed(path: str) -> tuple[str, ...]:
    """The sonames a binary links directly (its ``DT_NEEDED`` entries)."""
    try:
        out = subprocess.run(
            ["readelf", "-d", path], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return ()
    return tuple(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


@cache
def _system_path(soname: str) -> str | None:
    from PyInstaller.depend.bindepend import resolve_library_path

    return resolve_library_path(soname)


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def leave_out(binaries: Iterable[tuple[str, str, str]]) -> tuple[list, list[str]]:
    """Remove :data:`HOST_LIBRARIES` and what only they needed from a PyInstaller
    binaries TOC (``(dest, src, typecode)`` entries). Returns the new TOC and the names
    removed."""
    toc = list(binaries)
    by_name = {PurePath(dest).name: src for dest, src, _kind in toc}
    removed = {name for name in HOST_LIBRARIES if name in by_name}
    # Everything the left-out libraries need, directly or not, may now be unneeded.
    suspects: set[str] = set()
    pending = list(removed)
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = by_name.get(name) or _system_path(name)
        for dependency in needed(path) if path else ():
            suspects.add(dependency)
            pending.append(dependency)
    suspects -= removed
    while True:
        kept = [
            src for dest, src, _kind in toc if PurePath(dest).name not in removed and _is_elf(src)
        ]
        still_needed = {dep for src in kept for dep in needed(src)}
        orphans = {
            name
            for name in suspects
            if name in by_name and name not in removed and name not in still_needed
        }
        if not orphans:
            break
        removed |= orphans
    result = [entry for entry in toc if PurePath(entry[0]).name not in removed]
    return result, sorted(removed)
