"""Camunda's official Python SDK (camunda-orchestration-sdk, strict about the 8.9+ response shape) against the app
under uvicorn: deploy, create a process instance, search, and a job worker completing the job."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest

from tests.engine.rest.resources import SERVICE

sdk = pytest.importorskip("camunda_orchestration_sdk")


async def test_sdk_worker_completes_a_job(server: str) -> None:
    from camunda_orchestration_sdk import CamundaAsyncClient
    from camunda_orchestration_sdk.models.create_deployment_data import CreateDeploymentData
    from camunda_orchestration_sdk.models.process_creation_by_id import ProcessCreationById
    from camunda_orchestration_sdk.models.process_instance_creation_instruction_base_variables import (
        ProcessInstanceCreationInstructionBaseVariables,
    )
    from camunda_orchestration_sdk.models.process_instance_search_query import ProcessInstanceSearchQuery
    from camunda_orchestration_sdk.models.process_instance_search_query_filter import (
        ProcessInstanceSearchQueryFilter,
    )
    from camunda_orchestration_sdk.runtime.job_worker import WorkerConfig
    from camunda_orchestration_sdk.types import File

    client = CamundaAsyncClient(
        configuration={"CAMUNDA_REST_ADDRESS": server, "CAMUNDA_AUTH_STRATEGY": "NONE"}  # type: ignore[typeddict-item]
    )
    try:
        deployment = await client.create_deployment(
            data=CreateDeploymentData(resources=[File(payload=io.BytesIO(SERVICE), file_name="svc.bpmn")])
        )
        assert deployment.deployments[0].process_definition is not None

        created = await client.create_process_instance(
            data=ProcessCreationById(
                process_definition_id="svc",  # type: ignore[arg-type]
                variables=ProcessInstanceCreationInstructionBaseVariables.from_dict({"amount": 7}),
            )
        )
        pi = str(created.process_instance_key)
        found = await client.search_process_instances(
            data=ProcessInstanceSearchQuery(
                filter_=ProcessInstanceSearchQueryFilter(process_definition_id="svc")
            )
        )
        assert [str(i.process_instance_key) for i in found.items] == [pi]
        assert str(found.items[0].state) in ("ACTIVE", "ProcessInstanceStateEnum.ACTIVE")

        seen: list[dict[str, Any]] = []

        async def handler(job: Any) -> dict[str, Any]:
            seen.append(
                dict(job.variables.to_dict()) if hasattr(job.variables, "to_dict") else dict(job.variables)
            )
            return {"handled": True}

        client.create_job_worker(
            WorkerConfig(
                job_type="work", job_timeout_milliseconds=30_000, request_timeout_milliseconds=2_000
            ),
            handler,
        )
        runner = asyncio.create_task(client.run_workers())
        for _ in range(200):
            got = await client.get_process_instance(process_instance_key=created.process_instance_key)
            if str(got.state) in ("COMPLETED", "ProcessInstanceStateEnum.COMPLETED"):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the SDK worker did not complete the job (runner done: {runner.done()})")
        assert seen == [{"amount": 7}]
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    finally:
        await client.aclose()


async def test_sdk_reads_every_resource(server: str) -> None:
    """The SDK parses each result type (it raises on any missing required field)."""
    import httpx
    from camunda_orchestration_sdk import CamundaAsyncClient
    from camunda_orchestration_sdk.models.decision_evaluation_by_id import DecisionEvaluationByID
    from camunda_orchestration_sdk.models.decision_evaluation_by_id_variables import (
        DecisionEvaluationByIdVariables,
    )

    from tests.engine.rest.resources import DMN, FAILING, FORM, USER_TASK

    async with httpx.AsyncClient(base_url=server + "/v2") as http:
        files = [("resources", f) for f in (("a.bpmn", USER_TASK), ("a.form", FORM), ("f.bpmn", FAILING))]
        assert (await http.post("/deployments", files=[*files, ("resources", ("g.dmn", DMN))])).is_success
        for pid in ("approve", "failing"):
            assert (
                await http.post(
                    "/process-instances", json={"processDefinitionId": pid, "variables": {"v": 1}}
                )
            ).is_success
        job = (
            await http.post(
                "/jobs/activation", json={"type": "flaky", "timeout": 9000, "maxJobsToActivate": 1}
            )
        ).json()
        await http.post(
            f"/jobs/{job['jobs'][0]['jobKey']}/failure", json={"retries": 0, "errorMessage": "boom"}
        )

    client = CamundaAsyncClient(
        configuration={"CAMUNDA_REST_ADDRESS": server, "CAMUNDA_AUTH_STRATEGY": "NONE"}  # type: ignore[typeddict-item]
    )
    try:
        topology = await client.get_topology()
        assert topology.cluster_size == 1
        for search in (
            client.search_process_instances,
            client.search_element_instances,
            client.search_variables,
            client.search_incidents,
            client.search_user_tasks,
            client.search_jobs,
            client.search_process_definitions,
            client.search_decision_definitions,
            client.search_decision_requirements,
        ):
            result = await search()
            assert result.items, search.__name__
        [task] = (await client.search_user_tasks()).items
        got = await client.get_user_task(user_task_key=task.user_task_key)
        assert got.name == "Review request"
        form = await client.get_user_task_form(user_task_key=task.user_task_key)
        assert form is not None
        [incident] = (await client.search_incidents()).items
        assert (await client.get_incident(incident_key=incident.incident_key)).error_message == "boom"
        evaluated = await client.evaluate_decision(
            data=DecisionEvaluationByID(
                decision_definition_id="grade",  # type: ignore[arg-type]
                variables=DecisionEvaluationByIdVariables.from_dict({"score": 91}),
            )
        )
        assert evaluated.output == '"A"'
    finally:
        await client.aclose()
