"""`gateway_protocol.Gateway` on grpc.aio: each RPC translates its request into one engine call.

Requests are validated the way Zeebe's gateway does (tenants, variable documents) before they reach the
engine; engine failures become statuses in `errors.mapped`. `authorization` metadata is never looked at:
OAuth-configured clients send it, and the embedded engine has no identity provider to check it against.
"""

from __future__ import annotations

from typing import Any

import grpc

from engine.gateway import convert
from engine.gateway.errors import Context, mapped
from engine.gateway.jobs import STREAM_SLICE_MS, JobDelivery, wait_limit
from engine.gateway.proto import pb, pb_grpc
from engine.runtime.documents import DEFAULT_TENANT, check_tenant, parse_document
from engine.runtime.engine import VERSION, Engine

#: CreateProcessInstanceWithResult waits this long when the request names no timeout (Zeebe's default)
DEFAULT_REQUEST_TIMEOUT_MS = 15_000
#: the broker address Topology reports (Zeebe's default command port)
BROKER_HOST, BROKER_PORT = "0.0.0.0", 26501


class GatewayServicer(pb_grpc.GatewayServicer):
    def __init__(self, engine: Engine, host: str = BROKER_HOST, port: int = BROKER_PORT) -> None:
        self.engine = engine
        self.host, self.port = host, port
        self.jobs = JobDelivery(engine)

    # -- cluster -----------------------------------------------------------------------------------------
    @mapped
    async def Topology(self, request: Any, context: Context) -> Any:
        return convert.topology(VERSION, self.host, self.port)

    # -- deployments -------------------------------------------------------------------------------------
    @mapped
    async def DeployResource(self, request: Any, context: Context) -> Any:
        check_tenant(request.tenantId, "DeployResource")
        deployment = await self.engine.deploy([(r.name, bytes(r.content)) for r in request.resources])
        return convert.deployment_response(deployment)

    @mapped
    async def DeployProcess(self, request: Any, context: Context) -> Any:
        # deprecated since 8.0 but still what `zbctl deploy <file>` sends
        deployment = await self.engine.deploy([(p.name, bytes(p.definition)) for p in request.processes])
        return convert.deploy_process_response(deployment)

    @mapped
    async def DeleteResource(self, request: Any, context: Context) -> Any:
        await self.engine.delete_resource(request.resourceKey)
        return pb.DeleteResourceResponse()

    # -- process instances -------------------------------------------------------------------------------
    @mapped
    async def CreateProcessInstance(self, request: Any, context: Context) -> Any:
        created = await self._create(request, "CreateProcessInstance")
        return pb.CreateProcessInstanceResponse(**created)

    @mapped
    async def CreateProcessInstanceWithResult(self, request: Any, context: Context) -> Any:
        timeout_ms = request.requestTimeout if request.requestTimeout > 0 else DEFAULT_REQUEST_TIMEOUT_MS
        limit = wait_limit(context)
        if limit is not None:
            # answer DEADLINE_EXCEEDED ourselves rather than let the client's deadline cut the call
            timeout_ms = max(1, min(timeout_ms, int(limit * 1000)))
        result = await self._create(
            request.request,
            "CreateProcessInstanceWithResult",
            await_result=True,
            fetch_variables=list(request.fetchVariables),
            request_timeout_ms=timeout_ms,
        )
        result["variables"] = convert.document(result.get("variables"))
        return pb.CreateProcessInstanceWithResultResponse(**result)

    async def _create(self, request: Any, rpc: str, **options: Any) -> dict[str, Any]:
        check_tenant(request.tenantId, rpc)
        variables = parse_document(request.variables)
        created = await self.engine.create_process_instance(
            bpmn_process_id=request.bpmnProcessId or None,
            version=request.version,
            key=request.processDefinitionKey,
            variables=variables,
            start_instructions=[s.elementId for s in request.startInstructions],
            **options,
        )
        return {**created, "tenantId": DEFAULT_TENANT}

    @mapped
    async def CancelProcessInstance(self, request: Any, context: Context) -> Any:
        await self.engine.cancel_process_instance(request.processInstanceKey)
        return pb.CancelProcessInstanceResponse()

    @mapped
    async def ModifyProcessInstance(self, request: Any, context: Context) -> Any:
        activate = [
            (
                a.elementId,
                a.ancestorElementInstanceKey,
                [(v.scopeId, parse_document(v.variables)) for v in a.variableInstructions],
            )
            for a in request.activateInstructions
        ]
        terminate = [t.elementInstanceKey for t in request.terminateInstructions]
        await self.engine.modify_process_instance(request.processInstanceKey, activate, terminate)
        return pb.ModifyProcessInstanceResponse()

    async def MigrateProcessInstance(self, request: Any, context: Context) -> Any:
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "Process instance migration is not supported by the embedded engine; "
            "cancel the instance and start one of the target process instead",
        )

    @mapped
    async def SetVariables(self, request: Any, context: Context) -> Any:
        variables = parse_document(request.variables)
        key = await self.engine.set_variables(request.elementInstanceKey, variables, request.local)
        return pb.SetVariablesResponse(key=key)

    @mapped
    async def ResolveIncident(self, request: Any, context: Context) -> Any:
        await self.engine.resolve_incident(request.incidentKey)
        return pb.ResolveIncidentResponse()

    # -- jobs --------------------------------------------------------------------------------------------
    @mapped
    async def ActivateJobs(self, request: Any, context: Context) -> None:
        for tenant in request.tenantIds:
            check_tenant(tenant, "ActivateJobs")
        jobs = await self.jobs.activate(
            job_type=request.type,
            worker=request.worker,
            timeout_ms=request.timeout,
            max_jobs=request.maxJobsToActivate,
            fetch_variables=list(request.fetchVariable) or None,
            request_timeout_ms=request.requestTimeout,
            wait_limit_s=wait_limit(context),
        )
        # zero messages then OK is how a long poll that found nothing ends
        await self.jobs.write_batches(context, jobs)

    @mapped
    async def StreamActivatedJobs(self, request: Any, context: Context) -> None:
        for tenant in request.tenantIds:
            check_tenant(tenant, "StreamActivatedJobs")
        while True:
            limit = wait_limit(context)
            if limit is not None and limit <= 0:
                return  # end with OK before the client's deadline; clients reopen the stream
            jobs = await self.jobs.activate(
                job_type=request.type,
                worker=request.worker,
                timeout_ms=request.timeout,
                max_jobs=1,
                fetch_variables=list(request.fetchVariable) or None,
                request_timeout_ms=STREAM_SLICE_MS,
                wait_limit_s=limit,
            )
            await self.jobs.write_each(context, jobs)

    @mapped
    async def CompleteJob(self, request: Any, context: Context) -> Any:
        await self.engine.complete_job(request.jobKey, parse_document(request.variables))
        return pb.CompleteJobResponse()

    @mapped
    async def FailJob(self, request: Any, context: Context) -> Any:
        variables = parse_document(request.variables)
        await self.engine.fail_job(
            request.jobKey, request.retries, request.errorMessage, request.retryBackOff, variables
        )
        return pb.FailJobResponse()

    @mapped
    async def ThrowError(self, request: Any, context: Context) -> Any:
        variables = parse_document(request.variables)
        await self.engine.throw_error(request.jobKey, request.errorCode, request.errorMessage, variables)
        return pb.ThrowErrorResponse()

    @mapped
    async def UpdateJobRetries(self, request: Any, context: Context) -> Any:
        await self.engine.update_job_retries(request.jobKey, request.retries)
        return pb.UpdateJobRetriesResponse()

    @mapped
    async def UpdateJobTimeout(self, request: Any, context: Context) -> Any:
        await self.engine.update_job_timeout(request.jobKey, request.timeout)
        return pb.UpdateJobTimeoutResponse()

    # -- messages, signals, decisions --------------------------------------------------------------------
    @mapped
    async def PublishMessage(self, request: Any, context: Context) -> Any:
        check_tenant(request.tenantId, "PublishMessage")
        key = await self.engine.publish_message(
            request.name,
            request.correlationKey,
            request.timeToLive,
            request.messageId,
            parse_document(request.variables),
        )
        return pb.PublishMessageResponse(key=key, tenantId=DEFAULT_TENANT)

    @mapped
    async def BroadcastSignal(self, request: Any, context: Context) -> Any:
        check_tenant(request.tenantId, "BroadcastSignal")
        key = await self.engine.broadcast_signal(request.signalName, parse_document(request.variables))
        return pb.BroadcastSignalResponse(key=key, tenantId=DEFAULT_TENANT)

    @mapped
    async def EvaluateDecision(self, request: Any, context: Context) -> Any:
        check_tenant(request.tenantId, "EvaluateDecision")
        variables = parse_document(request.variables)
        # an evaluation failure is an answer (failedDecisionId / failureMessage), not a status
        result = await self.engine.evaluate_decision(
            request.decisionId or None, request.decisionKey if not request.decisionId else None, variables
        )
        return convert.evaluate_decision_response(result)
