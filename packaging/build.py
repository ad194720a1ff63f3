"""Build the SDX Desktop executable for the operating system this runs on.

    python packaging/build.py              # one folder: dist/sdx-desktop/
    python packaging/build.py --onefile    # one file:   dist/onefile/sdx-desktop(.exe)
    python packaging/build.py --archive    # also zip/tar the result for handing out

Needs the ``package`` extra (``pip install -e ".[package]"``). Steps: render the app
icon from resources/icons/sdx-desktop.svg with Qt (PNG set, .ico, .icns) into
build/icons/, run PyInstaller on packaging/sdx-desktop.spec (work files in
build/pyinstaller/), add the Linux desktop entry and a README for staff, check the
bundle's libraries (Linux), and print its size. Then run it:

    QT_QPA_PLATFORM=offscreen dist/sdx-desktop/sdx-desktop --self-test
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "sdx-desktop.spec"
SVG = ROOT / "resources" / "icons" / "sdx-desktop.svg"
BUILD = ROOT / "build"
DIST = ROOT / "dist"
ONEFILE_DIST = DIST / "onefile"  # beside, not over, the one-folder build
ICONS = BUILD / "icons"
NAME = "sdx-desktop"

IS_LINUX = sys.platform.startswith("linux")
IS_WINDOWS = sys.platform == "win32"
IS_MACOS = sys.platform == "darwin"

#: Sizes of the Linux icon theme set (hicolor), the Windows .ico and the macOS .icns.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: icns element types holding PNG data, by pixel size (the @2x ones reuse a size).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--onefile", action="store_true", help="one executable file")
    parser.add_argument("--archive", action="store_true", help="also pack the result")
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache")
    parser.add_argument("--no-strip", action="store_true", help="keep symbols (Linux)")
    parser.add_argument("--full-icu", action="store_true", help="keep all ICU data (Linux)")
    args = parser.parse_args(argv)
    started = time.monotonic()

    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit('PyInstaller is missing: pip install -e ".[package]"')
    if IS_LINUX:
        missing = [t for t in ("objdump", "objcopy", "ld", "readelf") if not shutil.which(t)]
        if missing:
            sys.exit(
                f"{', '.join(missing)} missing: install binutils "
                "(python packaging/system_libs.py lists what a fresh machine needs)"
            )

    print("== icons", flush=True)
    for path in render_icons(SVG, ICONS):
        print(f"   {path.relative_to(ROOT)}")

    print("== PyInstaller", flush=True)
    command = [
        sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
        "--distpath", str(ONEFILE_DIST if args.onefile else DIST),
        "--workpath", str(BUILD / "pyinstaller"),
    ]  # fmt: skip
    if args.clean:
        command.append("--clean")
    spec_options = [
        flag
        for flag, on in (
            ("--onefile", args.onefile),
            ("--no-strip", args.no_strip),
            ("--full-icu", args.full_icu),
        )
        if on
    ]
    if spec_options:
        command += ["--", *spec_options]
    subprocess.run(command, check=True, cwd=ROOT)

    product = built_product(args.onefile)
    if product.is_dir() and not IS_MACOS:
        add_extras(product)
    if IS_LINUX:
        audit_libraries(product)
    if args.archive:
        product = pack(product)
    size = folder_size(product)
    print(f"== built {product.relative_to(ROOT)}: {size / 2**20:.1f} MB")
    print(f"   in {time.monotonic() - started:.0f} s")
    print(f"   try it: {self_test_command(args.onefile)}")
    return 0


def built_product(onefile: bool) -> Path:
    if IS_MACOS:
        return DIST / "SDX Desktop.app"
    if onefile:
        return ONEFILE_DIST / (f"{NAME}.exe" if IS_WINDOWS else NAME)
    return DIST / NAME


def self_test_command(onefile: bool) -> str:
    if IS_WINDOWS:
        exe = rf"dist\onefile\{NAME}.exe" if onefile else rf"dist\{NAME}\{NAME}.exe"
        return f"start /wait {exe} --self-test"
    if IS_MACOS:
        return f'"dist/SDX Desktop.app/Contents/MacOS/{NAME}" --self-test'
    exe = f"dist/onefile/{NAME}" if onefile else f"dist/{NAME}/{NAME}"
    return f"QT_QPA_PLATFORM=offscreen {exe} --self-test"


# --- icons ----------------------------------------------------------------------------


def render_icons(svg: Path, out: Path) -> list[Path]:
    """Render ``svg`` with Qt into PNGs (hicolor theme layout), ``.ico`` and ``.icns``.

    Qt's ico and icns image plugins write one image per file; the containers are
    written here instead so each holds every size (sharp 16 px icons in Explorer and
    Finder), with Qt's PNG renderings inside, then read back with those Qt plugins.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot render {svg}")
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter)
            painter.end()
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            if not image.save(buffer, "PNG"):
                raise SystemExit("Qt cannot write PNG")
            buffer.close()
            cache[size] = bytes(data.data())
        return cache[size]

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in PNG_SIZES:
        path = out / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png(size))
        written.append(path)
    scalable = out / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)

    ico = out / f"{NAME}.ico"
    ico.write_bytes(ico_file([(size, png(size)) for size in ICO_SIZES]))
    icns = out / f"{NAME}.icns"
    icns.write_bytes(icns_file([(kind, png(size)) for kind, size in ICNS_TYPES]))
    written += [ico, icns]

    # Read them back with Qt's own plugins: every size must decode.
    for path, expected in ((ico, len(ICO_SIZES)), (icns, None)):
        reader = QImageReader(str(path))
        if not reader.canRead():
            fmt = path.suffix[1:]
            if fmt.encode() not in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]:
                print(f"   (Qt has no {fmt} plugin here: {path.name} not read back)")
                continue
            raise SystemExit(f"Qt cannot read the {path.name} it just wrote")
        count = reader.imageCount()
        if expected is not None and count != expected:
            raise SystemExit(f"{path.name}: {count} images, expected {expected}")
        for _ in range(max(count, 1)):
            if reader.read().isNull():
                raise SystemExit(f"{path.name}: an image does not decode ({reader.errorString()})")
            reader.jumpToNextImage()
    return written


def ico_file(images: list[tuple[int, bytes]]) -> bytes:
    """A Windows .ico holding PNG images (Windows Vista and later read those)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns_file(elements: list[tuple[bytes, bytes]]) -> bytes:
    """A macOS .icns holding PNG elements."""
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data for kind, data in elements)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


# --- after PyInstaller ------------------------------------------------------------------


def add_extras(folder: Path) -> None:
    """A README for staff; on Linux the desktop entry, its icons and the script that
    puts them in the user's applications menu."""
    shutil.copyfile(HERE / "STAFF-README.txt", folder / "README.txt")
    if not IS_LINUX:
        return
    share = folder / "_internal" / "share"
    shutil.copytree(ICONS / "hicolor", share / "icons" / "hicolor", dirs_exist_ok=True)
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "linux" / f"{NAME}.desktop", share / "applications" / f"{NAME}.desktop")
    script = folder / "install-desktop-entry.sh"
    shutil.copyfile(HERE / "linux" / "install-desktop-entry.sh", script)
    script.chmod(0o755)


def audit_libraries(product: Path) -> None:
    """Every library in the bundle must find what it links, from the bundle or from this
    system. Missing ones for the X11/Wayland plugins only matter on desktops; anything
    else stops the build."""
    if product.is_file():
        return  # one file: the libraries are inside the executable
    internal = product / "_internal"
    lib_dirs = sorted({str(p.parent) for p in internal.rglob("*.so*")})
    env = dict(
        os.environ,
        LD_LIBRARY_PATH=os.pathsep.join([*lib_dirs, os.environ.get("LD_LIBRARY_PATH", "")]),
    )
    desktop_only = re.compile(
        r"/plugins/(platforms/libq(xcb|wayland)|xcbglintegrations|wayland-|platformthemes|platforminputcontexts)|libQt6(XcbQpa|WaylandClient)"
    )
    fatal, desktop = set(), set()
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for name in re.findall(r"^\s*(\S+) => not found", out, re.MULTILINE):
            (desktop if desktop_only.search(str(path)) else fatal).add(name)
    desktop -= fatal
    if desktop:
        print(
            "   note: on desktops the X11/Wayland plugins need "
            f"{', '.join(sorted(desktop))} from the system (missing on this build machine)"
        )
    if fatal:
        raise SystemExit(
            f"libraries missing for the bundle: {', '.join(sorted(fatal))} "
            "(python packaging/system_libs.py --install)"
        )
    glibc = max_symbol_version(internal, "GLIBC_")
    if glibc:
        print(f"   needs glibc {glibc} or newer on the staff computer (as on this build machine)")


def max_symbol_version(folder: Path, prefix: str) -> str:
    """The highest ``GLIBC_x.y`` symbol version any binary in ``folder`` needs."""
    best: tuple[int, ...] = ()
    for path in folder.rglob("*.so*"):
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
        for version in re.findall(rf"\({prefix}([\d.]+)\)", out):
            best = max(best, tuple(int(n) for n in version.split(".")))
    return ".".join(map(str, best))


def pack(product: Path) -> Path:
    import platform

    from_init = (ROOT / "sdx_desktop" / "__init__.py").read_text()
    version = re.search(r'__version__\s*=\s*"([^"]+)"', from_init)
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(
        sys.platform, sys.platform
    )
    base = DIST / f"{NAME}-{version[1] if version else 'dev'}-{system}-{platform.machine().lower()}"
    if IS_MACOS:
        # ditto, as Apple documents for zipping an app: keeps the bundle's symbolic links
        # (Python's zipfile would store a copy of each target) and so its signature.
        archive = base.with_name(base.name + ".zip")
        archive.unlink(missing_ok=True)
        subprocess.run(
            ["ditto", "-c", "-k", "--sequesterRsrc", "--keepParent", str(product), str(archive)],
            check=True,
        )
        return archive
    fmt = "zip" if IS_WINDOWS else "gztar"
    archive = shutil.make_archive(str(base), fmt, root_dir=product.parent, base_dir=product.name)
    return Path(archive)


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


if __name__ == "__main__":
    sys.exit(main())
