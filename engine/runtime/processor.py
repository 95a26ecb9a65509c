"""The element life cycle (Zeebe's BpmnStreamProcessor + BpmnStateTransitionBehavior).

activate: (the ACTIVATE_ELEMENT command is queued; when it is processed:) ELEMENT_ACTIVATING -> input mappings ->
the kind's `activate` (which calls `mark_activated`)
complete: ELEMENT_COMPLETING -> event trigger and output mappings -> ELEMENT_COMPLETED -> outgoing flows
terminate: ELEMENT_TERMINATING -> children, jobs, timers, subscriptions -> ELEMENT_TERMINATED

A failing step leaves the element where it was and raises an incident; resolving it re-runs the step. What is
specific to an element kind lives in engine.runtime.elements (one module per family).
"""

from __future__ import annotations

from typing import Any

from engine.bpmn import Element, ElementType, EventType, SequenceFlow
from engine.runtime import timers as timer_math
from engine.runtime import variables as vars_
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT, dumps
from engine.runtime.elements import compensation, handler_for
from engine.runtime.state import (
    ElementInstance,
    Incident,
    Job,
    ProcessDefinition,
    Subscription,
    Timer,
)
from engine.runtime.variables import StepFailure
from engine.store import schema


class Processor:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.state = ctx.state

    # -- records ---------------------------------------------------------------------------------------------
    def pi_record(self, ei: ElementInstance, intent: str) -> None:
        text = ei.record_text
        if text is None:  # the same value for every event of the instance: serialised once
            el = ei.element
            d = ei.definition
            pi = ei.process_instance
            text = ei.record_text = dumps(
                {
                    "bpmnProcessId": d.bpmn_process_id,
                    "version": d.version,
                    "processDefinitionKey": d.key,
                    "processInstanceKey": pi.key,
                    "elementId": el.id,
                    "flowScopeKey": ei.parent.key if ei.parent is not None else -1,
                    "bpmnElementType": ei.element_type,
                    "bpmnEventType": ei.event_type,
                    "parentProcessInstanceKey": pi.parent_pi_key if pi.parent_pi_key is not None else -1,
                    "parentElementInstanceKey": pi.parent_ei_key if pi.parent_ei_key is not None else -1,
                    "tenantId": DEFAULT_TENANT,
                }
            )
        self.ctx.record_text("PROCESS_INSTANCE", intent, ei.key, text, ei.process_instance.key)

    def _transition(self, ei: ElementInstance, state: str) -> None:
        ei.state = state
        self.pi_record(ei, f"ELEMENT_{state}")
        self.ctx.save_element(ei)

    # -- process events (Zeebe's EventTriggerBehavior) ---------------------------------------------------------
    def process_event_record(
        self, intent: str, key: int, scope_key: int, target_id: str, variables: dict[str, Any], ei: ElementInstance
    ) -> None:
        self.ctx.record(
            "PROCESS_EVENT",
            intent,
            key,
            {
                "scopeKey": scope_key,
                "targetElementId": target_id,
                "variables": variables,
                "processDefinitionKey": ei.definition.key,
                "processInstanceKey": ei.process_instance.key,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )

    def triggering(self, scope: ElementInstance, target_id: str, variables: dict[str, Any]) -> int:
        """PROCESS_EVENT TRIGGERING: an event (job or user task result, message, timer, signal, error, script or
        decision result) was triggered for `target_id` in the event scope `scope`; returns the event's key,
        which the TRIGGERED record reuses (EventTriggerBehavior.triggeringProcessEvent)."""
        key = self.ctx.key()
        self.process_event_record("TRIGGERING", key, scope.key, target_id, dict(variables), scope)
        return key

    def triggered(self, event_key: int, scope_key: int, target_id: str, ei: ElementInstance) -> None:
        """PROCESS_EVENT TRIGGERED: the event trigger was consumed (EventTriggerBehavior.processEventTriggered;
        written without variables)."""
        self.process_event_record("TRIGGERED", event_key, scope_key, target_id, {}, ei)

    # -- activation ------------------------------------------------------------------------------------------
    def create_process_instance(
        self,
        definition: ProcessDefinition,
        variables: dict[str, Any],
        start_element: Element | None = None,
        parent: ElementInstance | None = None,
        trigger: dict[str, Any] | None = None,
        triggered_start: bool = False,
    ) -> ElementInstance:
        """A new process instance (root scope with `variables`), started at `start_element` or its none start;
        `triggered_start`: a timer, message or signal start event fired (PROCESS_EVENT TRIGGERING in the event
        scope of the process definition before the instance activates, EventHandle.activateProcessInstanceForStartEvent)."""
        ctx = self.ctx
        process = definition.model.process
        pi = ElementInstance(ctx.key(), process, definition, None, ctx.now)
        if parent is not None:
            pi.parent_pi_key = parent.process_instance.key
            pi.parent_ei_key = parent.key
            pi.runtime["root"] = parent.process_instance.runtime.get("root", parent.process_instance.key)
        self.state.element_instances[pi.key] = pi
        ctx.save_instance_row(pi, "ACTIVE")
        vars_.merge_local(ctx, pi, variables)
        start = start_element or definition.model.none_start_event
        if start is not None:
            pi.runtime["start"] = start.id
        if trigger is not None:
            pi.runtime["start_trigger"] = trigger
        if triggered_start and start is not None:
            event_key = ctx.key()
            self.process_event_record("TRIGGERING", event_key, definition.key, start.id, dict(trigger or {}), pi)
            pi.runtime["start_event_key"] = event_key
        self._transition(pi, "ACTIVATING")
        # synchronously, so callers can add elements (start instructions) to an ACTIVATED instance; the
        # process's event sub-process subscriptions and timers open here (elements.containers.Process)
        self.run_activation(pi)
        return pi

    def activate(
        self,
        element: Element,
        parent: ElementInstance,
        trigger: dict[str, Any] | None = None,
        mi_inner: dict[str, Any] | None = None,
        as_compensation: bool = False,
        key: int | None = None,
    ) -> ElementInstance:
        """Create and activate an element instance inside `parent` (a multi-instance element gets its body);
        `as_compensation`: a compensation handler, whose records carry the event type COMPENSATION; `key`: one
        taken earlier (Zeebe writes the key into other records before the ACTIVATE_ELEMENT is processed)."""
        ctx = self.ctx
        ei = ElementInstance(ctx.key() if key is None else key, element, parent.definition, parent, ctx.now)
        if element.loop is not None and mi_inner is None:
            ei.is_mi_body = True
        if as_compensation:
            ei.runtime["compensation"] = True
        ei.trigger = trigger
        self.state.element_instances[ei.key] = ei
        parent.children[ei.key] = ei
        ei.state = "PENDING"  # the ACTIVATE_ELEMENT command: ELEMENT_ACTIVATING when it is processed
        if mi_inner is not None:
            vars_.merge_local(ctx, ei, mi_inner)
        ctx.queue.append(lambda: self.run_activation(ei))
        return ei

    def activate_triggered(
        self,
        event: Element,
        scope: ElementInstance,
        trigger: dict[str, Any] | None = None,
        event_key: int | None = None,
        event_scope_key: int | None = None,
    ) -> ElementInstance:
        """A catch event activated by its trigger (Zeebe's EventTriggerBehavior.activateTriggeredEvent): the
        PROCESS_EVENT TRIGGERED of `event_key` (the event scope `event_scope_key` consumed it), then
        ELEMENT_ACTIVATING and ELEMENT_ACTIVATED at once, without input mappings, the `trigger` variables as its
        local variables; then it completes."""
        ctx = self.ctx
        if event_key is not None:
            self.triggered(event_key, event_scope_key if event_scope_key is not None else scope.key, event.id, scope)
        ei = ElementInstance(ctx.key(), event, scope.definition, scope, ctx.now)
        self.state.element_instances[ei.key] = ei
        scope.children[ei.key] = ei
        self._transition(ei, "ACTIVATING")
        self._transition(ei, "ACTIVATED")
        if trigger:
            vars_.merge_local(ctx, ei, trigger)  # for the output mappings (or the flow scope) on completion
        self.complete(ei)
        return ei

    def activate_scope(self, element: Element, scope: ElementInstance) -> ElementInstance:
        """A scope that is ELEMENT_ACTIVATING and ELEMENT_ACTIVATED at once, its children activated by the
        caller (the inner instance around an element an ad-hoc sub-process activates)."""
        ei = ElementInstance(self.ctx.key(), element, scope.definition, scope, self.ctx.now)
        self.state.element_instances[ei.key] = ei
        scope.children[ei.key] = ei
        self._transition(ei, "ACTIVATING")
        self._transition(ei, "ACTIVATED")
        return ei

    def activate_and_complete(self, event: Element, scope: ElementInstance) -> ElementInstance:
        """An event that is only passed through (a compensation boundary event when its handler is invoked):
        ACTIVATING, ACTIVATED, COMPLETING and COMPLETED at once, nothing else."""
        ei = ElementInstance(self.ctx.key(), event, scope.definition, scope, self.ctx.now)
        for state in ("ACTIVATING", "ACTIVATED", "COMPLETING"):
            self._transition(ei, state)
        self._finish(ei, "COMPLETED")
        return ei

    def run_activation(self, ei: ElementInstance) -> None:
        if ei.state == "PENDING":
            self._transition(ei, "ACTIVATING")
        if ei.state != "ACTIVATING":
            return
        self.close_event_scope(ei)  # a re-run after an incident opens them afresh
        try:
            if not ei.is_mi_body and ei.element.applies_input_mappings:
                vars_.apply_inputs(self.ctx, ei, ei.element.io.inputs)
            handler_for(ei).activate(self, ei)
        except StepFailure as e:
            self.incident(ei, e.error_type, e.message, "activate")

    def mark_activated(self, ei: ElementInstance) -> None:
        """Open the element's boundary events (they may fail: the element stays ACTIVATING), then ACTIVATED."""
        self.open_activation_events(ei)
        self.set_activated(ei)

    def open_activation_events(self, ei: ElementInstance) -> None:
        """The first half of `mark_activated`, for elements that write records between the two (a job, a user
        task: Zeebe subscribes, creates them, then transitions to ELEMENT_ACTIVATED)."""
        if (
            ei.is_mi_body or ei.parent is None or not ei.parent.is_mi_body
        ):  # inner instances: the body has them
            self.open_boundary_events(ei)

    def set_activated(self, ei: ElementInstance) -> None:
        self._transition(ei, "ACTIVATED")

    # -- completion ------------------------------------------------------------------------------------------
    def complete(self, ei: ElementInstance) -> None:
        self.ctx.queue.append(lambda: self.run_completion(ei))

    def run_completion(self, ei: ElementInstance) -> None:
        if ei.state not in ("ACTIVATED", "COMPLETING"):
            return
        if ei.state == "ACTIVATED":
            self._transition(ei, "COMPLETING")
        parent = ei.parent
        link = ei.element.link
        # an element without outgoing flows ends a path of its flow scope (a link throw event jumps on)
        ends_path = (
            parent is not None
            and not parent.is_mi_body
            and not ei.element.outgoing
            and (link is None or link.catch_id is None)
        )
        path_result: Any = None
        try:
            handler_for(ei).before_complete(self, ei)
            event_key = ei.runtime.pop("event_key", None)
            if event_key is not None:
                # BpmnVariableMappingBehavior.applyOutputMappings consumes the element's event trigger
                self.triggered(event_key, ei.key, ei.element.id, ei)
            vars_.apply_result(self.ctx, ei)
            if ends_path:
                assert parent is not None
                path_result = handler_for(parent).path_completing(self, parent, ei)
        except StepFailure as e:
            self.incident(ei, e.error_type, e.message, "complete")
            return
        self.close_event_scope(ei)
        compensation.activity_completing(self, ei)
        flows = ei.runtime.pop("flows", None)
        passed = ei.runtime.pop("pass_trigger", None)
        gateway_event = ei.runtime.pop("gateway_event", None)
        self._finish(ei, "COMPLETED")
        if ei.runtime.get("compensation"):
            compensation.handler_completed(self, ei)
        if parent is None:
            self.process_completed(ei)
            return
        if parent.is_mi_body:
            handler_for(parent).child_completed(self, parent, ei)
            return
        if link is not None and link.catch_id is not None:
            # a link throw event continues at the catch link event of its name, with no sequence flow taken
            # (Zeebe's activateElementInstanceInFlowScope)
            self.activate(ei.definition.model.elements[link.catch_id], parent)
            return
        if gateway_event is not None:
            # an event-based gateway continues at the event that was triggered, whose sequence flow is not taken
            # (EventBasedGatewayProcessor.finalizeCompletion -> activateTriggeredEvent)
            event = ei.definition.model.elements[gateway_event["target"]]
            self.activate_triggered(event, parent, passed, gateway_event["key"], ei.key)
            return
        outgoing = (
            ei.element.outgoing if flows is None else tuple(f for f in ei.element.outgoing if f.id in flows)
        )
        if outgoing:
            for flow in outgoing:
                self.take_flow(flow, parent, passed)
        elif ends_path:
            handler_for(parent).path_completed(self, parent, ei, path_result)
        else:
            self.child_done(parent)

    def _finish(self, ei: ElementInstance, state: str) -> None:
        ei.state = state
        self.pi_record(ei, f"ELEMENT_{state}")
        self.ctx.save_element(ei, end=self.ctx.now)
        vars_.drop_scope(self.ctx, ei)
        self.state.element_instances.pop(ei.key, None)
        if ei.parent is not None:
            ei.parent.children.pop(ei.key, None)

    def process_completed(self, pi: ElementInstance) -> None:
        ctx = self.ctx
        ctx.save_instance_row(pi, "COMPLETED", end=ctx.now)
        self.process_ended(pi, completed=True)
        if pi.parent_ei_key is not None:
            caller = self.state.element_instances.get(pi.parent_ei_key)
            if caller is not None:
                handler_for(caller).child_process_completed(self, caller, pi)

    def process_ended(self, pi: ElementInstance, completed: bool) -> None:
        """Release what waits for the instance; an instance started by a message frees its correlation key,
        and the next buffered message for that key starts the next instance (Zeebe's
        BufferedMessageStartEventBehavior; zeebe-protocol.md §7.6)."""
        freed = [k for k, v in self.state.message_started.items() if v == pi.key]
        self.ctx.engine.on_process_ended(self.ctx, pi, completed)
        for pid, correlation_key in freed:
            self._start_by_buffered_message(pid, correlation_key)

    def _start_by_buffered_message(self, pid: str, correlation_key: str) -> None:
        definition = self.state.latest_process(pid)
        if definition is None or (pid, correlation_key) in self.state.message_started:
            return
        for start in definition.model.start_events(pid):
            if start.event_type is not EventType.MESSAGE or start.message is None:
                continue
            buffered = self.state.messages_by_name.get((start.message.name.text, correlation_key), {})
            for msg in list(buffered.values()):
                if pid in msg.correlated or msg.deadline <= self.ctx.now:
                    continue
                msg.correlated.add(pid)
                self.ctx.save_message(msg)
                pi = self.create_process_instance(
                    definition, {}, start_element=start, trigger=dict(msg.variables), triggered_start=True
                )
                self.hold_correlation_key(pi, correlation_key)
                return

    def hold_correlation_key(self, pi: ElementInstance, correlation_key: str) -> None:
        """A message start event created `pi`: no other instance of its process starts for this key while it
        is active. Kept in the instance's runtime row so recovery rebuilds the index."""
        self.state.message_started[(pi.definition.bpmn_process_id, correlation_key)] = pi.key
        pi.runtime["correlation_key"] = correlation_key
        self.ctx.save_element(pi)

    def take_flow(
        self, flow: SequenceFlow, scope: ElementInstance, trigger: dict[str, Any] | None = None
    ) -> None:
        ctx = self.ctx
        ctx.record(
            "PROCESS_INSTANCE",
            "SEQUENCE_FLOW_TAKEN",
            ctx.key(),
            {
                "bpmnProcessId": scope.definition.bpmn_process_id,
                "version": scope.definition.version,
                "processDefinitionKey": scope.definition.key,
                "processInstanceKey": scope.process_instance.key,
                "elementId": flow.id,
                "flowScopeKey": scope.key,
                "bpmnElementType": "SEQUENCE_FLOW",
                "bpmnEventType": "UNSPECIFIED",
                "tenantId": DEFAULT_TENANT,
            },
            scope.process_instance.key,
        )
        target = scope.definition.model.elements[flow.target_id]
        if len(target.incoming) > 1 and target.element_type in (
            ElementType.PARALLEL_GATEWAY,
            ElementType.INCLUSIVE_GATEWAY,
        ):
            joins = scope.runtime.setdefault("joins", {}).setdefault(target.id, {})
            joins[flow.id] = joins.get(flow.id, 0) + 1
            ctx.save_element(scope)
            self.try_join(scope, target)
            return
        self.activate(target, scope, trigger=trigger)

    def try_join(self, scope: ElementInstance, gateway: Element) -> None:
        joins = scope.runtime.get("joins", {})
        tokens = joins.get(gateway.id)
        if not tokens:
            return
        incoming = [f.id for f in gateway.incoming]
        if gateway.element_type is ElementType.PARALLEL_GATEWAY:
            ready = all(tokens.get(f, 0) > 0 for f in incoming)
        else:
            ready = not self._has_active_path(scope, gateway, tokens)
        if not ready:
            return
        for f in incoming:
            if tokens.get(f, 0) > 0:
                tokens[f] -= 1
        if not any(tokens.values()):
            del joins[gateway.id]
        self.ctx.save_element(scope)
        self.activate(gateway, scope)

    def _has_active_path(self, scope: ElementInstance, gateway: Element, tokens: dict[str, int]) -> bool:
        """Could another token of `scope` still arrive at the inclusive gateway? (Zeebe's
        BpmnInclusiveGatewayBehavior.hasActivePathToTheGateway): a path from an active child (the children of
        an ad-hoc sub-process's inner instances included) or from a sequence flow waiting at another join,
        along outgoing flows - not the gateway's incoming flows already taken -, link events and the boundary
        events of activities."""
        model = scope.definition.model
        taken = frozenset(f for f, n in tokens.items() if n > 0)
        sources: set[str] = set()
        for child in scope.children.values():
            if child.element.element_type is ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE:
                sources.update(c.element.id for c in child.children.values())
            else:
                sources.add(child.element.id)
        for gw, waiting in scope.runtime.get("joins", {}).items():
            if gw != gateway.id and any(waiting.values()):
                sources.add(gw)  # the target of an active sequence flow
        sources.discard(gateway.id)
        return any(has_path(model, source, gateway.id, taken) for source in sources)

    def child_done(self, scope: ElementInstance) -> None:
        """A token of `scope` ended: re-check inclusive joins, then complete the scope when nothing is left."""
        if scope.state != "ACTIVATED":
            return
        for gw_id in list(scope.runtime.get("joins", {})):
            gw = scope.definition.model.elements[gw_id]
            if gw.element_type is ElementType.INCLUSIVE_GATEWAY:
                self.try_join(scope, gw)
        if scope.children or any(any(t.values()) for t in scope.runtime.get("joins", {}).values()):
            return
        self.complete(scope)

    # -- termination -----------------------------------------------------------------------------------------
    def terminate(self, ei: ElementInstance, notify: bool = True) -> None:
        """Terminate an element instance and everything inside it (depth first, synchronously)."""
        if ei.state in ("COMPLETED", "TERMINATED"):
            return
        if ei.state == "PENDING":
            # its ACTIVATE_ELEMENT command is not processed yet: Zeebe rejects it, no record is written
            ei.state = "TERMINATED"
            self.state.element_instances.pop(ei.key, None)
            if ei.parent is not None:
                ei.parent.children.pop(ei.key, None)
                if notify:
                    self._notify_terminated(ei.parent, ei)
            return
        self._transition(ei, "TERMINATING")
        compensation.scope_terminating(self, ei)
        for child in list(ei.children.values()):
            self.terminate(child, notify=False)
        handler_for(ei).on_terminate(self, ei)
        self.close_event_scope(ei)
        if ei.incident_key is not None:
            self.resolve_incident_record(self.state.incidents.get(ei.incident_key))
        self._finish(ei, "TERMINATED")
        if ei.parent is None:
            self.ctx.save_instance_row(ei, "TERMINATED", end=self.ctx.now)
            self.process_ended(ei, completed=False)
        elif notify:
            self._notify_terminated(ei.parent, ei)

    def _notify_terminated(self, parent: ElementInstance, ei: ElementInstance) -> None:
        if parent.is_mi_body and parent.state == "ACTIVATED":
            handler_for(parent).child_completed(self, parent, ei)
        else:
            self.child_done(parent)

    def terminate_children(self, scope: ElementInstance, keep: int | None = None) -> None:
        """End every token of `scope` but `keep` (an interrupting event, a terminate end event)."""
        for child in list(scope.children.values()):
            if child.key != keep:
                self.terminate(child, notify=False)
        scope.runtime.pop("joins", None)

    # -- jobs ------------------------------------------------------------------------------------------------
    def create_job(self, ei: ElementInstance, job_type: str, retries: int, headers: dict[str, str]) -> Job:
        ctx = self.ctx
        job = Job(ctx.key(), job_type, "BPMN_ELEMENT", retries, headers, ei, ctx.now)
        self.state.jobs[job.key] = job
        self.state.activatable[job_type][job.key] = job
        ei.job_key = job.key
        self.job_record(job, "CREATED")
        ctx.save_job(job)
        ctx.woken.add(job_type)
        return job

    def job_record(self, job: Job, intent: str, variables: dict[str, Any] | None = None) -> None:
        ei = job.element_instance
        d = ei.definition
        self.ctx.record(
            "JOB",
            intent,
            job.key,
            {
                "type": job.type,
                "worker": job.worker,
                "retries": job.retries,
                "deadline": job.deadline if job.deadline is not None else -1,
                "errorMessage": job.error_message,
                "errorCode": job.error_code,
                "customHeaders": job.custom_headers,
                "elementId": ei.element.id,
                "elementInstanceKey": ei.key,
                "bpmnProcessId": d.bpmn_process_id,
                "processDefinitionVersion": d.version,
                "processDefinitionKey": d.key,
                "processInstanceKey": ei.process_instance.key,
                "variables": variables or {},
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )

    def cancel_job(self, job: Job) -> None:
        self.state.jobs.pop(job.key, None)
        self.state.activatable.get(job.type, {}).pop(job.key, None)
        job.state = "CANCELED"
        self.job_record(job, "CANCELED")
        self.ctx.save_job(job, live=False)

    # -- incidents -------------------------------------------------------------------------------------------
    def incident(
        self, ei: ElementInstance, error_type: str, message: str, step: str, job: Job | None = None
    ) -> Incident:
        ctx = self.ctx
        inc = Incident(
            ctx.key(), error_type, message, ei, job.key if job is not None else None, ctx.now, step
        )
        self.state.incidents[inc.key] = inc
        ei.incident_key = inc.key
        pi = ei.process_instance
        pi.runtime.setdefault("incidents", []).append(inc.key)
        self.incident_record(inc, "CREATED")
        ctx.save_incident(inc)
        ctx.save_element(ei)
        ctx.save_instance_row(pi, "ACTIVE")
        return inc

    def incident_record(self, inc: Incident, intent: str) -> None:
        ei = inc.element_instance
        self.ctx.record(
            "INCIDENT",
            intent,
            inc.key,
            {
                "errorType": inc.error_type,
                "errorMessage": inc.error_message,
                "bpmnProcessId": ei.definition.bpmn_process_id,
                "processDefinitionKey": ei.definition.key,
                "processInstanceKey": ei.process_instance.key,
                "elementId": ei.element.id,
                "elementInstanceKey": ei.key,
                "jobKey": inc.job_key if inc.job_key is not None else -1,
                "variableScopeKey": ei.key,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )

    def resolve_incident_record(self, inc: Incident | None) -> None:
        if inc is None or inc.state != "ACTIVE":
            return
        inc.state = "RESOLVED"
        self.state.incidents.pop(inc.key, None)
        ei = inc.element_instance
        if ei.incident_key == inc.key:
            ei.incident_key = None
        pi = ei.process_instance
        keys = pi.runtime.get("incidents", [])
        if inc.key in keys:
            keys.remove(inc.key)
        self.incident_record(inc, "RESOLVED")
        self.ctx.save_incident(inc)
        if ei.state not in ("COMPLETED", "TERMINATED"):
            self.ctx.save_element(ei)
        if pi.state not in ("COMPLETED", "TERMINATED"):
            self.ctx.save_instance_row(pi, "ACTIVE")

    # -- events: subscriptions and timers -----------------------------------------------------------------------
    def open_boundary_events(self, ei: ElementInstance) -> None:
        model = ei.definition.model
        for b in model.boundary_events(ei.element.id):
            self.open_event(ei, b)
        if ei.element.is_scope:
            for esp in model.event_sub_processes(ei.element.id):
                for start in model.start_events(esp.id):
                    if start.event_type in (EventType.MESSAGE, EventType.TIMER):
                        self.open_event(ei, start)

    def open_event(self, ei: ElementInstance, event: Element) -> None:
        """Open the message subscription or timer of `event`, held by `ei`."""
        if event.event_type is EventType.MESSAGE and event.message is not None:
            self.open_subscription(ei, event)
        elif event.event_type is EventType.TIMER and event.timer is not None:
            self.open_timer(ei, event)
        elif event.event_type is EventType.SIGNAL and event.signal is not None:
            self.open_signal_subscription(ei, event)

    def open_signal_subscription(self, ei: ElementInstance, event: Element) -> Subscription:
        assert event.signal is not None
        name = vars_.expect(event.signal.name, vars_.evaluate(self.ctx, event.signal.name, ei), "STRING")
        sub = Subscription(self.ctx.key(), ei, event, name, "", event.interrupting, "signal")
        self.state.subscriptions[sub.key] = sub
        self.state.signal_subscriptions[name][sub.key] = sub
        ei.subscription_keys.append(sub.key)
        self.ctx.record(
            "SIGNAL_SUBSCRIPTION",
            "CREATED",
            sub.key,
            {
                "signalName": name,
                "catchEventId": event.id,
                "catchEventInstanceKey": ei.key,
                "bpmnProcessId": ei.definition.bpmn_process_id,
                "processDefinitionKey": ei.definition.key,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )
        self.ctx.save_subscription(sub)
        return sub

    def open_subscription(self, ei: ElementInstance, event: Element) -> Subscription:
        message = event.message
        assert message is not None
        name = vars_.evaluate(self.ctx, message.name, ei)
        vars_.expect(message.name, name, "STRING")
        key_expr = message.correlation_key
        correlation = vars_.evaluate(self.ctx, key_expr, ei) if key_expr is not None else ""
        if isinstance(correlation, bool) or not isinstance(correlation, (str, int, float)):
            assert key_expr is not None
            raise StepFailure(
                "EXTRACT_VALUE_ERROR",
                f"Failed to extract the correlation key for '{key_expr.expression}': The value must be either a "
                f"string or a number, but was '{vars_._type_of(correlation)}'.",
            )
        if isinstance(correlation, float) and correlation.is_integer():
            correlation = int(correlation)
        sub = Subscription(
            self.ctx.key(),
            ei,
            event,
            name,
            str(correlation),
            event.interrupting,
        )
        self.state.subscriptions[sub.key] = sub
        self.state.subscriptions_by_message[(sub.message_name, sub.correlation_key)][sub.key] = sub
        ei.subscription_keys.append(sub.key)
        self.ctx.record(
            "PROCESS_MESSAGE_SUBSCRIPTION",
            "CREATED",
            sub.key,
            {
                "messageName": sub.message_name,
                "correlationKey": sub.correlation_key,
                "elementId": event.id,
                "elementInstanceKey": ei.key,
                "processInstanceKey": ei.process_instance.key,
                "bpmnProcessId": ei.definition.bpmn_process_id,
                "interrupting": sub.interrupting,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )
        self.ctx.save_subscription(sub)
        self.ctx.engine.correlate_buffered(self.ctx, sub)
        return sub

    def open_timer(
        self, ei: ElementInstance | None, event: Element, definition: ProcessDefinition | None = None
    ) -> Timer:
        spec = event.timer
        assert spec is not None
        raw = (
            vars_.evaluate_feel(self.ctx, spec.value, ei) if spec.value.feel is not None else spec.value.text
        )
        due, repetitions, interval = timer_math.schedule(
            spec.kind.value, raw, self.ctx.now, spec.value.expression
        )
        d = definition or (ei.definition if ei is not None else None)
        assert d is not None
        timer = Timer(self.ctx.key(), event, ei, d, due, repetitions, interval)
        self.state.timers[timer.key] = timer
        self.state.schedule.add(due, "timer", timer.key)
        if ei is not None:
            ei.timer_keys.append(timer.key)
        self.timer_record(timer, "CREATED")
        self.ctx.save_timer(timer)
        return timer

    def timer_record(self, timer: Timer, intent: str) -> None:
        ei = timer.element_instance
        self.ctx.record(
            "TIMER",
            intent,
            timer.key,
            {
                "elementInstanceKey": ei.key if ei is not None else -1,
                "processInstanceKey": ei.process_instance.key if ei is not None else -1,
                "dueDate": timer.due_date,
                "targetElementId": timer.element.id,
                "repetitions": timer.repetitions,
                "processDefinitionKey": timer.definition.key,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key if ei is not None else None,
        )

    def close_timer(self, timer: Timer, intent: str = "CANCELED") -> None:
        self.state.timers.pop(timer.key, None)
        ei = timer.element_instance
        if ei is not None and timer.key in ei.timer_keys:
            ei.timer_keys.remove(timer.key)
        self.timer_record(timer, intent)
        self.ctx.batch.delete(schema.timers, timer.key)

    def close_subscription(self, sub: Subscription) -> None:
        self.state.subscriptions.pop(sub.key, None)
        ei = sub.element_instance
        if sub.key in ei.subscription_keys:
            ei.subscription_keys.remove(sub.key)
        self.ctx.batch.delete(schema.subscriptions, sub.key)
        if sub.kind == "signal":
            self.state.signal_subscriptions.get(sub.message_name, {}).pop(sub.key, None)
            self.ctx.record(
                "SIGNAL_SUBSCRIPTION",
                "DELETED",
                sub.key,
                {
                    "signalName": sub.message_name,
                    "catchEventId": sub.element.id,
                    "catchEventInstanceKey": ei.key,
                    "tenantId": DEFAULT_TENANT,
                },
                ei.process_instance.key,
            )
            return
        by_message = self.state.subscriptions_by_message.get((sub.message_name, sub.correlation_key), {})
        by_message.pop(sub.key, None)
        self.ctx.record(
            "PROCESS_MESSAGE_SUBSCRIPTION",
            "DELETED",
            sub.key,
            {
                "messageName": sub.message_name,
                "correlationKey": sub.correlation_key,
                "elementId": sub.element.id,
                "elementInstanceKey": ei.key,
                "processInstanceKey": ei.process_instance.key,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )

    def close_event_scope(self, ei: ElementInstance) -> None:
        """Close what the element instance holds open: its subscriptions and timers."""
        for key in list(ei.subscription_keys):
            sub = self.state.subscriptions.get(key)
            if sub is not None:
                self.close_subscription(sub)
        for key in list(ei.timer_keys):
            timer = self.state.timers.get(key)
            if timer is not None:
                self.close_timer(timer)

    def close_event_sub_process_events(self, scope: ElementInstance) -> None:
        """An interrupting event sub-process was triggered in `scope`: close the subscriptions and timers of the
        start events of its event sub-processes, keep the others - the scope's boundary events stay open
        (Zeebe's CatchEventBehavior.unsubscribeEventSubprocesses)."""

        def of_event_sub_process(event: Element) -> bool:
            return (
                event.element_type is ElementType.START_EVENT
                and event.flow_scope_id is not None
                and event.flow_scope_id != scope.element.id
            )

        for key in list(scope.subscription_keys):
            sub = self.state.subscriptions.get(key)
            if sub is not None and of_event_sub_process(sub.element):
                self.close_subscription(sub)
        for key in list(scope.timer_keys):
            timer = self.state.timers.get(key)
            if timer is not None and of_event_sub_process(timer.element):
                self.close_timer(timer)

    def trigger_event(
        self, holder: ElementInstance, event: Element, variables: dict[str, Any], interrupting: bool
    ) -> None:
        """A message or timer fired for `event`, held open by `holder` (see elements.events.trigger)."""
        from engine.runtime.elements.events import trigger

        trigger(self, holder, event, variables, interrupting)

    # -- errors ----------------------------------------------------------------------------------------------
    def throw_error(
        self, thrower: ElementInstance, code: str, message: str, variables: dict[str, Any]
    ) -> bool:
        from engine.runtime.elements.events import throw_error

        return throw_error(self, thrower, code, message, variables)


def has_path(model: Any, source_id: str, target_id: str, taken: frozenset[str]) -> bool:
    """Is `target_id` reachable from `source_id` along sequence flows (except those in `taken`), from a link
    throw event to its catch event, and from an activity to its boundary events? (Zeebe's
    BpmnInclusiveGatewayBehavior.hasActivePathToTheGateway, visitElement / visitLinkEvent)"""
    seen: set[str] = set()
    todo = [source_id]
    while todo:
        element_id = todo.pop()
        if element_id == target_id:
            return True
        if element_id in seen:
            continue
        seen.add(element_id)
        el = model.elements[element_id]
        if el.link is not None and el.link.catch_id is not None:
            todo.append(el.link.catch_id)
            continue
        todo.extend(f.target_id for f in el.outgoing if f.id not in taken)
        todo.extend(el.boundary_event_ids)
    return False
