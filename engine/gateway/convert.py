"""Engine dicts to gateway protobuf messages (nothing past `engine/gateway` sees protobuf)."""

from __future__ import annotations

from typing import Any

from engine.gateway.proto import pb
from engine.runtime.documents import DEFAULT_TENANT, dumps
from engine.runtime.engine import Deployment


def json_text(value: Any) -> str:
    """A JSON field as Zeebe sends it; pyzeebe `json.loads` every one, so never an empty string."""
    return dumps(value) if value is not None else "null"


def document(value: dict[str, Any] | None) -> str:
    return dumps(value or {})


def deployment_response(deployment: Deployment) -> Any:
    """DeployResourceResponse: the engine already orders processes, decisions, DRGs, forms."""
    metadata = {
        "process": pb.ProcessMetadata,
        "decision": pb.DecisionMetadata,
        "decisionRequirements": pb.DecisionRequirementsMetadata,
        "form": pb.FormMetadata,
    }
    entries = [pb.Deployment(**{r.kind: _message(metadata[r.kind], r.data)}) for r in deployment.resources]
    return pb.DeployResourceResponse(key=deployment.key, deployments=entries, tenantId=DEFAULT_TENANT)


def deploy_process_response(deployment: Deployment) -> Any:
    """The deprecated DeployProcessResponse lists processes only."""
    processes = [_message(pb.ProcessMetadata, r.data) for r in deployment.resources if r.kind == "process"]
    return pb.DeployProcessResponse(key=deployment.key, processes=processes)


def _message(cls: Any, data: dict[str, Any]) -> Any:
    """Build `cls` from the fields of `data` it declares (engine dicts may carry more)."""
    fields = cls.DESCRIPTOR.fields_by_name
    return cls(**{k: v for k, v in data.items() if k in fields and v is not None})


def activated_job(job: dict[str, Any]) -> Any:
    return pb.ActivatedJob(
        key=job["key"],
        type=job["type"],
        processInstanceKey=job["processInstanceKey"],
        bpmnProcessId=job["bpmnProcessId"],
        processDefinitionVersion=job["processDefinitionVersion"],
        processDefinitionKey=job["processDefinitionKey"],
        elementId=job["elementId"],
        elementInstanceKey=job["elementInstanceKey"],
        customHeaders=document(job.get("customHeaders")),
        worker=job["worker"],
        retries=job["retries"],
        deadline=job["deadline"],
        variables=job.get("variablesText") or document(job.get("variables")),
        tenantId=DEFAULT_TENANT,
    )


def evaluate_decision_response(result: dict[str, Any]) -> Any:
    """The engine answers in REST field names (`decisionDefinitionId`); gRPC says `decisionId`."""
    return pb.EvaluateDecisionResponse(
        decisionKey=result.get("decisionDefinitionKey") or 0,
        decisionId=result.get("decisionDefinitionId") or "",
        decisionName=result.get("decisionDefinitionName") or "",
        decisionVersion=result.get("decisionDefinitionVersion") or 0,
        decisionRequirementsId=result.get("decisionRequirementsId") or "",
        decisionRequirementsKey=result.get("decisionRequirementsKey") or 0,
        decisionOutput=json_text(result.get("output")),
        evaluatedDecisions=[_evaluated_decision(d) for d in result.get("evaluatedDecisions", ())],
        failedDecisionId=result.get("failedDecisionDefinitionId") or "",
        failureMessage=result.get("failureMessage") or "",
        tenantId=DEFAULT_TENANT,
        decisionInstanceKey=result.get("decisionEvaluationKey") or 0,
    )


def _evaluated_decision(d: dict[str, Any]) -> Any:
    return pb.EvaluatedDecision(
        decisionKey=d.get("decisionDefinitionKey") or 0,
        decisionId=d.get("decisionDefinitionId") or "",
        decisionName=d.get("decisionDefinitionName") or "",
        decisionVersion=d.get("decisionDefinitionVersion") or 0,
        decisionType=d.get("decisionDefinitionType") or "",
        decisionOutput=json_text(d.get("output")),
        matchedRules=[
            pb.MatchedDecisionRule(
                ruleId=r.get("ruleId") or "",
                ruleIndex=r.get("ruleIndex") or 0,
                evaluatedOutputs=[
                    pb.EvaluatedDecisionOutput(
                        outputId=o.get("outputId") or "",
                        outputName=o.get("outputName") or "",
                        outputValue=json_text(o.get("outputValue")),
                    )
                    for o in r.get("evaluatedOutputs", ())
                ],
            )
            for r in d.get("matchedRules", ())
        ],
        evaluatedInputs=[
            pb.EvaluatedDecisionInput(
                inputId=i.get("inputId") or "",
                inputName=i.get("inputName") or "",
                inputValue=json_text(i.get("inputValue")),
            )
            for i in d.get("evaluatedInputs", ())
        ],
        tenantId=DEFAULT_TENANT,
    )


def topology(version: str, host: str, port: int) -> Any:
    """A single-node cluster: one broker leading the only partition."""
    partition = pb.Partition(
        partitionId=1,
        role=pb.Partition.PartitionBrokerRole.LEADER,
        health=pb.Partition.PartitionBrokerHealth.HEALTHY,
    )
    broker = pb.BrokerInfo(nodeId=0, host=host, port=port, partitions=[partition], version=version)
    return pb.TopologyResponse(
        brokers=[broker], clusterSize=1, partitionsCount=1, replicationFactor=1, gatewayVersion=version
    )
