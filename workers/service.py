"""`python -m workers`: every job type of the approval process, as one pyzeebe worker service.

On SIGTERM/SIGINT the service reports not-ready, stops activating jobs, lets the jobs in hand finish (at most
`IPA_WORKER_SHUTDOWN_GRACE_S`), then exits; a job cut off by the grace period goes back to Zeebe when its
timeout ends, which the idempotent handlers tolerate (delivery is at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from typing import Any

from pyzeebe import Job, JobController, ZeebeWorker
from pyzeebe.errors import BusinessError
from sqlalchemy import text

from workers.channel import channel_for
from workers.config import WorkerSettings
from workers.observability import (
    Readiness,
    configure_logging,
    in_flight,
    job_context,
    observed,
    serve_health,
)
from workers.registry import BusinessOutcome, JobType, load_all

log = logging.getLogger("workers")


def build_worker(settings: WorkerSettings) -> ZeebeWorker:
    channel = channel_for(settings)
    # -1: keep reconnecting; a restarting gateway must not silently end the service (pyzeebe's default is 10)
    worker = ZeebeWorker(
        channel,
        name=settings.name,
        max_connection_retries=-1,
        poll_retry_delay=1,
        exception_handler=_on_exception,
        stream_enabled=settings.stream,
    )
    for module in filter(None, (m.strip() for m in settings.extra_modules.split(","))):
        importlib.import_module(module)  # registers its @job handlers
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
        async with observed(job):
            return await job_type(job)

    run.__name__ = job_type.handler.__name__
    # pyzeebe finds the Job parameter by comparing the annotation with the class; under `from __future__ import
    # annotations` it is the string "Job", so pyzeebe would fetch no variables and call run() without the job
    run.__annotations__ = {"job": Job, "return": dict[str, Any]}
    return run


async def _on_exception(error: Exception, job: Job, controller: JobController) -> None:
    """pyzeebe's default handler logs the whole job, variables (case data) included; this logs its keys only."""
    with job_context(job):
        if isinstance(error, BusinessError):
            await controller.set_error_status(
                f"BPMN error {error.error_code}: {error}",
                error_code=error.error_code,
                variables=error.variables if isinstance(error, BusinessOutcome) else None,
            )
            return
        log.warning("job failed (%d retries left): %s", max(job.retries - 1, 0), error, exc_info=error)
        await controller.set_failure_status(f"{type(error).__name__}: {error}")


def _store_ping() -> None:
    from workers.jobs_shared import store

    with store().engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def serve(settings: WorkerSettings) -> None:
    configure_logging(settings.log_format, settings.log_level)
    worker = build_worker(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    readiness = Readiness(settings.ready_interval_s)
    health = await serve_health(readiness, settings.health_host, settings.health_port)
    watch = asyncio.create_task(readiness.watch(worker.zeebe_adapter.topology, _store_ping))
    work = asyncio.create_task(worker.work())
    log.info(
        "working %d job types against %s; health on %s:%d; streaming %s",
        len(load_all()),
        settings.zeebe_address,
        settings.health_host,
        health.sockets[0].getsockname()[1],
        "on" if settings.stream else "off",
    )
    done, _ = await asyncio.wait({work, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if work in done:  # the worker gave up (an invalid request): exit non-zero so the supervisor restarts it
        watch.cancel()
        health.close()
        work.result()
        return

    readiness.stopping = True  # out of the Service's endpoints before the jobs in hand finish
    log.info("stopping: %d jobs in hand, up to %.0fs to finish them", in_flight(), settings.shutdown_grace_s)
    try:
        # stop() ends polling and streaming, then waits for every activated job's handler and its complete/fail
        await asyncio.wait_for(worker.stop(), timeout=settings.shutdown_grace_s)
        log.info("stopped: every job in hand finished")
    except TimeoutError:
        log.warning("stopped with %d jobs unfinished; Zeebe hands them out again after their timeout", in_flight())
    work.cancel()
    watch.cancel()
    for task in (work, watch):
        with contextlib.suppress(BaseException):
            await task
    health.close()
    await health.wait_closed()
