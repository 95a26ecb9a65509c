"""Linear BPMN processes for the benchmarks, with diagram interchange so Camunda Modeler can open them."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr


@dataclass(frozen=True)
class Service:
    job_type: str


@dataclass(frozen=True)
class Script:
    expression: str  # FEEL, without the leading `=`
    result: str


Step = Service | Script


def linear_process(process_id: str, steps: list[Step]) -> bytes:
    """start -> steps... -> end, laid out left to right."""
    nodes: list[str] = []
    shapes: list[str] = []
    flows: list[str] = []
    edges: list[str] = []
    ids = ["start"] + [f"step{i + 1}" for i in range(len(steps))] + ["end"]
    x = 150
    for i, node_id in enumerate(ids):
        incoming = f"<bpmn:incoming>flow{i}</bpmn:incoming>" if i > 0 else ""
        outgoing = f"<bpmn:outgoing>flow{i + 1}</bpmn:outgoing>" if i < len(ids) - 1 else ""
        if node_id == "start":
            nodes.append(f'<bpmn:startEvent id="start" name="Start">{outgoing}</bpmn:startEvent>')
            shapes.append(_shape("start", x, 102, 36, 36))
            x += 86
        elif node_id == "end":
            nodes.append(f'<bpmn:endEvent id="end" name="End">{incoming}</bpmn:endEvent>')
            shapes.append(_shape("end", x, 102, 36, 36))
        else:
            step = steps[i - 1]
            if isinstance(step, Service):
                ext = f"<zeebe:taskDefinition type={quoteattr(step.job_type)} />"
                tag = "serviceTask"
            else:
                ext = f"<zeebe:script expression={quoteattr('=' + step.expression)} resultVariable={quoteattr(step.result)} />"
                tag = "scriptTask"
            nodes.append(
                f'<bpmn:{tag} id="{node_id}" name="Step {i}"><bpmn:extensionElements>{ext}</bpmn:extensionElements>'
                f"{incoming}{outgoing}</bpmn:{tag}>"
            )
            shapes.append(_shape(node_id, x, 80, 100, 80))
            x += 150
    for i in range(len(ids) - 1):
        flows.append(f'<bpmn:sequenceFlow id="flow{i + 1}" sourceRef="{ids[i]}" targetRef="{ids[i + 1]}" />')
        edges.append(
            f'<bpmndi:BPMNEdge id="flow{i + 1}_di" bpmnElement="flow{i + 1}">'
            f'<di:waypoint x="0" y="120" /><di:waypoint x="0" y="120" /></bpmndi:BPMNEdge>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
        'xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="defs_' + process_id + '" '
        'targetNamespace="http://bpmn.io/schema/bpmn" exporter="ipa bench" exporterVersion="1" '
        'modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">'
        f'<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">'
        + "".join(nodes)
        + "".join(flows)
        + "</bpmn:process>"
        f'<bpmndi:BPMNDiagram id="diagram_{process_id}"><bpmndi:BPMNPlane id="plane_{process_id}" bpmnElement="{process_id}">'
        + "".join(shapes)
        + "".join(_fix_edges(edges, shapes))
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
    ).encode()


def _shape(element_id: str, x: int, y: int, w: int, h: int) -> str:
    return (
        f'<bpmndi:BPMNShape id="{element_id}_di" bpmnElement="{element_id}">'
        f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>'
    )


def _fix_edges(edges: list[str], shapes: list[str]) -> list[str]:
    """Waypoints from the right edge of one shape to the left edge of the next."""
    import re

    bounds = [tuple(int(v) for v in re.findall(r'(?:x|y|width|height)="(\d+)"', s)) for s in shapes]
    out = []
    for i, edge in enumerate(edges):
        (x1, y1, w1, h1), (x2, y2, _, h2) = bounds[i], bounds[i + 1]
        a = f'<di:waypoint x="{x1 + w1}" y="{y1 + h1 // 2}" />'
        b = f'<di:waypoint x="{x2}" y="{y2 + h2 // 2}" />'
        out.append(edge.replace('<di:waypoint x="0" y="120" /><di:waypoint x="0" y="120" />', a + b))
    return out


def spiff_script_process(process_id: str, script: str) -> bytes:
    """The one-script-task process for SpiffWorkflow (its scripts are Python)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        f'<bpmn:process id="{process_id}" isExecutable="true">'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        f'<bpmn:scriptTask id="step1" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>'
        f"<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"
        '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step1"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="step1" targetRef="end"/>'
        "</bpmn:process></bpmn:definitions>"
    ).encode()
