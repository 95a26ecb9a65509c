"""Compensation (Zeebe's BpmnCompensationSubscriptionBehaviour, COMPENSATION_SUBSCRIPTION records).

An activity with a compensation boundary event - or a sub-process / multi-instance body within which such an
activity completed - gets a compensation subscription when it completes (CREATED, just before its
ELEMENT_COMPLETED). A compensation throw or end event triggers the not yet triggered subscriptions of its flow
scope (and, inside an event sub-process, of the scope around it; with `activityRef` only those of that
activity), depth first into completed sub-processes: per subscription with a handler the compensation boundary
event is activated and completed at once and the handler activity is activated in the throw event's flow scope
(event type COMPENSATION); then TRIGGERED. The throw event waits until every handler it invoked has completed
(each handler's subscription COMPLETED, then the sub-process subscriptions above it), or completes at once when
nothing was triggered. A terminated sub-process drops the subscriptions within it, the process instance all of
them when it completes or is terminated (DELETED).

The subscriptions of a process instance live in its `runtime["compensations"]`, in creation order, so they are
stored with the instance row and survive a restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.bpmn import Element, ElementType, EventType
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.state import ElementInstance

if TYPE_CHECKING:
    from engine.runtime.processor import Processor

_FLOW_SCOPES = frozenset({ElementType.SUB_PROCESS})
#: scopes whose termination drops the subscriptions within (deleteSubscriptionsOfSubprocess)
_DROPPING_SCOPES = frozenset(
    {ElementType.SUB_PROCESS, ElementType.AD_HOC_SUB_PROCESS, ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE}
)


def _subscriptions(pi: ElementInstance) -> list[dict[str, Any]]:
    subs: list[dict[str, Any]] = pi.runtime.setdefault("compensations", [])
    return subs


def _record(p: Processor, pi: ElementInstance, sub: dict[str, Any], intent: str) -> None:
    p.ctx.record(
        "COMPENSATION_SUBSCRIPTION",
        intent,
        sub["key"],
        {
            "tenantId": DEFAULT_TENANT,
            "processInstanceKey": pi.key,
            "processDefinitionKey": pi.definition.key,
            "compensableActivityId": sub["activityId"],
            "throwEventId": sub["throwEventId"],
            "throwEventInstanceKey": sub["throwEventInstanceKey"],
            "compensationHandlerId": sub["handlerId"],
            "compensationHandlerInstanceKey": sub["handlerInstanceKey"],
            "compensableActivityScopeKey": sub["scopeKey"],
            "compensableActivityInstanceKey": sub["activityInstanceKey"],
            "variables": {},
        },
        pi.key,
    )


def _compensation_boundary(ei: ElementInstance) -> Element | None:
    """The compensation boundary event of the activity (on a multi-instance body, not its inner instances)."""
    if ei.parent is not None and ei.parent.is_mi_body:
        return None
    model = ei.definition.model
    return next(
        (b for b in model.boundary_events(ei.element.id) if b.event_type is EventType.COMPENSATION),
        None,
    )


def activity_completing(p: Processor, ei: ElementInstance) -> None:
    """createCompensationSubscription: the activity is COMPLETING; its subscription precedes ELEMENT_COMPLETED."""
    if ei.parent is None or not _is_activity(ei):
        return
    pi = ei.process_instance
    boundary = _compensation_boundary(ei)
    is_flow_scope = ei.is_mi_body or (ei.element.element_type in _FLOW_SCOPES)
    subs = pi.runtime.get("compensations", [])
    if boundary is None and not (is_flow_scope and any(s["scopeKey"] == ei.key for s in subs)):
        return
    handler = boundary.compensation.handler_id if boundary is not None and boundary.compensation else None
    sub = {
        "key": p.ctx.key(),
        "activityId": ei.element.id,
        "activityInstanceKey": ei.key,
        "scopeKey": ei.parent.key,
        "handlerId": handler or "",
        "throwEventId": "",
        "throwEventInstanceKey": -1,
        "handlerInstanceKey": -1,
    }
    _subscriptions(pi).append(sub)
    _record(p, pi, sub, "CREATED")
    p.ctx.save_element(pi)


def _is_activity(ei: ElementInstance) -> bool:
    return ei.is_mi_body or ei.element.element_type in _ACTIVITY_TYPES


_ACTIVITY_TYPES = frozenset(
    {
        ElementType.SUB_PROCESS,
        ElementType.AD_HOC_SUB_PROCESS,
        ElementType.CALL_ACTIVITY,
        ElementType.SERVICE_TASK,
        ElementType.SEND_TASK,
        ElementType.RECEIVE_TASK,
        ElementType.USER_TASK,
        ElementType.MANUAL_TASK,
        ElementType.TASK,
        ElementType.SCRIPT_TASK,
        ElementType.BUSINESS_RULE_TASK,
    }
)


# -- throwing ------------------------------------------------------------------------------------------------


def throw(p: Processor, thrower: ElementInstance) -> bool:
    """A compensation throw / end event (ACTIVATED): trigger the compensation; False when nothing was
    triggered (the event then completes at once)."""
    comp = thrower.element.compensation
    scope = thrower.parent
    if comp is None or scope is None:
        return False
    pi = thrower.process_instance
    scope_keys = [scope.key]
    if scope.element.element_type is ElementType.EVENT_SUB_PROCESS and scope.parent is not None:
        scope_keys.append(scope.parent.key)  # from an event sub-process: also the scope around it
    not_triggered = [s for s in pi.runtime.get("compensations", []) if not s["throwEventId"]]
    within = [
        s
        for s in not_triggered
        if s["scopeKey"] in scope_keys and (comp.activity_ref is None or s["activityId"] == comp.activity_ref)
    ]
    if not within:
        return False
    handlers: list[tuple[Element, int]] = []
    for sub in within:
        _trigger(p, thrower, not_triggered, sub, handlers)
    p.ctx.save_element(pi)
    # the handlers' ACTIVATE_ELEMENT commands are processed after the TRIGGERED events
    for handler, key in handlers:
        p.activate(handler, scope, as_compensation=True, key=key)
    return True


def _trigger(
    p: Processor,
    thrower: ElementInstance,
    subscriptions: list[dict[str, Any]],
    sub: dict[str, Any],
    handlers: list[tuple[Element, int]],
) -> None:
    handler_key = -1
    if sub["handlerId"]:
        handler_key = _pass_boundary_event(p, thrower, sub["activityId"], handlers)
    sub["throwEventId"] = thrower.element.id
    sub["throwEventInstanceKey"] = thrower.key
    sub["handlerInstanceKey"] = handler_key
    _record(p, thrower.process_instance, sub, "TRIGGERED")
    # into the completed sub-process (top to bottom)
    for inner in subscriptions:
        if inner["scopeKey"] == sub["activityInstanceKey"]:
            _trigger(p, thrower, subscriptions, inner, handlers)


def _pass_boundary_event(
    p: Processor, thrower: ElementInstance, activity_id: str, handlers: list[tuple[Element, int]]
) -> int:
    """The compensation boundary event is activated and completed at once, in the throw event's flow scope;
    the key of the handler instance is taken now (activateCompensationHandler)."""
    model = thrower.definition.model
    boundary = next(b for b in model.boundary_events(activity_id) if b.event_type is EventType.COMPENSATION)
    scope = thrower.parent
    assert scope is not None and boundary.compensation is not None and boundary.compensation.handler_id
    p.activate_and_complete(boundary, scope)
    key = p.ctx.key()
    handlers.append((model.elements[boundary.compensation.handler_id], key))
    return key


# -- completing ----------------------------------------------------------------------------------------------


def handler_completed(p: Processor, handler: ElementInstance) -> None:
    """completeCompensationHandler: the handler's subscription is COMPLETED, then the sub-process
    subscriptions above it whose scope has none left; with none left for the throw event, it completes."""
    pi = handler.process_instance
    subs = pi.runtime.get("compensations", [])
    sub = next((s for s in subs if s["throwEventId"] and s["handlerInstanceKey"] == handler.key), None)
    if sub is None:
        return
    subs.remove(sub)
    _record(p, pi, sub, "COMPLETED")
    _complete_scope(p, pi, subs, sub["scopeKey"])
    p.ctx.save_element(pi)
    throw_key = sub["throwEventInstanceKey"]
    if not any(s["throwEventInstanceKey"] == throw_key for s in subs):
        thrower = p.state.element_instances.get(throw_key)
        if thrower is not None:
            p.complete(thrower)


def _complete_scope(p: Processor, pi: ElementInstance, subs: list[dict[str, Any]], scope_key: int) -> None:
    if any(s["scopeKey"] == scope_key for s in subs):
        return  # not until every compensation within the scope is done
    parent = next((s for s in subs if s["activityInstanceKey"] == scope_key and not s["handlerId"]), None)
    if parent is None:
        return
    subs.remove(parent)
    _record(p, pi, parent, "COMPLETED")
    _complete_scope(p, pi, subs, parent["scopeKey"])


# -- deleting ------------------------------------------------------------------------------------------------


def scope_terminating(p: Processor, ei: ElementInstance) -> None:
    """A terminated sub-process drops the subscriptions within it (recursively), a terminated process instance
    all of its subscriptions."""
    if ei.is_process:
        process_completing(p, ei)
    elif ei.element.element_type in _DROPPING_SCOPES and not ei.is_mi_body:
        pi = ei.process_instance
        subs = pi.runtime.get("compensations", [])
        if not subs:
            return
        dropped: list[dict[str, Any]] = []
        _collect(subs, ei.key, dropped)
        for sub in dropped:
            subs.remove(sub)
            _record(p, pi, sub, "DELETED")
        if dropped:
            p.ctx.save_element(pi)


def _collect(subs: list[dict[str, Any]], scope_key: int, out: list[dict[str, Any]]) -> None:
    for sub in subs:
        if sub["scopeKey"] == scope_key:
            out.append(sub)
            _collect(subs, sub["activityInstanceKey"], out)


def process_completing(p: Processor, pi: ElementInstance) -> None:
    """The process instance completes or is terminated: every subscription it still has is DELETED."""
    subs = pi.runtime.pop("compensations", None)
    for sub in subs or ():
        _record(p, pi, sub, "DELETED")
    if subs:
        p.ctx.save_element(pi)
