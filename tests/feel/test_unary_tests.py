"""Decision-table cells: unary tests against an input value."""

from decimal import Decimal

import pytest

from engine.feel import compile_unary_tests
from engine.feel.values import FeelFunction

D = Decimal


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ("-", D(9), True),
        ("", "anything", True),
        ("< 5", D(3), True),
        ("< 5", D(5), False),
        ("<= 5", D(5), True),
        (">= 18", D(17), False),
        ("[1..5]", D(5), True),
        ("[1..5)", D(5), False),
        ("(1..5]", D(1), False),
        ("]1..5]", D(1), False),
        ('"Medium","Low"', "Low", True),
        ('"Medium","Low"', "High", False),
        ("not(1, 2)", D(2), False),
        ("not(1, 2)", D(3), True),
        ("not(< 5)", D(3), False),
        ('not("a")', None, True),
        ("null", None, True),
        ("null", D(1), False),
        ("? > 3 and ? < 9", D(5), True),
        ("? > 3 and ? < 9", D(10), False),
        ("true", True, True),
        ("false", True, False),
        ("< 10, > 20", D(25), True),
        ("< 10, > 20", D(15), False),
        ("[1, 2, 3]", D(2), True),
        ("x", D(7), True),
        ("< x", D(6), True),
        ("< 5", "a", None),
    ],
)
def test_cells(cell: str, value: object, expected: object) -> None:
    assert compile_unary_tests(cell).evaluate(value, {"x": D(7)}) is expected


def test_boolean_variable_as_cell_compares_in_spec_and_matches_in_camunda() -> None:
    # TCK 0036: a cell naming a boolean variable compares the input with it (spec); feel-scala matches any input
    spec = compile_unary_tests("flag", dialect="spec")
    camunda = compile_unary_tests("flag", dialect="camunda")
    assert spec.evaluate(False, {"flag": True}) is False
    assert camunda.evaluate(False, {"flag": True}) is True


def test_dash_cell_is_always() -> None:
    assert compile_unary_tests(" - ").always
    assert not compile_unary_tests("1").always


def test_function_call_in_cell_binds_the_input() -> None:
    from engine.feel.builtins import BUILTINS, load_all

    load_all()
    assert isinstance(BUILTINS.get("starts with"), FeelFunction)
    cell = compile_unary_tests('starts with(?, "IR")')
    assert cell.evaluate("IRQ") is True
    assert cell.evaluate("GBR") is False
