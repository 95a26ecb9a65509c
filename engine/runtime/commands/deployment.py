"""Deploying BPMN, DMN and forms; versions, duplicates, deletion."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from engine.bpmn import BpmnParseError, Element, EventType, parse_bpmn
from engine.dmn import DmnParseError, parse_dmn
from engine.runtime.base import EngineBase
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.errors import Rejection
from engine.runtime.processor import Processor
from engine.runtime.state import (
    DecisionDefinition,
    DecisionRequirements,
    FormDefinition,
    ProcessDefinition,
)
from engine.store import schema


@dataclass
class DeployedResource:
    kind: str  # process | decision | decisionRequirements | form
    data: dict[str, Any]


@dataclass
class Deployment:
    key: int
    resources: list[DeployedResource] = field(default_factory=list)


class DeploymentCommands(EngineBase):
    async def deploy(self, resources: list[tuple[str, bytes]]) -> Deployment:
        return await self.execute(lambda ctx, p: self._deploy(ctx, p, resources))

    def _deploy(self, ctx: Ctx, p: Processor, resources: list[tuple[str, bytes]]) -> Deployment:
        if not resources:
            raise Rejection(
                "CREATE", "INVALID_ARGUMENT", "Expected to deploy at least one resource, but none given"
            )
        errors: list[str] = []
        parsed: list[tuple[str, str, bytes, Any]] = []
        for name, content in resources:
            try:
                if name.endswith((".bpmn", ".xml")):
                    parsed.append(("bpmn", name, content, parse_bpmn(content, name)))
                elif name.endswith(".dmn"):
                    parsed.append(("dmn", name, content, parse_dmn(content, name, dialect="camunda")))
                elif name.endswith(".form"):
                    form = json.loads(content)
                    if not isinstance(form, dict) or not isinstance(form.get("id"), str) or not form["id"]:
                        raise ValueError("Expected the form to have an 'id', but none found")
                    parsed.append(("form", name, content, form))
                else:
                    errors.append(f"'{name}': unknown resource type")
            except BpmnParseError as e:
                errors.append(str(e))
            except DmnParseError as e:
                errors.append(f"'{name}': {e}")
            except ValueError as e:
                errors.append(f"'{name}': {e}")
        if errors:
            raise Rejection(
                "CREATE",
                "INVALID_ARGUMENT",
                "Expected to deploy new resources, but encountered the following errors:\n"
                + "\n".join(errors),
            )
        deployment = Deployment(ctx.key())
        out = deployment.resources
        for kind, name, content, model in parsed:
            checksum = hashlib.md5(content).hexdigest()
            if kind == "bpmn":
                for process in model:
                    out.append(
                        DeployedResource(
                            "process", self._deploy_process(ctx, p, deployment, name, checksum, process)
                        )
                    )
            elif kind == "dmn":
                out.extend(self._deploy_dmn(ctx, deployment, name, checksum, content, model))
            else:
                out.append(
                    DeployedResource(
                        "form", self._deploy_form(ctx, deployment, name, checksum, content, model)
                    )
                )
        order = {"process": 0, "decision": 1, "decisionRequirements": 2, "form": 3}
        out.sort(key=lambda r: order[r.kind])
        ctx.record(
            "DEPLOYMENT",
            "CREATED",
            deployment.key,
            {"resources": [r.data for r in out], "tenantId": DEFAULT_TENANT},
        )
        return deployment

    def _resource_row(
        self,
        key: int,
        kind: str,
        rid: str,
        name: str | None,
        version: int,
        resource_name: str,
        checksum: str,
        deployment: Deployment,
        content: bytes,
        version_tag: str | None = None,
    ) -> dict[str, Any]:
        return {
            "key": key,
            "kind": kind,
            "resource_id": rid,
            "name": name,
            "version": version,
            "version_tag": version_tag,
            "resource_name": resource_name,
            "checksum": checksum,
            "deployment_key": deployment.key,
            "content": content,
            "deleted": False,
            "tenant_id": DEFAULT_TENANT,
        }

    def _deploy_process(
        self, ctx: Ctx, p: Processor, deployment: Deployment, name: str, checksum: str, model: Any
    ) -> dict[str, Any]:
        latest = self.state.latest_process(model.bpmn_process_id)
        if (
            latest is not None
            and latest.model.resource_name == name
            and latest.model.checksum == model.checksum
        ):
            d = latest
        else:
            version = (
                max(
                    (x.version for x in self.state.definitions_by_id.get(model.bpmn_process_id, ())),
                    default=0,
                )
                + 1
            )
            d = ProcessDefinition(ctx.key(), model, version, deployment.key, DEFAULT_TENANT)
            self.register_process(d)
            ctx.batch.upsert(
                schema.resources,
                self._resource_row(
                    d.key,
                    "PROCESS",
                    model.bpmn_process_id,
                    model.name,
                    version,
                    name,
                    checksum,
                    deployment,
                    model.xml,
                    model.version_tag,
                ),
            )
            self._start_events_changed(ctx, p, d, latest)
        data = {
            "bpmnProcessId": d.bpmn_process_id,
            "version": d.version,
            "processDefinitionKey": d.key,
            "resourceName": name,
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("PROCESS", "CREATED", d.key, data)
        return data

    def register_process(self, d: ProcessDefinition) -> None:
        self.state.definitions[d.key] = d
        self.state.definitions_by_id[d.bpmn_process_id].append(d)
        self._index_message_starts()

    def _index_message_starts(self) -> None:
        index: dict[str, list[tuple[ProcessDefinition, Element]]] = {}
        for pid in self.state.definitions_by_id:
            d = self.state.latest_process(pid)
            if d is None:
                continue
            for start in d.model.start_events(d.bpmn_process_id):
                if start.event_type is EventType.MESSAGE and start.message is not None:
                    index.setdefault(start.message.name.text, []).append((d, start))
        self._message_starts = index

    def _start_events_changed(
        self, ctx: Ctx, p: Processor, d: ProcessDefinition, previous: ProcessDefinition | None
    ) -> None:
        """A new version replaces the previous version's timer start events."""
        for timer in list(self.state.timers.values()):
            if timer.element_instance is None and previous is not None and timer.definition is previous:
                p.close_timer(timer)
        for start in d.model.start_events(d.bpmn_process_id):
            if start.event_type is EventType.TIMER and start.timer is not None:
                p.open_timer(None, start, d)
                self.schedule_changed()

    def _deploy_dmn(
        self, ctx: Ctx, deployment: Deployment, name: str, checksum: str, content: bytes, model: Any
    ) -> list[DeployedResource]:
        drg_id = model.id
        latest = next((g for g in reversed(self.state.drgs_by_id.get(drg_id, ())) if not g.deleted), None)
        if (
            latest is not None
            and latest.resource_name == name
            and hashlib.md5(latest.xml).hexdigest() == checksum
        ):
            drg = latest
            decisions = [d for d in self.state.decisions.values() if d.drg is drg]
        else:
            version = max((g.version for g in self.state.drgs_by_id.get(drg_id, ())), default=0) + 1
            drg = DecisionRequirements(ctx.key(), drg_id, model.name, version, name, model, content)
            ctx.batch.upsert(
                schema.resources,
                self._resource_row(
                    drg.key,
                    "DECISION_REQUIREMENTS",
                    drg_id,
                    model.name,
                    version,
                    name,
                    checksum,
                    deployment,
                    content,
                ),
            )
            decisions = []
            for decision in model.decisions.values():
                dv = max((x.version for x in self.state.decisions_by_id.get(decision.id, ())), default=0) + 1
                dd = DecisionDefinition(ctx.key(), decision.id, decision.name, dv, drg)
                decisions.append(dd)
                ctx.batch.upsert(
                    schema.decisions,
                    {
                        "key": dd.key,
                        "decision_id": dd.decision_id,
                        "name": dd.name,
                        "version": dv,
                        "decision_requirements_key": drg.key,
                        "decision_requirements_id": drg_id,
                        "deleted": False,
                        "tenant_id": DEFAULT_TENANT,
                    },
                )
            self.register_drg(drg, decisions)
        out = []
        for dd in decisions:
            data = {
                "dmnDecisionId": dd.decision_id,
                "dmnDecisionName": dd.name or "",
                "version": dd.version,
                "decisionKey": dd.key,
                "dmnDecisionRequirementsId": drg.drg_id,
                "decisionRequirementsKey": drg.key,
                "tenantId": DEFAULT_TENANT,
            }
            ctx.record("DECISION", "CREATED", dd.key, data)
            out.append(DeployedResource("decision", data))
        data = {
            "dmnDecisionRequirementsId": drg.drg_id,
            "dmnDecisionRequirementsName": drg.name or "",
            "version": drg.version,
            "decisionRequirementsKey": drg.key,
            "resourceName": name,
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("DECISION_REQUIREMENTS", "CREATED", drg.key, data)
        out.append(DeployedResource("decisionRequirements", data))
        return out

    def register_drg(self, drg: DecisionRequirements, decisions: list[DecisionDefinition]) -> None:
        self.state.drgs[drg.key] = drg
        self.state.drgs_by_id[drg.drg_id].append(drg)
        for dd in decisions:
            self.state.decisions[dd.key] = dd
            self.state.decisions_by_id[dd.decision_id].append(dd)

    def _deploy_form(
        self, ctx: Ctx, deployment: Deployment, name: str, checksum: str, content: bytes, form: dict[str, Any]
    ) -> dict[str, Any]:
        form_id = form["id"]
        latest = self.state.latest_form(form_id)
        if (
            latest is not None
            and latest.resource_name == name
            and hashlib.md5(latest.schema.encode()).hexdigest() == checksum
        ):
            f = latest
        else:
            version = max((x.version for x in self.state.forms_by_id.get(form_id, ())), default=0) + 1
            f = FormDefinition(ctx.key(), form_id, version, name, content.decode("utf-8"))
            self.register_form(f)
            ctx.batch.upsert(
                schema.resources,
                self._resource_row(
                    f.key, "FORM", form_id, None, version, name, checksum, deployment, content
                ),
            )
        data = {
            "formId": f.form_id,
            "version": f.version,
            "formKey": f.key,
            "resourceName": name,
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("FORM", "CREATED", f.key, data)
        return data

    def register_form(self, f: FormDefinition) -> None:
        self.state.forms[f.key] = f
        self.state.forms_by_id[f.form_id].append(f)

    async def delete_resource(self, key: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            d = self.state.definitions.get(key)
            if d is not None and not d.deleted:
                for ei in [
                    e for e in self.state.element_instances.values() if e.is_process and e.definition is d
                ]:
                    p.terminate(ei)
                d.deleted = True
                self._index_message_starts()
                for timer in [t for t in self.state.timers.values() if t.definition is d]:
                    p.close_timer(timer)
                ctx.record(
                    "PROCESS",
                    "DELETED",
                    key,
                    {
                        "bpmnProcessId": d.bpmn_process_id,
                        "version": d.version,
                        "processDefinitionKey": key,
                        "tenantId": DEFAULT_TENANT,
                    },
                )
                self._mark_deleted(ctx, key)
                return
            drg = self.state.drgs.get(key)
            if drg is not None and not drg.deleted:
                drg.deleted = True
                for dd in self.state.decisions.values():
                    if dd.drg is drg:
                        dd.deleted = True
                        ctx.batch.updates.append((schema.decisions, dd.key, {"deleted": True}))
                ctx.record(
                    "DECISION_REQUIREMENTS",
                    "DELETED",
                    key,
                    {"decisionRequirementsKey": key, "tenantId": DEFAULT_TENANT},
                )
                self._mark_deleted(ctx, key)
                return
            form = self.state.forms.get(key)
            if form is not None and not form.deleted:
                form.deleted = True
                ctx.record("FORM", "DELETED", key, {"formKey": key, "tenantId": DEFAULT_TENANT})
                self._mark_deleted(ctx, key)
                return
            raise Rejection(
                "DELETE", "NOT_FOUND", f"Expected to delete resource but no resource found with key `{key}`"
            )

        await self.execute(command)

    def _mark_deleted(self, ctx: Ctx, key: int) -> None:
        ctx.batch.updates.append((schema.resources, key, {"deleted": True}))
