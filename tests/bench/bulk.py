"""Changing many tags (issue 9): a bulk set through the engine against the same POSTs
sent raw, the UI thread during that job in the window's preview dialog, and the preview
of a find-and-replace over the 100,000-tag survey. Each against the sandbox with 50 ms
per request. These scenarios write: they run after every read-only one."""

from __future__ import annotations

import asyncio
import math
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Tag
from sdx_desktop.domain import plans
from sdx_desktop.domain.history import JournalRecorder
from sdx_desktop.domain.operations import Change, Result, apply, preview
from sdx_desktop.journal import Journal, Where, account_fingerprint
from sdx_desktop.ui.preview_dialog import PreviewDialog
from sdx_desktop.ui.tasks import TaskRunner

from .harness import Heartbeat, median, percentile, process_cpu_seconds, wait_for_signal, wait_until
from .scenarios import BIG_SURVEY, LATENCY_MS, open_window, pick_survey
from .transport import IN_FLIGHT, client_alone, post_floor

#: Interactions (one new tag each) in a bulk set.
BULK = 1000
VALUE = "Spring campaign 2026"
#: The find-and-replace: "WEST" → "West" inside the values of REGION (MIDWEST,
#: SOUTHWEST and WEST of six values; about half of the 10,000 interactions have the key).
REPLACE_KEY = "REGION"
REPLACE_RULE = plans.ReplaceRule("WEST", "West", whole_value=False, match_case=True)


def _journal() -> Journal:
    return Journal(Path(tempfile.mkdtemp(prefix="sdx-bench-journal-")) / "journal.sqlite3")


def _where(client: SdxClient) -> Where:
    return Where(account_fingerprint(client.account, client.base_url), client.base_url)


class _CountingReads:
    """The client, counting the tags the preview reads (nothing else changes)."""

    def __init__(self, client: SdxClient) -> None:
        self._client = client
        self.tags = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def iter_tag_pages(self, **kwargs: Any) -> Iterator[list[Tag]]:
        for page in self._client.iter_tag_pages(**kwargs):
            self.tags += len(page)
            yield page


def bulk_targets(client: SdxClient, survey_id: int) -> list[int]:
    return plans.read_interaction_ids(client, survey_id)[:BULK]


@dataclass
class BulkRun:
    preview_s: float
    #: Tags the preview read (the survey grows by the tags earlier runs added).
    preview_tags: float
    apply_s: float
    floor_s: float
    apply_per_floor: float
    app_cpu_s: float
    server_cpu_s: float


def bulk_set(
    client: SdxClient, server_pid: int, survey_id: int, ids: list[int], run: int
) -> BulkRun:
    """Set a new key on ``ids`` as the app does (plan → preview → apply, 8 in flight,
    each write journaled), and the same POSTs raw with another new key, so both create
    ``BULK`` tags. Odd runs send the raw POSTs first."""
    key = f"bench_bulk{run}"
    plan = plans.plan_set_on_many(ids, key, VALUE, survey_id)

    def engine() -> tuple[float, float, float, float, int]:
        reads = _CountingReads(client)
        started = time.perf_counter()
        seen = preview(reads, plan)
        preview_s = time.perf_counter() - started
        assert seen.counts[Change.CREATE] == BULK, seen.counts
        journal = _journal()
        recorder = JournalRecorder(journal, _where(client))
        done = [0]

        def progress(count: int, _total: int) -> None:
            done[0] = count

        app_cpu, server_cpu = process_cpu_seconds(), process_cpu_seconds(server_pid)
        started = time.perf_counter()
        report = apply(client, seen, journal=recorder, progress=progress, cancel=threading.Event())
        apply_s = time.perf_counter() - started
        app_cpu, server_cpu = (
            process_cpu_seconds() - app_cpu,
            process_cpu_seconds(server_pid) - server_cpu,
        )
        assert report.counts[Result.DONE] == BULK and done[0] == BULK, report.counts
        assert len(journal.job_entries(report.job_id or 0)) == BULK
        journal.close()
        return preview_s, apply_s, app_cpu, server_cpu, reads.tags

    if run % 2:
        floor_s = post_floor(client.base_url, ids, key + "_raw", VALUE)
        preview_s, apply_s, app_cpu_s, server_cpu_s, tags = engine()
    else:
        preview_s, apply_s, app_cpu_s, server_cpu_s, tags = engine()
        floor_s = post_floor(client.base_url, ids, key + "_raw", VALUE)
    return BulkRun(preview_s, tags, apply_s, floor_s, apply_s / floor_s, app_cpu_s, server_cpu_s)


@dataclass
class WindowBulk:
    #: From "Preview changes…" to the preview shown, and the UI's lateness meanwhile.
    preview_s: float
    preview_max_ms: float
    preview_p99_ms: float
    #: From Apply to the results shown (and the window's table updated).
    apply_s: float
    freeze_max_ms: float
    freeze_p99_ms: float
    #: CPU the UI thread used while applying.
    ui_cpu_s: float
    #: One call of the window's ``Changes.update_actions`` with the 1,000 interactions
    #: still selected (it asks the picker for the selected interactions each time).
    update_actions_ms: float


async def bulk_in_window(runner: TaskRunner, client: SdxClient, run: int) -> WindowBulk:
    """The same bulk set through the window: survey → 1,000 interactions selected (click
    the first, shift-click the last) → Tag → "Set tag on selected interactions…" → key
    and value → Preview changes… → Apply, with the journal attached as at sign-in. A 5 ms
    heartbeat runs from "Preview changes…" until 0.1 s after the results are shown."""
    window = open_window(runner, client)
    journal = _journal()
    window.changes.attach(journal, _where(client))
    await pick_survey(window, BIG_SURVEY)
    picker = window.interactions
    while picker.model.loaded_count < BULK:  # scrolled down far enough
        await wait_until(lambda: not picker.model.loading)
        picker.model.fetchMore(QModelIndex())
        await wait_until(lambda: not picker.model.loading)
    picker.view.setCurrentIndex(picker.proxy.index(1, 0))  # row 0: "All interactions"
    await wait_until(lambda: not window.tags.loading and window.tags.exhausted)
    rows = QItemSelection(picker.proxy.index(1, 0), picker.proxy.index(BULK, 0))
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    picker.view.selectionModel().select(rows, flags)
    assert len(picker.selected_targets()) == BULK
    window.changes.set_tag_on_many_action.trigger()
    ask: Any = window.changes.input_dialog
    ask.key_combo.setEditText(f"bench_window{run}")
    ask.value_edit.setPlainText(VALUE)
    await asyncio.sleep(0.05)  # the dialog painted

    beats = Heartbeat()
    beats.start()
    started = time.perf_counter()
    ask.ok_button.click()
    await wait_until(
        lambda: isinstance(getattr(window.changes, "preview_dialog", None), PreviewDialog)
    )
    dialog: PreviewDialog = window.changes.preview_dialog
    await wait_for_signal(dialog.model.modelReset, lambda: dialog.preview_result is not None)
    preview_s = time.perf_counter() - started
    await asyncio.sleep(0.1)  # the preview painted
    beats.stop()
    preview_late = beats.lateness_ms()
    assert dialog.preview_result is not None
    assert dialog.preview_result.counts[Change.CREATE] == BULK, dialog.preview_result.counts

    beats.start()
    ui_cpu = time.thread_time()
    started = time.perf_counter()
    dialog.apply_button.click()
    await wait_for_signal(dialog.applied, lambda: dialog.report is not None)
    apply_s = time.perf_counter() - started
    await asyncio.sleep(0.1)  # the results painted
    beats.stop()
    ui_cpu_s = time.thread_time() - ui_cpu
    late = beats.lateness_ms()
    assert dialog.report is not None and dialog.report.counts[Result.DONE] == BULK
    calls = []
    for _ in range(5):
        before = time.perf_counter()
        window.changes.update_actions()
        calls.append((time.perf_counter() - before) * 1000)
    dialog.close()
    window.close()
    journal.close()
    return WindowBulk(
        preview_s,
        max(preview_late, default=0.0),
        percentile(preview_late, 99),
        apply_s,
        max(late, default=0.0),
        percentile(late, 99),
        ui_cpu_s,
        median(calls),
    )


@dataclass
class ReplacePreview:
    read_key_s: float
    #: Tags of the key read, and the changes the rule plans.
    key_tags: float
    changes: float
    preview_s: float
    #: The client alone (Load all's walk, no UI), moments later, and the ratio.
    client_s: float
    preview_per_client: float


def replace_preview(client: SdxClient, survey_id: int) -> ReplacePreview:
    """Find and replace as the window does it: the key's tags read (``read_key``), the
    plan made (``plan_replace``), then previewed (the whole survey read with Load all's
    walk, since it touches thousands of interactions); nothing is applied."""
    started = time.perf_counter()
    tags = plans.read_key(client, survey_id, REPLACE_KEY)
    read_key_s = time.perf_counter() - started
    plan = plans.plan_replace(tags, REPLACE_KEY, REPLACE_RULE, survey_id)
    started = time.perf_counter()
    seen = preview(client, plan)
    preview_s = time.perf_counter() - started
    assert seen.counts[Change.OVERWRITE] == len(plan) > 0, seen.counts
    alone = client_alone(client, survey_id)
    return ReplacePreview(
        read_key_s, len(tags), len(plan), preview_s, alone.seconds, preview_s / alone.seconds
    )


@dataclass
class Issue9:
    bulk: list[BulkRun]
    window: list[WindowBulk]
    replace: list[ReplacePreview]


def _median_of(runs: list[Any], name: str) -> float:
    return median([getattr(run, name) for run in runs])


async def measure(
    runner: TaskRunner, client: SdxClient, server_pid: int, survey_id: int, runs: int
) -> Issue9:
    """Read-only first (the replace preview, on exactly 100,000 tags), then the writes."""
    replace = []
    for _ in range(runs):
        replace.append(await runner.run(replace_preview, client, survey_id))
        r = replace[-1]
        print(
            f"replace: read_key {r.read_key_s:.2f} s, preview {r.preview_s:.2f} s "
            f"({r.changes:.0f} changes), client alone {r.client_s:.2f} s",
            flush=True,
        )
    ids = await runner.run(bulk_targets, client, survey_id)
    assert len(ids) == BULK
    bulk = []
    for run in range(runs):
        bulk.append(await runner.run(bulk_set, client, server_pid, survey_id, ids, run))
        b = bulk[-1]
        print(
            f"bulk set: preview {b.preview_s:.2f} s, apply {b.apply_s:.2f} s, floor "
            f"{b.floor_s:.2f} s ({b.apply_per_floor:.2f}×)",
            flush=True,
        )
    window = []
    for run in range(runs):
        window.append(await bulk_in_window(runner, client, run))
        w = window[-1]
        print(
            f"bulk set in the window: preview {w.preview_s:.2f} s, apply {w.apply_s:.2f} s, "
            f"freeze {w.freeze_max_ms:.0f}/{w.freeze_p99_ms:.0f} ms",
            flush=True,
        )
    return Issue9(bulk, window, replace)


Row = tuple[str, str, str, str, str]


def ok(met: bool) -> str:
    return "yes" if met else "**no**"


def rows(m: Issue9, load_all_s: float) -> list[Row]:
    """(measure, figure, reference / ratio, target, met?)"""
    b, w, r = m.bulk, m.window, m.replace
    n = len(b)
    apply_s, floor_s = _median_of(b, "apply_s"), _median_of(b, "floor_s")
    ratio = _median_of(b, "apply_per_floor")
    ratios = " / ".join(f"{run.apply_per_floor:.2f}" for run in b)
    limit_s = math.ceil(BULK / IN_FLIGHT) * LATENCY_MS / 1000
    tags = f"{min(run.preview_tags for run in b):,.0f}–{max(run.preview_tags for run in b):,.0f}"
    changes = _median_of(r, "changes")
    return [
        (
            f"8. Bulk set: {BULK:,} new tags on {BULK:,} interactions through the engine "
            f"(apply, {IN_FLIGHT} in flight, each write journaled; median of {n})",
            f"{ratio:.2f}× the floor",
            f"apply {apply_s:.2f} s; floor {floor_s:.2f} s = the same {BULK:,} POSTs raw "
            f"(requests.Session, {IN_FLIGHT} threads, form fields); median of the runs' "
            f"ratios ({ratios}); network limit ⌈{BULK:,} ÷ {IN_FLIGHT}⌉ × 50 ms = {limit_s:.2f} s",
            "≤ 1.3× the floor",
            ok(ratio <= 1.3),
        ),
        (
            "8a. … its preview (1,000 interactions: the whole survey read with Load all's walk)",
            f"{_median_of(b, 'preview_s'):.2f} s",
            f"{tags} tags read; Load all (1) {load_all_s:.2f} s; apply CPU: app "
            f"{_median_of(b, 'app_cpu_s'):.2f} s, server {_median_of(b, 'server_cpu_s'):.2f} s",
            "(report)",
            "",
        ),
        (
            "9. UI freeze during the bulk set in the window's preview dialog "
            "(Apply → results shown), max",
            f"{_median_of(w, 'freeze_max_ms'):.1f} ms",
            f"5 ms heartbeat; the apply took {_median_of(w, 'apply_s'):.2f} s in the window "
            f"(heartbeat on), the UI thread used {_median_of(w, 'ui_cpu_s'):.2f} s CPU; "
            f"runs: {' / '.join(f'{run.freeze_max_ms:.0f}' for run in w)} ms; the window's "
            f"`update_actions` with {BULK:,} interactions selected: "
            f"{_median_of(w, 'update_actions_ms'):.1f} ms a call (see notes)",
            "≤ 50 ms",
            ok(_median_of(w, "freeze_max_ms") <= 50),
        ),
        (
            "9. UI freeze during the bulk set in the window, 99th percentile",
            f"{_median_of(w, 'freeze_p99_ms'):.1f} ms",
            f"runs: {' / '.join(f'{run.freeze_p99_ms:.1f}' for run in w)} ms",
            "≤ 16 ms",
            ok(_median_of(w, "freeze_p99_ms") <= 16),
        ),
        (
            "9a. … while its preview is checked (Preview changes… → preview shown), max / p99",
            f"{_median_of(w, 'preview_max_ms'):.1f} / {_median_of(w, 'preview_p99_ms'):.1f} ms",
            f"the preview took {_median_of(w, 'preview_s'):.2f} s in the window",
            "(report)",
            "",
        ),
        (
            f"10. Preview of a find-and-replace over the 100,000-tag survey (“WEST” → “West” "
            f"in {REPLACE_KEY}: {changes:,.0f} changes; median of {len(r)})",
            f"{_median_of(r, 'preview_s'):.2f} s",
            f"Load all (1) {load_all_s:.2f} s; the client alone moments later "
            f"{_median_of(r, 'client_s'):.2f} s → {_median_of(r, 'preview_per_client'):.2f}×; "
            f"before it, `read_key` ({_median_of(r, 'key_tags'):,.0f} tags) "
            f"{_median_of(r, 'read_key_s'):.2f} s",
            "(report)",
            "",
        ),
    ]
