"""FEEL for the whole project: the engine's expressions and the DMN decision tables.

    expr = compile_expression('amount > 1000 and country in ["AF", "IQ"]')
    expr.evaluate(from_python({"amount": 1500, "country": "IQ"}))   # True

Variables must be FEEL values: `from_python` converts JSON-like data once, at the boundary.

Expressions are parsed with lark (LALR), compiled once to closures (cached) and evaluated against a mapping
of variables. Problems during evaluation give null and a warning in `state.warnings`; syntax errors raise
FeelSyntaxError naming the position with a caret.
"""

from engine.feel.api import (
    CompiledExpression,
    CompiledUnaryTests,
    FeelEvaluationError,
    FeelSyntaxError,
    compile_expression,
    compile_unary_tests,
    evaluate,
)
from engine.feel.values import EvalState, from_python

__all__ = [
    "CompiledExpression",
    "CompiledUnaryTests",
    "EvalState",
    "FeelEvaluationError",
    "FeelSyntaxError",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "from_python",
]
