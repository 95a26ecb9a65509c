"""Decision requirements graphs: requirements, BKMs, decision services, scopes, imports and the result shape."""

from __future__ import annotations

from decimal import Decimal

from engine.dmn import evaluate_decision, evaluate_service, parse_dmn
from tests.dmn.helpers import decision, definitions, literal, table


def req_decision(ident: str) -> str:
    return f'<informationRequirement><requiredDecision href="#{ident}"/></informationRequirement>'


def req_input(ident: str) -> str:
    return f'<informationRequirement><requiredInput href="#{ident}"/></informationRequirement>'


def req_bkm(ident: str) -> str:
    return f'<knowledgeRequirement><requiredKnowledge href="#{ident}"/></knowledgeRequirement>'


LOAN = definitions(
    '<inputData id="i_salary" name="Monthly Salary"><variable name="Monthly Salary" typeRef="number"/></inputData>'
    + '<businessKnowledgeModel id="b_tax" name="Tax Rate"><variable name="Tax Rate"/>'
    + '<encapsulatedLogic><formalParameter name="gross pay" typeRef="number"/>'
    + literal("if gross pay &gt; 5000 then 0.4 else 0.2")
    + "</encapsulatedLogic></businessKnowledgeModel>"
    + decision("annual", literal("Monthly Salary * 12"), "Annual Salary", req_input("i_salary"), "number")
    + decision(
        "net",
        literal("Annual Salary * (1 - Tax Rate(Monthly Salary))"),
        "Net Income",
        req_decision("annual") + req_input("i_salary") + req_bkm("b_tax"),
    )
    + decision(
        "grade",
        table(
            "UNIQUE",
            [("Net", "Net Income")],
            ["grade"],
            [(["&gt;= 50000"], ['"rich"']), (["&lt; 50000"], ['"ok"'])],
        ),
        "Grade",
        req_decision("net"),
    )
)


def test_required_decisions_are_evaluated_first_and_reported_in_order() -> None:
    model = parse_dmn(LOAN, "loan.dmn")
    r = evaluate_decision(model, "grade", {"Monthly Salary": 6000})
    assert r.failure_message is None
    assert r.decision_output == "ok"
    assert [(d.decision_id, d.decision_type) for d in r.evaluated_decisions] == [
        ("annual", "LITERAL_EXPRESSION"),
        ("net", "LITERAL_EXPRESSION"),
        ("grade", "DECISION_TABLE"),
    ]
    assert r.evaluated_decisions[1].decision_output == Decimal("43200.0")
    z = r.to_zeebe()
    assert z["output"] == "ok"
    assert z["evaluatedDecisions"][1]["output"] == 43200
    assert z["evaluatedDecisions"][2]["matchedRules"][0]["ruleIndex"] == 2
    assert z["evaluatedDecisions"][2]["evaluatedInputs"][0] == {
        "inputId": "in0",
        "inputName": "Net",
        "inputValue": 43200,
    }


def test_decision_by_name_and_spec_dialect() -> None:
    model = parse_dmn(LOAN, "loan.dmn", dialect="spec")
    r = evaluate_decision(model, "Net Income", {"Monthly Salary": 1000}, dialect="spec")
    assert r.decision_output == Decimal("9600.0")


def test_spec_scope_is_limited_to_requirements() -> None:
    xml = definitions(
        '<inputData id="a" name="a"><variable name="a"/></inputData>'
        + decision("d", literal("a"), "d")  # does not require input data `a`
    )
    spec = parse_dmn(xml, "s.dmn", dialect="spec")
    assert evaluate_decision(spec, "d", {"a": 1}, dialect="spec").decision_output is None
    # Zeebe passes every variable to the decision
    cam = parse_dmn(xml, "s.dmn")
    assert evaluate_decision(cam, "d", {"a": 1}).decision_output == Decimal(1)


def test_camunda_type_mismatch_fails_and_names_the_decision() -> None:
    xml = definitions(
        decision("first", literal('"text"'), type_ref="number")
        + decision("second", literal("first"), requires=req_decision("first"))
    )
    r = evaluate_decision(parse_dmn(xml, "t.dmn"), "second", {})
    assert r.failed_decision_id == "first"
    assert r.failure_message is not None and r.failure_message.startswith(
        "Expected to evaluate decision 'second', but"
    )
    # as in Zeebe's audit log, the failed decision is the last one evaluated (no output); 'second' never ran
    assert [(d.decision_id, d.decision_output) for d in r.evaluated_decisions] == [("first", None)]
    spec = evaluate_decision(parse_dmn(xml, "t.dmn", dialect="spec"), "second", {}, dialect="spec")
    assert spec.failure_message is None and spec.decision_output is None


def test_cycle_is_detected() -> None:
    xml = definitions(
        decision("x", literal("y"), requires=req_decision("y"))
        + decision("y", literal("x"), requires=req_decision("x"))
    )
    r = evaluate_decision(parse_dmn(xml, "c.dmn"), "x", {})
    assert r.failed and r.failure_message is not None and "cyclic" in r.failure_message


def test_unknown_decision_is_a_failure() -> None:
    r = evaluate_decision(parse_dmn(LOAN, "loan.dmn"), "nope", {})
    assert r.failed_decision_id == "nope"


def test_context_and_invocation_boxed_expressions() -> None:
    ctx = (
        "<context>"
        + '<contextEntry><variable name="base"/>'
        + literal("10")
        + "</contextEntry>"
        + '<contextEntry><variable name="double"/>'
        + literal("base * 2")
        + "</contextEntry>"
        + "<contextEntry>"
        + literal("double + 1")
        + "</contextEntry>"
        + "</context>"
    )
    inv = (
        "<invocation><literalExpression><text>Tax Rate</text></literalExpression>"
        '<binding><parameter name="gross pay"/>' + literal("100") + "</binding></invocation>"
    )
    xml = definitions(
        '<businessKnowledgeModel id="b_tax" name="Tax Rate"><variable name="Tax Rate"/>'
        '<encapsulatedLogic><formalParameter name="gross pay"/>'
        + literal("gross pay / 10")
        + "</encapsulatedLogic>"
        "</businessKnowledgeModel>" + decision("c", ctx) + decision("i", inv, requires=req_bkm("b_tax"))
    )
    model = parse_dmn(xml, "b.dmn")
    assert evaluate_decision(model, "c", {}).decision_output == Decimal(21)
    r = evaluate_decision(model, "i", {})
    assert r.decision_output == Decimal(10)
    assert r.evaluated_decisions[0].decision_type == "INVOCATION"


def test_decision_service_binds_inputs_and_overrides_input_decisions() -> None:
    xml = definitions(
        '<decisionService id="ds" name="Service"><variable name="Service"/>'
        '<outputDecision href="#out"/><inputDecision href="#mid"/><inputData href="#in"/></decisionService>'
        '<inputData id="in" name="name"><variable name="name" typeRef="string"/></inputData>'
        + decision("mid", literal('"never"'))
        + decision("out", literal('name + " " + mid'), requires=req_input("in") + req_decision("mid"))
        + decision("caller", literal('Service("a", "b")'), requires=req_bkm("ds"))
    )
    model = parse_dmn(xml, "ds.dmn", dialect="spec")
    assert evaluate_service(model, "Service", {"name": "x", "mid": "y"}).decision_output == {"out": "x y"}
    assert evaluate_decision(model, "caller", {}, dialect="spec").decision_output == "a b"


def test_imports_expose_elements_under_the_import_name() -> None:
    lib = definitions(
        '<businessKnowledgeModel id="hello" name="Say Hello"><variable name="Say Hello"/>'
        '<encapsulatedLogic><formalParameter name="who"/>'
        + literal('"Hello " + who')
        + "</encapsulatedLogic>"
        "</businessKnowledgeModel>",
        name="lib",
        namespace="urn:lib",
    )
    main = definitions(
        '<import namespace="urn:lib" name="my lib" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>'
        + decision(
            "greet",
            literal('my lib.Say Hello("Ann")'),
            requires='<knowledgeRequirement><requiredKnowledge href="urn:lib#hello"/></knowledgeRequirement>',
        ),
        name="main",
        namespace="urn:main",
    )
    lib_model = parse_dmn(lib, "lib.dmn", dialect="spec")
    model = parse_dmn(main, "main.dmn", dialect="spec", imports=[lib_model])
    assert evaluate_decision(model, "greet", {}, dialect="spec").decision_output == "Hello Ann"
