"""Deployments (multipart `resources`) and resource deletion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, File, Form, UploadFile

from engine.rest.deps import EngineDep
from engine.rest.models.deployments import (
    DeleteResourceResponse,
    DeploymentDecisionRequirementsResult,
    DeploymentDecisionResult,
    DeploymentFormResult,
    DeploymentMetadataResult,
    DeploymentProcessResult,
    DeploymentResult,
)
from engine.rest.models.process_instances import OperationRequest
from engine.rest.routers.base import KeyPath, make_router
from engine.rest.search import parse_key
from engine.runtime.documents import DEFAULT_TENANT, check_tenant
from engine.runtime.engine import DeployedResource

router = make_router("Deployment")


@router.post("/deployments", operation_id="createDeployment")
async def create_deployment(
    engine: EngineDep,
    resources: Annotated[list[UploadFile], File(description="The BPMN, DMN and form files to deploy.")],
    tenantId: Annotated[str | None, Form()] = None,
) -> DeploymentResult:
    check_tenant(tenantId, "DeployResource")
    files = [(f.filename or "resource", await f.read()) for f in resources]
    deployment = await engine.deploy(files)
    return DeploymentResult(
        deploymentKey=str(deployment.key),
        tenantId=DEFAULT_TENANT,
        deployments=[_entry(r) for r in deployment.resources],
    )


def _entry(r: DeployedResource) -> DeploymentMetadataResult:
    """The engine's gRPC-named metadata as the REST API's entry of that kind."""
    d: dict[str, Any] = r.data
    if r.kind == "process":
        return DeploymentMetadataResult(
            processDefinition=DeploymentProcessResult(
                processDefinitionId=d["bpmnProcessId"],
                processDefinitionVersion=d["version"],
                resourceName=d["resourceName"],
                tenantId=d["tenantId"],
                processDefinitionKey=str(d["processDefinitionKey"]),
            )
        )
    if r.kind == "decision":
        return DeploymentMetadataResult(
            decisionDefinition=DeploymentDecisionResult(
                decisionDefinitionId=d["dmnDecisionId"],
                version=d["version"],
                name=d["dmnDecisionName"],
                tenantId=d["tenantId"],
                decisionRequirementsId=d["dmnDecisionRequirementsId"],
                decisionDefinitionKey=str(d["decisionKey"]),
                decisionRequirementsKey=str(d["decisionRequirementsKey"]),
            )
        )
    if r.kind == "decisionRequirements":
        return DeploymentMetadataResult(
            decisionRequirements=DeploymentDecisionRequirementsResult(
                decisionRequirementsId=d["dmnDecisionRequirementsId"],
                version=d["version"],
                decisionRequirementsName=d["dmnDecisionRequirementsName"],
                tenantId=d["tenantId"],
                resourceName=d["resourceName"],
                decisionRequirementsKey=str(d["decisionRequirementsKey"]),
            )
        )
    return DeploymentMetadataResult(
        form=DeploymentFormResult(
            formId=d["formId"],
            version=d["version"],
            resourceName=d["resourceName"],
            tenantId=d["tenantId"],
            formKey=str(d["formKey"]),
        )
    )


@router.post("/resources/{resourceKey}/deletion", operation_id="deleteResource")
async def delete_resource(
    engine: EngineDep,
    resourceKey: KeyPath,
    body: Annotated[OperationRequest | None, Body()] = None,
) -> DeleteResourceResponse:
    """200 with `{resourceKey, batchOperation: null}`: 8.8 sends no body, later versions this one."""
    await engine.delete_resource(parse_key(resourceKey))
    return DeleteResourceResponse(resourceKey=resourceKey, batchOperation=None)
