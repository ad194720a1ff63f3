"""The measured scenarios, each against the sandbox with 50 ms per request."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import time
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject

from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Survey
from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID, SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.main_window import MainWindow
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tasks import TaskRunner

from .harness import (
    Heartbeat,
    median,
    percentile,
    process_cpu_seconds,
    rss_mb,
    wait_for_signal,
    wait_until,
)
from .transport import client_alone, planned_offsets, transport_floor

LATENCY_MS = 50
PAGE = 1000
BIG_SURVEY = "Benchmark"


def demo_client(url: str) -> SdxClient:
    return SdxClient(BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN), base_url=url)


def open_window(runner: TaskRunner, client: SdxClient) -> MainWindow:
    window = MainWindow(runner, ClientProxy(client), Settings())
    window.resize(1200, 760)
    window.show()
    return window


async def pick_survey(window: MainWindow, name_part: str) -> Survey:
    await wait_until(lambda: window.surveys.model.exhausted)
    survey = next(s for s in window.surveys.model.items if name_part in s.name)
    window.surveys.select_survey(survey.id)
    await wait_until(lambda: window.interactions.model.loaded_count > 0)
    return survey


def big_survey_id(client: SdxClient) -> int:
    return next(s.id for s in client.list_surveys() if BIG_SURVEY in s.name)


def sequential_load(client: SdxClient, survey_id: int) -> int:
    """The reference: the same 1,000-row pages, one after another."""
    total, offset = 0, 0
    while True:
        page = client.list_tags(survey_id=survey_id, limit=PAGE, offset=offset, order="ASC")
        total += len(page)
        offset += PAGE
        if len(page) < PAGE:
            return total


@dataclass
class WholeSurvey:
    tags: float
    #: Load all through the window (timed in a load without the heartbeat).
    app_s: float
    #: The same pages with no UI: bytes only (transport floor), and the client alone.
    floor_s: float
    client_s: float
    #: Pages of the walk (all data pages), and bytes the floor read.
    pages: float
    floor_mb: float
    sequential_s: float
    network_limit_s: float
    cpu_limit_s: float
    app_cpu_s: float
    server_cpu_s: float
    #: CPU the UI thread itself used during the timed load.
    ui_cpu_s: float
    #: The load with the heartbeat on: its time, the UI's lateness, and memory.
    heartbeat_s: float
    freeze_max_ms: float
    freeze_p99_ms: float
    memory_mb: float
    #: Ratios of each run (their medians are the figures reported).
    app_per_floor: float
    client_per_floor: float
    #: Memory of the runs after the first (they reuse memory earlier runs freed).
    memory_later_mb: float = 0.0


@dataclass
class _WindowLoad:
    survey_id: int
    tags: int
    seconds: float
    app_cpu_s: float
    server_cpu_s: float
    ui_cpu_s: float
    memory_mb: float
    lateness_ms: list[float]


async def _load_in_window(
    runner: TaskRunner, client: SdxClient, server_pid: int, *, heartbeat: bool
) -> _WindowLoad:
    """Survey → "All interactions" → Load all, in a new window."""
    window = open_window(runner, client)
    survey = await pick_survey(window, BIG_SURVEY)
    window.interactions.select_all_interactions()
    await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)
    idle_mb = rss_mb()
    beats = Heartbeat()
    app_cpu, server_cpu = process_cpu_seconds(), process_cpu_seconds(server_pid)
    ui_cpu = time.thread_time()  # this coroutine runs on the UI thread
    if heartbeat:
        beats.start()
    started = time.perf_counter()
    window.load_all_action.trigger()
    await wait_for_signal(
        window.tags.stateChanged, lambda: window.tags.exhausted and not window.tags.loading_all
    )
    seconds = time.perf_counter() - started
    beats.stop()
    load = _WindowLoad(
        survey_id=survey.id,
        tags=window.tags.loaded_count,
        seconds=seconds,
        app_cpu_s=process_cpu_seconds() - app_cpu,
        server_cpu_s=process_cpu_seconds(server_pid) - server_cpu,
        ui_cpu_s=time.thread_time() - ui_cpu,
        memory_mb=rss_mb() - idle_mb,
        lateness_ms=beats.lateness_ms() if heartbeat else [],
    )
    window.close()
    return load


async def whole_survey(runner: TaskRunner, url: str, server_pid: int) -> WholeSurvey:
    """One run: a load with the heartbeat (UI lateness, memory), a timed load without it
    (the heartbeat's own wake-ups slow a load by several per cent), then the client
    alone, the transport floor and the sequential reference, in that order."""
    client = demo_client(url)
    watched = await _load_in_window(runner, client, server_pid, heartbeat=True)
    timed = await _load_in_window(runner, client, server_pid, heartbeat=False)
    tags, survey_id = timed.tags, timed.survey_id
    assert watched.tags == tags, (watched.tags, tags)
    # The same list without the window: the client alone, then bytes only.
    alone = await runner.run(client_alone, client, survey_id)
    assert alone.tags == tags and alone.refused == 0, alone
    offsets = planned_offsets(tags)
    assert len(offsets) == alone.requests, (len(offsets), alone.requests)
    floor = await runner.run(transport_floor, url, survey_id, offsets)
    started = time.perf_counter()
    counted = await runner.run(sequential_load, client, survey_id)
    sequential_s = time.perf_counter() - started
    assert counted == tags, (counted, tags)
    pages = len(offsets)
    client.close()
    lateness = watched.lateness_ms
    return WholeSurvey(
        tags=tags,
        app_s=timed.seconds,
        floor_s=floor.seconds,
        client_s=alone.seconds,
        pages=pages,
        floor_mb=floor.bytes / 2**20,
        sequential_s=sequential_s,
        network_limit_s=math.ceil(pages / client.concurrency) * LATENCY_MS / 1000,
        # two cores shared by app and server
        cpu_limit_s=(timed.app_cpu_s + timed.server_cpu_s) / 2,
        app_cpu_s=timed.app_cpu_s,
        server_cpu_s=timed.server_cpu_s,
        ui_cpu_s=timed.ui_cpu_s,
        heartbeat_s=watched.seconds,
        freeze_max_ms=max(lateness, default=0.0),
        freeze_p99_ms=percentile(lateness, 99),
        memory_mb=watched.memory_mb,
        app_per_floor=timed.seconds / floor.seconds,
        client_per_floor=alone.seconds / floor.seconds,
    )


def median_run(runs: list[WholeSurvey]) -> WholeSurvey:
    """Each figure the median over the runs (one noisy run decides nothing); ratios are
    medians of each run's own ratio (its load and its floor measured moments apart).
    Memory is the first run's: later runs reuse memory the earlier ones freed, which
    would flatter the figure."""
    first = runs[0]
    merged = WholeSurvey(
        **{
            name: median([getattr(run, name) for run in runs])
            for name in first.__dataclass_fields__
        }
    )
    merged.memory_mb = first.memory_mb
    merged.memory_later_mb = median([run.memory_mb for run in runs[1:]])
    return merged


class _FirstPaint(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.painted_at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.painted_at is None
            and event.type() == QEvent.Type.Paint
            and self.window.tags.loaded_count > 0
        ):
            self.painted_at = time.perf_counter()
        return False


@dataclass
class FirstRows:
    median_ms: float
    request_ms: float


async def first_rows(runner: TaskRunner, url: str, samples: int = 12) -> FirstRows:
    client = demo_client(url)
    window = open_window(runner, client)
    await pick_survey(window, "Post-Call")
    picker = window.interactions
    times: list[float] = []
    row = 0
    while len(times) < samples:
        row += 1
        await wait_until(lambda: not window.tags.loading)
        spy = _FirstPaint(window)
        window.tag_view.viewport().installEventFilter(spy)
        started = time.perf_counter()
        picker.view.setCurrentIndex(picker.proxy.index(row, 0))
        await wait_until(
            lambda spy=spy: (
                spy.painted_at is not None
                or (window.tags.exhausted and window.tags.loaded_count == 0)
            ),
            timeout=10,
        )
        window.tag_view.viewport().removeEventFilter(spy)
        if spy.painted_at is not None:  # interactions without tags paint no rows: skipped
            times.append((spy.painted_at - started) * 1000)
    interaction_id = picker.current_interaction().id  # type: ignore[union-attr]
    request_times = []
    for _ in range(samples):
        started = time.perf_counter()
        await runner.run(client.list_tags, interaction_id=interaction_id, limit=100)
        request_times.append((time.perf_counter() - started) * 1000)
    window.close()
    client.close()
    return FirstRows(median(times), median(request_times))


@dataclass
class Requests:
    load_all: int
    load_all_pages: int
    open_interaction: int
    open_survey: int


async def request_counts(runner: TaskRunner) -> Requests:
    """Counted on an in-process sandbox (exact counts; no latency needed)."""
    server = SandboxServer.start(sample="large")
    try:
        client = demo_client(server.base_url)
        window = open_window(runner, client)
        await wait_until(lambda: window.surveys.model.exhausted)
        # The window restores the last survey shown: let what that loads finish first.
        await asyncio.sleep(0.5)
        await wait_until(lambda: not window.interactions.model.loading and not window.tags.loading)
        # Not the survey the window restores from the last run: opening it must cost.
        small = next(s for s in window.surveys.model.items if "Branch Visit" in s.name)
        server.reset_request_count()
        window.surveys.select_survey(small.id)
        await wait_until(lambda: window.interactions.model.loaded_count > 0)
        await wait_until(lambda: not window.interactions.model.loading)
        open_survey = server.request_count
        server.reset_request_count()
        window.interactions.view.setCurrentIndex(window.interactions.proxy.index(1, 0))
        await wait_until(lambda: window.tags.exhausted and not window.tags.loading)
        open_interaction = server.request_count

        big = next(s for s in window.surveys.model.items if BIG_SURVEY in s.name)
        window.surveys.select_survey(big.id)
        await wait_until(lambda: window.interactions.model.loaded_count > 0)
        window.interactions.select_all_interactions()
        await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)
        server.reset_request_count()
        window.load_all_action.trigger()
        await wait_until(lambda: window.tags.exhausted and not window.tags.loading_all)
        load_all = server.request_count
        walk = window.tags.load_all_walk
        assert walk is not None and walk.refused == 0, walk
        pages = walk.requests
        assert pages == len(planned_offsets(window.tags.loaded_count)), pages
        window.close()
        client.close()
    finally:
        server.stop()
    return Requests(load_all, pages, open_interaction, open_survey)


BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
w = QWidget(); w.setWindowTitle("bare"); w.resize(800, 600)
class Spy(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint:
            print("shown", flush=True); QTimer.singleShot(0, app.quit)
        return False
spy = Spy(); w.installEventFilter(spy); w.show(); app.exec()
"""


def _time_to_line(argv: list[str], marker: str) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if marker in line:
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"{argv} never printed {marker!r}")
    proc.wait(timeout=30)
    return elapsed


@dataclass
class Start:
    app_s: float
    bare_s: float


def start_times(runs: int = 5) -> Start:
    app = [
        _time_to_line(
            [sys.executable, "-m", "sdx_desktop", "--demo", "--startup-probe"], "startup-probe:"
        )
        for _ in range(runs)
    ]
    bare = [_time_to_line([sys.executable, "-c", BARE_WINDOW], "shown") for _ in range(runs)]
    return Start(median(app), median(bare))
