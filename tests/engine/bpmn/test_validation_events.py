"""Deployment validation of link, escalation and compensation events: Zeebe's texts, on Zeebe's elements
(ModelUtil.verifyLinkIntermediateEvents / verifyNoDuplicatedEscalationHandler, Link-, Escalation-,
CompensationEventDefinitionValidator, EscalationValidator, Boundary-, End-, IntermediateCatch-,
IntermediateThrowEventValidator, SubProcessValidator)."""

from __future__ import annotations

import pytest

from engine.bpmn import BpmnParseError, EventType, parse_bpmn
from tests.engine.bpmn.helpers import END, START, chain, doc


def problems(xml: str) -> str:
    with pytest.raises(BpmnParseError) as info:
        parse_bpmn(xml, "x.bpmn")
    return info.value.details


def throw_link(event_id: str, name: str | None) -> str:
    attr = f' name="{name}"' if name is not None else ""
    return (
        f'<bpmn:intermediateThrowEvent id="{event_id}">'
        f'<bpmn:linkEventDefinition id="{event_id}_def"{attr} /></bpmn:intermediateThrowEvent>'
    )


def catch_link(event_id: str, name: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{event_id}">'
        f'<bpmn:linkEventDefinition id="{event_id}_def" name="{name}" /></bpmn:intermediateCatchEvent>'
    )


def flow(source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{source}_{target}" sourceRef="{source}" targetRef="{target}" />'


def sub(sub_id: str, body: str) -> str:
    return f'<bpmn:subProcess id="{sub_id}"><bpmn:startEvent id="{sub_id}_start" />{body}</bpmn:subProcess>'


# -- links ---------------------------------------------------------------------------------------------------


def test_paired_links_are_accepted_and_the_throw_points_at_its_catch() -> None:
    body = chain(START, throw_link("t1", "A")) + catch_link("c1", "A") + END + flow("c1", "end")
    body += throw_link("t2", "A") + flow("c1", "t2")  # several throws may lead to one catch
    (model,) = parse_bpmn(doc(body), "x.bpmn")
    assert model.element("t1").event_type is EventType.LINK
    assert model.element("t1").link is not None and model.element("t1").link.catch_id == "c1"
    assert model.element("t2").link is not None and model.element("t2").link.catch_id == "c1"
    catch = model.element("c1").link
    assert catch is not None and catch.name == "A" and catch.catch_id is None


def test_a_throw_link_needs_a_catch_link_of_its_name_in_its_own_scope() -> None:
    assert problems(doc(chain(START, throw_link("t1", "A")))) == (
        "- Element: p\n    - ERROR: Can't find an catch link event for the throw link event with the name 'A'.\n"
    )
    # the catch link is in the process, the throw in a sub-process: reported on the sub-process
    inner = throw_link("t1", "A") + flow("sub_start", "t1")
    body = chain(START, sub("sub", inner), END) + catch_link("c1", "A")
    assert problems(doc(body)) == (
        "- Element: sub\n    - ERROR: Can't find an catch link event for the throw link event with the name 'A'.\n"
    )


def test_catch_link_names_are_unique_in_a_scope_and_in_every_scope_around_it() -> None:
    twice = chain(START, throw_link("t1", "A")) + catch_link("c1", "A") + catch_link("c2", "A")
    assert problems(doc(twice)) == (
        "- Element: p\n    - ERROR: Multiple intermediate catch link event definitions with the same name "
        "'A' are not allowed.\n"
    )
    # Zeebe collects the catch links of a scope together with those of all its sub-processes: a duplicate
    # inside a sub-process is reported on the sub-process and again on the process
    inner = throw_link("t1", "B") + flow("sub_start", "t1") + catch_link("c1", "B") + catch_link("c2", "B")
    details = problems(doc(chain(START, sub("sub", inner), END)))
    message = "Multiple intermediate catch link event definitions with the same name 'B' are not allowed.\n"
    assert details == f"- Element: sub\n    - ERROR: {message}- Element: p\n    - ERROR: {message}"
    # ... and the same name in a scope and in a sub-process inside it collide at the outer scope only
    inner = throw_link("t1", "C") + flow("sub_start", "t1") + catch_link("c1", "C")
    body = chain(START, sub("sub", inner), END) + catch_link("c2", "C")
    assert problems(doc(body)) == (
        "- Element: p\n    - ERROR: Multiple intermediate catch link event definitions with the same name "
        "'C' are not allowed.\n"
    )


def test_a_link_needs_a_name() -> None:
    assert problems(doc(chain(START, throw_link("t1", None)))) == (
        "- Element: t1_def\n    - ERROR: Link name must be present and not empty.\n"
    )
    nameless = doc(
        chain(START, throw_link("t1", "A"))
        + '<bpmn:intermediateCatchEvent id="c1"><bpmn:linkEventDefinition name="" /></bpmn:intermediateCatchEvent>'
    )
    assert problems(nameless) == (
        "- Element: c1 > linkEventDefinition\n    - ERROR: Link name must be present and not empty.\n"
        "- Element: p\n    - ERROR: Can't find an catch link event for the throw link event with the name 'A'.\n"
    )


def test_links_only_as_intermediate_events() -> None:
    link = '<bpmn:linkEventDefinition id="l" name="A" />'
    end = f'<bpmn:endEvent id="end">{link}</bpmn:endEvent>'
    assert problems(doc(chain(START, end))) == (
        "- Element: end\n    - ERROR: End events must be one of: none, error, message, terminate, signal, "
        "escalation or compensation\n"
    )
    boundary = f'<bpmn:boundaryEvent id="b" attachedToRef="task">{link}</bpmn:boundaryEvent>'
    assert problems(doc(chain(START, '<bpmn:task id="task" />', END) + boundary)) == (
        "- Element: b\n    - ERROR: Boundary events must be one of: timer, message, error, signal, escalation\n"
    )
