"""Jobs: activation (long poll), completion, failure, errors, retries, timeouts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from engine.runtime import variables as vars_
from engine.runtime.base import EngineBase, later
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.errors import Rejection
from engine.runtime.processor import Processor
from engine.runtime.state import (
    Job,
)


class JobCommands(EngineBase):
    async def activate_jobs(
        self,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch_variables: list[str] | None = None,
        request_timeout_ms: int = 0,
        wait_limit_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Activate up to `max_jobs` jobs; with none, long-poll until one exists or the request times out."""
        if not job_type.strip():
            raise Rejection(
                "ACTIVATE",
                "INVALID_ARGUMENT",
                "Expected to activate job batch with type to be present, but it was blank",
            )
        if max_jobs <= 0:
            raise Rejection(
                "ACTIVATE",
                "INVALID_ARGUMENT",
                f"Expected to activate job batch with max jobs to activate to be greater than zero, but it was '{max_jobs}'",
            )
        if timeout_ms <= 0:
            raise Rejection(
                "ACTIVATE",
                "INVALID_ARGUMENT",
                f"Expected to activate job batch with timeout to be greater than zero, but it was '{timeout_ms}'",
            )
        loop = asyncio.get_running_loop()
        wait = None if request_timeout_ms < 0 else (request_timeout_ms or 10_000) / 1000
        if wait is not None and wait_limit_s is not None:
            wait = max(0.0, min(wait, wait_limit_s))
        end = loop.time() + (wait or 0)
        while True:
            event = self._job_events.get(job_type)
            if event is None:
                event = self._job_events[job_type] = asyncio.Event()
            jobs = self.run(
                lambda ctx, p: self._activate(ctx, p, job_type, worker, timeout_ms, max_jobs, fetch_variables)
            )
            if jobs:
                try:
                    await self._commit()
                except asyncio.CancelledError:
                    # the caller went away while its jobs were being committed: hand them back at once
                    keys = [j["key"] for j in jobs]
                    self._background(self.return_jobs(keys))
                    raise
                return jobs
            remaining = end - loop.time()
            if wait is None or remaining <= 0:
                return []
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []

    def _activate(
        self,
        ctx: Ctx,
        p: Processor,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch: list[str] | None,
    ) -> list[dict[str, Any]]:
        bucket = self.state.activatable.get(job_type)
        if not bucket:
            return []
        taken: list[Job] = []
        for job in list(bucket.values())[:max_jobs]:
            del bucket[job.key]
            job.state = "ACTIVATED"
            job.worker = worker
            job.deadline = later(ctx.now, timeout_ms)
            self.state.schedule.add(job.deadline, "deadline", job.key)
            ctx.save_job(job)
            taken.append(job)
        self.schedule_changed()
        ctx.record(
            "JOB_BATCH",
            "ACTIVATED",
            ctx.key(),
            {
                "type": job_type,
                "worker": worker,
                "timeout": timeout_ms,
                "maxJobsToActivate": max_jobs,
                "jobKeys": [j.key for j in taken],
                "tenantId": DEFAULT_TENANT,
            },
        )
        return [self.job_view(job, fetch) for job in taken]

    def job_view(self, job: Job, fetch: list[str] | None = None) -> dict[str, Any]:
        ei = job.element_instance
        d = ei.definition
        visible = vars_.visible(ei)
        if fetch:
            visible = {k: v for k, v in visible.items() if k in fetch}
        return {
            "key": job.key,
            "type": job.type,
            "processInstanceKey": ei.process_instance.key,
            "bpmnProcessId": d.bpmn_process_id,
            "processDefinitionVersion": d.version,
            "processDefinitionKey": d.key,
            "elementId": ei.element.id,
            "elementInstanceKey": ei.key,
            "customHeaders": job.custom_headers,
            "worker": job.worker,
            "retries": job.retries,
            "deadline": job.deadline or 0,
            "variables": {k: v.value for k, v in visible.items()},
            "variablesText": "{" + ",".join(f"{json.dumps(k)}:{v.text}" for k, v in visible.items()) + "}",
            "tenantId": DEFAULT_TENANT,
            "kind": job.kind,
        }

    def _job(self, key: int, intent: str, verb: str) -> Job:
        job = self.state.jobs.get(key)
        if job is None:
            raise Rejection(
                intent, "NOT_FOUND", f"Expected to {verb} job with key '{key}', but no such job was found"
            )
        if job.state in ("FAILED", "ERROR_THROWN"):
            raise Rejection(
                intent,
                "INVALID_STATE",
                f"Expected to {verb} job with key '{key}', but it is in state '{job.state}'",
            )
        return job

    def _release_job(self, job: Job) -> None:
        self.state.jobs.pop(job.key, None)
        self.state.activatable.get(job.type, {}).pop(job.key, None)
        if job.element_instance.job_key == job.key:
            job.element_instance.job_key = None

    async def complete_job(self, key: int, variables: dict[str, Any]) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self._job(key, "COMPLETE", "complete")
            self._release_job(job)
            job.state = "COMPLETED"
            p.job_record(job, "COMPLETED", variables)
            ctx.save_job(job, live=False)
            ei = job.element_instance
            ei.trigger = {**(ei.trigger or {}), **variables}
            # EventHandle.triggeringProcessEvent(JobRecord): the result waits for the element's output mappings
            ei.runtime["event_key"] = p.triggering(ei, ei.element.id, variables)
            p.complete(ei)

        await self.execute(command)

    async def fail_job(
        self, key: int, retries: int, error_message: str, retry_backoff_ms: int, variables: dict[str, Any]
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self._job(key, "FAIL", "fail")
            job.retries = retries
            job.error_message = error_message
            job.deadline = None
            job.worker = ""
            ei = job.element_instance
            if variables:
                vars_.merge_local(ctx, ei, variables)
            if retries > 0 and retry_backoff_ms > 0:
                job.state = "FAILED"
                job.recur_at = later(ctx.now, retry_backoff_ms)
                self.state.schedule.add(job.recur_at, "recur", job.key)
                self.schedule_changed()
            elif retries > 0:
                job.state = "ACTIVATABLE"
                self.state.activatable[job.type][job.key] = job
                ctx.woken.add(job.type)
            else:
                job.state = "FAILED"
            p.job_record(job, "FAILED", variables)
            ctx.save_job(job)
            if retries <= 0:
                p.incident(ei, "JOB_NO_RETRIES", error_message or "No more retries left.", "job", job)

        await self.execute(command)

    async def throw_error(
        self, key: int, error_code: str, error_message: str, variables: dict[str, Any]
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self._job(key, "THROW_ERROR", "throw an error for")
            job.state = "ERROR_THROWN"
            job.error_code = error_code
            job.error_message = error_message
            p.job_record(job, "ERROR_THROWN", variables)
            self.state.activatable.get(job.type, {}).pop(job.key, None)
            ei = job.element_instance
            if p.throw_error(ei, error_code, error_message, variables):
                self._release_job(job)
                ctx.save_job(job, live=False)
                return
            from engine.runtime.elements.events import unhandled_message

            ctx.save_job(job)
            p.incident(
                ei, "UNHANDLED_ERROR_EVENT", unhandled_message(p, ei, error_code, error_message), "error", job
            )

        await self.execute(command)

    async def update_job_retries(self, key: int, retries: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self.state.jobs.get(key)
            if job is None:
                raise Rejection(
                    "UPDATE_RETRIES",
                    "NOT_FOUND",
                    f"Expected to update retries for job with key '{key}', but no such job was found",
                )
            if retries <= 0:
                raise Rejection(
                    "UPDATE_RETRIES",
                    "INVALID_ARGUMENT",
                    f"Expected to update retries for job with key '{key}' with a positive amount of retries, but the amount given was '{retries}'",
                )
            job.retries = retries
            p.job_record(job, "RETRIES_UPDATED")
            ctx.save_job(job)

        await self.execute(command)

    async def update_job_timeout(self, key: int, timeout_ms: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self.state.jobs.get(key)
            if job is None:
                raise Rejection(
                    "UPDATE_TIMEOUT",
                    "NOT_FOUND",
                    f"Expected to update job deadline with key '{key}', but no such job was found",
                )
            if job.state != "ACTIVATED":
                raise Rejection(
                    "UPDATE_TIMEOUT",
                    "INVALID_STATE",
                    f"Expected to update the timeout of job with key '{key}', but it is not active",
                )
            job.deadline = later(ctx.now, timeout_ms)
            self.state.schedule.add(job.deadline, "deadline", job.key)
            self.schedule_changed()
            p.job_record(job, "TIMEOUT_UPDATED")
            ctx.save_job(job)

        await self.execute(command)

    async def return_jobs(self, keys: list[int]) -> None:
        """Jobs activated for a client that went away before the answer reached it: back to the queue at once."""

        def command(ctx: Ctx, p: Processor) -> None:
            for key in keys:
                job = self.state.jobs.get(key)
                if job is not None and job.state == "ACTIVATED":
                    job.state = "ACTIVATABLE"
                    job.deadline = None
                    job.worker = ""
                    self.state.activatable[job.type][job.key] = job
                    ctx.woken.add(job.type)
                    p.job_record(job, "YIELDED")
                    ctx.save_job(job)

        await self.execute(command)
