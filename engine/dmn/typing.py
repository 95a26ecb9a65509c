"""typeRef conformance and the binding coercions of DMN §10.3.2.9 (feel-dmn.md §5.4).

A `Types` object belongs to one model: it resolves built-in type names, the model's itemDefinitions and
`import.tName` references, and caches one checker per typeRef so evaluation never re-resolves a name.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.dmn.model import DmnModel, ItemDefinition
from engine.feel.values import EvalState, FeelFunction, Range, type_name

Checker = Callable[[Any], bool]

#: FEEL type names and the DMN 1.1 / XSD aliases seen in models
_ALIASES = {
    "dateTime": "date and time",
    "datetime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "duration": "days and time duration",
}
#: the typeRefs dmn-scala checks (anything else is not checked), mapped to FEEL type names
CAMUNDA_CHECKED = {
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "dateTime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
}


def _is_type(name: str) -> Checker:
    if name == "number":
        return lambda v: type(v) is Decimal
    if name == "string":
        return lambda v: type(v) is str
    if name == "boolean":
        return lambda v: type(v) is bool
    if name == "context":
        return lambda v: type(v) is dict
    if name == "list":
        return lambda v: type(v) is list
    if name == "function":
        return lambda v: isinstance(v, FeelFunction)
    if name == "range":
        return lambda v: isinstance(v, Range)
    if name == "days and time duration":
        return lambda v: type_name(v) in ("days and time duration", "duration")
    return lambda v: type_name(v) == name


_BUILTIN = frozenset(
    {
        "number",
        "string",
        "boolean",
        "date",
        "time",
        "date and time",
        "days and time duration",
        "years and months duration",
        "context",
        "list",
        "function",
        "range",
    }
)


def _any(_: Any) -> bool:
    return True


class Types:
    def __init__(self, model: DmnModel) -> None:
        self.model = model
        self._checkers: dict[tuple[str, bool], Checker] = {}

    # -- resolution

    def item(self, type_ref: str) -> tuple[ItemDefinition, Types] | None:
        """The itemDefinition a typeRef names, with the Types of the model that defines it."""
        m = self.model
        found = m.item_definitions.get(type_ref)
        if found is not None:
            return found, self
        prefix, dot, local = type_ref.rpartition(".")
        if dot:
            for imp in m.imports:
                if imp.name == prefix and imp.namespace in m.imported:
                    sub = types_of(m.imported[imp.namespace])
                    hit = sub.model.item_definitions.get(local)
                    if hit is not None:
                        return hit, sub
        return None

    def checker(self, type_ref: str | None, allowed: bool = True) -> Checker:
        """A predicate for `type_ref`; null conforms to every type. `allowed` checks allowedValues too."""
        if not type_ref:
            return _any
        key = (type_ref, allowed)
        c = self._checkers.get(key)
        if c is None:
            c = self._build(type_ref, allowed)
            self._checkers[key] = c
        return c

    def _build(self, type_ref: str, allowed: bool) -> Checker:
        name = _ALIASES.get(type_ref, type_ref)
        if name in ("Any", "any"):
            return _any
        if name in _BUILTIN:
            base = _is_type(name)
            return lambda v: v is None or base(v)
        found = self.item(type_ref)
        if found is None:
            return _any  # an unknown type (e.g. a Java class name) is not checked
        item, owner = found
        return owner._item_checker(item, allowed)

    def _item_checker(self, item: ItemDefinition, allowed: bool) -> Checker:
        single = self._single_checker(item, allowed)
        if not item.is_collection:
            return single
        return lambda v: v is None or (type(v) is list and all(single(x) for x in v))

    def _single_checker(self, item: ItemDefinition, allowed: bool) -> Checker:
        if item.components:
            parts = [(c.name, self._item_checker(c, allowed)) for c in item.components]

            def struct(v: Any) -> bool:
                if v is None:
                    return True
                if type(v) is not dict:
                    return False
                return all(k in v and check(v[k]) for k, check in parts)

            return struct
        if item.function_params is not None:
            return lambda v: v is None or isinstance(v, FeelFunction)
        # a collection item definition constrains its elements with its typeRef
        base = self.checker(item.type_ref, allowed)
        tests = item.compiled_allowed if allowed else None
        if tests is None:
            return base

        def constrained(v: Any) -> bool:
            if v is None:
                return True
            if not base(v):
                return False
            return tests.evaluate(v, {}, EvalState()) is True

        return constrained

    # -- coercion

    def is_collection(self, type_ref: str | None) -> bool:
        if not type_ref:
            return False
        found = self.item(type_ref)
        return found is not None and found[0].is_collection

    def coerce(self, value: Any, type_ref: str | None, state: EvalState, what: str, fail: Any = None) -> Any:
        """Spec binding: the value if it conforms, else a singleton list unwrapped or a value wrapped, else
        `fail` (null for bindings; invocations pass a marker because a bad argument voids the call)."""
        if value is None or not type_ref:
            return value
        check = self.checker(type_ref)
        if check(value):
            return value
        if type(value) is list and len(value) == 1 and check(value[0]):
            return value[0]
        if type(value) is not list and self.is_collection(type_ref) and check([value]):
            return [value]
        state.warn(f"{what}: value {value!r} does not conform to type '{type_ref}'")
        return fail


#: `Types.coerce(..., fail=NONCONFORMING)` result for a value that does not conform
NONCONFORMING: Any = object()


def camunda_check(value: Any, type_ref: str | None) -> str | None:
    """dmn-scala's typeRef check: an error message when a value does not fit a built-in typeRef."""
    if value is None or not type_ref:
        return None
    name = CAMUNDA_CHECKED.get(type_ref)
    if name is None:
        return None
    if _is_type(name)(value):
        return None
    return f"expected type '{type_ref}' but found '{value!r}'"


def types_of(model: DmnModel) -> Types:
    """The Types of a model, cached on the model (models are immutable)."""
    t = model.cache.get("types")
    if t is None:
        t = model.cache["types"] = Types(model)
    return t
