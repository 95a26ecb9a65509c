"""Small waiting helpers: gateway tests observe effects that happen on other tasks (workers, long polls)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from engine.runtime.engine import Engine
from engine.runtime.state import Incident


async def eventually(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Wait until `predicate()` is truthy and return its value; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)


def incidents(engine: Engine, process_instance_key: int) -> list[Incident]:
    """Open incidents of a process instance, as Operate would list them."""
    return [
        i
        for i in engine.state.incidents.values()
        if i.element_instance.process_instance.key == process_instance_key
    ]
