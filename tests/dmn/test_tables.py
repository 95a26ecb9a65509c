"""Decision tables: hit policies, aggregation, defaults, priorities, and the explained result."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.dmn import DecisionResult, evaluate_decision, parse_dmn
from engine.feel.values import Dialect
from tests.dmn.helpers import decision, definitions, table

GRADES = [(["&gt;= 90"], ['"A"']), (["&gt;= 80"], ['"B"']), (["&gt;= 50"], ['"C"']), (["&lt; 50"], ['"F"'])]


def run(xml_table: str, dialect: Dialect = "camunda", **variables: object) -> DecisionResult:
    model = parse_dmn(definitions(decision("d", xml_table)), "t.dmn", dialect=dialect)
    return evaluate_decision(model, "d", variables, dialect=dialect)


def test_first_returns_the_first_match_and_reports_one_rule() -> None:
    r = run(table("FIRST", [("Score", "score")], ["grade"], GRADES), score=85)
    assert r.decision_output == "B"
    ev = r.evaluated_decisions[0]
    assert ev.decision_type == "DECISION_TABLE"
    assert [(i.input_id, i.input_name, i.input_value) for i in ev.evaluated_inputs] == [
        ("in0", "Score", Decimal(85))
    ]
    assert [(m.rule_id, m.rule_index) for m in ev.matched_rules] == [("rule2", 2)]
    assert [(o.output_id, o.output_name, o.output_value) for o in ev.matched_rules[0].evaluated_outputs] == [
        ("out0", "grade", "B")
    ]


def test_unique_violation_fails_in_camunda_and_is_null_in_spec() -> None:
    t = table("UNIQUE", [("Score", "score")], ["grade"], GRADES)
    r = run(t, score=95)
    assert r.failed_decision_id == "d"
    assert r.failure_message is not None
    assert r.failure_message.startswith(
        "Expected to evaluate decision 'd', but multiple values aren't allowed"
    )
    spec = run(t, dialect="spec", score=95)
    assert spec.failure_message is None and spec.decision_output is None


def test_unique_single_match() -> None:
    assert run(table("UNIQUE", [("Score", "score")], ["grade"], GRADES), score=10).decision_output == "F"


def test_any_accepts_equal_outputs_and_rejects_different_ones() -> None:
    rules = [(["&gt; 1"], ['"x"']), (["&gt; 2"], ['"x"']), (["&gt; 3"], ['"y"'])]
    assert run(table("ANY", [("n", "n")], ["o"], rules), n=3).decision_output == "x"
    assert run(table("ANY", [("n", "n")], ["o"], rules), n=4).failed


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        (None, [Decimal(1), Decimal(5), Decimal(3)]),
        ("SUM", Decimal(9)),
        ("MIN", Decimal(1)),
        ("MAX", Decimal(5)),
        ("COUNT", Decimal(3)),
    ],
)
def test_collect_and_aggregations(aggregation: str | None, expected: object) -> None:
    rules = [(["&gt; 0"], ["1"]), (["&gt; 1"], ["5"]), (["&gt; 2"], ["3"]), (["&gt; 100"], ["7"])]
    r = run(table("COLLECT", [("n", "n")], ["o"], rules, aggregation=aggregation), n=10)
    assert r.decision_output == expected
    assert [m.rule_index for m in r.evaluated_decisions[0].matched_rules] == [1, 2, 3]


def test_rule_order_and_multiple_outputs() -> None:
    rules = [(["&gt; 0"], ['"a"', "1"]), (["-"], ['"b"', "2"])]
    r = run(table("RULE ORDER", [("n", "n")], ["x", "y"], rules), n=1)
    assert r.decision_output == [{"x": "a", "y": Decimal(1)}, {"x": "b", "y": Decimal(2)}]


def test_priority_and_output_order_follow_output_values() -> None:
    rules = [(["-"], ['"low"']), (["&gt; 5"], ['"high"']), (["&gt; 2"], ['"medium"'])]
    vals = {"risk": '"high","medium","low"'}
    assert (
        run(table("PRIORITY", [("n", "n")], ["risk"], rules, output_values=vals), n=9).decision_output
        == "high"
    )
    assert (
        run(table("PRIORITY", [("n", "n")], ["risk"], rules, output_values=vals), n=3).decision_output
        == "medium"
    )
    r = run(table("OUTPUT ORDER", [("n", "n")], ["risk"], rules, output_values=vals), n=9)
    assert r.decision_output == ["high", "medium", "low"]
    assert [m.rule_index for m in r.evaluated_decisions[0].matched_rules] == [2, 3, 1]


def test_no_match_gives_default_output_or_null() -> None:
    rules = [(["&gt; 5"], ['"big"'])]
    assert run(table("UNIQUE", [("n", "n")], ["o"], rules), n=1).decision_output is None
    assert run(table("COLLECT", [("n", "n")], ["o"], rules), n=1).decision_output is None
    with_default = table("UNIQUE", [("n", "n")], ["o"], rules, defaults={"o": '"small"'})
    r = run(with_default, n=1)
    assert r.decision_output == "small"
    assert r.evaluated_decisions[0].matched_rules == []


def test_input_name_falls_back_to_the_expression_truncated_to_30_characters() -> None:
    expr = "if amount > 1000 then amount * 2 else amount"
    t = table("FIRST", [("", expr)], ["o"], [(["-"], ["1"])])
    r = run(t, amount=5)
    assert r.evaluated_decisions[0].evaluated_inputs[0].input_name == expr[:30]


def test_unary_test_forms() -> None:
    rules = [
        (['"a","b"', "[1..5]"], ['"list+range"']),
        (['not("c")', "&lt; 0"], ['"negative"']),
        (["-", "? &gt; 100"], ['"question mark"']),
    ]
    t = table("FIRST", [("s", "s"), ("n", "n")], ["o"], rules)
    assert run(t, s="b", n=5).decision_output == "list+range"
    assert run(t, s="z", n=-1).decision_output == "negative"
    assert run(t, s="c", n=101).decision_output == "question mark"
    assert run(t, s="c", n=50).decision_output is None
