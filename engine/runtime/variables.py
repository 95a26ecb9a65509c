"""Variable scopes, propagation and mappings, as Zeebe's BpmnVariableMappingBehavior (zeebe-protocol.md §6)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from engine.bpmn import ElementType, EventType, Expr, VariableMapping
from engine.feel import FeelEvaluationError
from engine.feel.format import to_python
from engine.feel.values import MISSING, EvalState, from_python
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT, dumps
from engine.runtime.state import ElementInstance, Variable


class StepFailure(Exception):
    """A step of an element's life cycle failed: it becomes an incident of this type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class ScopeView(Mapping[str, Any]):
    """The variables visible from an element instance, as FEEL values, converted on first use."""

    __slots__ = ("ei", "extra", "_cache")

    def __init__(self, ei: ElementInstance | None, extra: dict[str, Any] | None = None) -> None:
        self.ei = ei
        self.extra = extra
        self._cache: dict[str, Any] = {}

    def get(self, name: str, default: Any = None) -> Any:
        cached = self._cache.get(name, MISSING)
        if cached is not MISSING:
            return cached
        if self.extra is not None and name in self.extra:
            value = from_python(self.extra[name])
            self._cache[name] = value
            return value
        e = self.ei
        while e is not None:
            var = e.variables.get(name)
            if var is not None:
                value = from_python(var.value)
                self._cache[name] = value
                return value
            e = e.parent
        return default

    def __getitem__(self, name: str) -> Any:
        value = self.get(name, MISSING)
        if value is MISSING:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        names = dict.fromkeys(self.extra or ())
        if self.ei is not None:
            names.update(dict.fromkeys(visible(self.ei)))
        return iter(names)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def visible(ei: ElementInstance) -> dict[str, Variable]:
    """All variables an element instance sees, the innermost shadowing outer ones."""
    out: dict[str, Variable] = {}
    chain = []
    e: ElementInstance | None = ei
    while e is not None:
        chain.append(e)
        e = e.parent
    for scope in reversed(chain):
        out.update(scope.variables)
    return out


def evaluate(ctx: Ctx, expr: Expr, ei: ElementInstance | None, extra: dict[str, Any] | None = None) -> Any:
    """The value of an attribute: its static text, or its FEEL value converted to JSON-like Python."""
    if expr.feel is None:
        return expr.text
    return to_python(evaluate_feel(ctx, expr, ei, extra), "camunda")


def evaluate_feel(
    ctx: Ctx, expr: Expr, ei: ElementInstance | None, extra: dict[str, Any] | None = None
) -> Any:
    assert expr.feel is not None
    state = EvalState("camunda", clock=ctx.engine.clock.now_datetime)
    try:
        return expr.feel.evaluate(ScopeView(ei, extra), state)
    except FeelEvaluationError as e:
        raise StepFailure(
            "EXTRACT_VALUE_ERROR", f"failed to evaluate expression '{expr.expression}': {e}"
        ) from None


def _type_of(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, (int, float)):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    if isinstance(value, dict):
        return "OBJECT"
    return "UNKNOWN"


def expect(expr: Expr, value: Any, *types: str) -> Any:
    """Zeebe's type check of an expression result: EXTRACT_VALUE_ERROR when it is of another type."""
    if _type_of(value) not in types:
        want = types[0] if len(types) == 1 else ", ".join(types)
        raise StepFailure(
            "EXTRACT_VALUE_ERROR",
            f"Expected result of the expression '{expr.expression}' to be '{want}', but was '{_type_of(value)}'.",
        )
    return value


# -- writing variables ---------------------------------------------------------------------------------------


def set_local(ctx: Ctx, ei: ElementInstance, name: str, value: Any) -> None:
    text = dumps(value)
    var = ei.variables.get(name)
    pi = ei.process_instance
    if var is None:
        var = Variable(ctx.key(), name, value, text)
        ei.variables[name] = var
        intent = "CREATED"
    else:
        if var.text == text:
            return
        var.value, var.text = value, text
        intent = "UPDATED"
    ctx.record(
        "VARIABLE",
        intent,
        var.key,
        {
            "name": name,
            "value": text,
            "scopeKey": ei.key,
            "processInstanceKey": pi.key,
            "processDefinitionKey": ei.definition.key,
            "bpmnProcessId": ei.definition.bpmn_process_id,
            "tenantId": DEFAULT_TENANT,
        },
        pi.key,
    )
    ctx.save_variable(ei, var.key, name, text)


def merge_local(ctx: Ctx, ei: ElementInstance, document: dict[str, Any]) -> None:
    for name, value in document.items():
        set_local(ctx, ei, name, value)


def merge_document(ctx: Ctx, ei: ElementInstance, document: dict[str, Any]) -> None:
    """Propagate: update each variable where it already lives (from `ei` upwards), else create it at the root."""
    for name, value in document.items():
        e: ElementInstance | None = ei
        target = ei.process_instance
        while e is not None:
            if name in e.variables:
                target = e
                break
            e = e.parent
        set_local(ctx, target, name, value)


def drop_scope(ctx: Ctx, ei: ElementInstance) -> None:
    """The scope ended: its variables stay in the history but are no longer live."""
    for var in ei.variables.values():
        ctx.save_variable(ei, var.key, var.name, var.text, live=False)


# -- mappings --------------------------------------------------------------------------------------------------


def _set_path(doc: dict[str, Any], target: str, value: Any, base: Any = MISSING) -> None:
    """Write `value` at the dotted `target` inside `doc` (starting from `base` for the first segment)."""
    parts = target.split(".")
    if len(parts) == 1:
        doc[target] = value
        return
    head = parts[0]
    root = doc.get(head, MISSING)
    if root is MISSING:
        root = copy.deepcopy(base) if isinstance(base, dict) else {}
    elif not isinstance(root, dict):
        root = {}
    doc[head] = root
    node = root
    for p in parts[1:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            node[p] = nxt
        node = nxt
    node[parts[-1]] = value


def apply_inputs(ctx: Ctx, ei: ElementInstance, inputs: tuple[VariableMapping, ...]) -> None:
    """Input mappings: evaluated in order, each a local variable of the element (IO_MAPPING_ERROR on failure)."""
    if not inputs:
        return
    doc: dict[str, Any] = {}
    for m in inputs:
        try:
            value = evaluate(ctx, m.source, ei, doc)
        except StepFailure as e:
            raise StepFailure("IO_MAPPING_ERROR", e.message) from None
        _set_path(doc, m.target, value)
        head = m.target.split(".")[0]
        set_local(ctx, ei, head, doc[head])


def output_document(ctx: Ctx, ei: ElementInstance, outputs: tuple[VariableMapping, ...]) -> dict[str, Any]:
    """Output mappings, evaluated in the element's scope: the document to propagate from its flow scope."""
    doc: dict[str, Any] = {}
    outer = ScopeView(ei.parent) if ei.parent is not None else None
    for m in outputs:
        try:
            value = evaluate(ctx, m.source, ei)
        except StepFailure as e:
            raise StepFailure("IO_MAPPING_ERROR", e.message) from None
        head = m.target.split(".")[0]
        base = MISSING
        if "." in m.target and outer is not None:
            existing = outer.get(head, MISSING)
            base = to_python(existing, "camunda") if existing is not MISSING else MISSING
        _set_path(doc, m.target, value, base)
    return doc


def apply_result(ctx: Ctx, ei: ElementInstance) -> None:
    """Apply the element's event trigger (job result, message, ...) and output mappings on completion."""
    trigger = ei.trigger
    outputs = ei.element.io.outputs if not ei.is_mi_body and ei.element.applies_output_mappings else ()
    if outputs:
        if trigger:
            merge_local(ctx, ei, trigger)
        doc = output_document(ctx, ei, outputs)
        if ei.parent is not None:
            merge_document(ctx, ei.parent, doc)
    elif trigger:
        merge_document(ctx, ei, trigger)
    elif ei.parent is not None and ei.variables and _propagates_locals(ei):
        # the variables an activated-by-trigger event holds locally (EventTriggerBehavior.activateTriggeredEvent)
        # go to its flow scope; an error catch event keeps them unless output mappings take them
        merge_document(ctx, ei.parent, {name: var.value for name, var in ei.variables.items()})
    ei.trigger = None


def _propagates_locals(ei: ElementInstance) -> bool:
    """BpmnVariableMappingBehavior.applyOutputMappings without mappings nor event trigger: boundary events (not
    error ones), start events and catch events after an event-based gateway merge their local variables into
    the flow scope."""
    el = ei.element
    if el.element_type is ElementType.BOUNDARY_EVENT:
        return el.event_type is not EventType.ERROR
    if el.element_type is ElementType.START_EVENT:
        return True
    model = ei.definition.model
    return el.element_type is ElementType.INTERMEDIATE_CATCH_EVENT and any(
        model.elements[f.source_id].element_type is ElementType.EVENT_BASED_GATEWAY for f in el.incoming
    )
