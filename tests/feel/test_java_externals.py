"""External Java functions: a whitelist of java.lang static methods (spec dialect only)."""

from decimal import Decimal

import pytest

from engine.feel import EvalState, compile_expression


def _call(definition: str, call: str, dialect: str = "spec") -> tuple[object, list[str]]:
    state = EvalState(dialect)  # type: ignore[arg-type]
    expr = compile_expression(f"{{f: {definition}, r: {call}}}.r", dialect=dialect)  # type: ignore[arg-type]
    return expr.evaluate({}, state), state.warnings


JAVA = 'function({params}) external {{java: {{class: "{cls}", method signature: "{sig}"}}}}'


@pytest.mark.parametrize(
    ("params", "cls", "sig", "call", "expected"),
    [
        ("a, b", "java.lang.Math", "max(double, double)", "f(123, 456.5)", Decimal("456.5")),
        ("a", "java.lang.Math", "cos(double)", "f(0)", Decimal(1)),
        ("a, b", "java.lang.Math", "max(float,float)", "f(123.46, 456.78)", Decimal("456.78")),
        ("s", "java.lang.Integer", "valueOf(java.lang.String)", 'f("123")', Decimal(123)),
        ("c", "java.lang.String", "valueOf(char)", 'f("a")', "a"),
        ("c", "java.lang.String", "valueOf(char)", 'f("abc")', None),
        ("f, a", "java.lang.String", "format(java.lang.String, [Ljava.lang.Object;)", 'f("x %s", "y")', "x y"),
        ("a", "java.lang.Math", "foo(double)", "f(1)", None),
        ("a", "java.lang.Nope", "valueOf(double)", "f(1)", None),
    ],
)
def test_whitelisted_methods(params: str, cls: str, sig: str, call: str, expected: object) -> None:
    value, _ = _call(JAVA.format(params=params, cls=cls, sig=sig), call)
    assert value == expected


def test_unknown_method_warns() -> None:
    value, warnings = _call(JAVA.format(params="a", cls="java.lang.Math", sig="foo(double)"), "f(1)")
    assert value is None
    assert any("no Java method found" in w for w in warnings)


def test_camunda_disables_external_functions() -> None:
    value, warnings = _call(JAVA.format(params="a, b", cls="java.lang.Math", sig="max(int, int)"), "f(1, 2)", "camunda")
    assert value is None
    assert any("disabled" in w for w in warnings)
