"""FEEL's value model.

FEEL value  -> Python representation
null        -> None
number      -> decimal.Decimal (never int/float; bool is never a number)
string      -> str
boolean     -> bool
date/time/date and time/durations -> classes in engine.feel.temporal (subclasses of TemporalValue)
list        -> list
context     -> dict[str, value] (insertion ordered)
range       -> Range
function    -> FeelFunction
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from decimal import Context as DecimalContext
from typing import Any, Literal

Dialect = Literal["spec", "camunda"]

#: IEEE 754 decimal128 as the spec asks: 34 digits, half-even.
DECIMAL = DecimalContext(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143)

#: The dialect of the evaluation in progress; read by operators whose semantics differ (feel-dmn.md §4).
DIALECT: ContextVar[Dialect] = ContextVar("feel_dialect", default="spec")


class FeelError(Exception):
    """A failure inside an evaluation: the caller turns it into null plus a warning."""


class FeelFatalError(Exception):
    """A failure that must abort the whole evaluation (feel-scala's ValFatalError: `assert`, `?` misuse)."""


class _Missing:
    """Marks an absent variable or context entry (distinct from an explicit null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class TemporalValue:
    """Base of the temporal value classes (engine.feel.temporal).

    Subclasses implement FEEL equality/ordering; both return None when the operands are not comparable.
    """

    __slots__ = ()

    def feel_eq(self, other: Any) -> bool | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def feel_cmp(self, other: Any) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Range:
    """A FEEL range. An open end (`< 10`) has start=None; `start_included` is then False."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool


def _system_clock() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).astimezone()


class EvalState:
    """Per-evaluation state shared by compiled closures and built-ins."""

    __slots__ = ("warnings", "dialect", "clock", "zone", "type_resolver")

    def __init__(
        self,
        dialect: Dialect = "spec",
        clock: Callable[[], _dt.datetime] | None = None,
        zone: str | None = None,
        type_resolver: Callable[[str], Callable[[Any], bool] | None] | None = None,
    ) -> None:
        self.warnings: list[str] = []
        self.dialect: Dialect = dialect
        #: returns an aware datetime; `now()` and `today()` read it
        self.clock: Callable[[], _dt.datetime] = clock or _system_clock
        self.zone = zone
        #: resolves a type name that is not built in (a DMN itemDefinition) to a conformance predicate
        self.type_resolver = type_resolver

    def warn(self, message: str) -> None:
        if len(self.warnings) < 100:
            self.warnings.append(message)


@dataclass(eq=False, slots=True)
class FeelFunction:
    """A callable FEEL value: a user-defined lambda, a BKM or a built-in.

    `params` lists the formal parameter names (None: any arity, positional only).
    `impl(state, args)` receives the positional argument list, already bound for named calls.
    """

    name: str
    params: tuple[str, ...] | None
    impl: Callable[[EvalState, list[Any]], Any]
    #: fewest positional arguments accepted (-1: exactly len(params)); trailing params are optional
    min_args: int = -1
    #: the last parameter collects the remaining positional arguments as a list
    varargs: bool = False
    #: overloads for built-ins with several signatures (date(from) / date(y, m, d))
    overloads: list[FeelFunction] = field(default_factory=list)

    def bind(self, args: list[Any] | None, named: dict[str, Any] | None) -> list[Any] | None:
        """The positional argument list for this signature, or None when the call does not fit it."""
        params = self.params
        if params is None:
            return list(args or ()) if named is None else None
        low = len(params) if self.min_args < 0 else self.min_args
        if named is not None:
            if any(k not in params for k in named):
                return None
            if self.varargs:
                *fixed, rest = params
                bound = [named[p] for p in fixed if p in named]
                if len(bound) != len(fixed):
                    return None
                if rest in named:
                    v = named[rest]
                    bound.extend(v if isinstance(v, list) else [v])
                return bound
            if any(p not in named for p in params[:low]):
                return None
            last = max((i for i, p in enumerate(params) if p in named), default=-1)
            return [named.get(p) for p in params[: max(last + 1, low)]]
        assert args is not None
        if self.varargs:
            return list(args) if len(args) >= len(params) - 1 and len(args) >= low else None
        return list(args) if low <= len(args) <= len(params) else None

    def call(self, state: EvalState, args: list[Any]) -> Any:
        return self.impl(state, args)

    def __repr__(self) -> str:
        return f"function {self.name}({', '.join(self.params or ())})"


def is_number(v: Any) -> bool:
    return type(v) is Decimal


def number(v: int | float | str | Decimal) -> Decimal:
    """A FEEL number from a Python int, float (via its shortest repr) or text."""
    if isinstance(v, float):
        return DECIMAL.create_decimal(repr(v))
    return DECIMAL.create_decimal(v)


_PLAIN = (str, bool, Decimal, type(None))


def from_python(v: Any) -> Any:
    """Convert JSON-like Python data (variables from a process or a test) into FEEL values."""
    t = type(v)
    if t in _PLAIN:
        return v
    if t is int:
        return Decimal(v) if -(10**34) < v < 10**34 else DECIMAL.create_decimal(v)
    if t is dict:
        return {k if type(k) is str else str(k): x if type(x) in _PLAIN else from_python(x) for k, x in v.items()}
    if t is list or t is tuple:
        return [x if type(x) in _PLAIN else from_python(x) for x in v]
    if t is float:
        try:
            return number(v)
        except InvalidOperation:  # NaN and infinities are not FEEL numbers
            return None
    return _from_other(v)


def _from_other(v: Any) -> Any:
    """The rare shapes: FEEL values already, subclasses of the plain types, Python dates and times."""
    if isinstance(v, (TemporalValue, Range, FeelFunction, Decimal)):
        return v
    if isinstance(v, str):
        return str(v)
    if isinstance(v, int):  # bool is handled before: an IntEnum, say
        return from_python(int(v))
    if isinstance(v, float):
        return from_python(float(v))
    if isinstance(v, Mapping):
        return from_python(dict(v))
    if isinstance(v, (list, tuple)):
        return from_python(list(v))
    if isinstance(v, _dt.date):
        from engine.feel import temporal

        return temporal.from_datetime(v) if isinstance(v, _dt.datetime) else temporal.from_date(v)
    return v


def type_name(v: Any) -> str:
    """The FEEL type name of a value, for messages and `instance of`."""
    if v is None:
        return "Null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, Decimal):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "context"
    if isinstance(v, Range):
        return "range"
    if isinstance(v, FeelFunction):
        return "function"
    name = getattr(type(v), "feel_type", None)
    return str(name) if name else type(v).__name__
