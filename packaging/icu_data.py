"""A smaller ICU data library for the Linux bundle.

PySide6's Linux wheels ship ICU, which QtCore links: ``libicudata.so.NN`` alone is 32 MB,
a third of the whole bundle. Qt uses ICU for a few things only (collation, legacy text
codecs, case mapping, time-zone names), and SDX Desktop for none of them directly; most
of the data (dictionaries for line breaking in Thai or Chinese, display names of every
language, currency and unit in every locale, transliterators, CJK codecs) is never read.

This module rebuilds the library with a subset of the same data and the same symbol
(``icudtNN_dat``), so ICU, and Qt above it, are unchanged; only missing items report
"not found", which ICU's callers handle. Kept: collation (all locales), the converter
aliases and the single-byte codecs (Windows-125x, ISO-8859-x, …), normalisation, time-zone
rules, plural rules, the root and English locale data, and everything ICU needs to
resolve locales. Dropped: see :data:`DROPPED_TREES` and :func:`keep_item`.

Needs ``ld`` and ``objcopy`` (binutils, which PyInstaller needs on Linux anyway). If
anything is missing or fails, the caller keeps the original library.
"""

from __future__ import annotations

import ctypes
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

#: Whole data trees never used by Qt: break-iterator rules and dictionaries (Qt has its
#: own text boundaries), display names of units, currencies, languages, regions and
#: time zones, transliterators and spelled-out numbers.
DROPPED_TREES = {"brkitr", "unit", "curr", "lang", "region", "zone", "translit", "rbnf"}
#: Top-level items never used by Qt: Unicode character names, StringPrep profiles,
#: IDNA (UTS 46; Qt has its own), spoof detection, language matching.
DROPPED_ITEMS = {"unames.icu", "uts46.nrm", "confusables.cfu", "langInfo.res"}
#: Multi-byte (CJK, EBCDIC DBCS) converter tables are 60 KB–550 KB each; the app reads
#: and writes UTF-8 only, and Python does its own codecs. Single-byte tables stay.
MAX_CONVERTER_BYTES = 64 * 1024
#: Locale data (calendars, number formats, …) kept for these languages only; root is
#: the fallback for every other locale. Qt formats numbers and dates with its own CLDR
#: tables, not ICU's.
KEPT_LOCALE_LANGUAGES = {"root", "en"}

_LOCALE_RES = re.compile(r"^([a-z]{2,3}|root)(_[A-Za-z0-9]+)*\.res$")


def keep_item(name: str, size: int) -> bool:
    """Whether the data item ``icudtNNl/<path>`` (``size`` bytes) stays."""
    path = name.split("/", 1)[1] if "/" in name else name
    if "/" in path:
        return path.split("/", 1)[0] not in DROPPED_TREES
    if path in DROPPED_ITEMS or path.endswith(".spp"):
        return False
    if path.endswith(".cnv"):
        return size <= MAX_CONVERTER_BYTES
    match = _LOCALE_RES.match(path)
    if match and path != "pool.res":
        return match.group(1) in KEPT_LOCALE_LANGUAGES
    return True


# --- the ICU common data package ("CmnD") --------------------------------------------


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Split an ICU common data package into its header and ``(name, data)`` items."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package (little-endian CmnD)")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_offset, data_offset) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(blob) - toc
        name_end = blob.index(b"\0", toc + name_offset)
        name = blob[toc + name_offset : name_end].decode("ascii")
        items.append((name, blob[toc + data_offset : toc + end]))
    return blob[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The inverse of :func:`read_package`; items stay in (sorted) order, 16-aligned."""
    count = len(items)
    names = b""
    name_offsets = []
    table = 4 + 8 * count
    for name, _data in items:
        name_offsets.append(table + len(names))
        names += name.encode("ascii") + b"\0"
    position = _align(table + len(names))
    data = b""
    data_offsets = []
    for _name, item in items:
        data_offsets.append(position + len(data))
        data += item + b"\0" * (_align(len(item)) - len(item))
    toc = struct.pack("<I", count) + b"".join(
        struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets, strict=True)
    )
    body = toc + names
    body += b"\0" * (position - len(body))
    return header + body + data


def _align(n: int, to: int = 16) -> int:
    return (n + to - 1) // to * to


# --- the shared library ---------------------------------------------------------------


def _symbol(library: Path) -> tuple[str, int, int]:
    """``(name, file offset, size)`` of the ``icudtNN_dat`` symbol."""
    symbols = subprocess.run(
        ["readelf", "-W", "--dyn-syms", str(library)], check=True, capture_output=True, text=True
    ).stdout
    match = re.search(
        r":\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+\S+\s+\S+\s+(\d+)\s+(icudt\d+_dat)",
        symbols,
    )
    if match is None:
        raise ValueError(f"no icudtNN_dat symbol in {library}")
    address, size, section = int(match[1], 16), int(match[2], 0), int(match[3])
    sections = subprocess.run(
        ["readelf", "-W", "-S", str(library)], check=True, capture_output=True, text=True
    ).stdout
    row = re.search(rf"\[\s*{section}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    if row is None:
        raise ValueError(f"section {section} not found in {library}")
    section_address, section_offset = int(row[1], 16), int(row[2], 16)
    return match[4], address - section_address + section_offset, size


def build_smaller_library(original: Path, out_dir: Path) -> Path:
    """Write a trimmed copy of ``original`` (``libicudata.so.NN``) into ``out_dir``."""
    for tool in ("ld", "objcopy", "readelf"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} (binutils) is needed to trim the ICU data")
    symbol, offset, size = _symbol(original)
    blob = original.read_bytes()[offset : offset + size]
    header, items = read_package(blob)
    kept = [(name, data) for name, data in items if keep_item(name, len(data))]
    package = write_package(header, kept)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / original.name
    with tempfile.TemporaryDirectory(prefix="sdx-icu-") as tmp:
        work = Path(tmp)
        (work / "icudata.bin").write_bytes(package)
        start = "_binary_icudata_bin_start"
        subprocess.run(
            ["ld", "-r", "-b", "binary", "-o", "icudata.o", "icudata.bin"], cwd=work, check=True
        )
        subprocess.run(
            [
                "objcopy",
                "--rename-section",
                ".data=.rodata,alloc,load,readonly,data,contents",
                "--set-section-alignment",
                ".rodata=16",
                "--redefine-sym",
                f"{start}={symbol}",
                "--strip-symbol",
                "_binary_icudata_bin_end",
                "--strip-symbol",
                "_binary_icudata_bin_size",
                "icudata.o",
            ],
            cwd=work,
            check=True,
        )
        subprocess.run(
            [
                "ld",
                "-shared",
                "-soname",
                original.name,
                "-z",
                "noexecstack",
                "-o",
                str(target),
                "icudata.o",
            ],
            cwd=work,
            check=True,
        )
    check_library(original, target)
    return target


def check_library(original: Path, trimmed: Path) -> None:
    """Load ICU with the trimmed data next to the original ICU libraries and ask it for
    a collator and a converter: proves the package is well-formed and the data found.
    Runs in a child process, so no ICU stays loaded in the build process."""
    result = subprocess.run(
        [sys.executable, __file__, "--check", str(original), str(trimmed)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the trimmed ICU data does not work: {result.stderr.strip()}")


def _check_in_this_process(original: Path, trimmed: Path) -> None:
    version = re.search(r"\.so\.(\d+)", original.name)
    if version is None:
        raise ValueError(f"unexpected ICU library name {original.name}")
    nn = version[1]
    with tempfile.TemporaryDirectory(prefix="sdx-icu-check-") as tmp:
        lib_dir = Path(tmp)
        for name in (f"libicuuc.so.{nn}", f"libicui18n.so.{nn}"):
            shutil.copy2(original.parent / name, lib_dir / name)
        shutil.copy2(trimmed, lib_dir / trimmed.name)
        ctypes.CDLL(str(lib_dir / trimmed.name), mode=ctypes.RTLD_GLOBAL)
        uc = ctypes.CDLL(str(lib_dir / f"libicuuc.so.{nn}"), mode=ctypes.RTLD_GLOBAL)
        i18n = ctypes.CDLL(str(lib_dir / f"libicui18n.so.{nn}"))
        status = ctypes.c_int(0)
        collator = getattr(i18n, f"ucol_open_{nn}")
        collator.restype = ctypes.c_void_p
        handle = collator(b"sv", ctypes.byref(status))
        if status.value > 0 or not handle:
            raise RuntimeError(f"ICU cannot open a collator with the trimmed data ({status.value})")
        getattr(i18n, f"ucol_close_{nn}")(ctypes.c_void_p(handle))
        status = ctypes.c_int(0)
        open_converter = getattr(uc, f"ucnv_open_{nn}")
        open_converter.restype = ctypes.c_void_p
        converter = open_converter(b"windows-1252", ctypes.byref(status))
        if status.value > 0 or not converter:
            raise RuntimeError(
                f"ICU cannot open windows-1252 with the trimmed data ({status.value})"
            )
        getattr(uc, f"ucnv_close_{nn}")(ctypes.c_void_p(converter))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        _check_in_this_process(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 3:
        built = build_smaller_library(Path(sys.argv[1]), Path(sys.argv[2]))
        print(f"{built}: {built.stat().st_size / 1e6:.1f} MB")
    else:
        sys.exit("usage: icu_data.py LIBICUDATA OUT_DIR  |  icu_data.py --check ORIGINAL TRIMMED")
