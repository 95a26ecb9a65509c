"""The case page: the path taken and where it waits, history, variables, incidents (Retry), DMN evaluations,
approvals, documents, the audit trail with its hash chain checked.

Who sees what: managers and the international assistance team see the whole case; any other approver sees a
case only once it has (had) a task for one of their groups, and then without the engine's internals
(variables, incidents, decisions) or the audit trail.
"""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from web.auth import Csrf, CurrentUser, Manager, User
from web.camunda import JSON, Camunda, CamundaError
from web.deps import CamundaDep, CasesDep, SettingsDep, blocking, render
from web.operations import element_counts, instance_of
from web.readmodel import CaseFile

router = APIRouter(tags=["cases"])
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"


@dataclass(frozen=True)
class Access:
    full: bool  # variables, incidents, decisions, consultations, audit trail
    retry: bool


async def _tasks_of_case(cm: Camunda, request_id: str) -> list[JSON]:
    """Every user task (open or done) of the case, in the main process and its call activities."""
    return await cm.search(
        "user-tasks", {"processInstanceVariables": [{"name": "requestId", "value": json.dumps(request_id)}]}
    )


async def access(user: User, cm: Camunda, request_id: str) -> Access:
    if user.is_manager:
        return Access(full=True, retry=True)
    if user.is_casework:
        return Access(full=True, retry=False)
    if any(user.may_work_on(t.get("candidateGroups")) for t in await _tasks_of_case(cm, request_id)):
        return Access(full=False, retry=False)
    # the same answer as for a case that does not exist: a stranger learns nothing, not even that it exists
    raise HTTPException(404, f"No case {request_id}.")


async def _case(cases: Any, request_id: str) -> CaseFile:
    found: CaseFile | None = await blocking(cases.case_file, request_id)
    if found is None:
        raise HTTPException(404, f"No case {request_id}.")
    return found


async def _instances(cm: Camunda, root: JSON) -> list[JSON]:
    """The main instance and the instances its call activities started (one level: the OSJA assessment)."""
    children = await cm.search("process-instances", {"parentProcessInstanceKey": root["processInstanceKey"]})
    return [root, *children]


def _decisions_of(xml: str) -> dict[str, tuple[str, str]]:
    """businessRuleTask id -> (decisionId, resultVariable), from the deployed BPMN."""
    out: dict[str, tuple[str, str]] = {}
    for task in ET.fromstring(xml).iter(f"{_BPMN}businessRuleTask"):
        called = task.find(f".//{_ZEEBE}calledDecision")
        if called is not None:
            out[task.get("id", "")] = (called.get("decisionId", ""), called.get("resultVariable", ""))
    return out


async def _recorded(cm: Camunda, instances: list[JSON], history: list[JSON]) -> list[JSON] | None:
    """The evaluations as the engine recorded them (`/decision-instances`), one entry per business rule task
    evaluation with its decisions (a DRG evaluates several); None where the engine lacks the endpoint."""
    found: list[JSON] = []
    for pi in instances:
        items = await cm.decision_instances(str(pi["processInstanceKey"]))
        if items is None:
            return None
        found.extend(items)
    # the search answers without inputs and matched rules: those come with each instance
    details = await asyncio.gather(
        *(cm.decision_instance(str(d["decisionEvaluationInstanceKey"])) for d in found)
    )
    element_ids = {str(h["elementInstanceKey"]): h["elementId"] for h in history}
    evaluations: dict[str, JSON] = {}
    for d in sorted((d for d in details if d), key=lambda d: (d["evaluationDate"], _ordinal(d))):
        ev = evaluations.setdefault(
            str(d["decisionEvaluationKey"]),
            {
                "elementId": element_ids.get(str(d.get("elementInstanceKey")), ""),
                "decisionDefinitionId": d["decisionDefinitionId"],
                "evaluationDate": d["evaluationDate"],
                "evaluatedDecisions": [],
                "failureMessage": None,
            },
        )
        ev["evaluatedDecisions"].append(d)
        if d.get("state") == "FAILED":
            ev["failureMessage"] = d.get("evaluationFailure")
    return list(evaluations.values())


def _ordinal(d: JSON) -> int:
    """The place of a decision in its evaluation: the key's suffix (`<evaluation key>-<n>`)."""
    _, _, n = str(d["decisionEvaluationInstanceKey"]).rpartition("-")
    return int(n) if n.isdigit() else 0


async def _evaluations(cm: Camunda, instances: list[JSON], history: list[JSON]) -> tuple[list[JSON], str]:
    """The DMN evaluations with their matched rules. Camunda 8.8 records them (`/decision-instances`); where an
    engine lacks the endpoint the decisions are evaluated again with the instance's current variables (and
    the page says so)."""
    recorded = await _recorded(cm, instances, history)
    if recorded is not None:
        return recorded, "decision-instances"
    out: list[JSON] = []
    for pi in instances:
        pi_key = str(pi["processInstanceKey"])
        tasks = _decisions_of(await cm.process_xml(str(pi["processDefinitionKey"])))
        done = [
            h
            for h in history
            if str(h["processInstanceKey"]) == pi_key
            and h["elementId"] in tasks
            and h["state"] == "COMPLETED"
        ]
        if not done:
            continue
        variables = {k: json.loads(v) for k, v in (await cm.variables(pi_key)).items()}
        for h in done:
            decision_id, result_variable = tasks[h["elementId"]]
            try:
                result = await cm.evaluate_decision(decision_id, variables)
            except CamundaError as e:
                out.append(
                    {
                        "elementId": h["elementId"],
                        "decisionDefinitionId": decision_id,
                        "failureMessage": e.detail,
                    }
                )
                continue
            out.append({"elementId": h["elementId"], "resultVariable": result_variable, **result})
    return out, "re-evaluated"


@router.get("/cases/{request_id}")
async def case_page(
    request: Request,
    request_id: str,
    user: CurrentUser,
    cases: CasesDep,
    cm: CamundaDep,
    settings: SettingsDep,
) -> Response:
    case = await _case(cases, request_id)
    allowed = await access(user, cm, request_id)
    instance = await instance_of(cm, request_id, settings.process_id, case.case.process_instance_key)
    history: list[JSON] = []
    incidents: list[JSON] = []
    variables: dict[str, str] = {}
    evaluations: list[JSON] = []
    evaluation_source = ""
    if instance is not None:
        instances = await _instances(cm, instance)
        for pi in instances:
            history.extend(
                await cm.search(
                    "element-instances",
                    {"processInstanceKey": pi["processInstanceKey"]},
                    [{"field": "startDate", "order": "ASC"}],
                )
            )
        if allowed.full:
            for pi in instances:
                incidents.extend(
                    await cm.search(
                        "incidents", {"processInstanceKey": pi["processInstanceKey"], "state": "ACTIVE"}
                    )
                )
            variables = await cm.variables(str(instance["processInstanceKey"]))
            evaluations, evaluation_source = await _evaluations(cm, instances, history)
    if not allowed.full:
        case.audit, case.consultations = [], []
    return render(
        request,
        "case.html",
        case=case,
        access=allowed,
        instance=instance,
        history=history,
        incidents=incidents,
        variables=variables,
        evaluations=evaluations,
        evaluation_source=evaluation_source,
        poll_seconds=settings.poll_seconds,
    )


@router.get("/api/cases/{request_id}/diagram")
async def case_diagram(
    request_id: str, user: CurrentUser, cases: CasesDep, cm: CamundaDep, settings: SettingsDep
) -> Response:
    """XML and per-element states of the case's main instance, and the flows taken, for the viewer."""
    case = await _case(cases, request_id)
    await access(user, cm, request_id)
    instance = await instance_of(cm, request_id, settings.process_id, case.case.process_instance_key)
    if instance is None:
        return JSONResponse({"detail": "The process has not started yet."}, status_code=404)
    pi, key = str(instance["processInstanceKey"]), str(instance["processDefinitionKey"])
    counts, source = await element_counts(cm, key, {"processInstanceKey": pi})
    return JSONResponse(
        {
            "xml": await cm.process_xml(key),
            "elements": counts,
            "source": source,
            "flows": await cm.sequence_flows(pi),
            "state": instance.get("state"),
        }
    )


@router.get("/api/decisions/{decision_key}/xml")
async def decision_xml(decision_key: str, user: CurrentUser, cm: CamundaDep) -> Response:
    if not (user.is_manager or user.is_casework):
        raise HTTPException(403, "Decisions are shown to managers and the international assistance team.")
    return Response(await cm.decision_xml(decision_key), media_type="text/xml")


@router.get("/cases/{request_id}/documents/{doc_id}")
async def document(
    request_id: str, doc_id: int, user: CurrentUser, cases: CasesDep, cm: CamundaDep
) -> Response:
    await access(user, cm, request_id)
    found = await blocking(cases.document, request_id, doc_id)
    if found is None:
        raise HTTPException(404, "No such document.")
    name, media_type, data = found
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "._-") or "document"
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{safe}"'}
    )


@router.post("/cases/{request_id}/incidents/{incident_key}/retry", dependencies=[Csrf])
async def retry(
    request_id: str, incident_key: str, user: Manager, cm: CamundaDep, cases: CasesDep, settings: SettingsDep
) -> Response:
    """Operate's Retry: give the job its retries back, then resolve the incident."""
    case = await _case(cases, request_id)
    incident = await cm.incident(incident_key)
    instance = await instance_of(cm, request_id, settings.process_id, case.case.process_instance_key)
    keys = {str(pi["processInstanceKey"]) for pi in await _instances(cm, instance)} if instance else set()
    if incident is None or str(incident.get("processInstanceKey")) not in keys:
        raise HTTPException(404, "No such incident on this case.")
    await cm.resolve_incident(incident)
    return RedirectResponse(f"/cases/{request_id}#incidents", status_code=303)
