"""The engine on PostgreSQL (IPA_ENGINE_DATABASE_URL): same behaviour, same recovery, as on SQLite.

A throw-away PostgreSQL cluster is created for the test (Debian's postgresql package; `.ci/run` installs it).
"""

from __future__ import annotations

from pathlib import Path

from engine.runtime.engine import Engine
from engine.store import schema
from engine.store.store import Store

ONE_TASK = (Path(__file__).parent / "diagrams" / "crash_one_task.bpmn").read_bytes()


async def test_instances_run_and_recover_on_postgresql(postgres_url: str) -> None:
    engine = Engine(Store(postgres_url))
    await engine.start()
    await engine.deploy([("one.bpmn", ONE_TASK)])
    first = await engine.create_process_instance(bpmn_process_id="crash-one-task", variables={"n": 1})
    second = await engine.create_process_instance(bpmn_process_id="crash-one-task", variables={"n": 2})
    [job] = await engine.activate_jobs("crash-work", "w", 60_000, 1, request_timeout_ms=-1)
    await engine.complete_job(job["key"], {"result": 2})
    await engine.stop()

    again = Engine(Store(postgres_url))
    await again.start()
    try:
        # the completed instance stays completed, the other one is recovered and still waits at its job
        assert first["processInstanceKey"] not in again.state.element_instances
        assert second["processInstanceKey"] in again.state.element_instances
        [job] = await again.activate_jobs("crash-work", "w", 60_000, 5, request_timeout_ms=-1)
        assert job["variables"] == {"n": 2}
        await again.complete_job(job["key"], {})
        rows = again.store.rows(schema.process_instances)
        assert {r["state"] for r in rows} == {"COMPLETED"}
        redeployed = await again.deploy([("one.bpmn", ONE_TASK)])
        assert redeployed.resources[0].data["version"] == 1  # a duplicate, as before the restart
    finally:
        await again.stop()
