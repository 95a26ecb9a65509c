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


# -- escalations ----------------------------------------------------------------------------------------------

ESCALATION = '<bpmn:escalation id="esc" name="esc" escalationCode="E" />'


def escalation_def(ref: str | None, def_id: str = "ed") -> str:
    attr = f' escalationRef="{ref}"' if ref else ""
    return f'<bpmn:escalationEventDefinition id="{def_id}"{attr} />'


def esc_boundary(b_id: str, attached: str, ref: str | None, cancel: bool = True) -> str:
    flag = "true" if cancel else "false"
    return (
        f'<bpmn:boundaryEvent id="{b_id}" attachedToRef="{attached}" cancelActivity="{flag}">'
        f"{escalation_def(ref, b_id + '_def')}</bpmn:boundaryEvent>"
    )


def test_escalation_events_are_accepted() -> None:
    body = (
        chain(START, sub("s", ""), f'<bpmn:endEvent id="end">{escalation_def("esc")}</bpmn:endEvent>')
        + esc_boundary("b1", "s", "esc", cancel=False)
        + '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="esp_start" isInterrupting="false">'
        + escalation_def(None, "esp_def")
        + "</bpmn:startEvent></bpmn:subProcess>"
    )
    (model,) = parse_bpmn(doc(body, ESCALATION), "x.bpmn")
    end = model.element("end")
    assert end.event_type is EventType.ESCALATION and end.escalation is not None
    assert end.escalation.code is not None and end.escalation.code.text == "E"
    b1 = model.element("b1")
    assert b1.escalation is not None and b1.escalation.code is not None and not b1.interrupting
    start = model.element("esp_start")
    assert start.escalation is not None and start.escalation.code is not None
    assert start.escalation.code.text == ""  # no escalationRef: catches all
    assert not model.element("esp").interrupting


def test_a_throw_event_must_reference_an_escalation_with_a_code() -> None:
    throw = f'<bpmn:intermediateThrowEvent id="t">{escalation_def(None)}</bpmn:intermediateThrowEvent>'
    assert (
        problems(doc(chain(START, throw, END)))
        == "- Element: ed\n    - ERROR: Must reference an escalation\n"
    )
    unknown = f'<bpmn:endEvent id="end">{escalation_def("nope")}</bpmn:endEvent>'
    assert (
        problems(doc(chain(START, unknown))) == "- Element: ed\n    - ERROR: Must reference an escalation\n"
    )
    no_code = '<bpmn:escalation id="esc" name="esc" />'
    end = f'<bpmn:endEvent id="end">{escalation_def("esc")}</bpmn:endEvent>'
    assert problems(doc(chain(START, end), no_code)) == (
        "- Element: esc\n    - ERROR: EscalationCode must be present and not empty\n"
    )
    # a code is only required of escalations that are thrown
    catch_only = chain(START, sub("s", ""), END) + esc_boundary("b", "s", "esc")
    parse_bpmn(doc(catch_only, no_code), "x.bpmn")


def test_throw_codes_may_be_expressions_catch_codes_may_not() -> None:
    feel = '<bpmn:escalation id="esc" name="esc" escalationCode="=code" />'
    end = f'<bpmn:endEvent id="end">{escalation_def("esc")}</bpmn:endEvent>'
    (model,) = parse_bpmn(doc(chain(START, end), feel), "x.bpmn")
    escalation = model.element("end").escalation
    assert escalation is not None and escalation.code is not None and not escalation.code.is_static
    catch = chain(START, sub("s", ""), END) + esc_boundary("b", "s", "esc")
    assert problems(doc(catch, feel)) == (
        "- Element: b_def\n    - ERROR: The escalationCode of the escalation catch event is not allowed to be an "
        "expression\n"
    )
    # a FEEL syntax error in a thrown code is not a deployment error (Zeebe fails the event when reached)
    broken = '<bpmn:escalation id="esc" name="esc" escalationCode="=a +" />'
    (model,) = parse_bpmn(doc(chain(START, end), broken), "x.bpmn")
    escalation = model.element("end").escalation
    assert escalation is not None and escalation.code_error is not None


def test_escalation_boundary_events_only_on_sub_processes_and_call_activities() -> None:
    body = chain(START, '<bpmn:task id="task" />', END) + esc_boundary("b", "task", "esc")
    assert problems(doc(body, ESCALATION)) == (
        "- Element: b\n    - ERROR: An escalation boundary event should only be attached to a subprocess, or a "
        "call activity.\n"
    )
    call = (
        '<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="x" />'
        "</bpmn:extensionElements></bpmn:callActivity>"
    )
    parse_bpmn(
        doc(chain(START, call, END) + esc_boundary("b", "call", "esc", cancel=False), ESCALATION), "x.bpmn"
    )


def test_one_catch_event_per_escalation_code_and_one_catch_all_per_scope() -> None:
    codes = ESCALATION + '<bpmn:escalation id="esc2" name="esc2" escalationCode="E" />'
    same_code = (
        chain(START, sub("s", ""), END) + esc_boundary("b1", "s", "esc") + esc_boundary("b2", "s", "esc2")
    )
    assert problems(doc(same_code, codes)) == (
        "- Element: s\n    - ERROR: Multiple escalation catch events with the same escalation code 'E' are not "
        "supported on the same scope.\n"
    )
    catch_alls = (
        chain(START, sub("s", ""), END) + esc_boundary("b1", "s", None) + esc_boundary("b2", "s", None)
    )
    assert problems(doc(catch_alls)) == (
        "- Element: s\n    - ERROR: The same scope can not contain more than one escalation catch event without "
        "escalation code. An escalation catch event without escalation code catches all escalations.\n"
    )

    def esp(esp_id: str, ref: str) -> str:
        return (
            f'<bpmn:subProcess id="{esp_id}" triggeredByEvent="true"><bpmn:startEvent id="{esp_id}_s">'
            f"{escalation_def(ref, esp_id + '_d')}</bpmn:startEvent></bpmn:subProcess>"
        )

    assert problems(doc(chain(START, END) + esp("h1", "esc") + esp("h2", "esc2"), codes)) == (
        "- Element: p\n    - ERROR: Multiple escalation catch events with the same escalation code 'E' are not "
        "supported on the same scope.\n"
    )


def test_escalation_events_where_zeebe_does_not_allow_them() -> None:
    catch = f'<bpmn:intermediateCatchEvent id="c">{escalation_def("esc")}</bpmn:intermediateCatchEvent>'
    assert problems(doc(chain(START, catch, END), ESCALATION)) == (
        "- Element: c\n    - ERROR: Event definition must be one of: message, timer, signal, link, or conditional\n"
    )
    embedded = (
        f'<bpmn:subProcess id="s"><bpmn:startEvent id="s_start">{escalation_def("esc")}</bpmn:startEvent>'
        "</bpmn:subProcess>"
    )
    assert problems(doc(chain(START, embedded, END), ESCALATION)) == (
        "- Element: s\n    - ERROR: Start events in subprocesses must be of type none\n"
    )


# -- compensation ---------------------------------------------------------------------------------------------


def comp_boundary(
    b_id: str, attached: str, handler: str | None, cancel: bool = True, outgoing: str = ""
) -> str:
    flag = "" if cancel else ' cancelActivity="false"'
    assoc = (
        f'<bpmn:association id="{b_id}_assoc" sourceRef="{b_id}" targetRef="{handler}" />' if handler else ""
    )
    return (
        f'<bpmn:boundaryEvent id="{b_id}" attachedToRef="{attached}"{flag}>{outgoing}'
        f'<bpmn:compensateEventDefinition id="{b_id}_def" /></bpmn:boundaryEvent>{assoc}'
    )


def comp_handler(h_id: str = "undo", inner: str = "", tag: str = "serviceTask") -> str:
    ext = '<bpmn:extensionElements><zeebe:taskDefinition type="undo" /></bpmn:extensionElements>'
    return f'<bpmn:{tag} id="{h_id}" isForCompensation="true">{ext if tag == "serviceTask" else ""}{inner}</bpmn:{tag}>'


def comp_throw(t_id: str, ref: str | None = None, wait: str | None = None, end: bool = False) -> str:
    attrs = (f' activityRef="{ref}"' if ref else "") + (f' waitForCompletion="{wait}"' if wait else "")
    tag = "endEvent" if end else "intermediateThrowEvent"
    return f'<bpmn:{tag} id="{t_id}"><bpmn:compensateEventDefinition id="{t_id}_def"{attrs} /></bpmn:{tag}>'


def test_compensation_events_are_accepted() -> None:
    body = (
        chain(START, '<bpmn:task id="A" />', comp_throw("t", "A"), END)
        + comp_boundary("b", "A", "undo")
        + comp_handler()
    )
    (model,) = parse_bpmn(doc(body), "x.bpmn")
    b = model.element("b")
    assert b.event_type is EventType.COMPENSATION
    assert b.compensation is not None and b.compensation.handler_id == "undo"
    assert model.element("undo").is_for_compensation
    throw = model.element("t").compensation
    assert throw is not None and throw.activity_ref == "A"
    # a sub-process can be referenced without a boundary event of its own; a throw may broadcast
    sub = '<bpmn:subProcess id="s"><bpmn:startEvent id="s_start" /></bpmn:subProcess>'
    parse_bpmn(doc(chain(START, sub, comp_throw("t", "s"), comp_throw("t2", end=True))), "x.bpmn")


def test_a_compensation_boundary_event_needs_an_association_and_no_outgoing_flows() -> None:
    body = chain(START, '<bpmn:task id="A" />', END) + comp_boundary("b", "A", None) + comp_handler()
    assert problems(doc(body)) == (
        "- Element: b\n    - ERROR: Compensation boundary events must have a compensation association and no "
        "outgoing sequence flows\n"
    )
    out = chain(START, '<bpmn:task id="A" />', END) + comp_handler()
    out += comp_boundary("b", "A", "undo", outgoing="<bpmn:outgoing>fx</bpmn:outgoing>")
    out += '<bpmn:sequenceFlow id="fx" sourceRef="b" targetRef="end" />'
    assert "Compensation boundary events must have a compensation association" in problems(doc(out))
    interrupting = chain(START, '<bpmn:task id="A" />', END) + comp_boundary("b", "A", "undo", cancel=False)
    assert problems(doc(interrupting + comp_handler())) == (
        "- Element: b\n    - ERROR: Non-Interrupting event of this type is not allowed\n"
    )


def test_a_compensation_handler_has_no_flows_and_no_boundary_events() -> None:
    inner = "<bpmn:incoming>f9</bpmn:incoming><bpmn:outgoing>f10</bpmn:outgoing>"
    body = (
        chain(START, '<bpmn:task id="A" />', END)
        + comp_boundary("b", "A", "undo")
        + comp_handler(inner=inner)
        + '<bpmn:sequenceFlow id="f9" sourceRef="start" targetRef="undo" />'
        + '<bpmn:sequenceFlow id="f10" sourceRef="undo" targetRef="end" />'
        + '<bpmn:boundaryEvent id="t" attachedToRef="undo"><bpmn:timerEventDefinition id="td">'
        + "<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    assert problems(doc(body)) == (
        "- Element: undo\n"
        "    - ERROR: A compensation handler should have no incoming sequence flows\n"
        "    - ERROR: A compensation handler should have no outgoing sequence flows\n"
        "    - ERROR: A compensation handler should have no boundary events\n"
    )


def test_the_activity_ref_of_a_compensation_throw_event() -> None:
    assert problems(doc(chain(START, comp_throw("t", "nope"), END))) == (
        "- Element: t_def\n    - ERROR: The referenced compensation activity 'nope' doesn't exist\n"
    )
    plain = chain(START, '<bpmn:task id="A" />', comp_throw("t", "A"), END)
    assert problems(doc(plain)) == (
        "- Element: t_def\n    - ERROR: The referenced compensation activity 'A' must have either a compensation "
        "boundary event or be a subprocess\n"
    )
    # the activity is inside a sub-process, the throw event outside
    sub = (
        '<bpmn:subProcess id="s"><bpmn:startEvent id="s_start" /><bpmn:task id="A" />'
        + comp_boundary("b", "A", "undo")
        + comp_handler()
        + "</bpmn:subProcess>"
    )
    assert problems(doc(chain(START, sub, comp_throw("t", "A"), END))) == (
        "- Element: t_def\n    - ERROR: The referenced compensation activity 'A' must be in the same scope as the "
        "compensation throw event\n"
    )
    # from an event sub-process, the activity may be in the scope around it
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="esp_start">'
        '<bpmn:errorEventDefinition id="ee" /></bpmn:startEvent>'
        + comp_throw("t", "A", end=True)
        + '<bpmn:sequenceFlow id="fe" sourceRef="esp_start" targetRef="t" /></bpmn:subProcess>'
    )
    body = chain(START, '<bpmn:task id="A" />', END) + comp_boundary("b", "A", "undo") + comp_handler() + esp
    parse_bpmn(doc(body), "x.bpmn")


def test_compensation_throw_events_must_wait_for_completion() -> None:
    assert problems(doc(chain(START, comp_throw("t", wait="false"), END))) == (
        "- Element: t\n    - ERROR: A compensation intermediate throwing event waitForCompletion attribute must "
        "be true or not present\n"
    )
    assert problems(doc(chain(START, comp_throw("e", wait="false", end=True)))) == (
        "- Element: e\n    - ERROR: A compensation end event waitForCompletion attribute must be true or not "
        "present\n"
    )


def test_compensation_start_events_and_catch_events_are_rejected() -> None:
    compensation_start = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="esp_start">'
        '<bpmn:compensateEventDefinition id="cd" /></bpmn:startEvent></bpmn:subProcess>'
    )
    assert problems(doc(chain(START, END) + compensation_start)) == (
        "- Element: esp\n    - ERROR: A compensation event subprocess is not allowed on the process level\n"
        "    - ERROR: Start events in event subprocesses must be one of: message, timer, error, signal or "
        "escalation\n"
    )
    nested = f'<bpmn:subProcess id="s"><bpmn:startEvent id="s_start" />{compensation_start}</bpmn:subProcess>'
    assert problems(doc(chain(START, nested, END))) == (
        "- Element: esp\n    - ERROR: Start events in event subprocesses must be one of: message, timer, error, "
        "signal or escalation\n"
    )
    catch = '<bpmn:intermediateCatchEvent id="c"><bpmn:compensateEventDefinition id="cd" /></bpmn:intermediateCatchEvent>'
    assert problems(doc(chain(START, catch, END))) == (
        "- Element: c\n    - ERROR: Event definition must be one of: message, timer, signal, link, or conditional\n"
    )


# -- ad-hoc sub-processes --------------------------------------------------------------------------------------


def ad_hoc(inner: str, attrs: str = "", ext: str = "", condition: str | None = None) -> str:
    extension = f"<bpmn:extensionElements>{ext}</bpmn:extensionElements>" if ext else ""
    cond = (
        f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition is not None else ""
    )
    return f'<bpmn:adHocSubProcess id="ad"{attrs}>{extension}{inner}{cond}</bpmn:adHocSubProcess>'


def test_an_ad_hoc_sub_process_is_accepted_with_its_activities() -> None:
    inner = (
        '<bpmn:task id="A" /><bpmn:task id="B" name="Bee"><bpmn:documentation>does B</bpmn:documentation></bpmn:task>'
        '<bpmn:task id="C" /><bpmn:sequenceFlow id="bc" sourceRef="B" targetRef="C" />'
        '<bpmn:boundaryEvent id="t" attachedToRef="A"><bpmn:timerEventDefinition id="td">'
        "<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    xml = doc(
        chain(
            START,
            ad_hoc(
                inner,
                ' cancelRemainingInstances="false"',
                '<zeebe:adHoc activeElementsCollection="=todo" outputCollection="out" outputElement="=r" />',
                "=done",
            ),
            END,
        )
    )
    (model,) = parse_bpmn(xml, "x.bpmn")
    element = model.element("ad")
    assert element.ad_hoc is not None
    assert element.ad_hoc.activity_ids == ("A", "B")  # C has an incoming flow, t is a boundary event
    assert [dict(m) for m in element.ad_hoc.metadata] == [
        {"elementId": "A"},
        {"elementId": "B", "elementName": "Bee", "documentation": "does B"},
    ]
    assert not element.ad_hoc.cancel_remaining_instances and element.ad_hoc.output_collection == "out"
    assert model.element("ad#innerInstance").flow_scope_id == "ad"


def test_ad_hoc_sub_process_rules() -> None:
    assert (
        problems(doc(chain(START, ad_hoc(""), END)))
        == "- Element: ad\n    - ERROR: Must have at least one activity.\n"
    )
    with_events = ad_hoc('<bpmn:startEvent id="s" /><bpmn:task id="A" /><bpmn:endEvent id="e" />')
    assert problems(doc(chain(START, with_events, END))) == (
        "- Element: ad\n    - ERROR: Must not contain a start event.\n    - ERROR: Must not contain an end event.\n"
    )
    static = ad_hoc(
        '<bpmn:task id="A" />', ext='<zeebe:adHoc activeElementsCollection="A" />', condition="done"
    )
    assert problems(doc(chain(START, static, END))) == (
        "- Element: ad > extensionElements > adHoc\n    - ERROR: Expected expression but found static value 'A'. "
        "An expression must start with '=' (e.g. '=A').\n"
        "- Element: ad\n    - ERROR: Expected expression but found static value 'done'. An expression must start "
        "with '=' (e.g. '=done').\n"
    )


def test_the_job_worker_implementation_is_checked_and_not_supported_here() -> None:
    job = ad_hoc(
        '<bpmn:task id="A" />',
        ' cancelRemainingInstances="false"',
        '<zeebe:taskDefinition type="agent" /><zeebe:adHoc activeElementsCollection="=todo" />',
        "=done",
    )
    assert problems(doc(chain(START, job, END))) == (
        "- Element: ad\n"
        "    - ERROR: Must not set cancelRemainingInstances to false in combination with zeebe:taskDefinition\n"
        "    - ERROR: Must not set completionCondition in combination with zeebe:taskDefinition\n"
        "    - ERROR: Must not set activeElementsCollection in combination with zeebe:taskDefinition\n"
        "    - ERROR: Ad-hoc sub-processes with a 'zeebe:taskDefinition' (job worker implementation) are not "
        "supported by this engine\n"
    )
