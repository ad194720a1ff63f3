"""Benchmarks of spreadsheet export and import (run on demand, not by pytest).

    python -m tests.bench.exchange_bench [--runs 3] [--out docs/performance.md | --no-write]

Against the sandbox (large sample: one survey of 100,000 tags) in its own process at the
lowest CPU priority with 50 ms latency per request, as the other benchmarks run it:

* **Export** of the 100,000-tag survey to CSV and to XLSX (long layout), each in a fresh
  process, against **Load all alone**: the same reads (the survey's interactions and
  tags, exact paging, 8 in flight) without writing, in the same run. Reported: total
  time, what writing adds, and the peak memory of the process (VmHWM) above its
  resident size before the export started. Medians of ``--runs`` runs.
* **Import** of 1,000 new tags from a CSV file through the command line (``python -m
  sdx_desktop import``: process start, reading the file, the survey's interactions, the
  preview's reads, 1,000 POSTs, each journaled) against the **floor**: the same GETs and
  POSTs sent raw with ``requests``, 8 in flight, in the same run.

The figures are written into their own section at the end of docs/performance.md
(replaced on each run; the rest of the file is left as it is).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LATENCY_MS = 50
IMPORT_TAGS = 1000
IMPORT_SURVEY = 101
SECTION = "## Spreadsheet export and import"


@contextmanager
def sandbox_process() -> Iterator[str]:
    """The sandbox in its own process, lowest priority (see tests/bench/NOTES.md)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdx_desktop.sandbox", "--sample", "large",
         "--latency-ms", str(LATENCY_MS)],
        stdout=subprocess.PIPE, text=True, preexec_fn=lambda: os.nice(19),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        match = re.search(r"(http://127\.0\.0\.1:\d+/api)", proc.stdout.readline())
        if not match:
            raise RuntimeError("sandbox did not start")
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def demo_client(url: str):  # type: ignore[no-untyped-def]
    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID

    return SdxClient(BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN), base_url=url)


def memory_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- export, one measurement per process -----------------------------------------------


def child(mode: str, url: str, survey_id: int, out: str) -> None:
    """``mode``: ``load`` (Load all: the survey's tag pages, exact, 8 in flight, nothing
    written), ``csv`` or ``xlsx`` (the export: the same pages and the survey's
    interactions, read at the same time, written as they come)."""
    from sdx_desktop.exchange import export_from_server, read_interactions

    client = demo_client(url)
    client.test_connection()  # connection set up before the clock starts, as in the app
    before = memory_mb("VmRSS")
    started = time.perf_counter()
    if mode == "load":
        count = sum(len(page) for page in client.iter_tag_pages(survey_id=survey_id))
    elif mode == "reads":  # what the export reads, nothing written
        with ThreadPoolExecutor(1) as pool:
            later = pool.submit(read_interactions, client, survey_id)
            count = sum(len(page) for page in client.iter_tag_pages(survey_id=survey_id))
            later.result()
    else:
        count = export_from_server(client, out, survey_id=survey_id, fmt=mode).tags  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "tags": count, "peak_mb": memory_mb("VmHWM") - before}))


def run_child(mode: str, url: str, survey_id: int, out: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.exchange_bench", "--child", mode, url,
         str(survey_id), str(out)],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=600,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- import: the command line against the floor ----------------------------------------


def import_file(folder: Path, interaction_ids: list[int], run: int) -> Path:
    keys = [f"bench{run}_k{j}" for j in range(IMPORT_TAGS // len(interaction_ids) + 1)]
    rows = [(i, k, f"value {n}") for n, (k, i) in enumerate(
        (k, i) for k in keys for i in interaction_ids)][:IMPORT_TAGS]  # fmt: skip
    path = folder / f"import-{run}.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Interaction ID", "Key", "Value"])
        writer.writerows(rows)
    return path


def floor(url: str, rows: list[tuple[int, str, str]]) -> float:
    """The same requests the command line sends, raw: 8 in flight, nothing else."""
    import requests

    from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID

    session = requests.Session()
    session.auth = (DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN)
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=10)
    session.mount("http://", adapter)

    def get(path: str, **params: object) -> list[object]:
        response = session.get(url + path, params=params)
        return [] if response.status_code == 204 else response.json()  # type: ignore[no-any-return]

    def page_all(path: str, **params: object) -> None:
        offsets, offset = [], 0
        while True:  # pages of 1,000, 8 in flight, until a short one
            batch = [offset + 1000 * n for n in range(8)]
            with ThreadPoolExecutor(8) as pool:
                sizes = list(pool.map(
                    lambda o: len(get(path, _limit=1000, _offset=o, _order="ASC", **params)),
                    batch,
                ))  # fmt: skip
            offsets += batch
            if min(sizes) < 1000:
                return
            offset = batch[-1] + 1000

    started = time.perf_counter()
    get(f"/surveys/{IMPORT_SURVEY}")
    page_all("/interactions", survey_id=IMPORT_SURVEY)  # the file's interactions
    page_all("/interactions", survey_id=IMPORT_SURVEY)  # the preview's read
    page_all("/interaction_data", survey_id=IMPORT_SURVEY)

    def post(row: tuple[int, str, str]) -> None:
        data = {"interaction_id": row[0], "custom_key": row[1], "custom_value": row[2]}
        session.post(url + "/interaction_data", data=data).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, rows))
    return time.perf_counter() - started


def cli_import(url: str, path: Path, env: dict[str, str]) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sdx_desktop", "import", str(path), "--survey",
         str(IMPORT_SURVEY), "--base-url", url, "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return seconds, json.loads(result.stdout)


# --- the run ------------------------------------------------------------------------------


def measure(runs: int) -> dict[str, float]:
    from sdx_desktop.exchange import read_interactions
    from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID

    folder = Path(tempfile.mkdtemp(prefix="sdx-exchange-bench-"))
    env = {**os.environ, "SDX_DESKTOP_HOME": str(folder / "home"),
           "SDX_CUSTOMER_UUID": DEMO_CUSTOMER_UUID, "SDX_AUTH_TOKEN": DEMO_AUTH_TOKEN,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}  # fmt: skip
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    with sandbox_process() as url:
        client = demo_client(url)
        big = next(s.id for s in client.list_surveys(limit=100) if "Benchmark" in s.name)
        ids = sorted(read_interactions(client, IMPORT_SURVEY))[:200]
        for run in range(runs):
            for mode in ("load", "reads", "csv", "xlsx"):
                result = run_child(mode, url, big, folder / f"export.{mode}")
                assert result["tags"] == 100_000, result
                note(f"{mode}_s", result["seconds"])
                note(f"{mode}_peak_mb", result["peak_mb"])
            path = import_file(folder, ids, run)
            with open(path, encoding="utf-8-sig") as stream:
                rows = [(int(r[0]), r[1], r[2] + " floor") for r in list(csv.reader(stream))[1:]]
            note("floor_s", floor(url, [(i, k + "_f", v) for i, k, v in rows]))
            seconds, counts = cli_import(url, path, env)
            assert counts["created"] == IMPORT_TAGS and counts["failed"] == 0, counts
            note("cli_s", seconds)
        client.close()
    medians = {name: statistics.median(values) for name, values in figures.items()}
    medians["csv_size_mb"] = (folder / "export.csv").stat().st_size / 2**20
    medians["xlsx_size_mb"] = (folder / "export.xlsx").stat().st_size / 2**20
    return medians


def table(m: dict[str, float], runs: int) -> str:
    def adds(fmt: str) -> str:
        load = (m[f"{fmt}_s"] / m["load_s"] - 1) * 100
        reads = (m[f"{fmt}_s"] / m["reads_s"] - 1) * 100
        return f"{load:+.0f} % on Load all; {reads:+.0f} % on the same reads"

    def met(ok: bool) -> str:
        return "yes" if ok else "**no**"

    rows = [
        ("Load all alone (100,000 tags, exact paging, 8 in flight)", f"{m['load_s']:.2f} s",
         "reference (same run)", "", ""),
        ("The export's reads alone (tags + the survey's 10,000 interactions, at once)",
         f"{m['reads_s']:.2f} s", f"{(m['reads_s'] / m['load_s'] - 1) * 100:+.0f} % on Load all",
         "", ""),
        ("Export to CSV, long layout (with the interactions for External ref)",
         f"{m['csv_s']:.2f} s", adds("csv"), "≤ +30 %", met(m["csv_s"] <= 1.3 * m["load_s"])),
        ("Export to XLSX, long layout (with the interactions for External ref)",
         f"{m['xlsx_s']:.2f} s", adds("xlsx"), "≤ +30 %", met(m["xlsx_s"] <= 1.3 * m["load_s"])),
        ("Peak memory: Load all / CSV / XLSX", f"{m['load_peak_mb']:.0f} / {m['csv_peak_mb']:.0f}"
         f" / {m['xlsx_peak_mb']:.0f} MB", "VmHWM above the resident size at the start",
         "bounded", ""),
        ("File size: CSV / XLSX", f"{m['csv_size_mb']:.1f} / {m['xlsx_size_mb']:.1f} MB",
         "", "", ""),
        (f"Import {IMPORT_TAGS:,} new tags from CSV (command line, process start included)",
         f"{m['cli_s']:.2f} s", f"floor {m['floor_s']:.2f} s → {m['cli_s'] / m['floor_s']:.2f}×",
         "≤ 1.3× the floor", met(m["cli_s"] <= 1.3 * m["floor_s"])),
    ]  # fmt: skip
    lines = [
        SECTION,
        "",
        f"Measured {datetime.date.today()} on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, against the sandbox (large sample) in its own process "
        f"with {LATENCY_MS} ms latency per request; medians of {runs} runs.",
        "",
        "Reproduce: `python -m tests.bench.exchange_bench`",
        "",
        "| measure | figure | reference | target | met |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in rows),
    ]
    return "\n".join(lines) + "\n"


NOTES = """
How it is measured, and what the figures say:

- Each export runs in a fresh process (`--child`), the clock starting once the client is
  connected; peak memory is the process's VmHWM above its resident size at that moment.
  **Load all** is the same client walking the survey's 101 tag pages (1,000 rows, 8 in
  flight, continuity-checked), in the same run. The export also needs the survey's 10,000
  interactions (for External ref); they are read while the tags are.
- The long layout streams: memory stays flat whatever the survey's size (the ~15-20 MB
  are page buffers and the interactions; the 100,000 tags are never all held).
- XLSX: xlsxwriter alone costs ~5 µs per cell (~2.5 s for 500,000 cells: the first
  version exported in 4.0 s, +200 %). xlsxwriter now writes the workbook around a
  header-only sheet and the rows stream in as inline-string cells (what xlsxwriter writes
  in its constant-memory mode) with the compression in a thread; that leaves ~0.35 s of
  Python for 100,000 rows, on a machine whose two cores the load already saturates (see
  the notes above). Reading the interactions as well costs +10–25 % on Load all by
  itself. On a quiet machine (the table above) CSV meets the 30 % target and XLSX
  misses it (+42 % on Load all, +29 % on the export's own reads); under load from other
  work on the same two cores CSV was +32 % and XLSX +91 %: runs vary by ±20 points.
- Reading: python-calamine reads a 100,000-row, 5-column XLSX in 0.5 s, openpyxl (read-only
  mode) in 5.9 s; calamine also reads XLS and ODS. Bundle: xlsxwriter and calamine add
  2.0 MB to the Linux one-folder build (95.3 → 97.4 MB: calamine's library 1.8 MB, the
  Python code 0.3 MB); openpyxl is only a test dependency.
- Import: the command line spends its extra time starting Python and the client, reading
  the file and journaling each write (two SQLite transactions per tag); the 1,000 POSTs at
  8 in flight (125 × 50 ms) dominate both.
"""


def write_section(path: Path, text: str, notes: str) -> None:
    """Replace this benchmark's section at the end of the file, or append it."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    head = current.split("\n" + SECTION, 1)[0].rstrip("\n")
    path.write_text(head + "\n\n" + text + notes, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "URL", "SURVEY", "OUT"))
    args = parser.parse_args(argv)
    if args.child:
        mode, url, survey, out = args.child
        child(mode, url, int(survey), out)
        return 0
    os.environ.setdefault("SDX_DESKTOP_HOME", tempfile.mkdtemp(prefix="sdx-bench-"))
    figures = measure(args.runs)
    text = table(figures, args.runs)
    print(text)
    print(json.dumps(figures, indent=1))
    if not args.no_write:
        write_section(args.out, text, NOTES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
