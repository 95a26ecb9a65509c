"""Fixtures: an engine on a fresh SQLite store with its clock pinned at T0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.runtime.clock import Clock
from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.runtime.helpers import T0, Harness


def pinned_clock() -> Clock:
    clock = Clock()
    clock.pin(T0)
    return clock


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    try:
        yield Harness(engine)
    finally:
        await engine.stop()
