"""Deployment validation: each problem with Zeebe's exact text, grouped per element path."""

from __future__ import annotations

import pytest

from engine.bpmn import BpmnParseError, parse_bpmn
from tests.engine.bpmn.helpers import END, START, chain, doc, service

URL = "https://docs.camunda.io/docs/components/modeler/bpmn/bpmn-coverage/"


def problems(xml: str) -> str:
    with pytest.raises(BpmnParseError) as info:
        parse_bpmn(xml, "x.bpmn")
    err = info.value
    assert str(err) == f"'x.bpmn': {err.details}"
    return err.details


def test_service_task_without_task_definition() -> None:
    xml = doc(chain(START, '<bpmn:serviceTask id="task1" />', END))
    assert problems(xml) == (
        "- Element: task1\n    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element\n"
    )


def test_task_definition_with_empty_type_and_retries() -> None:
    xml = doc(chain(START, service("task1", '<zeebe:taskDefinition type="" retries="" />'), END))
    assert problems(xml) == (
        "- Element: task1 > extensionElements > taskDefinition\n"
        "    - ERROR: Attribute 'type' must be present and not empty\n"
        "    - ERROR: Attribute 'retries' must be present and not empty\n"
    )


def test_task_definition_without_type() -> None:
    xml = doc(chain(START, service("task1", "<zeebe:taskDefinition />"), END))
    assert problems(xml) == (
        "- Element: task1 > extensionElements > taskDefinition\n"
        "    - ERROR: Attribute 'type' must be present and not empty\n"
        "    - ERROR: Expected expression but not found.\n"
    )


def test_feel_syntax_error_names_element_and_attribute() -> None:
    xml = doc(chain(START, service("task1", '<zeebe:taskDefinition type="=a +" />'), END))
    details = problems(xml)
    assert details.startswith(
        "- Element: task1 > extensionElements > taskDefinition\n    - ERROR: failed to parse expression 'a +': "
    )
    assert "line 1, column 4" in details


def test_collects_all_problems() -> None:
    xml = doc(chain(START, '<bpmn:serviceTask id="a" />', '<bpmn:sendTask id="b" />', END))
    assert problems(xml) == (
        "- Element: a\n    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element\n"
        "- Element: b\n    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element\n"
    )


def test_exclusive_gateway_flows_need_conditions() -> None:
    body = (
        START
        + '<bpmn:exclusiveGateway id="gw" />'
        + service("a")
        + service("b")
        + '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />'
        + '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a" />'
        + '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b">'
        + "<bpmn:conditionExpression>=x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    assert problems(doc(body)) == "- Element: fa\n    - ERROR: Must have a condition or be default flow\n"


def test_default_flow_is_exempt_and_unknown_default_is_rejected() -> None:
    body = (
        START
        + '<bpmn:exclusiveGateway id="gw" default="{default}" />'
        + service("a")
        + service("b")
        + '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />'
        + '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a" />'
        + '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b">'
        + "<bpmn:conditionExpression>=x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    (model,) = parse_bpmn(doc(body.replace("{default}", "fa")), "x.bpmn")
    assert model.element("gw").default_flow == model.flows["fa"]
    assert problems(doc(body.replace("{default}", "nope"))) == (
        "- Element: gw\n    - ERROR: Default flow 'nope' cannot be resolved\n"
        "- Element: fa\n    - ERROR: Must have a condition or be default flow\n"
    )
    assert problems(doc(body.replace("{default}", "f0"))) == (
        "- Element: gw\n    - ERROR: Default flow must start at gateway\n"
        "- Element: fa\n    - ERROR: Must have a condition or be default flow\n"
    )


def test_static_condition_is_rejected() -> None:
    body = (
        START
        + '<bpmn:exclusiveGateway id="gw" default="fa" />'
        + service("a")
        + service("b")
        + '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />'
        + '<bpmn:sequenceFlow id="fa" sourceRef="gw" targetRef="a" />'
        + '<bpmn:sequenceFlow id="fb" sourceRef="gw" targetRef="b">'
        + "<bpmn:conditionExpression>x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )
    assert problems(doc(body)) == (
        "- Element: fb > conditionExpression\n    - ERROR: Expected expression but found static value 'x > 1'. "
        "An expression must start with '=' (e.g. '=x > 1').\n"
    )


def test_message_catch_needs_name_and_correlation_key() -> None:
    body = chain(
        START,
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition id="med" messageRef="m" />'
        "</bpmn:intermediateCatchEvent>",
        END,
    )
    assert problems(doc(body, '<bpmn:message id="m" />')) == (
        "- Element: m\n    - ERROR: Name must be present and not empty\n"
        "    - ERROR: Must have exactly one zeebe:subscription extension element\n"
    )
    static_key = (
        '<bpmn:message id="m" name="go"><bpmn:extensionElements>'
        '<zeebe:subscription correlationKey="orderId" /></bpmn:extensionElements></bpmn:message>'
    )
    assert problems(doc(body, static_key)) == (
        "- Element: m > extensionElements > subscription\n    - ERROR: Expected expression but found static value "
        "'orderId'. An expression must start with '=' (e.g. '=orderId').\n"
    )


def test_unknown_message_and_error_references() -> None:
    body = chain(
        START,
        '<bpmn:receiveTask id="recv" messageRef="missing" />',
        '<bpmn:endEvent id="end"><bpmn:errorEventDefinition id="eed" errorRef="nope" /></bpmn:endEvent>',
    )
    assert problems(doc(body)) == (
        "- Element: recv\n    - ERROR: Must reference a message\n- Element: eed\n    - ERROR: Must reference an error\n"
    )


def test_unsupported_elements_messages() -> None:
    body = (
        START
        + '<bpmn:complexGateway id="cx" /><bpmn:transaction id="tx" />'
    )
    details = problems(doc(body))
    assert (
        "- Element: cx\n    - ERROR: Elements of type 'ComplexGateway' are currently not supported. "
        f"Please refer to the documentation for a list of supported elements: {URL}\n"
    ) in details
    assert (
        "- Element: tx\n    - ERROR: Elements of type 'Transaction' are currently not supported." in details
    )


def test_unsupported_event_definition() -> None:
    body = chain(
        START,
        '<bpmn:intermediateCatchEvent id="cond"><bpmn:conditionalEventDefinition id="x" /></bpmn:intermediateCatchEvent>',
        END,
    )
    assert problems(doc(body)) == (
        "- Element: cond\n    - ERROR: Event definitions of type 'conditionalEventDefinition' are not supported "
        "by this engine\n"
    )


def test_no_executable_process() -> None:
    assert problems(doc(chain(START, END), executable=False)) == (
        "- Element: Definitions_1\n    - ERROR: Must contain at least one executable process\n"
    )


def test_process_without_start_event_and_sub_process_start_rules() -> None:
    assert problems(doc(END)) == "- Element: p\n    - ERROR: Must have at least one start event\n"
    sub = '<bpmn:subProcess id="sub"><bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" /></bpmn:subProcess>'
    assert (
        problems(doc(chain(START, sub, END)))
        == "- Element: sub\n    - ERROR: Must have exactly one start event\n"
    )
    timer_sub = (
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="s1"><bpmn:timerEventDefinition id="t">'
        "<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>"
    )
    assert problems(doc(chain(START, timer_sub, END))) == (
        "- Element: sub\n    - ERROR: Start events in subprocesses must be of type none\n"
    )


def test_timer_checks() -> None:
    def catch(inner: str) -> str:
        return doc(
            chain(
                START,
                f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="t">{inner}'
                "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
                END,
            )
        )

    (model,) = parse_bpmn(catch("<bpmn:timeDate>2025-01-01T10:00:00+01:00</bpmn:timeDate>"), "x.bpmn")
    assert model.element("wait").timer is not None
    assert problems(catch("<bpmn:timeDuration>soon</bpmn:timeDuration>")) == (
        "- Element: wait\n    - ERROR: Invalid timer duration expression (Invalid duration format 'soon')\n"
    )
    assert problems(catch("")) == (
        "- Element: t\n    - ERROR: Must be exactly one type of timer: timeDuration, timeDate or timeCycle\n"
    )
    assert problems(catch("<bpmn:timeCycle>R/PT1M</bpmn:timeCycle>")) == (
        "- Element: wait\n    - ERROR: Intermediate timer catch event must have either a time duration or a time date.\n"
    )


def test_boundary_event_rules() -> None:
    body = chain(START, service("task"), END) + (
        '<bpmn:boundaryEvent id="b1" attachedToRef="task" cancelActivity="false">'
        '<bpmn:errorEventDefinition id="e1" /></bpmn:boundaryEvent>'
        '<bpmn:boundaryEvent id="b2" attachedToRef="nothing"><bpmn:timerEventDefinition id="t2">'
        "<bpmn:timeCycle>R/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    assert problems(doc(body)) == (
        "- Element: b1\n    - ERROR: Non-Interrupting event of this type is not allowed\n"
        "- Element: b2\n    - ERROR: Must be attached to an activity\n"
        "    - ERROR: Interrupting timer event with time cycle is not allowed.\n"
    )


def test_input_target_must_be_a_path_and_outputs_expressions() -> None:
    ext = (
        '<zeebe:taskDefinition type="w" /><zeebe:ioMapping>'
        '<zeebe:input source="=1" target="a-b" /><zeebe:output source="x" target="y" /></zeebe:ioMapping>'
    )
    assert problems(doc(chain(START, service("task", ext), END))) == (
        "- Element: task > extensionElements > ioMapping > input\n"
        "    - ERROR: Expected path expression 'a-b' but doesn't match the pattern "
        "'[a-zA-Z_][a-zA-Z0-9_]*(\\.[a-zA-Z_][a-zA-Z0-9_]*)*'.\n"
        "- Element: task > extensionElements > ioMapping > output\n"
        "    - ERROR: Expected expression but found static value 'x'. An expression must start with '=' (e.g. '=x').\n"
    )


def test_multi_instance_and_user_task_statics() -> None:
    mi = (
        '<bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="w" />'
        "</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics /></bpmn:serviceTask>"
    )
    assert problems(doc(chain(START, mi, END))) == (
        "- Element: task > multiInstanceLoopCharacteristics\n"
        "    - ERROR: Must have exactly one 'zeebe:loopCharacteristics' extension element\n"
    )
    ut = (
        '<bpmn:userTask id="ut"><bpmn:extensionElements><zeebe:userTask />'
        '<zeebe:assignmentDefinition candidateGroups="a,,b" /><zeebe:priorityDefinition priority="101" />'
        "</bpmn:extensionElements></bpmn:userTask>"
    )
    assert problems(doc(chain(START, ut, END))) == (
        "- Element: ut > extensionElements > assignmentDefinition\n"
        "    - ERROR: Expected static value to be a list of comma-separated values, e.g. 'a,b,c', but found 'a,,b'.\n"
        "- Element: ut > extensionElements > priorityDefinition\n"
        "    - ERROR: Expected static value to be a valid Number between 0 and 100, but found '101'.\n"
    )


def test_business_rule_and_script_need_one_implementation() -> None:
    body = chain(START, '<bpmn:businessRuleTask id="brt" />', '<bpmn:scriptTask id="st" />', END)
    assert problems(doc(body)) == (
        "- Element: brt\n    - ERROR: Must have either one 'zeebe:calledDecision' or one 'zeebe:taskDefinition' "
        "extension element\n"
        "- Element: st\n    - ERROR: Must have either one 'zeebe:script' or one 'zeebe:taskDefinition' "
        "extension element\n"
    )


def test_doctype_is_rejected() -> None:
    xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    with pytest.raises(BpmnParseError) as info:
        parse_bpmn(xml, "x.bpmn")
    assert "DOCTYPE is disallowed" in str(info.value)


def test_not_xml() -> None:
    with pytest.raises(BpmnParseError) as info:
        parse_bpmn(b"hello", "x.bpmn")
    assert str(info.value).startswith("'x.bpmn': Failed to parse the XML document: ")
