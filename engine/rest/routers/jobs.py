"""Jobs: activation (long poll), completion, failure, error, update, search."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from fastapi import Body, Request, Response

from engine.rest.deps import EngineDep
from engine.rest.models.common import SearchResult
from engine.rest.models.tasks import (
    ActivatedJobResult,
    JobActivationRequest,
    JobActivationResult,
    JobCompletionRequest,
    JobErrorRequest,
    JobFailRequest,
    JobSearchQuery,
    JobSearchResult,
    JobUpdateRequest,
)
from engine.rest.problems import ApiError
from engine.rest.routers.base import KeyPath, Row, make_router, no_content, run_search
from engine.rest.search import parse_key
from engine.rest.views.tasks import JOBS
from engine.runtime.documents import DEFAULT_TENANT, check_document, check_tenant
from engine.runtime.engine import Engine

router = make_router("Job")


def activated_job(engine: Engine, job: dict[str, Any]) -> ActivatedJobResult:
    """The engine's job view (gRPC names) in the REST shape, every 8.9+ field present."""
    pi = engine.state.element_instances.get(job["processInstanceKey"])
    root = pi.runtime.get("root", pi.key) if pi is not None else job["processInstanceKey"]
    return ActivatedJobResult(
        jobKey=str(job["key"]),
        type=job["type"],
        processDefinitionId=job["bpmnProcessId"],
        processDefinitionVersion=job["processDefinitionVersion"],
        processDefinitionKey=str(job["processDefinitionKey"]),
        processInstanceKey=str(job["processInstanceKey"]),
        rootProcessInstanceKey=str(root),
        elementId=job["elementId"],
        elementInstanceKey=str(job["elementInstanceKey"]),
        customHeaders=job["customHeaders"],
        worker=job["worker"],
        retries=job["retries"],
        deadline=job["deadline"],
        variables=job["variables"],
        tenantId=DEFAULT_TENANT,
        physicalTenantId="default",
        kind=job.get("kind", "BPMN_ELEMENT"),
        listenerEventType="UNSPECIFIED",
        userTask=None,
        tags=[],
        businessId=None,
        priority=0,
        leaseToken=None,
    )


@router.post("/jobs/activation", operation_id="activateJobs")
async def activate_jobs(
    request: Request, engine: EngineDep, body: JobActivationRequest
) -> JobActivationResult:
    """Activate up to `maxJobsToActivate` jobs; with none, wait until one exists or `requestTimeout` passes."""
    for tenant in body.tenantIds or ():
        check_tenant(tenant, "ActivateJobs")
    activation = asyncio.ensure_future(
        engine.activate_jobs(
            body.type,
            body.worker or "",
            body.timeout,
            body.maxJobsToActivate,
            body.fetchVariable,
            body.requestTimeout,
            wait_limit_s=request.app.state.max_long_poll_s,
        )
    )
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({activation, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (activation, gone):
            if not task.done():
                task.cancel()
    if not activation.done() or activation.cancelled():
        # the worker hung up during its long poll: nothing was activated for it (a commit under way hands the
        # jobs back itself), as when a gRPC ActivateJobs stream is cancelled
        with contextlib.suppress(asyncio.CancelledError):
            await activation
        return JobActivationResult(jobs=[])  # nobody reads it
    jobs = activation.result()
    if gone.done() and not gone.cancelled():
        # activated in the same moment the worker left: nobody would receive them, so they go back at once
        await engine.return_jobs([j["key"] for j in jobs])
        return JobActivationResult(jobs=[])
    return JobActivationResult(jobs=[activated_job(engine, j) for j in jobs])


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the body is read: the next ASGI message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _204(path: str, operation_id: str) -> Any:
    return router.post(path, operation_id=operation_id, status_code=204, response_class=Response)


@_204("/jobs/{jobKey}/completion", "completeJob")
async def complete_job(
    engine: EngineDep, jobKey: KeyPath, body: Annotated[JobCompletionRequest | None, Body()] = None
) -> Response:
    await engine.complete_job(parse_key(jobKey), check_document(body.variables if body else None))
    return no_content()


@_204("/jobs/{jobKey}/failure", "failJob")
async def fail_job(
    engine: EngineDep, jobKey: KeyPath, body: Annotated[JobFailRequest | None, Body()] = None
) -> Response:
    """Retries left: the job is activatable again (after `retryBackOff` ms); none: an incident."""
    b = body or JobFailRequest()
    await engine.fail_job(
        parse_key(jobKey), b.retries, b.errorMessage or "", b.retryBackOff, check_document(b.variables)
    )
    return no_content()


@_204("/jobs/{jobKey}/error", "throwJobError")
async def throw_job_error(engine: EngineDep, jobKey: KeyPath, body: JobErrorRequest) -> Response:
    await engine.throw_error(
        parse_key(jobKey), body.errorCode, body.errorMessage or "", check_document(body.variables)
    )
    return no_content()


@router.patch("/jobs/{jobKey}", operation_id="updateJob", status_code=204, response_class=Response)
async def update_job(engine: EngineDep, jobKey: KeyPath, body: JobUpdateRequest) -> Response:
    changes = body.changeset
    if changes.retries is None and changes.timeout is None:
        raise ApiError(400, "INVALID_ARGUMENT", "No update data provided: expected retries or timeout")
    key = parse_key(jobKey)
    if changes.retries is not None:
        await engine.update_job_retries(key, changes.retries)
    if changes.timeout is not None:
        await engine.update_job_timeout(key, changes.timeout)
    return no_content()


def job_item(row: Row) -> dict[str, Any]:
    item = JOBS.render(row)
    item.update(lastUpdateTime=item["creationTime"], businessId=None, priority=0)
    # an empty error code or message is no error
    item["errorCode"] = item["errorCode"] or None
    item["errorMessage"] = item["errorMessage"] or None
    return item


@router.post("/jobs/search", operation_id="searchJobs")
async def search_jobs(
    engine: EngineDep, query: Annotated[JobSearchQuery | None, Body()] = None
) -> SearchResult[JobSearchResult]:
    return SearchResult[JobSearchResult].model_validate(await run_search(engine, JOBS, query, job_item))
