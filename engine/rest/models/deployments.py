"""Deployments: each entry names all five kinds, the unused ones null (as the 8.9+ SDKs require)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class DeploymentProcessResult(BaseModel):
    processDefinitionId: str
    processDefinitionVersion: int
    resourceName: str
    tenantId: str
    processDefinitionKey: str


class DeploymentDecisionResult(BaseModel):
    decisionDefinitionId: str
    version: int
    name: str
    tenantId: str
    decisionRequirementsId: str
    decisionDefinitionKey: str
    decisionRequirementsKey: str


class DeploymentDecisionRequirementsResult(BaseModel):
    decisionRequirementsId: str
    version: int
    decisionRequirementsName: str
    tenantId: str
    resourceName: str
    decisionRequirementsKey: str


class DeploymentFormResult(BaseModel):
    formId: str
    version: int
    resourceName: str
    tenantId: str
    formKey: str


class DeploymentResourceResult(BaseModel):
    resourceId: str
    version: int
    resourceName: str
    tenantId: str
    resourceKey: str


class DeploymentMetadataResult(BaseModel):
    processDefinition: DeploymentProcessResult | None = None
    decisionDefinition: DeploymentDecisionResult | None = None
    decisionRequirements: DeploymentDecisionRequirementsResult | None = None
    form: DeploymentFormResult | None = None
    resource: DeploymentResourceResult | None = None


class DeploymentResult(BaseModel):
    deploymentKey: str
    tenantId: str
    deployments: list[DeploymentMetadataResult]


class DeleteResourceResponse(BaseModel):
    resourceKey: str
    batchOperation: dict[str, Any] | None
