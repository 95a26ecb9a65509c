"""Kill the engine process mid-load: nothing acknowledged is lost and no job is completed twice."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from engine.testing import EngineProcess

pytest.importorskip("pyzeebe")

ONE_TASK = (Path(__file__).parent / "diagrams" / "crash_one_task.bpmn").read_bytes()
INSTANCES = 1200


def _completed_and_double_completions(db: Path, keys: set[int]) -> tuple[set[int], dict[int, int]]:
    con = sqlite3.connect(db)
    done = {k for (k,) in con.execute("SELECT key FROM process_instances WHERE state = 'COMPLETED'")}
    counts: dict[int, int] = {}
    for (key,) in con.execute("SELECT key FROM records WHERE value_type = 'JOB' AND intent = 'COMPLETED'"):
        counts[key] = counts.get(key, 0) + 1
    con.close()
    return done & keys, {k: n for k, n in counts.items() if n > 1}


async def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

    engine = EngineProcess(tmp_path)
    engine.start()
    try:
        (tmp_path / "crash_one_task.bpmn").write_bytes(ONE_TASK)
        client = ZeebeClient(create_insecure_channel(grpc_address=engine.address), max_connection_retries=-1)
        await client.deploy_resource(str(tmp_path / "crash_one_task.bpmn"))

        # pyzeebe pauses `poll_retry_delay` whenever `max_running_jobs` are in hand: keep that rare
        worker = ZeebeWorker(
            create_insecure_channel(grpc_address=engine.address), max_connection_retries=-1, poll_retry_delay=1
        )

        @worker.task(task_type="crash-work", timeout_ms=2000, max_jobs_to_activate=32, max_running_jobs=512)
        async def work(n: int) -> dict[str, int]:
            await asyncio.sleep(0.002)
            return {"result": n * 2}

        worker_task = asyncio.create_task(worker.work())
        acknowledged: set[int] = set()

        gate = asyncio.Semaphore(16)  # a steady stream of creations, still going when the engine dies

        async def create(n: int) -> None:
            async with gate:
                await create_one(n)

        async def create_one(n: int) -> None:
            for _ in range(50):  # the engine may be down for a moment: retry until it answers
                try:
                    response = await client.run_process("crash-one-task", {"n": n})
                except Exception:
                    await asyncio.sleep(0.1)
                    continue
                acknowledged.add(response.process_instance_key)
                return

        creators = [asyncio.create_task(create(i)) for i in range(INSTANCES)]
        await asyncio.sleep(1.0)  # mid-load
        engine.kill()
        await asyncio.sleep(0.3)
        engine.start()
        # the kill really hit work in flight: the restarted engine found live instances to resume
        recovered = [line for line in engine.output if line.startswith("recovered")][-1]
        assert int(recovered.split()[1]) > 0, recovered
        await asyncio.gather(*creators)
        assert len(acknowledged) >= INSTANCES * 0.9  # almost every creation is eventually acknowledged

        for _ in range(300):  # jobs in flight at the kill time out (2 s) and are worked again
            done, _ = _completed_and_double_completions(engine.db, acknowledged)
            if done == acknowledged:
                break
            await asyncio.sleep(0.1)
        await worker.stop()
        worker_task.cancel()
    finally:
        engine.stop()

    done, doubles = _completed_and_double_completions(engine.db, acknowledged)
    if done != acknowledged:
        missing = acknowledged - done
        con = sqlite3.connect(engine.db)
        jobs = con.execute("SELECT process_instance_key, state FROM jobs").fetchall()
        con.close()
        states = sorted({state for pk, state in jobs if pk in missing})
        pytest.fail(f"{len(missing)} acknowledged instances did not complete; their jobs are {states}")
    assert doubles == {}, f"jobs completed more than once: {doubles}"
    # every instance's result went through the job's completion
    con = sqlite3.connect(engine.db)
    rows = con.execute("SELECT process_instance_key, value FROM variables WHERE name = 'result'").fetchall()
    con.close()
    results = {json.loads(v) for pk, v in rows if pk in acknowledged}
    assert results <= {2 * i for i in range(INSTANCES)}
