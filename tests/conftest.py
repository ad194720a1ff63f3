"""Shared fixtures: offscreen Qt, an in-memory keyring, and the sandbox server over real HTTP."""

from __future__ import annotations

import os

# Before anything imports Qt: no display is needed anywhere.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync

from sdx_desktop.api.client import SdxClient
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.tasks import TaskRunner

from .helpers import MemoryKeyring, make_client


@pytest.fixture(autouse=True)
def app_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, logs and caches of every test go to a fresh folder, never the user's."""
    home = tmp_path_factory.mktemp("sdx-home")
    monkeypatch.setenv("SDX_DESKTOP_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One shared server with the small sample. Tests that change data make their own
    rows (or use ``fresh_sandbox``); tests that flip faults use ``fresh_sandbox``."""
    server = SandboxServer.start(sample="small")
    yield server
    server.stop()


@pytest.fixture
def fresh_sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer.start(sample="small")
    yield server
    server.stop()


@pytest.fixture
def empty_sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer.start(sample="none")
    yield server
    server.stop()


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[SdxClient]:
    with make_client(sandbox) as c:
        yield c


@pytest.fixture
def fresh_client(fresh_sandbox: SandboxServer) -> Iterator[SdxClient]:
    with make_client(fresh_sandbox) as c:
        yield c


@pytest.fixture
def qloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """asyncio on Qt's event loop, as the app runs it. Qt events (and so coroutines)
    are processed while a test waits with ``qtbot.waitUntil`` / ``qtbot.waitSignal``."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    # qasync leaves stopping an "already running" loop to its owner.
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def runner(qloop: asyncio.AbstractEventLoop) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()
