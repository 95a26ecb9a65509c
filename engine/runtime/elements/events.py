"""Events: end events (none, terminate, error, escalation, job-based message), catch and throw events, and what
happens when a message, timer, error or escalation reaches an event (boundary, event sub-process, catch event,
event gateway)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.bpmn import Element, ElementType, EventType
from engine.runtime import variables as vars_
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.elements import compensation
from engine.runtime.elements.base import Handler
from engine.runtime.elements.tasks import JobTask
from engine.runtime.state import ElementInstance
from engine.runtime.variables import StepFailure

if TYPE_CHECKING:
    from engine.runtime.processor import Processor


class EndEvent(JobTask):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        el = ei.element
        if el.job is not None:
            super().activate(p, ei)
            return
        if el.event_type is EventType.ERROR and el.error is not None:
            code = str(vars_.evaluate(p.ctx, el.error.code, ei)) if el.error.code is not None else ""
            p.mark_activated(ei)
            if not p.throw_error(ei, code, "", {}):
                p.incident(ei, "UNHANDLED_ERROR_EVENT", unhandled_message(p, ei, code, ""), "error")
            return
        if el.event_type is EventType.ESCALATION and el.escalation is not None:
            escalate(p, ei)
            return
        if el.event_type is EventType.COMPENSATION:
            compensate(p, ei)
            return
        if el.event_type is EventType.SIGNAL and el.signal is not None:
            broadcast_signal(p, ei)
        p.mark_activated(ei)
        if el.event_type is EventType.TERMINATE and ei.parent is not None:
            scope = ei.parent
            p.terminate_children(scope, keep=ei.key)
        p.complete(ei)


def broadcast_signal(p: Processor, ei: ElementInstance) -> None:
    """A signal throw event broadcasts its signal with its local variables (its input mappings)."""
    signal = ei.element.signal
    assert signal is not None
    name = vars_.expect(signal.name, vars_.evaluate(p.ctx, signal.name, ei), "STRING")
    payload = {n: v.value for n, v in ei.variables.items()}
    def send() -> None:
        p.ctx.engine.broadcast(p.ctx, p, name, payload)

    p.ctx.queue.append(send)


class ThrowEvent(JobTask):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        if ei.element.job is not None:
            super().activate(p, ei)
            return
        if ei.element.event_type is EventType.ESCALATION and ei.element.escalation is not None:
            escalate(p, ei)
            return
        if ei.element.event_type is EventType.COMPENSATION:
            compensate(p, ei)
            return
        if ei.element.event_type is EventType.SIGNAL and ei.element.signal is not None:
            broadcast_signal(p, ei)
        p.mark_activated(ei)
        p.complete(ei)


class CatchEvent(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        if ei.element.event_type is EventType.LINK:  # reached by a link throw event: passes straight on
            super().activate(p, ei)
            return
        if ei.trigger is not None:  # reached through an event-based gateway that already caught it
            p.mark_activated(ei)
            p.complete(ei)
            return
        p.open_event(ei, ei.element)
        p.mark_activated(ei)


def trigger(
    p: Processor, holder: ElementInstance, event: Element, variables: dict[str, Any], interrupting: bool
) -> None:
    """A message, timer or signal reached `event`, which `holder` keeps open (Zeebe's EventHandle.activateElement):
    PROCESS_EVENT TRIGGERING in the event scope `holder`, then the element reacts."""
    if holder.state != "ACTIVATED":
        return
    event_key = p.triggering(holder, event.id, variables)
    if event.element_type is ElementType.BOUNDARY_EVENT:
        scope = holder.parent
        assert scope is not None
        if interrupting:
            p.terminate(holder, notify=False)
        p.activate_triggered(event, scope, dict(variables), event_key, holder.key)
        return
    if event.element_type is ElementType.START_EVENT and event.flow_scope_id != holder.element.id:
        # the start event of an event sub-process inside holder's scope
        trigger_event_sub_process(p, holder, event, variables, interrupting, event_key)
        return
    if holder.element.element_type is ElementType.EVENT_BASED_GATEWAY:
        holder.runtime["gateway_event"] = {"key": event_key, "target": event.id}
        holder.runtime["pass_trigger"] = dict(variables)
        p.close_event_scope(holder)
        p.complete(holder)
        return
    # the catch event or receive task itself: its completion consumes the trigger (PROCESS_EVENT TRIGGERED)
    holder.trigger = dict(variables)
    holder.runtime["event_key"] = event_key
    p.close_event_scope(holder)
    p.complete(holder)


def trigger_event_sub_process(
    p: Processor,
    scope: ElementInstance,
    start: Element,
    variables: dict[str, Any],
    interrupting: bool,
    event_key: int,
) -> None:
    """EventTriggerBehavior.triggerEventSubProcess: an interrupting start event closes the scope's event
    sub-process subscriptions and ends its other tokens; the event sub-process is activated, and its start event
    takes over the event trigger (consumed when it completes: PROCESS_EVENT TRIGGERED)."""
    esp = scope.definition.model.elements[start.flow_scope_id or ""]
    if interrupting:
        scope.interrupted = True
        p.close_event_sub_process_events(scope)
        p.terminate_children(scope)
    sub = p.activate(esp, scope)
    sub.runtime["start"] = start.id
    sub.runtime["start_trigger"] = dict(variables)
    sub.runtime["start_event_key"] = event_key


def compensate(p: Processor, thrower: ElementInstance) -> None:
    """A compensation throw / end event: ACTIVATED, trigger the compensation; it waits for the handlers it
    invoked (compensation.handler_completed completes it) or, with nothing to compensate, completes at once."""
    p.mark_activated(thrower)
    if not compensation.throw(p, thrower):
        p.complete(thrower)


# -- escalations ---------------------------------------------------------------------------------------------


def escalate(p: Processor, thrower: ElementInstance) -> None:
    """An escalation end or intermediate throw event (Zeebe's Escalation*EventBehavior): evaluate the code (an
    incident while activating if that fails), ACTIVATED, throw; it completes unless an interrupting event
    caught the escalation - an uncaught escalation is no incident, the flow just continues."""
    escalation = thrower.element.escalation
    assert escalation is not None
    if escalation.code_error is not None:
        raise StepFailure("EXTRACT_VALUE_ERROR", escalation.code_error)
    code = escalation.code
    assert code is not None  # the parser requires a code on thrown escalations
    value = code.text if code.is_static else vars_.expect(code, vars_.evaluate(p.ctx, code, thrower), "STRING")
    p.mark_activated(thrower)
    if throw_escalation(p, thrower, str(value)):
        p.complete(thrower)


def throw_escalation(p: Processor, thrower: ElementInstance, code: str) -> bool:
    """BpmnEventPublicationBehavior.throwEscalationEvent: find the catch event, trigger it, write ESCALATION
    ESCALATED (or NOT_ESCALATED); True when the thrower may complete."""
    ctx = p.ctx
    key = ctx.key()
    value = {
        "processInstanceKey": thrower.process_instance.key,
        "escalationCode": code,
        "throwElementId": thrower.element.id,
        "catchElementId": "",
        "tenantId": DEFAULT_TENANT,
    }
    found = _find_escalation_catch(p, thrower.parent, code) if thrower.parent is not None else None
    if found is None:
        ctx.record("ESCALATION", "NOT_ESCALATED", key, value, thrower.process_instance.key)
        return True
    holder, catch = found
    value["catchElementId"] = catch.id
    can_complete = not catch.interrupting
    if not _can_trigger(holder, catch):
        ctx.record("ESCALATION", "NOT_ESCALATED", key, value, thrower.process_instance.key)
        return can_complete
    # EventHandle.activateElement: PROCESS_EVENT TRIGGERING, the catch event reacts, then ESCALATED
    event_key = p.triggering(holder, catch.id, {})
    if catch.element_type is ElementType.BOUNDARY_EVENT and not catch.interrupting:
        # the boundary event is ACTIVATING/ACTIVATED at once (EventTriggerBehavior.activateTriggeredEvent)
        assert holder.parent is not None
        p.activate_triggered(catch, holder.parent, None, event_key, holder.key)
        ctx.record("ESCALATION", "ESCALATED", key, value, thrower.process_instance.key)
        return can_complete
    ctx.record("ESCALATION", "ESCALATED", key, value, thrower.process_instance.key)
    if catch.element_type is ElementType.BOUNDARY_EVENT:
        # Zeebe writes a TERMINATE_ELEMENT command for the activity; the boundary event follows its termination
        ctx.queue.append(lambda: _interrupt_by_boundary(p, holder, catch, event_key))
    elif catch.interrupting:
        # the event sub-process: its scope's other children are terminated first (follow-up commands)
        def interrupt() -> None:
            if holder.state == "ACTIVATED":
                trigger_event_sub_process(p, holder, catch, {}, True, event_key)

        ctx.queue.append(interrupt)
    else:
        trigger_event_sub_process(p, holder, catch, {}, False, event_key)
    return can_complete


def _interrupt_by_boundary(p: Processor, activity: ElementInstance, boundary: Element, event_key: int) -> None:
    if activity.state != "ACTIVATED" or activity.parent is None:
        return
    scope = activity.parent
    p.terminate(activity, notify=False)
    p.activate_triggered(boundary, scope, None, event_key, activity.key)


def _escalation_events_of(ei: ElementInstance) -> list[Element]:
    """The escalation catch events of a scope in Zeebe's precedence (`ExecutableActivity.getEvents`: event
    sub-process start events, the later ones first, then boundary events), without those whose escalation has
    no code (the analyzer ignores them)."""
    model = ei.definition.model
    events: list[Element] = []
    if ei.element.is_scope and not ei.is_mi_body:
        for esp in reversed(model.event_sub_processes(ei.element.id)):
            events.extend(model.start_events(esp.id))
    if not ei.is_process and not (ei.parent is not None and ei.parent.is_mi_body):
        events.extend(model.boundary_events(ei.element.id))  # on the multi-instance body, not its instances
    return [
        e
        for e in events
        if e.event_type is EventType.ESCALATION and e.escalation is not None and e.escalation.code is not None
    ]


def _escalation_catch(ei: ElementInstance, code: str) -> Element | None:
    """CatchEventAnalyzer.findEscalationCatchEventInScope: by code, descending (a stable sort), so a code
    catches before the catch-all (empty code) of the same scope."""
    events = sorted(
        _escalation_events_of(ei),
        key=lambda e: e.escalation.code.text if e.escalation and e.escalation.code else "",
        reverse=True,
    )
    for e in events:
        assert e.escalation is not None and e.escalation.code is not None
        if e.escalation.code.text in ("", code):
            return e
    return None


def _find_escalation_catch(
    p: Processor, start: ElementInstance, code: str
) -> tuple[ElementInstance, Element] | None:
    """CatchEventAnalyzer.findEscalationCatchEvent: from the thrower's flow scope outwards; a scope that is not
    ACTIVATED or was interrupted ends the walk inside its process, which then continues at the calling
    activity of the process instance (if that is ACTIVATED)."""
    current: ElementInstance | None = start
    while current is not None:
        catch = _escalation_catch(current, code)
        if catch is not None:
            return current, catch
        if current.parent is not None and current.state == "ACTIVATED" and not current.interrupted:
            current = current.parent
            continue
        break
    pi = start.process_instance
    caller = p.state.element_instances.get(pi.parent_ei_key) if pi.parent_ei_key is not None else None
    if caller is not None and caller.state == "ACTIVATED":
        return _find_escalation_catch(p, caller, code)
    return None


def _can_trigger(holder: ElementInstance, catch: Element) -> bool:
    """EventHandle.canTriggerElement: the holder is ACTIVATED and accepts the event (after an interrupting
    event sub-process only boundary events may still trigger), its flow scope was not interrupted."""
    if holder.state != "ACTIVATED":
        return False
    if holder.interrupted and catch.element_type is not ElementType.BOUNDARY_EVENT:
        return False
    return holder.parent is None or not holder.parent.interrupted


# -- errors ----------------------------------------------------------------------------------------------------


def _error_catch(events: list[Element], code: str) -> Element | None:
    exact = next(
        (e for e in events if e.error is not None and e.error.code is not None and e.error.code.text == code),
        None,
    )
    if exact is not None:
        return exact
    return next((e for e in events if e.error is None or e.error.code is None), None)


def _error_events_of(p: Processor, ei: ElementInstance) -> tuple[list[Element], list[Element]]:
    """(error boundary events on `ei`, error start events of event sub-processes inside `ei`)."""
    model = ei.definition.model
    boundaries: list[Element] = []
    if not ei.is_process and not (ei.parent is not None and ei.parent.is_mi_body):
        boundaries = [b for b in model.boundary_events(ei.element.id) if b.event_type is EventType.ERROR]
    starts: list[Element] = []
    if ei.element.is_scope and not ei.is_mi_body:
        for esp in model.event_sub_processes(ei.element.id):
            starts.extend(s for s in model.start_events(esp.id) if s.event_type is EventType.ERROR)
    return boundaries, starts


def _detach_job(p: Processor, thrower: ElementInstance) -> None:
    """A caught ThrowError: the task forgets its job before it is terminated, so no JOB CANCELED follows the
    ERROR_THROWN (Zeebe's JobErrorThrownApplier.removeJobReference)."""
    job = p.state.jobs.get(thrower.job_key) if thrower.job_key is not None else None
    if job is not None and job.state == "ERROR_THROWN":
        thrower.job_key = None


def throw_error(
    p: Processor, thrower: ElementInstance, code: str, message: str, variables: dict[str, Any]
) -> bool:
    """Find the catching event (zeebe-protocol.md §7.8) and move the token there; False when nothing catches."""
    current: ElementInstance | None = thrower
    while current is not None:
        boundaries, starts = _error_events_of(p, current)
        # an enclosing scope's error event sub-processes catch before its boundary events
        catch = _error_catch(starts, code) if current is not thrower else None
        if catch is not None:
            _detach_job(p, thrower)
            event_key = p.triggering(current, catch.id, variables)
            trigger_event_sub_process(p, current, catch, variables, True, event_key)
            return True
        catch = _error_catch(boundaries, code)
        if catch is not None:
            _detach_job(p, thrower)
            event_key = p.triggering(current, catch.id, variables)
            scope = current.parent
            assert scope is not None
            p.terminate(current, notify=False)
            p.activate_triggered(catch, scope, dict(variables), event_key, current.key)
            return True
        current = _outer(p, current)
    return False


def _outer(p: Processor, current: ElementInstance) -> ElementInstance | None:
    """The next scope of the error search: the flow scope, or from a process instance its calling activity;
    an interrupted scope ends the search (CatchEventAnalyzer)."""
    if current.parent is None:
        caller_key = current.parent_ei_key
        outer = p.state.element_instances.get(caller_key) if caller_key is not None else None
    else:
        outer = current.parent
    if outer is None or outer.interrupted or outer.state not in ("ACTIVATING", "ACTIVATED", "COMPLETING"):
        return None
    return outer


def unhandled_message(p: Processor, thrower: ElementInstance, code: str, message: str) -> str:
    """Zeebe's UNHANDLED_ERROR_EVENT text: the codes considered, scope by scope from the thrower outwards
    (crossing call activities), each scope's codes in descending order, unquoted (CatchEventAnalyzer)."""
    codes: list[str] = []
    current: ElementInstance | None = thrower
    while current is not None:
        boundaries, starts = _error_events_of(p, current)
        scope_codes = [
            e.error.code.text
            for e in (*boundaries, *starts)
            if e.error is not None and e.error.code is not None
        ]
        codes.extend(sorted(scope_codes, reverse=True))
        current = _outer(p, current)
    text = f"Expected to throw an error event with the code '{code}'"
    if message:
        text += f" with message '{message}'"
    text += ", but it was not caught."
    if codes:
        return text + f" Available error events are [{', '.join(codes)}]"
    return text + " No error events are available in the scope."
