"""List built-ins (DMN 1.5 §10.3.4.4) plus Camunda's `duplicate values`, `is empty`, `partition`,
the natural-order `sort(list)` and the deprecated `and()`/`or()` aliases.

Also holds the list argument helpers shared with the other modules (`as_list`, `list_index`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.feel.builtins import builtin
from engine.feel.builtins.numeric import ABSENT, require_number, to_int
from engine.feel.functions import call_function
from engine.feel.ops import compare, equals
from engine.feel.values import DECIMAL, EvalState, FeelError, FeelFunction


def as_list(v: Any, what: str = "list") -> list[Any]:
    """A list argument; a single non-null value counts as a singleton list (spec type conversion)."""
    if v is None:
        raise FeelError(f"expected {what} to be a list but found null")
    return v if isinstance(v, list) else [v]


def items_of(args: tuple[Any, ...]) -> list[Any]:
    """The items of a `list`-or-varargs call: `min([1, 2])` and `min(1, 2)` alike."""
    if not args:
        raise FeelError("expected at least one argument")
    if len(args) == 1:
        return as_list(args[0])
    return list(args)


def list_index(lst: list[Any], position: Any, extra: int = 0) -> int:
    """0-based index of a 1-based (negative: from the end) position; `extra` allows positions past the end."""
    p = to_int(position)
    n = len(lst)
    if 1 <= p <= n + extra:
        return p - 1
    if -n <= p <= -1:
        return n + p
    raise FeelError(f"position {position} is out of range for a list of {n} items")


def contains(lst: list[Any], item: Any) -> bool:
    return any(equals(x, item) is True for x in lst)


def distinct(lst: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in lst:
        if not contains(out, x):
            out.append(x)
    return out


def numbers(lst: list[Any]) -> list[Decimal]:
    return [require_number(x, "list item") for x in lst]


def natural_key(lst: list[Any]) -> Callable[[Any], Any]:
    """A sort key from FEEL ordering; items of different or unordered types are an error."""
    for x in lst:
        if compare(x, lst[0]) is None:
            raise FeelError(f"cannot compare '{lst[0]!r}' and '{x!r}'")
    return functools.cmp_to_key(lambda a, b: compare(a, b) or 0)


def _extreme(args: tuple[Any, ...], pick: Callable[..., Any]) -> Any:
    lst = items_of(args)
    return pick(lst, key=natural_key(lst)) if lst else None


@builtin("list contains", "list", "element")
def list_contains(list_: Any, element: Any) -> bool:
    return contains(as_list(list_), element)


@builtin("count", "list")
def count(list_: Any) -> Decimal:
    return Decimal(len(as_list(list_)))


@builtin("min", "*list")
def min_(*args: Any) -> Any:
    return _extreme(args, min)


@builtin("max", "*list")
def max_(*args: Any) -> Any:
    return _extreme(args, max)


def _sum(values: list[Decimal]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = DECIMAL.add(total, v)
    return total


@builtin("sum", "*list")
def sum_(*args: Any) -> Decimal | None:
    values = numbers(items_of(args))
    return _sum(values) if values else None


@builtin("product", "*list")
def product(*args: Any) -> Decimal | None:
    values = numbers(items_of(args))
    if not values:
        return None
    return functools.reduce(DECIMAL.multiply, values, Decimal(1))


def _mean(values: list[Decimal]) -> Decimal:
    return DECIMAL.divide(_sum(values), Decimal(len(values)))


@builtin("mean", "*list")
def mean(*args: Any) -> Decimal | None:
    values = numbers(items_of(args))
    return _mean(values) if values else None


@builtin("median", "*list")
def median(*args: Any) -> Decimal | None:
    values = sorted(numbers(items_of(args)))
    if not values:
        return None
    mid = len(values) // 2
    if len(values) % 2:
        return values[mid]
    return DECIMAL.divide(DECIMAL.add(values[mid - 1], values[mid]), Decimal(2))


@builtin("stddev", "*list")
def stddev(*args: Any) -> Decimal | None:
    """Sample standard deviation; null for fewer than two items."""
    values = numbers(items_of(args))
    if len(values) < 2:
        return None
    m = _mean(values)
    squares = _sum([DECIMAL.power(DECIMAL.subtract(v, m), 2) for v in values])
    return DECIMAL.sqrt(DECIMAL.divide(squares, Decimal(len(values) - 1)))


@builtin("mode", "*list")
def mode(*args: Any) -> list[Decimal]:
    values = numbers(items_of(args))
    counts: dict[Decimal, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1  # Decimal hashing ignores the scale: 2.5 and 2.50 count together
    top = max(counts.values(), default=0)
    return sorted(v for v, c in counts.items() if c == top)


def _all(items: list[Any]) -> bool | None:
    if any(x is False for x in items):
        return False
    return True if all(x is True for x in items) else None


def _any(items: list[Any]) -> bool | None:
    if any(x is True for x in items):
        return True
    return False if all(x is False for x in items) else None


def _check_booleans(items: list[Any]) -> list[Any]:
    bad = [x for x in items if x is not None and not isinstance(x, bool)]
    if bad:
        raise FeelError(f"expected boolean items but found '{bad[0]!r}'")
    return items


@builtin("all", "*list")
@builtin("and", "*list")
def all_(*args: Any) -> bool | None:
    return _all(_check_booleans(items_of(args)))


@builtin("any", "*list")
@builtin("or", "*list")
def any_(*args: Any) -> bool | None:
    return _any(_check_booleans(items_of(args)))


@builtin("sublist", "list", "start position", "length?")
def sublist(list_: Any, start: Any, length: Any = ABSENT) -> list[Any]:
    lst = as_list(list_)
    i = list_index(lst, start)
    if length is ABSENT:
        return lst[i:]
    n = to_int(length, "length")
    if n < 0:
        raise FeelError("length must not be negative")
    return lst[i : i + n]


@builtin("append", "list", "*item")
def append(list_: Any, *items: Any) -> list[Any]:
    return [*as_list(list_), *items]


@builtin("concatenate", "*list")
def concatenate(*lists: Any) -> list[Any]:
    return [x for lst in lists for x in as_list(lst)]


@builtin("insert before", "list", "position", "newItem")
def insert_before(list_: Any, position: Any, new_item: Any) -> list[Any]:
    lst = list(as_list(list_))
    lst.insert(list_index(lst, position), new_item)
    return lst


@builtin("remove", "list", "position")
def remove(list_: Any, position: Any) -> list[Any]:
    lst = list(as_list(list_))
    del lst[list_index(lst, position)]
    return lst


@builtin("reverse", "list")
def reverse(list_: Any) -> list[Any]:
    return as_list(list_)[::-1]


@builtin("index of", "list", "match")
def index_of(list_: Any, match: Any) -> list[Decimal]:
    return [Decimal(i) for i, x in enumerate(as_list(list_), 1) if equals(x, match) is True]


@builtin("union", "*list")
def union(*lists: Any) -> list[Any]:
    return distinct([x for lst in lists for x in as_list(lst)])


@builtin("distinct values", "list")
def distinct_values(list_: Any) -> list[Any]:
    return distinct(as_list(list_))


@builtin("duplicate values", "list")
def duplicate_values(list_: Any) -> list[Any]:
    lst = as_list(list_)
    return [x for x in distinct(lst) if sum(1 for y in lst if equals(x, y) is True) > 1]


def _flatten(lst: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in lst:
        out.extend(_flatten(x) if isinstance(x, list) else [x])
    return out


@builtin("flatten", "list")
def flatten(list_: Any) -> list[Any]:
    return _flatten(as_list(list_))


def _predicate(state: EvalState, fn: Any, arity: int) -> Callable[..., bool]:
    """A Python predicate from a FEEL function of `arity` parameters; a non-boolean result is an error."""
    if not isinstance(fn, FeelFunction) or (fn.params is not None and len(fn.params) != arity):
        raise FeelError(f"expected a function with {arity} parameters but found '{fn!r}'")

    def test(*args: Any) -> bool:
        r = call_function(fn, state, list(args))
        if not isinstance(r, bool):
            raise FeelError(f"expected the function to return a boolean but found '{r!r}'")
        return r

    return test


@builtin("sort", "list", "precedes?", state=True)
def sort(state: EvalState, list_: Any, precedes: Any = ABSENT) -> list[Any]:
    lst = as_list(list_)
    if precedes is ABSENT:  # Camunda/jDMN: natural order
        return sorted(lst, key=natural_key(lst))
    test = _predicate(state, precedes, 2)
    # Python's sort only asks "a < b", which is exactly `precedes(a, b)`; stable as FEEL expects
    return sorted(lst, key=functools.cmp_to_key(lambda a, b: -1 if test(a, b) else 1))


@builtin("list replace", "list", "position", "newItem", state=True, dialect="spec")
@builtin("list replace", "list", "match", "newItem", state=True, dialect="spec")
def list_replace(state: EvalState, list_: Any, position: Any, new_item: Any) -> list[Any]:
    """DMN 1.5: replace the item at a position, or every item for which `match(item, newItem)` is true."""
    lst = list(as_list(list_))
    if isinstance(position, FeelFunction):
        test = _predicate(state, position, 2)
        return [new_item if test(x, new_item) else x for x in lst]
    lst[list_index(lst, position)] = new_item
    return lst


@builtin("is empty", "list")
def is_empty(list_: Any) -> bool:
    return not as_list(list_)


@builtin("partition", "list", "size")
def partition(list_: Any, size: Any) -> list[list[Any]]:
    lst, n = as_list(list_), to_int(size, "size")
    if n <= 0:
        raise FeelError(f"size must be positive but was {size}")
    return [lst[i : i + n] for i in range(0, len(lst), n)]
