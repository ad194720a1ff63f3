"""The measured scenarios, each against the sandbox with 50 ms per request."""

from __future__ import annotations

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

from .harness import Heartbeat, median, percentile, process_cpu_seconds, rss_mb, wait_until

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
    app_s: float
    sequential_s: float
    network_limit_s: float
    cpu_limit_s: float
    app_cpu_s: float
    server_cpu_s: float
    freeze_max_ms: float
    freeze_p99_ms: float
    memory_mb: float


async def whole_survey(runner: TaskRunner, url: str, server_pid: int) -> WholeSurvey:
    client = demo_client(url)
    window = open_window(runner, client)
    survey = await pick_survey(window, BIG_SURVEY)
    window.interactions.select_all_interactions()
    await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)
    idle_mb = rss_mb()
    heartbeat = Heartbeat()
    app_cpu, server_cpu = process_cpu_seconds(), process_cpu_seconds(server_pid)
    heartbeat.start()
    started = time.perf_counter()
    window.load_all_action.trigger()
    await wait_until(lambda: window.tags.exhausted and not window.tags.loading_all)
    app_s = time.perf_counter() - started
    heartbeat.stop()
    app_cpu = process_cpu_seconds() - app_cpu
    server_cpu = process_cpu_seconds(server_pid) - server_cpu
    loaded_mb = rss_mb()
    tags = window.tags.loaded_count
    started = time.perf_counter()
    counted = await runner.run(sequential_load, client, survey.id)
    sequential_s = time.perf_counter() - started
    assert counted == tags, (counted, tags)
    pages = math.ceil((tags + 1) / PAGE)
    lateness = heartbeat.lateness_ms()
    window.close()
    client.close()
    return WholeSurvey(
        tags=tags,
        app_s=app_s,
        sequential_s=sequential_s,
        network_limit_s=math.ceil(pages / client.concurrency) * LATENCY_MS / 1000,
        cpu_limit_s=(app_cpu + server_cpu) / 2,  # two cores shared by app and server
        app_cpu_s=app_cpu,
        server_cpu_s=server_cpu,
        freeze_max_ms=max(lateness, default=0.0),
        freeze_p99_ms=percentile(lateness, 99),
        memory_mb=loaded_mb - idle_mb,
    )


def median_run(runs: list[WholeSurvey]) -> WholeSurvey:
    """Each figure the median over the runs (one noisy run decides nothing)."""
    first = runs[0]
    return WholeSurvey(
        **{
            name: median([getattr(run, name) for run in runs])
            for name in first.__dataclass_fields__
        }
    )


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
        pages = math.ceil((window.tags.loaded_count + 1) / PAGE)
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
