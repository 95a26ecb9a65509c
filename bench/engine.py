#!/usr/bin/env python3
"""Embedded-engine benchmark: throughput, job-activation latency, latency against a large history, recovery.

The engine runs as users run it (`python -m engine`, its own process, SQLite in a fresh data folder); clients
are pyzeebe over gRPC in this process, the job worker a pyzeebe ZeebeWorker in a third process.

    .venv/bin/python bench/engine.py [--quick] [--json out.json]

Figures:
- one-task / ten-step: completed process instances per second, one pyzeebe worker completing the jobs;
- script: instances per second of start -> script task -> end through CreateProcessInstanceWithResult,
  beside the same process in SpiffWorkflow in memory (no durability, no RPC);
- activation latency p50/p99: job CREATED -> activated (record timestamps, ms), on a fresh store and on a
  store holding a million finished instances;
- recovery: SIGKILL with live instances, then the time until a restarted engine answers Topology.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# run as a script, this file's folder comes first on sys.path, where this very file would shadow the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
from bench.diagrams import Script, Service, linear_process, spiff_script_process  # noqa: E402
from engine.testing import EngineProcess  # noqa: E402


def _worker_main(address: str, job_type: str) -> None:
    from pyzeebe import ZeebeWorker, create_insecure_channel

    async def main() -> None:
        # pyzeebe pauses `poll_retry_delay` (5 s by default) whenever `max_running_jobs` are in hand
        worker = ZeebeWorker(
            create_insecure_channel(grpc_address=address), max_connection_retries=-1, poll_retry_delay=1
        )

        @worker.task(task_type=job_type, max_jobs_to_activate=64, max_running_jobs=1024)
        async def work() -> dict[str, Any]:
            return {"done": True}

        await worker.work()

    asyncio.run(main())


def start_worker(address: str, job_type: str) -> multiprocessing.Process:
    proc = multiprocessing.get_context("spawn").Process(target=_worker_main, args=(address, job_type), daemon=True)
    proc.start()
    return proc


async def _deploy(address: str, resources: dict[str, bytes]) -> None:
    from pyzeebe import ZeebeClient, create_insecure_channel

    client = ZeebeClient(create_insecure_channel(grpc_address=address))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, content in resources.items():
            path = Path(tmp) / name
            path.write_bytes(content)
            paths.append(str(path))
        await client.deploy_resource(*paths)


async def _run_with_result(address: str, process_id: str, n: int, concurrency: int) -> float:
    """Instances per second, each started and awaited through CreateProcessInstanceWithResult."""
    from pyzeebe import ZeebeClient, create_insecure_channel

    client = ZeebeClient(create_insecure_channel(grpc_address=address))
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await client.run_process_with_result(process_id, {"a": 1}, timeout=60_000)

    await one()  # warm-up
    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return n / (time.perf_counter() - t0)


def measure_throughput(process_id: str, steps: list[Any], n: int, concurrency: int, worker_type: str | None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        eng = EngineProcess(Path(tmp))
        eng.start()
        worker = start_worker(eng.address, worker_type) if worker_type else None
        try:
            asyncio.run(_deploy(eng.address, {f"{process_id}.bpmn": linear_process(process_id, steps)}))
            return asyncio.run(_run_with_result(eng.address, process_id, n, concurrency))
        finally:
            if worker is not None:
                worker.kill()
            eng.stop()


def spiff_script_rate(seconds: float) -> float:
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    parser = BpmnParser()
    with tempfile.NamedTemporaryFile("wb", suffix=".bpmn", delete=False) as f:
        f.write(spiff_script_process("spiff_script", "b = a + 1"))
    parser.add_bpmn_file(f.name)
    spec = parser.get_spec("spiff_script")
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        wf = BpmnWorkflow(spec)
        start = wf.get_next_task()
        assert start is not None
        start.data["a"] = 1
        wf.do_engine_steps()
        assert wf.is_completed() and wf.data.get("b") == 2
        n += 1
    return n / (time.perf_counter() - t0)


def activation_latency(db: Path) -> tuple[float, float, int]:
    """p50/p99 ms from JOB CREATED to the JOB_BATCH that activated it, from the record log."""
    con = sqlite3.connect(db)
    jobs = con.execute("SELECT key, timestamp FROM records WHERE value_type='JOB' AND intent='CREATED' ORDER BY key")
    created = dict(list(jobs)[1:])  # the first job is the warm-up's, created before the worker was up
    lags = []
    for t, value in con.execute("SELECT timestamp, value FROM records WHERE value_type='JOB_BATCH' AND intent='ACTIVATED'"):
        for key in json.loads(value)["jobKeys"]:
            if key in created:
                lags.append(t - created[key])
    con.close()
    lags.sort()
    if not lags:
        return 0.0, 0.0, 0
    return statistics.median(lags), lags[min(len(lags) - 1, int(len(lags) * 0.99))], len(lags)


def fill_history(db: Path, instances: int) -> None:
    """Finished instances as the engine stores them (instance, 3 elements, 12 records each), written in bulk."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    base = 1 << 60  # keys far above anything the engine hands out in the run
    pos = con.execute("SELECT coalesce(max(position), 0) FROM records").fetchone()[0] + 10_000_000
    chunk = 50_000
    now = int(time.time() * 1000)
    for start in range(0, instances, chunk):
        pis, eis, recs = [], [], []
        for i in range(start, min(instances, start + chunk)):
            pk = base + i * 8
            pis.append((pk, 1, "history", 1, "COMPLETED", now, now, None, None, pk, 0, "<default>"))
            for j, (el, kind) in enumerate((("start", "START_EVENT"), ("step1", "SERVICE_TASK"), ("end", "END_EVENT"))):
                ek = pk + 1 + j
                eis.append((ek, pk, 1, "history", el, None, kind, pk, "COMPLETED", now, now, None, 0, None, "<default>"))
                for intent in ("ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "ELEMENT_COMPLETING", "ELEMENT_COMPLETED"):
                    pos += 1
                    recs.append((pos, None, ek, now, "EVENT", "PROCESS_INSTANCE", intent, pk, None, None, '{"bpmnProcessId":"history"}'))
        con.executemany("INSERT INTO process_instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", pis)
        con.executemany("INSERT INTO element_instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", eis)
        con.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?)", recs)
        con.commit()
    con.close()


def latency_run(data_dir: Path, n: int, history: int) -> tuple[float, float, int]:
    eng = EngineProcess(data_dir)
    eng.start()
    eng.stop()  # creates the schema
    if history:
        fill_history(eng.db, history)
    eng.start()
    worker = start_worker(eng.address, "latency")
    try:
        asyncio.run(_deploy(eng.address, {"latency.bpmn": linear_process("latency", [Service("latency")])}))
        # paced load: latency, not saturation; the warm-up instance waits for the worker to be up
        asyncio.run(_paced(eng.address, "latency", n, per_second=100))
    finally:
        worker.kill()
        eng.stop()
    return activation_latency(eng.db)


async def _paced(address: str, process_id: str, n: int, per_second: int) -> None:
    from pyzeebe import ZeebeClient, create_insecure_channel

    client = ZeebeClient(create_insecure_channel(grpc_address=address))
    await client.run_process_with_result(process_id, {"warmup": True}, timeout=60_000)
    tasks = []
    for _ in range(n):
        tasks.append(asyncio.create_task(client.run_process_with_result(process_id, {}, timeout=60_000)))
        await asyncio.sleep(1 / per_second)
    await asyncio.gather(*tasks)


def recovery(live: int) -> tuple[float, float]:
    """(seconds until a restarted engine listens after SIGKILL with `live` waiting instances, cold start)."""
    with tempfile.TemporaryDirectory() as tmp:
        eng = EngineProcess(Path(tmp))
        t0 = time.perf_counter()
        eng.start()
        cold = time.perf_counter() - t0

        async def load() -> None:
            from pyzeebe import ZeebeClient, create_insecure_channel

            await _deploy(eng.address, {"waiting.bpmn": linear_process("waiting", [Service("nobody")])})
            client = ZeebeClient(create_insecure_channel(grpc_address=eng.address))
            gate = asyncio.Semaphore(64)

            async def one() -> None:
                async with gate:
                    await client.run_process("waiting", {"a": 1})

            await asyncio.gather(*(one() for _ in range(live)))

        asyncio.run(load())
        eng.kill()
        t0 = time.perf_counter()
        eng.start()
        seconds = time.perf_counter() - t0
        recovered = [line for line in eng.output if line.startswith("recovered")][-1].strip()
        eng.stop()
        print(f"  ({recovered})", flush=True)
        return seconds, cold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    ap.add_argument("--history", type=int, default=1_000_000, help="finished instances for the history run")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    results: dict[str, Any] = {}

    def show(name: str, value: str) -> None:
        print(f"  {name:<58} {value}", flush=True)

    n = int(3000 * scale)
    results["one_task_per_s"] = measure_throughput("one_task", [Service("bench-work")], n, 128, "bench-work")
    show("one service task, one pyzeebe worker (instances/s)", f"{results['one_task_per_s']:,.0f}")
    results["ten_step_per_s"] = measure_throughput(
        "ten_steps", [Service("bench-work")] * 10, int(600 * scale), 128, "bench-work"
    )
    show("ten service tasks, one pyzeebe worker (instances/s)", f"{results['ten_step_per_s']:,.0f}")
    results["script_per_s"] = measure_throughput("script", [Script("a + 1", "b")], int(5000 * scale), 128, None)
    show("one script task, CreateProcessInstanceWithResult (instances/s)", f"{results['script_per_s']:,.0f}")
    results["spiff_script_per_s"] = spiff_script_rate(2.0 * scale + 0.5)
    show("  same process in SpiffWorkflow 3.2 in memory (instances/s)", f"{results['spiff_script_per_s']:,.0f}")
    with tempfile.TemporaryDirectory() as tmp:
        p50, p99, count = latency_run(Path(tmp), int(1000 * scale), 0)
    results["latency_ms"] = {"p50": p50, "p99": p99, "jobs": count}
    show("job creation -> activation, fresh store (ms p50 / p99)", f"{p50:.0f} / {p99:.0f} ({count} jobs)")
    history = int(args.history * scale)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        p50h, p99h, count_h = latency_run(Path(tmp), int(1000 * scale), history)
    results["latency_history_ms"] = {"p50": p50h, "p99": p99h, "jobs": count_h, "finished_instances": history}
    show(f"  ... with {history:,} finished instances in the store", f"{p50h:.0f} / {p99h:.0f} ({time.perf_counter() - t0:.0f} s run)")
    live = int(10_000 * scale)
    restart, cold = recovery(live)
    results["recovery_s"] = {"after_kill": restart, "cold_start": cold, "live_instances": live}
    show(f"restart after SIGKILL with {live:,} live instances (s)", f"{restart:.2f} (cold start {cold:.2f})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
