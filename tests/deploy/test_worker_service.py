"""`python -m workers` as a service against the embedded engine in its own process: it works a job, reports
ready, exports metrics for the job type, logs JSON with the job's keys, and on SIGTERM finishes the job in hand
(within the grace period) before it exits."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyzeebe import ZeebeClient, create_insecure_channel

from engine.testing import EngineProcess
from tests.deploy.service import BPMN, JOB_TYPE, PROCESS_ID, WorkerProcess


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[EngineProcess]:
    proc = EngineProcess(tmp_path / "engine-data")
    proc.start()
    try:
        (tmp_path / "deploy-test.bpmn").write_text(BPMN)
        await ZeebeClient(create_insecure_channel(proc.address)).deploy_resource(str(tmp_path / "deploy-test.bpmn"))
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def worker_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "worker"
    folder.mkdir()
    yield folder


async def start_instance(engine: EngineProcess, **variables: Any) -> int:
    client = ZeebeClient(create_insecure_channel(engine.address))
    response = await client.run_process(PROCESS_ID, variables)
    return int(response.process_instance_key)


def state(engine: EngineProcess, key: int) -> str:
    r = httpx.get(f"{engine.rest_address}/v2/process-instances/{key}", timeout=5)
    r.raise_for_status()
    return str(r.json()["state"])


def metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


async def test_works_a_job_reports_ready_and_exports_metrics(engine: EngineProcess, worker_folder: Path) -> None:
    worker = WorkerProcess(worker_folder, {"ZEEBE_ADDRESS": engine.address})
    worker.start()
    try:
        worker.wait_for("the health port", lambda: _answers(worker.url))
        assert httpx.get(f"{worker.url}/healthz", timeout=5).json() == {"status": "up"}
        worker.wait_for("/readyz 200", worker.ready)
        assert httpx.get(f"{worker.url}/readyz", timeout=5).json()["gateway"] is True

        done = await start_instance(engine, sleep=0)
        failed = await start_instance(engine, fail=True)
        worker.wait_for("the instance to complete", lambda: state(engine, done) == "COMPLETED")
        worker.wait_for("the failure log line", worker.log_line("job failed", processInstanceKey=failed))

        metrics = httpx.get(f"{worker.url}/metrics", timeout=5).text
        assert metric(metrics, "ipa_worker_jobs_total", job_type=JOB_TYPE, outcome="completed") == 1.0
        assert metric(metrics, "ipa_worker_jobs_total", job_type=JOB_TYPE, outcome="failed") == 1.0
        assert metric(metrics, "ipa_worker_job_duration_seconds_count", job_type=JOB_TYPE) == 2.0
        assert metric(metrics, "ipa_worker_jobs_in_flight", job_type=JOB_TYPE) == 0.0
        assert httpx.get(f"{worker.url}/nowhere", timeout=5).status_code == 404

        # every line about a job carries the keys that join it with Operate and the dashboard
        woke = worker.log_line("woke", processInstanceKey=done)()
        assert woke is not None and woke["elementId"] == "Sleep" and isinstance(woke["jobKey"], int)
        fail = worker.log_line("job failed", processInstanceKey=failed)()
        assert fail is not None and fail["elementId"] == "Sleep" and "asked to fail" in fail["exception"]
        assert all("jobKey" in r for r in worker.records() if r["logger"] == "workers.sleepy")
    finally:
        worker.terminate()
        assert worker.wait(30) == 0, worker.output()


async def test_sigterm_finishes_the_job_in_hand(engine: EngineProcess, worker_folder: Path) -> None:
    worker = WorkerProcess(worker_folder, {"ZEEBE_ADDRESS": engine.address, "IPA_WORKER_SHUTDOWN_GRACE_S": "30"})
    worker.start()
    try:
        worker.wait_for("/readyz 200", worker.ready)
        key = await start_instance(engine, sleep=3)
        worker.wait_for("the handler to start", worker.log_line("sleeping", processInstanceKey=key))
        worker.terminate()
        worker.wait_for("not ready while stopping", lambda: not worker.ready(), timeout=5)
        assert worker.wait(30) == 0, worker.output()
    finally:
        worker.kill()
    assert state(engine, key) == "COMPLETED", worker.output()
    messages = [r["message"] for r in worker.records()]
    assert messages.index("woke") > next(i for i, m in enumerate(messages) if m.startswith("stopping"))
    assert "stopped: every job in hand finished" in messages


async def test_the_grace_period_bounds_the_shutdown(engine: EngineProcess, worker_folder: Path) -> None:
    worker = WorkerProcess(worker_folder, {"ZEEBE_ADDRESS": engine.address, "IPA_WORKER_SHUTDOWN_GRACE_S": "1"})
    worker.start()
    try:
        worker.wait_for("/readyz 200", worker.ready)
        key = await start_instance(engine, sleep=60)
        worker.wait_for("the handler to start", worker.log_line("sleeping", processInstanceKey=key))
        began = time.monotonic()
        worker.terminate()
        assert worker.wait(20) == 0, worker.output()
        assert time.monotonic() - began < 10
    finally:
        worker.kill()
    # cut off: the job stays with Zeebe, to be handed out again after its timeout
    assert state(engine, key) == "ACTIVE"
    assert worker.log_line("stopped with 1 jobs unfinished")() is not None, worker.output()


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=2)
        return True
    except httpx.HTTPError:
        return False
