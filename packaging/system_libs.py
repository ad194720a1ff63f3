"""Linux: check (and in CI, install) the system packages a build and its self-test need.

    python packaging/system_libs.py            # report what is missing
    python packaging/system_libs.py --install  # CI only: apt-get install what is missing

A fresh machine may lack three kinds of things:

* **tools** PyInstaller needs on Linux: ``objdump``, ``objcopy``, ``strip``, ``ld``,
  ``readelf`` (binutils);
* **libraries to start**: what the Qt libraries and the plugins used offscreen link
  (libEGL, libGL, libxkbcommon, libfontconfig, …), plus the ones the bundle leaves to the
  system on purpose (packaging/host_libs.py). Without them the frozen app cannot start;
* **libraries for desktop sessions**: what the X11 and Wayland platform plugins link.
  The self-test runs offscreen and does not need them, but a build made where they are
  installed carries them, so the bundle runs on desktops that lack them.

``--install`` runs ``apt-get update && apt-get install -y …`` only when something is
missing, only when ``CI=true``, only as root and only where apt-get exists; anywhere else
it prints the command to run. Exit status: 1 when tools or start-up libraries are still
missing, else 0.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bundle_rules import DROPPED_PLUGIN_DIRS, keep_plugin  # noqa: E402
from host_libs import HOST_LIBRARIES  # noqa: E402

TOOLS = {"objdump": "binutils", "objcopy": "binutils", "strip": "binutils", "ld": "binutils",
         "readelf": "binutils"}  # fmt: skip

#: Debian package names that the soname rule below does not produce. The first
#: candidate apt knows is used (Debian 13 renamed some for the 64-bit time_t change).
PACKAGES = {
    "libGLdispatch.so.0": ["libglvnd0"],
    "libOpenGL.so.0": ["libopengl0"],
    "libglib-2.0.so.0": ["libglib2.0-0t64", "libglib2.0-0"],
    "libgthread-2.0.so.0": ["libglib2.0-0t64", "libglib2.0-0"],
    "libgobject-2.0.so.0": ["libglib2.0-0t64", "libglib2.0-0"],
    "libgio-2.0.so.0": ["libglib2.0-0t64", "libglib2.0-0"],
    "libgmodule-2.0.so.0": ["libglib2.0-0t64", "libglib2.0-0"],
    "libz.so.1": ["zlib1g"],
    "libpng16.so.16": ["libpng16-16t64", "libpng16-16"],
    "libstdc++.so.6": ["libstdc++6"],
    "libgcc_s.so.1": ["libgcc-s1"],
    "libcom_err.so.2": ["libcom-err2"],
    "libsqlite3.so.0": ["libsqlite3-0"],
    "libssl.so.3": ["libssl3t64", "libssl3"],
    "libcrypto.so.3": ["libssl3t64", "libssl3"],
    "libffi.so.8": ["libffi8"],
    "libbz2.so.1.0": ["libbz2-1.0"],
}


def package_candidates(soname: str) -> list[str]:
    """Debian's naming rule: ``libfoo.so.N`` → ``libfooN`` (``libfoo-N`` when the name
    ends in a digit), lower case; exceptions in :data:`PACKAGES`."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    match = re.fullmatch(r"(lib.+?)\.so\.(\d+)(?:\..*)?", soname)
    if match is None:
        return []
    name, number = match[1].lower().replace("_", "-"), match[2]
    package = f"{name}-{number}" if name[-1].isdigit() else f"{name}{number}"
    return [f"{package}t64", package]


def qt_dir() -> Path:
    import PySide6

    return Path(PySide6.__file__).resolve().parent / "Qt"


def binaries() -> tuple[list[Path], list[Path]]:
    """(needed to start, needed on desktops only): the Qt libraries and the plugins the
    bundle ships."""
    qt = qt_dir()
    start = [qt / "lib" / f"libQt6{m}.so.6" for m in ("Core", "Gui", "Widgets", "DBus", "Svg")]
    desktop: list[Path] = []
    for plugin in sorted((qt / "plugins").glob("*/*.so")):
        relative = plugin.relative_to(qt.parent)  # PySide6/Qt/plugins/<type>/<file>
        if plugin.parent.name in DROPPED_PLUGIN_DIRS or not keep_plugin(str(relative)):
            continue
        offscreen_needs = plugin.parent.name in ("iconengines", "imageformats") or (
            plugin.name == "libqoffscreen.so"
        )
        (start if offscreen_needs else desktop).append(plugin)
    return [p for p in start if p.exists()], desktop


def unresolved(paths: list[Path]) -> set[str]:
    missing: set[str] = set()
    for path in paths:
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
        missing |= set(re.findall(r"^\s*(\S+) => not found", out, re.MULTILINE))
    # Qt's own libraries are found next to the plugin in the venv, not on the system.
    return {name for name in missing if not name.startswith("libQt6")}


def system_has(soname: str) -> bool:
    ldconfig = shutil.which("ldconfig") or shutil.which("ldconfig", path="/sbin:/usr/sbin")
    if ldconfig is None:
        return True  # cannot tell; do not install blindly
    out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True).stdout
    return re.search(rf"^\s*{re.escape(soname)} ", out, re.MULTILINE) is not None


def apt_knows(package: str) -> bool:
    result = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", package], capture_output=True, text=True
    )
    return result.returncode == 0 and "Package:" in result.stdout


def choose_packages(sonames: set[str]) -> tuple[list[str], list[str]]:
    """Debian packages for ``sonames``, and the sonames no package was found for."""
    packages: set[str] = set()
    unknown: list[str] = []
    for soname in sorted(sonames):
        found = next((p for p in package_candidates(soname) if apt_knows(p)), None)
        if found:
            packages.add(found)
        else:
            unknown.append(soname)
    return sorted(packages), unknown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--install", action="store_true", help="CI only: install what is missing")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("system_libs: nothing to check on this operating system")
        return 0

    tools = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    start_bins, desktop_bins = binaries()
    start = unresolved(start_bins) | {lib for lib in HOST_LIBRARIES if not system_has(lib)}
    desktop = unresolved(desktop_bins) - start
    for label, names in (
        ("tools (PyInstaller)", tools),
        ("libraries to start the app", sorted(start)),
        ("libraries for X11/Wayland desktops (not needed offscreen)", sorted(desktop)),
    ):
        print(f"system_libs: {label}: {', '.join(names) if names else 'all present'}")
    if not (tools or start or desktop):
        return 0

    can_install = (
        args.install
        and os.environ.get("CI", "").lower() == "true"
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
        and shutil.which("apt-get") is not None
    )
    if can_install:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
    packages, unknown = choose_packages(start | desktop) if shutil.which("apt-cache") else ([], [])
    packages = sorted(set(packages) | set(tools))
    if unknown:
        print(f"system_libs: no Debian package found for: {', '.join(unknown)}")
    if not can_install:
        if packages:
            print(f"system_libs: to install them: apt-get install -y {' '.join(packages)}")
        return 1 if (tools or start) else 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=True,
        env=env,
    )
    still = (
        sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
        + sorted(unresolved(start_bins))
        + sorted(lib for lib in HOST_LIBRARIES if not system_has(lib))
    )
    if still:
        print(f"system_libs: still missing after apt-get: {', '.join(still)}")
        return 1
    print(f"system_libs: installed {', '.join(packages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
