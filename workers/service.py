"""`python -m workers`: every job type of the approval process, as one pyzeebe worker service."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from pyzeebe import Job, ZeebeWorker

from workers.channel import channel_for
from workers.config import WorkerSettings
from workers.registry import JobType, load_all

log = logging.getLogger("workers")


def build_worker(settings: WorkerSettings) -> ZeebeWorker:
    channel = channel_for(settings)
    # -1: keep reconnecting; a restarting gateway must not silently end the service (pyzeebe's default is 10)
    worker = ZeebeWorker(channel, name=settings.name, max_connection_retries=-1, poll_retry_delay=1)
    job_types = load_all()
    # the casework store and the message client the handlers share (tests may have set their own)
    from workers.jobs_shared import configure

    configure(settings, channel)
    for name, job_type in job_types.items():
        worker.task(
            task_type=name,
            timeout_ms=settings.job_timeout_ms,
            max_jobs_to_activate=settings.max_jobs_to_activate,
            max_running_jobs=settings.max_running_jobs,
        )(_adapter(job_type))
    return worker


def _adapter(job_type: JobType[Any]) -> Any:
    # pyzeebe passes the Job to a parameter annotated `Job`; the handler reads all its variables
    async def run(job: Job) -> dict[str, Any]:
        return await job_type(job)

    run.__name__ = job_type.handler.__name__
    # pyzeebe finds the Job parameter by comparing the annotation with the class; under `from __future__ import
    # annotations` it is the string "Job", so pyzeebe would fetch no variables and call run() without the job
    run.__annotations__ = {"job": Job, "return": dict[str, Any]}
    return run


async def serve(settings: WorkerSettings) -> None:
    worker = build_worker(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    work = asyncio.create_task(worker.work())
    log.info("working %d job types against %s", len(load_all()), settings.zeebe_address)
    await stop.wait()
    await worker.stop()  # stops polling, lets the jobs in hand finish
    work.cancel()
