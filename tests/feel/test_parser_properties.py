"""Property tests: whatever the text, the parser answers with an expression or a FeelSyntaxError."""

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.feel import FeelEvaluationError, FeelSyntaxError, compile_expression, compile_unary_tests

SEEDS = [
    "1 + 2 * 3",
    'if x > 1 then "a" else "b"',
    "for i in 1..3 return i * 2",
    "some x in [1, 2] satisfies x > 1",
    "{a: 1, b: a + 1}.b",
    "[1, 2, 3][item > 1]",
    'date and time("2020-01-01T10:00:00@Europe/London").year',
    "function(a, b) a + b",
    "x in [1..5)",
    "x instance of list<number>",
    '"a\\"b" + string(1)',
    "@\"P1Y2M\" + @\"P1M\"",
    "not(true) or null",
]

atoms = st.sampled_from(["1", "x", "null", "true", '"s"', "[1, 2]", "{a: 1}", "[1..3]", "@\"2020-01-01\"", "?"])
binops = st.sampled_from(["+", "-", "*", "/", "**", "=", "!=", "<", ">=", "and", "or", "in", "between 1 and"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(atoms)
    kind = draw(st.integers(0, 5))
    a, b = draw(expressions(depth - 1)), draw(expressions(depth - 1))
    if kind == 0:
        return f"{a} {draw(binops)} {b}"
    if kind == 1:
        return f"if {a} then {b} else {a}"
    if kind == 2:
        return f"for v in {a} return {b}"
    if kind == 3:
        return f"{a}[{b}]"
    if kind == 4:
        return f"({a}).{draw(st.sampled_from(['a', 'year', 'start', 'x y']))}"
    return f"count([{a}, {b}])"


def _compiles_or_syntax_error(text: str) -> None:
    try:
        expr = compile_expression(text, ["x y"])
    except FeelSyntaxError as e:
        assert e.text == text and 0 <= e.position <= len(text)
        return
    # `?` outside a unary test, deep nesting: a clear error, never a crash
    with contextlib.suppress(FeelEvaluationError):
        expr.evaluate({"x": None})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_generated_expressions(text: str) -> None:
    _compiles_or_syntax_error(text)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(SEEDS),
    st.integers(0, 60),
    st.integers(0, 3),
    st.text(alphabet='()[]{}.,:"@`?<>=!+-*/ \\0123456789aefinorstx\n', max_size=4),
)
def test_mutated_expressions(seed: str, at: int, cut: int, insert: str) -> None:
    at = min(at, len(seed))
    _compiles_or_syntax_error(seed[:at] + insert + seed[at + cut :])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text(text: str) -> None:
    _compiles_or_syntax_error(text)
    with contextlib.suppress(FeelSyntaxError, FeelEvaluationError):
        compile_unary_tests(text).evaluate(1)
