"""Invoking FEEL functions: signature selection, named arguments and null-on-error."""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from engine.feel.values import EvalState, FeelError, FeelFunction

#: what a built-in may raise for bad input; it becomes null plus a warning, as in feel-scala
RECOVERABLE = (FeelError, ArithmeticError, InvalidOperation, ValueError, TypeError, IndexError, KeyError, OverflowError)


def call_function(
    fn: Any, state: EvalState, args: list[Any] | None, named: dict[str, Any] | None = None
) -> Any:
    """Invoke `fn` positionally (`args`) or by name (`named`); a call that fits no signature is null."""
    if not isinstance(fn, FeelFunction):
        state.warn(f"expected a function but found '{fn!r}'")
        return None
    for candidate in (fn, *fn.overloads):
        bound = candidate.bind(args, named)
        if bound is None:
            continue
        try:
            return candidate.impl(state, bound)
        except RECOVERABLE as e:
            state.warn(f"failed to invoke function '{fn.name}': {e}")
            return None
    given = ", ".join(named) if named is not None else f"{len(args or ())} argument(s)"
    state.warn(f"no function found with name '{fn.name}' and parameters: {given}")
    return None
