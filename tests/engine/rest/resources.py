"""BPMN, DMN and form documents the REST tests deploy."""

from __future__ import annotations

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Definitions_1" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def process(process_id: str, body: str, name: str | None = None) -> bytes:
    label = f' name="{name}"' if name else ""
    return (
        f'{HEAD}<bpmn:process id="{process_id}"{label} isExecutable="true">\n{body}\n</bpmn:process>\n'
        "</bpmn:definitions>\n"
    ).encode()


def chain(*nodes: str) -> str:
    ids = [n.split('id="', 1)[1].split('"', 1)[0] for n in nodes]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i + 1}" sourceRef="{a}" targetRef="{b}" />\n'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    )
    return "\n".join(nodes) + "\n" + flows


START = '<bpmn:startEvent id="start" />'
END = '<bpmn:endEvent id="end" />'


def service(task_id: str = "task", job_type: str = "work", retries: int = 3) -> str:
    return (
        f'<bpmn:serviceTask id="{task_id}" name="Do work"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}" />'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )


SERVICE = process("svc", chain(START, service(), END), name="Service process")
FAILING = process("failing", chain(START, service(job_type="flaky", retries=1), END))
USER_TASK = process(
    "approve",
    chain(
        '<bpmn:startEvent id="start"><bpmn:extensionElements>'
        '<zeebe:formDefinition formId="approve-form" /></bpmn:extensionElements></bpmn:startEvent>',
        '<bpmn:userTask id="review" name="Review request"><bpmn:extensionElements><zeebe:userTask />'
        '<zeebe:assignmentDefinition candidateGroups="managers, finance" />'
        '<zeebe:formDefinition formId="approve-form" />'
        "</bpmn:extensionElements></bpmn:userTask>",
        END,
    ),
    name="Approval",
)
FORM = b'{"id": "approve-form", "type": "default", "components": [{"key": "approved", "type": "checkbox", "label": "Approved"}], "schemaVersion": 16}'
TIMER = process(
    "wait",
    chain(
        START,
        '<bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        END,
    ),
)
MESSAGE = (
    f'{HEAD}<bpmn:process id="order" isExecutable="true">\n'
    + chain(
        START,
        '<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="msg" />'
        "</bpmn:intermediateCatchEvent>",
        END,
    )
    + '</bpmn:process>\n<bpmn:message id="msg" name="payment"><bpmn:extensionElements>'
    '<zeebe:subscription correlationKey="= orderId" /></bpmn:extensionElements></bpmn:message>\n'
    "</bpmn:definitions>\n"
).encode()

DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="grading" name="Grading" namespace="urn:grading">
  <decision id="grade" name="Grade">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in1" label="Score"><inputExpression id="ie1" typeRef="number"><text>score</text></inputExpression></input>
      <output id="out1" name="grade" typeRef="string" />
      <rule id="r1"><inputEntry id="e1"><text>&gt;= 90</text></inputEntry><outputEntry id="o1"><text>"A"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>&gt;= 50</text></inputEntry><outputEntry id="o2"><text>"B"</text></outputEntry></rule>
      <rule id="r3"><inputEntry id="e3"><text>-</text></inputEntry><outputEntry id="o3"><text>"F"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

# "discount" requires "tier"; its UNIQUE table fails when the coupon rule overlaps a tier rule
PRICING_DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="pricing" name="Pricing" namespace="urn:pricing">
  <decision id="tier" name="tier">
    <decisionTable id="tierTable" hitPolicy="FIRST">
      <input id="ordersIn" label="Orders"><inputExpression id="ordersExpr" typeRef="number"><text>orders</text></inputExpression></input>
      <output id="tierOut" name="tier" typeRef="string" />
      <rule id="gold"><inputEntry id="t1"><text>&gt;= 10</text></inputEntry><outputEntry id="t2"><text>"gold"</text></outputEntry></rule>
      <rule id="basic"><inputEntry id="t3"><text>-</text></inputEntry><outputEntry id="t4"><text>"basic"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="discount" name="Discount">
    <informationRequirement id="needsTier"><requiredDecision href="#tier" /></informationRequirement>
    <decisionTable id="discountTable" hitPolicy="UNIQUE">
      <input id="tierIn" label="Tier"><inputExpression id="tierExpr" typeRef="string"><text>tier</text></inputExpression></input>
      <input id="couponIn" label="Coupon"><inputExpression id="couponExpr" typeRef="string"><text>coupon</text></inputExpression></input>
      <output id="discountOut" name="discount" typeRef="number" />
      <rule id="goldDiscount"><inputEntry id="d1"><text>"gold"</text></inputEntry><inputEntry id="d2"><text>-</text></inputEntry><outputEntry id="d3"><text>0.2</text></outputEntry></rule>
      <rule id="basicDiscount"><inputEntry id="d4"><text>"basic"</text></inputEntry><inputEntry id="d5"><text>-</text></inputEntry><outputEntry id="d6"><text>0</text></outputEntry></rule>
      <rule id="couponDiscount"><inputEntry id="d7"><text>-</text></inputEntry><inputEntry id="d8"><text>"DOUBLE"</text></inputEntry><outputEntry id="d9"><text>0.5</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""
PRICE_RULES = (
    '<bpmn:businessRuleTask id="rules" name="Price rules"><bpmn:extensionElements>'
    '<zeebe:calledDecision decisionId="discount" resultVariable="discount" />'
    "</bpmn:extensionElements></bpmn:businessRuleTask>"
)
# start -> rules -> gateway: a discount goes to the vip task, none to the plain end
PRICING = process(
    "pricing",
    START
    + PRICE_RULES
    + '<bpmn:exclusiveGateway id="gw" default="toPlain" />'
    + service("vip", job_type="vip-work")
    + '<bpmn:endEvent id="endVip" /><bpmn:endEvent id="endPlain" />'
    + '<bpmn:sequenceFlow id="toRules" sourceRef="start" targetRef="rules" />'
    + '<bpmn:sequenceFlow id="toGw" sourceRef="rules" targetRef="gw" />'
    + '<bpmn:sequenceFlow id="toVip" sourceRef="gw" targetRef="vip">'
    + '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
    + 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">= discount &gt; 0</bpmn:conditionExpression>'
    + "</bpmn:sequenceFlow>"
    + '<bpmn:sequenceFlow id="toPlain" sourceRef="gw" targetRef="endPlain" />'
    + '<bpmn:sequenceFlow id="vipDone" sourceRef="vip" targetRef="endVip" />',
    name="Pricing",
)
# the rules inside a sub-process: an incident there is an incident of the sub-process too
NESTED_PRICING = process(
    "nested-pricing",
    chain(
        START,
        '<bpmn:subProcess id="sub">'
        + chain('<bpmn:startEvent id="subStart" />', PRICE_RULES, '<bpmn:endEvent id="subEnd" />').replace(
            'id="f', 'id="s'
        )
        + "</bpmn:subProcess>",
        END,
    ),
)
