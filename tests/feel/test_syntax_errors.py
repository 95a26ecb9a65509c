"""Syntax errors name the position with a caret; evaluation failures that must abort say why."""

import pytest

from engine.feel import (
    FeelEvaluationError,
    FeelSyntaxError,
    compile_expression,
    compile_unary_tests,
    evaluate,
)


@pytest.mark.parametrize(
    ("text", "column", "detail"),
    [
        ("1 + * 2", 5, "unexpected '*'"),
        ("x in [1,", 9, "unexpected end of expression"),
        ("if x then 1", 12, "unexpected end of expression"),
        ('a = "unterminated', 5, "unexpected character '\"'"),
        ("date and time(\"2020-01-01\") +* 1", 30, "unexpected '*'"),
    ],
)
def test_error_names_the_position(text: str, column: int, detail: str) -> None:
    with pytest.raises(FeelSyntaxError) as info:
        compile_expression(text)
    message = str(info.value)
    assert f"column {column}: {detail}" in message
    source, caret = message.splitlines()[1:3]
    assert source.strip() == text
    # the caret sits under the column the message names
    assert caret.index("^") - 2 == column - 1


def test_known_names_do_not_shift_the_caret() -> None:
    with pytest.raises(FeelSyntaxError) as info:
        compile_expression("Post-bureau affordability + )", ["Post-bureau affordability"])
    assert "column 29" in str(info.value)


def test_unary_tests_report_syntax_errors_too() -> None:
    with pytest.raises(FeelSyntaxError):
        compile_unary_tests("[1..")


def test_input_outside_a_unary_test_aborts() -> None:
    with pytest.raises(FeelEvaluationError, match=r"'\?' is only available"):
        evaluate("? + 1")
