"""Gateways: exclusive and inclusive choose their flows on activation; event-based waits for an event.
Parallel and inclusive joins are handled where tokens arrive (Processor.take_flow). Exclusive, inclusive and
parallel gateways complete in the step that activates them (Zeebe's *GatewayProcessor.finalizeActivation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn import SequenceFlow
from engine.runtime import variables as vars_
from engine.runtime.elements.base import Handler
from engine.runtime.state import ElementInstance
from engine.runtime.variables import StepFailure

if TYPE_CHECKING:
    from engine.runtime.processor import Processor

NO_FLOW = "Expected at least one condition to evaluate to true, or to have a default flow"


def _true_flows(p: Processor, ei: ElementInstance, first_only: bool) -> list[SequenceFlow]:
    out = []
    for flow in ei.element.outgoing:
        if flow.is_default or flow.condition is None:
            continue
        value = vars_.evaluate(p.ctx, flow.condition, ei)
        if not isinstance(value, bool):
            raise StepFailure(
                "EXTRACT_VALUE_ERROR",
                f"Expected result of the expression '{flow.condition.expression}' to be 'BOOLEAN', but was "
                f"'{vars_._type_of(value)}'.",
            )
        if value:
            out.append(flow)
            if first_only:
                break
    return out


class ExclusiveGateway(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        outgoing = ei.element.outgoing
        if len(outgoing) == 1 and outgoing[0].condition is None:
            chosen = [outgoing[0]]
        else:
            chosen = _true_flows(p, ei, first_only=True)
            if not chosen and ei.element.default_flow is not None:
                chosen = [ei.element.default_flow]
            if not chosen and outgoing:
                raise StepFailure("CONDITION_ERROR", NO_FLOW)
        ei.runtime["flows"] = [f.id for f in chosen]
        p.mark_activated(ei)
        p.run_completion(ei)  # COMPLETING, COMPLETED and the flows in the same step (no COMPLETE_ELEMENT)


class InclusiveGateway(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        outgoing = ei.element.outgoing
        if len(outgoing) <= 1 and all(f.condition is None for f in outgoing):
            chosen = list(outgoing)
        else:
            chosen = [f for f in outgoing if f.condition is None and not f.is_default]
            chosen += _true_flows(p, ei, first_only=False)
            if not chosen and ei.element.default_flow is not None:
                chosen = [ei.element.default_flow]
            if not chosen:
                raise StepFailure("CONDITION_ERROR", NO_FLOW)
        ei.runtime["flows"] = [f.id for f in chosen]
        p.mark_activated(ei)
        p.run_completion(ei)  # COMPLETING, COMPLETED and the flows in the same step (no COMPLETE_ELEMENT)


class ParallelGateway(Handler):
    """ParallelGatewayProcessor.finalizeActivation: ACTIVATED, COMPLETING, COMPLETED and the outgoing flows at
    once (the join happens where the tokens arrive)."""

    def activate(self, p: Processor, ei: ElementInstance) -> None:
        p.mark_activated(ei)
        p.run_completion(ei)


class EventBasedGateway(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        model = ei.definition.model
        targets = [model.elements[f.target_id] for f in ei.element.outgoing]
        p.mark_activated(ei)
        for target in targets:
            p.open_event(ei, target)
