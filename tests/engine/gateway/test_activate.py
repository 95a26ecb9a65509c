"""ActivateJobs long polling and StreamActivatedJobs (zeebe-protocol.md §5, §12.3-12.5)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import grpc
import pytest

from engine.gateway.proto import pb
from engine.gateway.servicer import GatewayServicer
from tests.engine.gateway.conftest import DIAGRAMS, Gateway


async def deploy_order(gateway: Gateway) -> None:
    content = (DIAGRAMS / "order.bpmn").read_bytes()
    await gateway.stub.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name="order.bpmn", content=content)])
    )


async def start_order(gateway: Gateway, variables: str = '{"amount": 3}') -> int:
    created = await gateway.stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="order", version=-1, variables=variables)
    )
    return int(created.processInstanceKey)


def activation(request_timeout: int, max_jobs: int = 5, **kw: Any) -> Any:
    return pb.ActivateJobsRequest(
        type="charge",
        worker="w1",
        timeout=30_000,
        maxJobsToActivate=max_jobs,
        requestTimeout=request_timeout,
        **kw,
    )


async def test_a_waiting_poll_answers_as_soon_as_a_job_is_created(gateway: Gateway) -> None:
    await deploy_order(gateway)
    call = gateway.stub.ActivateJobs(activation(request_timeout=10_000, fetchVariable=["amount"]), timeout=20)
    responses = asyncio.ensure_future(_collect(call))
    await asyncio.sleep(0.3)
    assert not responses.done()  # parked: there is no job yet
    started = time.monotonic()
    pi = await start_order(gateway, '{"amount": 3, "secret": "x"}')
    [response] = await asyncio.wait_for(responses, 2)
    assert time.monotonic() - started < 1.0
    assert await call.code() == grpc.StatusCode.OK
    [job] = response.jobs
    assert job.processInstanceKey == pi and job.type == "charge" and job.worker == "w1"
    assert job.bpmnProcessId == "order" and job.elementId == "Task_charge" and job.retries == 3
    assert json.loads(job.variables) == {"amount": 3}  # only the fetched variable
    assert json.loads(job.customHeaders) == {"region": "eu"}
    assert job.tenantId == "<default>"
    assert abs(job.deadline - (time.time() * 1000 + 30_000)) < 5_000


async def test_a_poll_without_jobs_ends_ok_and_empty_at_request_timeout(gateway: Gateway) -> None:
    started = time.monotonic()
    call = gateway.stub.ActivateJobs(activation(request_timeout=500), timeout=10)
    assert await _collect(call) == []
    assert await call.code() == grpc.StatusCode.OK
    assert 0.45 <= time.monotonic() - started < 2.0


async def test_a_negative_request_timeout_does_not_wait(gateway: Gateway) -> None:
    started = time.monotonic()
    call = gateway.stub.ActivateJobs(activation(request_timeout=-1), timeout=10)
    assert await _collect(call) == []
    assert time.monotonic() - started < 0.5


async def test_a_poll_ends_ok_before_the_client_deadline(gateway: Gateway) -> None:
    # requestTimeout 0 means the 10 s default, but the client only waits 1.5 s: it must still see OK
    started = time.monotonic()
    call = gateway.stub.ActivateJobs(activation(request_timeout=0), timeout=1.5)
    assert await _collect(call) == []
    assert await call.code() == grpc.StatusCode.OK
    assert time.monotonic() - started < 1.5


async def test_existing_jobs_come_in_one_response_up_to_the_maximum(gateway: Gateway) -> None:
    await deploy_order(gateway)
    keys = [await start_order(gateway) for _ in range(3)]
    [response] = await _collect(gateway.stub.ActivateJobs(activation(request_timeout=1000, max_jobs=2)))
    assert [j.processInstanceKey for j in response.jobs] == keys[:2]
    [response] = await _collect(gateway.stub.ActivateJobs(activation(request_timeout=1000, max_jobs=2)))
    assert [j.processInstanceKey for j in response.jobs] == keys[2:]


async def test_a_cancelled_poll_does_not_take_later_jobs(gateway: Gateway) -> None:
    await deploy_order(gateway)
    abandoned = gateway.stub.ActivateJobs(activation(request_timeout=10_000), timeout=20)
    reading = asyncio.ensure_future(_collect(abandoned))
    await asyncio.sleep(0.2)
    abandoned.cancel()
    await asyncio.sleep(0.2)
    pi = await start_order(gateway)
    [response] = await _collect(gateway.stub.ActivateJobs(activation(request_timeout=-1)))
    assert [j.processInstanceKey for j in response.jobs] == [pi]
    reading.cancel()


class _GoneClient:
    """A servicer context whose client disconnected: every write fails."""

    def time_remaining(self) -> float | None:
        return 5.0

    async def write(self, message: Any) -> None:
        raise asyncio.CancelledError()

    async def abort(self, code: Any, details: str) -> None:
        raise AssertionError(f"unexpected abort: {code} {details}")


async def test_jobs_that_cannot_be_delivered_are_handed_back_at_once(gateway: Gateway) -> None:
    await deploy_order(gateway)
    pi = await start_order(gateway)
    servicer = GatewayServicer(gateway.engine)
    with pytest.raises(asyncio.CancelledError):
        await servicer.ActivateJobs(activation(request_timeout=1000), _GoneClient())
    # not after the 30 s job timeout: another worker gets the job straight away, with its retries intact
    call = gateway.stub.ActivateJobs(activation(request_timeout=2000), timeout=5)
    started = time.monotonic()
    [response] = await _collect(call)
    assert time.monotonic() - started < 1.0
    [job] = response.jobs
    assert job.processInstanceKey == pi and job.retries == 3


async def test_stream_pushes_new_jobs_and_ends_ok_before_its_deadline(gateway: Gateway) -> None:
    await deploy_order(gateway)
    stream = gateway.stub.StreamActivatedJobs(
        pb.StreamActivatedJobsRequest(type="charge", worker="s1", timeout=30_000), timeout=2.0
    )
    started = time.monotonic()
    reading = asyncio.ensure_future(_collect(stream))
    await asyncio.sleep(0.2)
    pi = await start_order(gateway)
    jobs = await asyncio.wait_for(reading, 3)
    assert [j.processInstanceKey for j in jobs] == [pi]
    assert jobs[0].worker == "s1" and json.loads(jobs[0].variables) == {"amount": 3}
    # the stream stayed open until just before the client's deadline, then ended cleanly
    assert await stream.code() == grpc.StatusCode.OK
    assert 1.0 < time.monotonic() - started < 2.0


async def _collect(call: Any) -> list[Any]:
    return [message async for message in call]
