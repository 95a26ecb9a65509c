"""pyzeebe 4.7 against the gateway: the client calls and real ZeebeWorkers, end to end over gRPC."""

# no `from __future__ import annotations`: pyzeebe recognises the `job: Job` parameter by comparing the
# annotation object with `Job`, which a string annotation would never equal

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pyzeebe import Job, ZeebeWorker
from pyzeebe.errors import (
    BusinessError,
    ProcessDefinitionNotFoundError,
    ProcessInvalidError,
    ProcessTimeoutError,
)

from tests.engine.gateway.conftest import DIAGRAMS, Gateway
from tests.engine.gateway.helpers import eventually, incidents


@pytest.fixture
async def worker(gateway: Gateway) -> AsyncIterator[ZeebeWorker]:
    """A real ZeebeWorker on the gateway channel (pyzeebe lets client and workers share one channel)."""
    w = ZeebeWorker(gateway.channel, name="test-worker", poll_retry_delay=1)
    yield w
    await w.stop()


async def run_worker(worker: ZeebeWorker) -> asyncio.Task[None]:
    task = asyncio.create_task(worker.work())
    await asyncio.sleep(0)  # let the pollers start
    return task


async def test_topology_and_healthcheck(gateway: Gateway) -> None:
    topology = await gateway.client.topology()
    assert topology.cluster_size == 1 and topology.partitions_count == 1 and topology.replication_factor == 1
    assert topology.gateway_version == "8.8.0"
    [broker] = topology.brokers
    assert broker.version == "8.8.0"
    [partition] = broker.partitions
    assert partition.partition_id == 1
    assert partition.role.name == "LEADER" and partition.health.name == "HEALTHY"
    health = await gateway.client.healthcheck()
    assert health.status == 1  # grpc.health.v1 SERVING


async def test_deploy_and_run_process(gateway: Gateway) -> None:
    deployed = await gateway.client.deploy_resource(DIAGRAMS / "order.bpmn", DIAGRAMS / "payment.bpmn")
    assert deployed.tenant_id == "<default>"
    assert [(d.bpmn_process_id, d.version, d.resource_name) for d in deployed.deployments] == [
        ("order", 1, "order.bpmn"),
        ("payment", 1, "payment.bpmn"),
    ]
    # redeploying unchanged files is a duplicate: same version and key
    again = await gateway.client.deploy_resource(DIAGRAMS / "order.bpmn")
    assert again.deployments[0].version == 1
    assert again.deployments[0].process_definition_key == deployed.deployments[0].process_definition_key

    created = await gateway.client.run_process("order", {"amount": 5})
    assert created.bpmn_process_id == "order" and created.version == 1
    assert created.process_definition_key == deployed.deployments[0].process_definition_key
    assert created.process_instance_key > deployed.deployments[0].process_definition_key
    assert created.tenant_id == "<default>"


async def test_run_process_with_result_waits_for_a_published_message(gateway: Gateway) -> None:
    await gateway.client.deploy_resource(DIAGRAMS / "approval-message.bpmn")
    waiting = asyncio.create_task(
        gateway.client.run_process_with_result("await-approval", {"requestId": "r-7"}, timeout=5000)
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    published = await gateway.client.publish_message("approved", "r-7", {"approver": "ana"})
    assert published.key > 0 and published.tenant_id == "<default>"
    result = await asyncio.wait_for(waiting, 5)
    assert result.variables == {"requestId": "r-7", "approver": "ana"}
    assert result.bpmn_process_id == "await-approval"


async def test_run_process_with_result_times_out(gateway: Gateway) -> None:
    await gateway.client.deploy_resource(DIAGRAMS / "approval-message.bpmn")
    with pytest.raises(ProcessTimeoutError):
        await gateway.client.run_process_with_result("await-approval", {"requestId": "never"}, timeout=300)


async def test_unknown_process_and_invalid_deployment_raise_pyzeebe_errors(gateway: Gateway) -> None:
    with pytest.raises(ProcessDefinitionNotFoundError):
        await gateway.client.run_process("no-such-process")
    with pytest.raises(ProcessInvalidError):
        await gateway.client.deploy_resource(DIAGRAMS / "invalid.bpmn")


async def test_worker_completes_jobs_and_output_mappings_pick_the_result(
    gateway: Gateway, worker: ZeebeWorker
) -> None:
    seen: list[dict[str, Any]] = []

    @worker.task(task_type="charge")
    async def charge(amount: int, job: Job) -> dict[str, Any]:
        seen.append({"amount": amount, "headers": job.custom_headers, "retries": job.retries})
        # more than the output mappings use: unmapped result variables must not reach the instance
        return {"receipt": {"id": f"rc-{amount}", "amount": amount}, "note": "unmapped"}

    await gateway.client.deploy_resource(DIAGRAMS / "order.bpmn")
    work = await run_worker(worker)
    result = await gateway.client.run_process_with_result("order", {"amount": 21}, timeout=5000)
    assert result.variables == {"amount": 21, "receiptId": "rc-21", "doubled": 42}
    assert seen == [{"amount": 21, "headers": {"region": "eu"}, "retries": 3}]
    await worker.stop()
    await asyncio.wait_for(work, 5)


async def test_worker_exception_decrements_retries_then_raises_an_incident(
    gateway: Gateway, worker: ZeebeWorker
) -> None:
    attempts: list[int] = []

    @worker.task(task_type="flaky")
    async def flaky(job: Job) -> dict[str, Any]:
        attempts.append(job.retries)
        raise RuntimeError("printer on fire")

    await gateway.client.deploy_resource(DIAGRAMS / "flaky.bpmn")
    work = await run_worker(worker)
    created = await gateway.client.run_process("flaky")
    [incident] = await eventually(lambda: incidents(gateway.engine, created.process_instance_key))
    assert attempts == [2, 1]  # the BPMN says retries="2"; pyzeebe fails with retries - 1 each time
    assert incident.error_type == "JOB_NO_RETRIES"
    assert incident.error_message == "Failed job. Error: printer on fire"
    await worker.stop()
    await asyncio.wait_for(work, 5)


async def test_business_error_is_caught_by_the_error_boundary_event(
    gateway: Gateway, worker: ZeebeWorker
) -> None:
    notified: list[int] = []

    @worker.task(task_type="pay")
    async def pay() -> dict[str, Any]:
        raise BusinessError("card-declined")

    @worker.task(task_type="notify-declined")
    async def notify(job: Job) -> dict[str, Any]:
        notified.append(job.process_instance_key)
        return {"notified": True}

    await gateway.client.deploy_resource(DIAGRAMS / "payment.bpmn")
    work = await run_worker(worker)
    result = await gateway.client.run_process_with_result("payment", {"card": "4111"}, timeout=5000)
    assert notified == [result.process_instance_key]
    assert result.variables == {"card": "4111", "notified": True}
    assert incidents(gateway.engine, result.process_instance_key) == []
    await worker.stop()
    await asyncio.wait_for(work, 5)


async def test_streaming_worker_gets_jobs(gateway: Gateway) -> None:
    worker = ZeebeWorker(gateway.channel, name="streamer", stream_enabled=True, stream_request_timeout=30)

    @worker.task(task_type="charge")
    async def charge(amount: int) -> dict[str, Any]:
        return {"receipt": {"id": "s", "amount": amount}}

    await gateway.client.deploy_resource(DIAGRAMS / "order.bpmn")
    work = await run_worker(worker)
    try:
        result = await gateway.client.run_process_with_result("order", {"amount": 1}, timeout=5000)
        assert result.variables["receiptId"] == "s"
    finally:
        await worker.stop()
        await asyncio.wait_for(work, 5)
