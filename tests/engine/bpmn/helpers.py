"""Small BPMN documents for validation tests (no BPMNDI: Zeebe ignores it)."""

from __future__ import annotations

from pathlib import Path

DIAGRAMS = Path(__file__).parent / "diagrams"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Definitions_1" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def doc(body: str, extra: str = "", process_id: str = "p", executable: bool = True) -> str:
    flag = "true" if executable else "false"
    return f'{HEAD}<bpmn:process id="{process_id}" isExecutable="{flag}">\n{body}\n</bpmn:process>\n{extra}</bpmn:definitions>\n'


def chain(*nodes: str) -> str:
    """Elements (raw XML, each with an id="..." first attribute) connected in order by flows f1, f2, ..."""
    ids = [n.split('id="', 1)[1].split('"', 1)[0] for n in nodes]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i + 1}" sourceRef="{a}" targetRef="{b}" />\n'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    )
    return "\n".join(nodes) + "\n" + flows


START = '<bpmn:startEvent id="start" />'
END = '<bpmn:endEvent id="end" />'


def service(task_id: str = "task", ext: str = '<zeebe:taskDefinition type="work" />') -> str:
    return f'<bpmn:serviceTask id="{task_id}"><bpmn:extensionElements>{ext}</bpmn:extensionElements></bpmn:serviceTask>'
