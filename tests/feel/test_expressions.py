"""FEEL expressions: the language core (operators, control, structures), spec dialect unless stated."""

from decimal import Decimal

import pytest

from engine.feel import EvalState, compile_expression, evaluate
from engine.feel.values import FeelFunction, Range

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", D(7)),
        ("(1 + 2) * 3", D(9)),
        ("0.1 + 0.2 = 0.3", True),
        ("1 / 3", D("0.3333333333333333333333333333333333")),
        ("10 - 2 - 3", D(5)),
        ("-3 ** 2", D(9)),  # unary minus binds tighter than **
        ("3 ** 4 ** 5", D(3486784401)),  # ** is left-associative
        ("10 ** -5", D("0.00001")),
        ("12300 = 1.23e4", True),
        (".5 + 1", D("1.5")),
        ("100 / 0", None),
        ('"10" + 10', None),
        ('"a" + "b"', "ab"),
        ("1 + null", None),
    ],
)
def test_arithmetic(text: str, expected: object) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true and null", None),
        ("false and null", False),
        ("true or null", True),
        ('true or "x"', True),
        ("null = null", True),
        ("100 = null", False),
        ("null < 1", None),
        ('100 = "100"', None),
        ("{} = []", None),
        ("[1, 2] = [1, 2]", True),
        ("[1, 2] = [2, 1]", False),
        ('{a: {c: "bar", b: "foo"}} = {a: {b: "foo", c: "bar"}}', True),
        ("5 between 1 and 10", True),
        ('"d" between "b" and "d"', True),
        ("11 between 1 and 10", False),
        ("5 between 1 and 10 and false", False),
        ("1 in [[2..4], [1..3]]", True),
        ("10 in <= 10", True),
        ("3 in (1, 2)", False),
        ("2 in (1, 2)", True),
        ('"b" in ["a", "b"]', True),
        ("5 in [1..5)", False),
        ("1 != 2", True),
        ("true != null", True),
    ],
)
def test_logic_and_comparison(text: str, expected: object) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('if 2 > 1 then "a" else "b"', "a"),
        ('if null then "a" else "b"', "b"),
        ('if "yes" then "a" else "b"', "b"),
        ("for i in 1..4 return i * 2", [D(2), D(4), D(6), D(8)]),
        ("for i in 3..1 return i", [D(3), D(2), D(1)]),
        ("for i in 0..4 return if i = 0 then 1 else i * partial[-1]", [D(1), D(1), D(2), D(6), D(24)]),
        ("for x in [[1, 2], [3, 4]], y in x return y", [D(1), D(2), D(3), D(4)]),
        ("for a in [1, 2], b in [10, 20] return a + b", [D(11), D(21), D(12), D(22)]),
        ('for i in "a".."z" return i', None),
        ("some x in [1, 2, 3] satisfies x > 2", True),
        ("every x in [1, 2, 3] satisfies x > 2", False),
        ("every x in [] satisfies x > 0", True),
    ],
)
def test_control(text: str, expected: object) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2, 3, 4][item > 2]", [D(3), D(4)]),
        ("[1, 2, 3][-1]", D(3)),
        ("[1, 2, 3][0]", None),
        ("[1, 2, 3][4]", None),
        ("true[1]", True),
        ("100[false]", []),
        ('[{a: 1, b: "x"}, {a: 2, b: "y"}][a > 1].b', ["y"]),
        ("{a: 1, b: a + 1}.b", D(2)),
        ("{first name: \"Ann\", greeting: \"Hi \" + first name}.greeting", "Hi Ann"),
        ('{"a b": 1}', {"a b": D(1)}),
        ("[{a: 1}, {b: 2}].a", [D(1), None]),
        ('{foo: "bar", foo: "baz"}', None),
        ("(1..10].start included", False),
        ("[1..10].end", D(10)),
        ("(function(a) function(b) a + b)(1)(2)", D(3)),
        ("-(function(a) a)(10)", D(-10)),
        ("(function(a, b) a - b)(b: 1, a: 5)", D(4)),
        ("(function(a) a)(c: 1)", None),
        ('"\\ud83d\\udca9" = "\U0001F4A9"', True),
        ('"a\\nb"', "a\nb"),
        ('"say \\"hi\\""', 'say "hi"'),
    ],
)
def test_structures(text: str, expected: object) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 instance of number", True),
        ('"a" instance of number', False),
        ("null instance of Any", False),
        ("[1] instance of list<number>", True),
        ('[1, "a"] instance of list<number>', False),
        ("{a: 1} instance of context<a: number>", True),
        ("{b: 1} instance of context<a: number>", False),
        ("(function(a) a) instance of function<Any> -> Any", True),
        ("[1..2] instance of range<number>", True),
    ],
)
def test_instance_of(text: str, expected: object) -> None:
    assert evaluate(text) == expected


def test_variables_and_names_with_spaces() -> None:
    expr = compile_expression("Monthly Salary * 12", ["Monthly Salary"])
    assert expr.evaluate({"Monthly Salary": D(1000)}) == D(12000)
    dashed = compile_expression("Post-bureau affordability and true", ["Post-bureau affordability"])
    assert dashed.evaluate({"Post-bureau affordability": True}) is True
    # without the name known, `a-b` is a subtraction
    assert compile_expression("a-b").evaluate({"a": D(5), "b": D(3)}) == D(2)
    keyword_name = compile_expression("for d in days in weekend return d", ["days in weekend"])
    assert keyword_name.evaluate({"days in weekend": ["sat", "sun"]}) == ["sat", "sun"]
    assert evaluate("`monthly salary` + 1", {"monthly salary": 1}) == D(2)


def test_missing_variable_is_null_with_a_warning() -> None:
    state = EvalState()
    assert compile_expression("applicant.age > 18").evaluate({}, state) is None
    assert "no variable found with name 'applicant'" in state.warnings[0]


def test_type_mismatch_is_null_with_a_warning() -> None:
    state = EvalState()
    assert compile_expression('1 < "2"').evaluate({}, state) is None
    assert "can't compare" in state.warnings[0]


def test_functions_are_values() -> None:
    f = evaluate("function(x) x * 2")
    assert isinstance(f, FeelFunction)
    assert evaluate("f(21)", {"f": f}) == D(42)
    assert evaluate("[1..3]") == Range(D(1), D(3), True, True)


def test_compiled_expression_is_cached_and_reusable() -> None:
    a = compile_expression("x + 1")
    assert a is compile_expression("x + 1")
    assert [a.evaluate({"x": D(i)}) for i in range(3)] == [D(1), D(2), D(3)]


def test_comments_are_ignored() -> None:
    assert evaluate("1 + /* two */ 2 // three") == D(3)
