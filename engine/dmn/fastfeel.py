"""Evaluating many compiled FEEL pieces against one scope with a single setup.

`CompiledExpression.evaluate` / `CompiledUnaryTests.evaluate` set the dialect and build a scope per call;
in a decision table that setup costs more than the cells themselves. These adapters reach the compiled
closures (private attributes of engine.feel.api) so a table sets up once per evaluation. When those
internals are absent they fall back to the public API, so a change there slows tables down but never
breaks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from engine.feel.api import FeelEvaluationError
from engine.feel.compile import Env
from engine.feel.values import DIALECT, EvalState, FeelFatalError

CellTest = Callable[[Any, Env], "bool | None"]
ExprFn = Callable[[Env], Any]


def cell_test(tests: Any) -> CellTest:
    fn = getattr(tests, "_test", None)
    if callable(fn):
        return fn
    return lambda value, env: tests.evaluate(value, env.vars, env.state)


def expr_fn(expr: Any) -> ExprFn:
    fn = getattr(expr, "_fn", None)
    if callable(fn):
        return fn
    return lambda env: expr.evaluate(env.vars, env.state)


@contextmanager
def scope(variables: Mapping[str, Any], state: EvalState) -> Iterator[Env]:
    """The Env the adapters evaluate in, with the dialect set as the public API would set it."""
    token = DIALECT.set(state.dialect)
    try:
        yield Env(variables, None, state)
    except FeelFatalError as e:
        raise FeelEvaluationError(str(e)) from None
    except RecursionError:
        raise FeelEvaluationError("expression nests too deeply (recursion limit reached)") from None
    finally:
        DIALECT.reset(token)
