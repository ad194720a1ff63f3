"""Pieces the benchmarks share: the sandbox in its own process, timing, memory, a UI heartbeat."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, SignalInstance

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass
class SandboxProcess:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)


@contextmanager
def sandbox_process(*args: str) -> Iterator[SandboxProcess]:
    """The sandbox in its own process, as a real server would be: its JSON work does not
    compete with the app for this process's GIL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdx_desktop.sandbox", *args],
        stdout=subprocess.PIPE,
        text=True,
        # A real server runs on another machine; here it shares two cores with the app,
        # so it runs at the lowest priority to leave the app the CPU it would have.
        preexec_fn=lambda: os.nice(19),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/api)", first)
        if not match:
            raise RuntimeError(f"sandbox did not start: {first!r}")
        yield SandboxProcess(match.group(1), proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


def process_cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES / 2**20


async def wait_until(condition: Callable[[], object], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish")
        await asyncio.sleep(0.002)


async def wait_for_signal(
    signal: SignalInstance, condition: Callable[[], object], timeout: float = 120.0
) -> None:
    """Wait until ``condition`` holds, checking it each time ``signal`` fires: no polling
    timer on the UI thread while a measured load runs."""
    if condition():
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check(*_args: object) -> None:
        if not done.done() and condition():
            done.set_result(None)

    signal.connect(check)
    try:
        await asyncio.wait_for(done, timeout)
    except TimeoutError:
        raise TimeoutError("benchmark step did not finish") from None
    finally:
        signal.disconnect(check)


class Heartbeat(QObject):
    """A 5 ms timer on the UI thread; how late each beat comes is how long the UI froze."""

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.beats: list[float] = []
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def start(self) -> None:
        self.beats = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def lateness_ms(self) -> list[float]:
        gaps = [(b - a) * 1000 for a, b in zip(self.beats, self.beats[1:], strict=False)]
        return [max(0.0, gap - self.interval_ms) for gap in gaps]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
