"""Status codes and texts as Zeebe's gateway sends them (zeebe-protocol.md §2): clients switch on both."""

from __future__ import annotations

import logging
from typing import Any

import grpc
import pytest

from engine.gateway.proto import pb
from tests.engine.gateway.conftest import DIAGRAMS, Gateway


async def fails(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value


async def deploy(gateway: Gateway, name: str) -> Any:
    content = (DIAGRAMS / name).read_bytes()
    return await gateway.stub.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name=name, content=content)])
    )


async def activate_one(gateway: Gateway, job_type: str) -> Any:
    request = pb.ActivateJobsRequest(
        type=job_type, worker="w", timeout=60_000, maxJobsToActivate=1, requestTimeout=2000
    )
    [response] = [r async for r in gateway.stub.ActivateJobs(request, timeout=5)]
    [job] = response.jobs
    return job


async def test_unknown_process_id_is_not_found(gateway: Gateway) -> None:
    error = await fails(
        gateway.stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="nope", version=-1))
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        "Command 'CREATE' rejected with code 'NOT_FOUND': "
        "Expected to find process definition with process ID 'nope', but none found"
    )


@pytest.mark.parametrize(
    ("variables", "details"),
    [
        ("{oops", "Invalid JSON value: {oops"),
        (
            "[1, 2]",
            "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'",
        ),
        (
            '"text"',
            "Property 'variables' is invalid: Expected document to be a root level object, but was 'STRING'",
        ),
    ],
)
async def test_bad_variables_are_invalid_argument(gateway: Gateway, variables: str, details: str) -> None:
    await deploy(gateway, "order.bpmn")
    error = await fails(
        gateway.stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="order", version=-1, variables=variables)
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == details


async def test_blank_variables_mean_an_empty_document(gateway: Gateway) -> None:
    await deploy(gateway, "order.bpmn")
    created = await gateway.stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="order", version=-1, variables="  ")
    )
    job = await activate_one(gateway, "charge")
    assert job.processInstanceKey == created.processInstanceKey
    assert job.variables == "{}"
    assert job.customHeaders == '{"region":"eu"}'


async def test_unknown_job_key_is_not_found(gateway: Gateway) -> None:
    error = await fails(gateway.stub.CompleteJob(pb.CompleteJobRequest(jobKey=12345, variables="{}")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        "Command 'COMPLETE' rejected with code 'NOT_FOUND': "
        "Expected to complete job with key '12345', but no such job was found"
    )


async def test_completing_a_job_twice(gateway: Gateway) -> None:
    await deploy(gateway, "order.bpmn")
    await gateway.stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="order", version=-1)
    )
    job = await activate_one(gateway, "charge")
    done = pb.CompleteJobRequest(jobKey=job.key, variables='{"receipt": {"id": "a", "amount": 1}}')
    await gateway.stub.CompleteJob(done)
    error = await fails(gateway.stub.CompleteJob(done))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        f"Command 'COMPLETE' rejected with code 'NOT_FOUND': "
        f"Expected to complete job with key '{job.key}', but no such job was found"
    )


async def test_completing_a_failed_job_is_failed_precondition(gateway: Gateway) -> None:
    await deploy(gateway, "flaky.bpmn")
    await gateway.stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="flaky", version=-1)
    )
    job = await activate_one(gateway, "flaky")
    await gateway.stub.FailJob(pb.FailJobRequest(jobKey=job.key, retries=0, errorMessage="no"))
    error = await fails(gateway.stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key)))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == (
        f"Command 'COMPLETE' rejected with code 'INVALID_STATE': "
        f"Expected to complete job with key '{job.key}', but it is in state 'FAILED'"
    )


async def test_other_tenants_are_refused_and_default_is_accepted(gateway: Gateway) -> None:
    error = await fails(
        gateway.stub.PublishMessage(pb.PublishMessageRequest(name="m", correlationKey="k", tenantId="acme"))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        "Expected to handle gRPC request PublishMessage with tenant identifier 'acme', "
        "but multi-tenancy is disabled"
    )
    published = await gateway.stub.PublishMessage(
        pb.PublishMessageRequest(name="m", correlationKey="k", tenantId="<default>")
    )
    assert published.tenantId == "<default>"
    error = await fails(
        gateway.stub.ActivateJobs(
            pb.ActivateJobsRequest(
                type="t", worker="w", timeout=1000, maxJobsToActivate=1, tenantIds=["acme"]
            )
        ).read()
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ActivateJobs with tenant identifier 'acme'" in error.details()


async def test_invalid_bpmn_names_the_element(gateway: Gateway) -> None:
    error = await fails(deploy(gateway, "invalid.bpmn"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error.details()
    assert details.startswith(
        "Command 'CREATE' rejected with code 'INVALID_ARGUMENT': "
        "Expected to deploy new resources, but encountered the following errors:\n'invalid.bpmn':"
    )
    assert "Element: Task_charge" in details
    assert "Must have exactly one 'zeebe:taskDefinition' extension element" in details


async def test_unknown_resource_type_and_empty_deployment(gateway: Gateway) -> None:
    error = await fails(
        gateway.stub.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="a.txt", content=b"x")])
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().endswith("'a.txt': unknown resource type")
    error = await fails(gateway.stub.DeployResource(pb.DeployResourceRequest()))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Expected to deploy at least one resource, but none given" in error.details()


async def test_invalid_activation_request(gateway: Gateway) -> None:
    error = await fails(
        gateway.stub.ActivateJobs(pb.ActivateJobsRequest(type="t", worker="w", timeout=1000)).read()
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        "Command 'ACTIVATE' rejected with code 'INVALID_ARGUMENT': "
        "Expected to activate job batch with max jobs to activate to be greater than zero, but it was '0'"
    )


async def test_duplicate_message_id_is_already_exists(gateway: Gateway) -> None:
    request = pb.PublishMessageRequest(name="m", correlationKey="k", messageId="id-1", timeToLive=60_000)
    await gateway.stub.PublishMessage(request)
    error = await fails(gateway.stub.PublishMessage(request))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == (
        "Command 'PUBLISH' rejected with code 'ALREADY_EXISTS': Expected to publish a new message with id "
        "'id-1', but a message with that id was already published"
    )


async def test_create_with_result_times_out_with_deadline_exceeded_before_the_client_deadline(
    gateway: Gateway,
) -> None:
    await deploy(gateway, "order.bpmn")
    request = pb.CreateProcessInstanceWithResultRequest(
        request=pb.CreateProcessInstanceRequest(bpmnProcessId="order", version=-1), requestTimeout=60_000
    )
    # the client allows 1.5 s, far less than requestTimeout: the gateway answers first, with its own text
    error = await fails(gateway.stub.CreateProcessInstanceWithResult(request, timeout=1.5))
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert error.details().startswith("Expected to complete process instance")


async def test_migration_is_unimplemented(gateway: Gateway) -> None:
    error = await fails(
        gateway.stub.MigrateProcessInstance(pb.MigrateProcessInstanceRequest(processInstanceKey=1))
    )
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "migration is not supported" in error.details()


async def test_authorization_metadata_is_accepted(gateway: Gateway) -> None:
    topology = await gateway.stub.Topology(
        pb.TopologyRequest(), metadata=(("authorization", "Bearer some.jwt.token"),)
    )
    assert topology.brokers[0].partitions[0].partitionId == 1


async def test_unexpected_errors_are_internal_and_logged(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(gateway.engine, "publish_message", broken)
    with caplog.at_level(logging.ERROR, logger="engine.gateway"):
        error = await fails(gateway.stub.PublishMessage(pb.PublishMessageRequest(name="m")))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == "Unexpected error occurred during the request processing: disk on fire"
    [record] = caplog.records
    assert record.exc_info is not None and "disk on fire" in str(record.exc_info[1])
