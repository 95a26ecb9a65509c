"""Boolean built-in `not()` (DMN 1.5) plus Camunda's `is defined`, `get or else` and `assert`."""

from __future__ import annotations

from typing import Any

from engine.feel.builtins import builtin
from engine.feel.builtins.numeric import ABSENT
from engine.feel.values import MISSING, FeelFatalError


@builtin("not", "negand")
def not_(negand: Any) -> bool | None:
    return not negand if isinstance(negand, bool) else None


@builtin("is defined", "value")
def is_defined(value: Any) -> bool:
    """False for null and for a missing variable/path: the compiler passes MISSING for those (feel-scala 1.17+)."""
    return value is not None and value is not MISSING


@builtin("get or else", "value", "default")
def get_or_else(value: Any, default: Any) -> Any:
    return default if value is None or value is MISSING else value


@builtin("assert", "value", "condition", "cause?")
def assert_(value: Any, condition: Any, cause: Any = ABSENT) -> Any:
    """Fails the whole evaluation (a Zeebe incident) unless `condition` is true."""
    if condition is not True:
        raise FeelFatalError(cause if isinstance(cause, str) else "The condition is not fulfilled")
    return value
