"""When the store cannot be written the engine stops accepting work instead of running ahead of its disk."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.runtime.engine import MAX_TIME, Engine
from engine.runtime.errors import EngineStopped
from engine.store.store import Store, database_url

ONE_TASK = (Path(__file__).parent / "diagrams" / "crash_one_task.bpmn").read_bytes()


async def test_a_timeout_of_long_max_value_is_clamped(tmp_path: Path) -> None:
    engine = Engine(Store(database_url(tmp_path)))
    await engine.start()
    try:
        await engine.deploy([("one.bpmn", ONE_TASK)])
        await engine.create_process_instance(bpmn_process_id="crash-one-task", variables={"n": 1})
        [job] = await engine.activate_jobs("crash-work", "w", 2**63 - 1, 1, request_timeout_ms=-1)
        assert job["deadline"] == MAX_TIME
        await engine.complete_job(job["key"], {})  # the engine still writes and answers
    finally:
        await engine.stop()


async def test_a_failing_store_stops_the_engine(tmp_path: Path) -> None:
    store = Store(database_url(tmp_path))
    engine = Engine(store)
    await engine.start()
    await engine.deploy([("one.bpmn", ONE_TASK)])

    # someone breaks the database under the running engine: its next write fails
    con = sqlite3.connect(tmp_path / "engine.db")
    con.execute("DROP TABLE records")
    con.close()
    with pytest.raises(EngineStopped, match="no such table: records"):
        await engine.create_process_instance(bpmn_process_id="crash-one-task", variables={"n": 1})
    assert engine.fatal.is_set()
    with pytest.raises(EngineStopped):  # nothing more is accepted
        await engine.publish_message("m", "k", 0, "", {})
