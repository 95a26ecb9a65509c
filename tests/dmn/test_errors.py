"""Bad files fail at parse time with messages naming the file, the decision and the rule or cell."""

from __future__ import annotations

import pytest

from engine.dmn import DmnParseError, parse_dmn
from engine.feel.values import Dialect
from tests.dmn.helpers import decision, definitions, literal, table


def parse_error(xml: str, dialect: Dialect = "camunda") -> str:
    with pytest.raises(DmnParseError) as info:
        parse_dmn(xml, "bad.dmn", dialect=dialect)
    return str(info.value)


def test_invalid_xml() -> None:
    assert parse_error("<definitions").startswith("bad.dmn: not well-formed XML")


def test_not_dmn() -> None:
    assert "not a DMN model" in parse_error('<definitions xmlns="urn:other"/>')


def test_unknown_hit_policy_names_the_decision() -> None:
    xml = definitions(
        decision("grading", table("SOMETIMES", [("n", "n")], ["o"], [(["1"], ["2"])]), "Grading")
    )
    msg = parse_error(xml)
    assert (
        "bad.dmn" in msg and "decision 'Grading' (grading)" in msg and "unknown hit policy 'SOMETIMES'" in msg
    )


def test_feel_syntax_error_in_an_input_entry_names_the_rule_and_cell() -> None:
    rules = [(["&gt; 1"], ['"ok"']), (["[1.."], ['"bad"'])]
    msg = parse_error(definitions(decision("d", table("FIRST", [("n", "n")], ["o"], rules), "D")))
    assert "bad.dmn: decision 'D' (d): rule 2 (rule2): input entry 1" in msg
    assert "^" in msg  # the FEEL error shows the position


def test_feel_syntax_error_in_an_output_entry() -> None:
    rules = [(["-"], ['"unterminated'])]
    msg = parse_error(definitions(decision("d", table("FIRST", [("n", "n")], ["o"], rules))))
    assert "rule 1 (rule1): output entry 1" in msg


def test_feel_syntax_error_in_a_literal_expression() -> None:
    msg = parse_error(definitions(decision("calc", literal("1 +* 2"), "Calc")))
    assert "decision 'Calc' (calc)" in msg and "1 +* 2" in msg


def test_rule_with_wrong_cell_count() -> None:
    xml = definitions(decision("d", table("FIRST", [("a", "a"), ("b", "b")], ["o"], [(["1"], ["2"])])))
    assert "rule 1" in parse_error(xml)


def test_camunda_rejects_what_zeebe_cannot_deploy() -> None:
    xml = definitions(
        decision(
            "d",
            "<conditional><if>"
            + literal("true")
            + "</if><then>"
            + literal("1")
            + "</then><else>"
            + literal("2")
            + "</else></conditional>",
        )
    )
    assert "not supported" in parse_error(xml)
    parse_dmn(xml, "ok.dmn", dialect="spec")  # a DMN 1.4 engine accepts it


def test_missing_import_in_spec() -> None:
    xml = definitions('<import namespace="urn:nowhere" name="x" importType="dmn"/>')
    assert "urn:nowhere" in parse_error(xml, "spec")


def test_lenient_parse_fails_only_the_decision_with_the_bad_expression() -> None:
    from engine.dmn import evaluate_decision

    xml = definitions(decision("bad", literal("1 +* 2")) + decision("good", literal("1 + 2")))
    model = parse_dmn(xml, "mixed.dmn", dialect="spec", lenient=True)
    assert str(evaluate_decision(model, "good", {}, dialect="spec").decision_output) == "3"
    bad = evaluate_decision(model, "bad", {}, dialect="spec")
    assert bad.decision_output is None
    assert any("mixed.dmn: decision 'bad' (bad)" in w for w in bad.warnings)
    failed = evaluate_decision(parse_dmn(xml, "mixed.dmn", lenient=True), "bad", {})
    assert failed.failed_decision_id == "bad"
