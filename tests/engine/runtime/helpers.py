"""Test harness for the runtime: Camunda 8 BPMN built inline (with generated BPMNDI) and an engine wrapper.

The wrapper only reads what a user of the engine could see: records, the store's tables and the live state.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from engine.runtime.engine import Engine
from engine.store import schema

DIAGRAMS = Path(__file__).parent / "diagrams"

#: a fixed epoch (2024-01-01T00:00:00Z) the clock is pinned to, so timers are deterministic
T0 = 1_704_067_200_000

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "modeler": "http://camunda.org/schema/modeler/1.0",
}
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="{bpmn}" xmlns:bpmndi="{bpmndi}" xmlns:dc="{dc}" xmlns:di="{di}" '
    'xmlns:zeebe="{zeebe}" xmlns:modeler="{modeler}" id="Definitions_{pid}" '
    'targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.30.0" '
    'modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">\n'
)
_FLOW_NODE_TAGS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "userTask",
    "manualTask",
    "scriptTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}


def bpmn(body: str, pid: str = "p", extra: str = "") -> bytes:
    """A Camunda 8 BPMN document with one executable process `pid` holding `body`, plus `extra` root
    elements (messages, errors); a BPMNDI diagram is generated so Modeler can open it."""
    head = HEAD.format(pid=pid, **NS)
    text = f'{head}<bpmn:process id="{pid}" isExecutable="true">\n{body}\n</bpmn:process>\n{extra}\n'
    return (text + _diagram(text + "</bpmn:definitions>", pid) + "</bpmn:definitions>\n").encode()


def _diagram(text: str, pid: str) -> str:
    """Shapes for every flow node (a simple grid, nested scopes below) and edges for every flow."""
    root = ET.fromstring(text.encode())
    process = root.find(f"bpmn:process[@id='{pid}']", NS)
    assert process is not None
    bounds: dict[str, tuple[int, int, int, int]] = {}
    shapes: list[str] = []
    edges: list[str] = []
    row = [0]

    def walk(scope: ET.Element, y: int) -> None:
        x = 150
        for node in scope:
            tag = node.tag.split("}", 1)[1]
            node_id = node.get("id", "")
            if tag in _FLOW_NODE_TAGS:
                if tag.endswith("Event"):
                    w = h = 36
                elif tag.endswith("Gateway"):
                    w = h = 50
                else:
                    w, h = 100, 80
                if tag == "subProcess":
                    row[0] += 1
                    inner_y = y + 200 * row[0]
                    walk(node, inner_y)
                    w, h = 350, 200
                bounds[node_id] = (x, y, w, h)
                extra = ' isExpanded="true"' if tag == "subProcess" else ""
                shapes.append(
                    f'<bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}"{extra}>'
                    f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>'
                )
                x += w + 60
        for node in scope:
            if node.tag.endswith("}sequenceFlow"):
                s = bounds.get(node.get("sourceRef", ""), (0, 0, 0, 0))
                t = bounds.get(node.get("targetRef", ""), (0, 0, 0, 0))
                edges.append(
                    f'<bpmndi:BPMNEdge id="{node.get("id")}_di" bpmnElement="{node.get("id")}">'
                    f'<di:waypoint x="{s[0] + s[2]}" y="{s[1] + s[3] // 2}" />'
                    f'<di:waypoint x="{t[0]}" y="{t[1] + t[3] // 2}" /></bpmndi:BPMNEdge>'
                )

    walk(process, 100)
    return (
        f'<bpmndi:BPMNDiagram id="BPMNDiagram_{pid}"><bpmndi:BPMNPlane id="BPMNPlane_{pid}" bpmnElement="{pid}">'
        + "".join(shapes)
        + "".join(edges)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n"
    )


# -- element snippets ------------------------------------------------------------------------------------------


def ext(*parts: str) -> str:
    return f"<bpmn:extensionElements>{''.join(parts)}</bpmn:extensionElements>"


def io(inputs: list[tuple[str, str]] = (), outputs: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    """`zeebe:ioMapping` from (source, target) pairs."""
    body = "".join(f'<zeebe:input source="{s}" target="{t}" />' for s, t in inputs)
    body += "".join(f'<zeebe:output source="{s}" target="{t}" />' for s, t in outputs)
    return f"<zeebe:ioMapping>{body}</zeebe:ioMapping>"


def service(
    task_id: str, job_type: str = "work", *more: str, retries: str | None = None, inner: str = ""
) -> str:
    r = f' retries="{retries}"' if retries is not None else ""
    definition = f'<zeebe:taskDefinition type="{job_type}"{r} />'
    return f'<bpmn:serviceTask id="{task_id}">{ext(definition, *more)}{inner}</bpmn:serviceTask>'


def flow(source: str, target: str, flow_id: str | None = None, cond: str | None = None) -> str:
    fid = flow_id or f"{source}_to_{target}"
    if cond is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}" />'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{cond}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


def chain(*ids: str) -> str:
    return "".join(flow(a, b) for a, b in zip(ids, ids[1:], strict=False))


def start(start_id: str = "start", inner: str = "") -> str:
    return f'<bpmn:startEvent id="{start_id}">{inner}</bpmn:startEvent>'


def end(end_id: str = "end", inner: str = "") -> str:
    return f'<bpmn:endEvent id="{end_id}">{inner}</bpmn:endEvent>'


def message(msg_id: str, name: str, key: str | None = None) -> str:
    sub = ext(f'<zeebe:subscription correlationKey="{key}" />') if key is not None else ""
    return f'<bpmn:message id="{msg_id}" name="{name}">{sub}</bpmn:message>'


def error(error_id: str, code: str | None) -> str:
    attr = f' errorCode="{code}"' if code is not None else ""
    return f'<bpmn:error id="{error_id}" name="{error_id}"{attr} />'


def timer(kind: str, value: str) -> str:
    return (
        '<bpmn:timerEventDefinition xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{value}</bpmn:{kind}></bpmn:timerEventDefinition>'
    )


def simple(*nodes: str, extra_flows: str = "") -> str:
    """start -> nodes... -> end, chained in order (nodes are raw XML whose first attribute is id)."""
    ids = ["start"] + [n.split('id="', 1)[1].split('"', 1)[0] for n in nodes] + ["end"]
    return start() + "".join(nodes) + end() + chain(*ids) + extra_flows


# -- the engine, seen from outside -----------------------------------------------------------------------------


class Harness:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def deploy(self, xml: bytes, name: str = "process.bpmn") -> dict[str, Any]:
        deployment = await self.engine.deploy([(name, xml)])
        return deployment.resources[0].data

    async def start(self, pid: str = "p", **variables: Any) -> int:
        created = await self.engine.create_process_instance(bpmn_process_id=pid, variables=variables)
        return int(created["processInstanceKey"])

    async def jobs(
        self,
        job_type: str = "work",
        fetch: list[str] | None = None,
        timeout_ms: int = 60_000,
        max_jobs: int = 10,
    ) -> list[dict[str, Any]]:
        return await self.engine.activate_jobs(
            job_type, "tester", timeout_ms, max_jobs, fetch, request_timeout_ms=-1
        )

    async def job(self, job_type: str = "work", **kw: Any) -> dict[str, Any]:
        jobs = await self.jobs(job_type, **kw)
        assert len(jobs) == 1, f"expected one job of type {job_type!r}, got {jobs}"
        return jobs[0]

    async def complete(self, job_type: str = "work", **variables: Any) -> dict[str, Any]:
        job = await self.job(job_type)
        await self.engine.complete_job(job["key"], variables)
        return job

    async def clock(self, offset_ms: int) -> None:
        """Move the pinned clock to T0 + offset and fire what is due."""
        await self.engine.set_clock(T0 + offset_ms)

    # -- reading ---------------------------------------------------------------------------------------------
    def records(
        self, value_type: str | None = None, intent: str | None = None, pi: int | None = None
    ) -> list[dict[str, Any]]:
        rows = self.engine.store.rows(schema.records)
        rows.sort(key=lambda r: r["position"])
        out = []
        for r in rows:
            if value_type is not None and r["value_type"] != value_type:
                continue
            if intent is not None and r["intent"] != intent:
                continue
            if pi is not None and r["process_instance_key"] != pi:
                continue
            out.append({**r, "value": json.loads(r["value"])})
        return out

    def trace(self, pi: int, element_id: str | None = None) -> list[tuple[str, str]]:
        """(elementId, intent) of the PROCESS_INSTANCE records of an instance, in order."""
        return [
            (r["value"]["elementId"], r["intent"])
            for r in self.records("PROCESS_INSTANCE", pi=pi)
            if element_id is None or r["value"]["elementId"] == element_id
        ]

    def completed(self, pi: int) -> list[str]:
        return [e for e, i in self.trace(pi) if i == "ELEMENT_COMPLETED"]

    def terminated(self, pi: int) -> list[str]:
        return [e for e, i in self.trace(pi) if i == "ELEMENT_TERMINATED"]

    def state(self, pi: int) -> str:
        rows = self.engine.store.rows(schema.process_instances, schema.process_instances.c.key == pi)
        assert rows, f"no process instance {pi}"
        return str(rows[0]["state"])

    def active(self, pi: int) -> list[str]:
        """Element ids of the live element instances of a process instance (sorted)."""
        return sorted(
            ei.element.id
            for ei in self.engine.state.element_instances.values()
            if ei.process_instance.key == pi and not ei.is_process
        )

    def live(self, pi: int, element_id: str) -> Any:
        found = [
            ei
            for ei in self.engine.state.element_instances.values()
            if ei.process_instance.key == pi and ei.element.id == element_id
        ]
        assert len(found) == 1, f"expected one live {element_id}, got {found}"
        return found[0]

    def variables(self, scope: int) -> dict[str, Any]:
        """The variables of a scope as stored (live or not: a completed instance keeps its final values)."""
        rows = self.engine.store.rows(schema.variables, schema.variables.c.scope_key == scope)
        return {r["name"]: json.loads(r["value"]) for r in rows}

    def incidents(self, pi: int, state: str = "ACTIVE") -> list[dict[str, Any]]:
        return self.engine.store.rows(
            schema.incidents,
            schema.incidents.c.process_instance_key == pi,
            schema.incidents.c.state == state,
        )

    def incident(self, pi: int) -> dict[str, Any]:
        found = self.incidents(pi)
        assert len(found) == 1, f"expected one incident, got {found}"
        return found[0]

    def jobs_of(self, pi: int) -> list[dict[str, Any]]:
        return self.engine.store.rows(schema.jobs, schema.jobs.c.process_instance_key == pi)


def dmn(decision_id: str = "grade", drg_id: str = "drg") -> bytes:
    """A decision table: score -> grade (FIRST hit)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
  xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="{drg_id}" name="Grading" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="{decision_id}" name="Grade">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_score" label="Score"><inputExpression id="ie_score" typeRef="number"><text>score</text></inputExpression></input>
      <output id="out_grade" name="grade" typeRef="string" />
      <rule id="r1"><inputEntry id="r1i"><text>&gt;= 90</text></inputEntry><outputEntry id="r1o"><text>"A"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="r2i"><text>-</text></inputEntry><outputEntry id="r2o"><text>"B"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI><dmndi:DMNDiagram id="DMNDiagram_1"><dmndi:DMNShape id="DMNShape_1" dmnElementRef="{decision_id}">
    <dc:Bounds height="80" width="180" x="160" y="100" /></dmndi:DMNShape></dmndi:DMNDiagram></dmndi:DMNDI>
</definitions>
""".encode()
