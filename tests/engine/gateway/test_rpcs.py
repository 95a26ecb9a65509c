"""The remaining RPCs over the wire: decisions, signals, variables, job updates, cancel, modify, delete."""

from __future__ import annotations

import json
import time
from typing import Any

import grpc
import pytest
from pyzeebe.errors import DecisionNotFoundError

from engine.gateway.proto import pb
from tests.engine.gateway.conftest import DIAGRAMS, Gateway
from tests.engine.gateway.helpers import eventually


async def deploy(gateway: Gateway, *names: str) -> Any:
    resources = [pb.Resource(name=n, content=(DIAGRAMS / n).read_bytes()) for n in names]
    return await gateway.stub.DeployResource(pb.DeployResourceRequest(resources=resources))


async def start(gateway: Gateway, process_id: str, variables: str = "{}") -> int:
    created = await gateway.stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId=process_id, version=-1, variables=variables)
    )
    return int(created.processInstanceKey)


async def activate(gateway: Gateway, job_type: str) -> Any:
    request = pb.ActivateJobsRequest(
        type=job_type, worker="w", timeout=60_000, maxJobsToActivate=1, requestTimeout=2000
    )
    [response] = [r async for r in gateway.stub.ActivateJobs(request, timeout=5)]
    return response.jobs[0]


async def test_deploying_a_dmn_lists_decisions_then_the_drg(gateway: Gateway) -> None:
    deployed = await deploy(gateway, "discount.dmn")
    kinds = [d.WhichOneof("Metadata") for d in deployed.deployments]
    assert kinds == ["decision", "decision", "decisionRequirements"]
    assert {d.decision.dmnDecisionId for d in deployed.deployments[:2]} == {"discount", "tier"}
    drg = deployed.deployments[2].decisionRequirements
    assert drg.dmnDecisionRequirementsId == "discounts" and drg.resourceName == "discount.dmn"
    assert all(
        d.decision.decisionRequirementsKey == drg.decisionRequirementsKey for d in deployed.deployments[:2]
    )


async def test_evaluate_decision(gateway: Gateway) -> None:
    await deploy(gateway, "discount.dmn")
    result = await gateway.client.evaluate_decision(None, "discount", {"total": 150})
    assert result.decision_output == 10  # pyzeebe has json.loads-ed the JSON texts
    assert result.decision_id == "discount" and result.decision_version == 1
    assert result.decision_requirements_id == "discounts"
    assert result.failed_decision_id == "" and result.tenant_id == "<default>"
    [evaluated] = result.evaluated_decisions
    assert evaluated.decision_type == "DECISION_TABLE"
    assert [(i.input_id, i.input_value) for i in evaluated.evaluated_inputs] == [("Input_total", 150)]
    [rule] = evaluated.matched_rules
    assert rule.rule_id == "Rule_big" and rule.rule_index == 1
    assert rule.evaluated_outputs[0].output_value == 10
    # by key: the same decision
    by_key = await gateway.client.evaluate_decision(result.decision_key, None, {"total": 5})
    assert by_key.decision_output == 0


async def test_a_failing_decision_is_an_answer_not_an_error(gateway: Gateway) -> None:
    await deploy(gateway, "discount.dmn")
    result = await gateway.client.evaluate_decision(None, "tier", {"total": 150})
    assert result.failed_decision_id == "tier"
    assert "UNIQUE" in result.failure_message
    assert result.decision_output is None


async def test_unknown_decision(gateway: Gateway) -> None:
    with pytest.raises(DecisionNotFoundError):
        await gateway.client.evaluate_decision(None, "nope", {})
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await gateway.stub.EvaluateDecision(pb.EvaluateDecisionRequest(decisionId="nope"))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details() == (
        "Command 'EVALUATE' rejected with code 'INVALID_ARGUMENT': "
        "Expected to evaluate decision 'nope', but no decision found for id 'nope'"
    )


async def test_broadcast_signal(gateway: Gateway) -> None:
    response = await gateway.client.broadcast_signal("nobody-listens", {"a": 1})
    assert response.key > 0 and response.tenant_id == "<default>"


async def test_set_variables_reach_the_next_job(gateway: Gateway) -> None:
    await deploy(gateway, "zbctl-task.bpmn")
    pi = await start(gateway, "zbctl-task", '{"a": 1}')
    job = await activate(gateway, "zbctl-task")
    response = await gateway.stub.SetVariables(
        pb.SetVariablesRequest(elementInstanceKey=pi, variables='{"a": 2, "b": "x"}')
    )
    assert response.key > pi
    await gateway.stub.FailJob(pb.FailJobRequest(jobKey=job.key, retries=2))
    again = await activate(gateway, "zbctl-task")
    assert json.loads(again.variables) == {"a": 2, "b": "x"}


async def test_update_retries_and_timeout(gateway: Gateway) -> None:
    await deploy(gateway, "zbctl-task.bpmn")
    await start(gateway, "zbctl-task")
    job = await activate(gateway, "zbctl-task")
    await gateway.stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=7))
    await gateway.stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=job.key, timeout=200))
    # the shortened deadline passes: the job times out and comes back with the updated retries
    started = time.monotonic()
    again = await activate(gateway, "zbctl-task")
    assert time.monotonic() - started < 1.9
    assert again.key == job.key and again.retries == 7
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await gateway.stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=0))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_throw_error_is_caught_with_its_variables(gateway: Gateway) -> None:
    await deploy(gateway, "payment.bpmn")
    pi = await start(gateway, "payment")
    job = await activate(gateway, "pay")
    await gateway.stub.ThrowError(
        pb.ThrowErrorRequest(jobKey=job.key, errorCode="card-declined", variables='{"reason": "limit"}')
    )
    notify = await activate(gateway, "notify-declined")
    assert notify.processInstanceKey == pi
    # the error variables are local to the error boundary event, which has no output mapping: Zeebe does not
    # propagate them (BpmnVariableMappingBehavior: boundary events but error ones merge their locals)
    assert json.loads(notify.variables) == {}


async def test_cancel_process_instance(gateway: Gateway) -> None:
    await deploy(gateway, "zbctl-task.bpmn")
    pi = await start(gateway, "zbctl-task")
    await gateway.stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=pi))
    assert pi not in gateway.engine.state.element_instances
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await gateway.stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=pi))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert "Expected to cancel a process instance with key" in info.value.details()


async def test_modify_process_instance_moves_the_token(gateway: Gateway) -> None:
    await deploy(gateway, "payment.bpmn")
    pi = await start(gateway, "payment")
    job = await activate(gateway, "pay")
    await gateway.stub.ModifyProcessInstance(
        pb.ModifyProcessInstanceRequest(
            processInstanceKey=pi,
            activateInstructions=[
                pb.ModifyProcessInstanceRequest.ActivateInstruction(
                    elementId="Task_notify",
                    ancestorElementInstanceKey=-1,
                    variableInstructions=[
                        pb.ModifyProcessInstanceRequest.VariableInstruction(variables='{"moved": true}')
                    ],
                )
            ],
            terminateInstructions=[
                pb.ModifyProcessInstanceRequest.TerminateInstruction(
                    elementInstanceKey=job.elementInstanceKey
                )
            ],
        )
    )
    notify = await activate(gateway, "notify-declined")
    assert notify.processInstanceKey == pi and json.loads(notify.variables) == {"moved": True}
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await gateway.stub.CompleteJob(pb.CompleteJobRequest(jobKey=job.key))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


async def test_delete_resource_cancels_instances(gateway: Gateway) -> None:
    deployed = await deploy(gateway, "zbctl-task.bpmn")
    pi = await start(gateway, "zbctl-task")
    await gateway.stub.DeleteResource(
        pb.DeleteResourceRequest(resourceKey=deployed.deployments[0].process.processDefinitionKey)
    )
    await eventually(lambda: pi not in gateway.engine.state.element_instances)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await gateway.stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="zbctl-task", version=-1)
        )
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
