"""Scopes: the process, embedded, event and ad-hoc sub-processes, call activities and multi-instance bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.bpmn import Element
from engine.runtime import variables as vars_
from engine.runtime.elements import compensation
from engine.runtime.elements.base import Handler
from engine.runtime.state import ElementInstance
from engine.runtime.variables import StepFailure

if TYPE_CHECKING:
    from engine.runtime.processor import Processor


class Process(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        start_id = ei.runtime.pop("start", None)
        trigger = ei.runtime.pop("start_trigger", None)
        start = ei.definition.model.elements[start_id] if start_id is not None else None
        if trigger:
            # the start message's variables are in the process scope before its event sub-processes subscribe,
            # so they can correlate on them (Zeebe: camunda/camunda#4099, fixed in #9047)
            vars_.merge_local(p.ctx, ei, trigger)
            if start is not None and not start.io.outputs:
                trigger = None  # applied: the start event has nothing left to map
        # mark_activated opens the message/timer start events of the process's event sub-processes
        p.mark_activated(ei)
        event_key = ei.runtime.pop("start_event_key", None)
        if start is not None and event_key is not None:
            # the start event consumes the trigger kept in the process definition's event scope
            # (BpmnEventSubscriptionBehavior.activateTriggeredStartEvent)
            p.triggered(event_key, ei.definition.key, start.id, ei)
        if start is not None:
            p.activate(start, ei, trigger=trigger)

    def before_complete(self, p: Processor, ei: ElementInstance) -> None:
        compensation.process_completing(p, ei)  # ProcessProcessor.onComplete


class SubProcess(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        p.mark_activated(ei)
        start = ei.element.none_start_event_id
        if start is None:  # the parser requires one; an empty sub-process completes at once
            p.complete(ei)
            return
        p.activate(ei.definition.model.elements[start], ei)


class EventSubProcess(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        p.mark_activated(ei)
        start_id = str(ei.runtime.pop("start", None) or ei.element.none_start_event_id)
        trigger = ei.runtime.pop("start_trigger", None)
        event_key = ei.runtime.pop("start_event_key", None)
        start = p.activate(ei.definition.model.elements[start_id], ei, trigger=trigger)
        if event_key is not None:
            # the start event takes over the event trigger of the scope (ProcessInstanceElementActivatingApplier);
            # its completion consumes it (PROCESS_EVENT TRIGGERED)
            start.runtime["event_key"] = event_key


class AdHocSubProcess(Handler):
    """Zeebe's AdHocSubProcessProcessor (BPMN implementation) and BpmnAdHocSubProcessBehavior.

    Activation: the local variables `adHocSubProcessElements` and the output collection (`[]`), the input
    mappings, then `activeElementsCollection` (failures are EXTRACT_VALUE_ERROR incidents); each listed element
    runs in its own inner instance (AD_HOC_SUB_PROCESS_INNER_INSTANCE, ACTIVATING and ACTIVATED at once).
    When an inner instance (or an event sub-process) ends, its `outputElement` is appended to the output
    collection and the completion condition is evaluated; true completes the sub-process - terminating the
    other inner instances first unless `cancelRemainingInstances="false"`, which waits for them - false
    leaves it waiting; without a condition it completes when nothing is left running.
    """

    ELEMENTS_VARIABLE = "adHocSubProcessElements"

    def activate(self, p: Processor, ei: ElementInstance) -> None:
        ad_hoc = ei.element.ad_hoc
        assert ad_hoc is not None
        vars_.set_local(p.ctx, ei, self.ELEMENTS_VARIABLE, [dict(m) for m in ad_hoc.metadata])
        if ad_hoc.output_collection:
            vars_.set_local(p.ctx, ei, ad_hoc.output_collection, [])
        vars_.apply_inputs(p.ctx, ei, ei.element.io.inputs)
        element_ids = self._elements_to_activate(p, ei)
        p.mark_activated(ei)
        activations = [self._inner_instance(p, ei, element_id) for element_id in element_ids]
        for element, inner, key in activations:  # the ACTIVATE_ELEMENT commands follow the inner instances
            p.activate(element, inner, key=key)

    def _elements_to_activate(self, p: Processor, ei: ElementInstance) -> list[str]:
        ad_hoc = ei.element.ad_hoc
        assert ad_hoc is not None
        expr = ad_hoc.active_elements
        if expr is None:
            return []
        prefix = "Failed to activate ad-hoc elements. "
        try:
            value = vars_.expect(expr, vars_.evaluate(p.ctx, expr, ei), "ARRAY")
        except StepFailure as e:
            raise StepFailure("EXTRACT_VALUE_ERROR", prefix + e.message) from None
        if not all(isinstance(v, str) for v in value):
            raise StepFailure(
                "EXTRACT_VALUE_ERROR",
                f"{prefix}Expected result of the expression '{expr.expression}' to be 'ARRAY' containing 'STRING' "
                "items, but was 'ARRAY' containing at least one non-'STRING' item.",
            )
        missing = [v for v in value if v not in ad_hoc.activity_ids]
        if missing:
            raise StepFailure(
                "EXTRACT_VALUE_ERROR",
                f"Expected to activate activities for ad-hoc sub-process with key '{ei.key}', but the given "
                f"elements [{', '.join(missing)}] do not exist.",
            )
        return list(value)

    def _inner_instance(
        self, p: Processor, ei: ElementInstance, element_id: str
    ) -> tuple[Element, ElementInstance, int]:
        """The inner instance for one activation, the output element's variable (a local `null` of the ad-hoc
        sub-process, so the inner results land there) and the key of the element instance to activate."""
        ad_hoc = ei.element.ad_hoc
        assert ad_hoc is not None
        model = ei.definition.model
        inner = p.activate_scope(model.elements[ad_hoc.inner_instance_id], ei)
        out = ad_hoc.output_element
        if out is not None and out.feel is not None and out.expression.strip().isidentifier():
            vars_.set_local(p.ctx, ei, out.expression.strip(), None)
        return model.elements[element_id], inner, p.ctx.key()

    def path_completing(self, p: Processor, ei: ElementInstance, child: ElementInstance) -> bool | None:
        """beforeExecutionPathCompleted: collect the output, evaluate the completion condition (None: none)."""
        ad_hoc = ei.element.ad_hoc
        assert ad_hoc is not None
        if ad_hoc.output_collection and ad_hoc.output_element is not None:
            value = vars_.evaluate(p.ctx, ad_hoc.output_element, child)
            current = ei.variables.get(ad_hoc.output_collection)
            collection = current.value if current is not None else None
            if not isinstance(collection, list):
                raise StepFailure(
                    "UNKNOWN",
                    "The output collection has the wrong type. Expected ARRAY but was "
                    f"{vars_._type_of(collection)}.",
                )
            vars_.set_local(p.ctx, ei, ad_hoc.output_collection, [*collection, value])
        condition = ad_hoc.completion_condition
        if condition is None:
            return None
        try:
            return bool(vars_.expect(condition, vars_.evaluate(p.ctx, condition, ei), "BOOLEAN"))
        except StepFailure as e:
            raise StepFailure("EXTRACT_VALUE_ERROR", "Failed to evaluate completion condition. " + e.message) from None

    def path_completed(self, p: Processor, ei: ElementInstance, child: ElementInstance, result: Any) -> None:
        """afterExecutionPathCompleted (BpmnBehavior) and completionConditionFulfilled."""
        ad_hoc = ei.element.ad_hoc
        assert ad_hoc is not None
        if result is None:
            p.child_done(ei)
        elif result and ad_hoc.cancel_remaining_instances:
            if ei.children:  # TERMINATE_ELEMENT for each; the last one terminated completes the sub-process
                p.ctx.queue.append(lambda: self._cancel_remaining(p, ei))
            else:
                p.complete(ei)
        elif result:
            p.child_done(ei)  # wait for the remaining instances

    def _cancel_remaining(self, p: Processor, ei: ElementInstance) -> None:
        if ei.state != "ACTIVATED":
            return
        for child in list(ei.children.values()):
            p.terminate(child)

    def before_complete(self, p: Processor, ei: ElementInstance) -> None:
        ad_hoc = ei.element.ad_hoc
        assert ad_hoc is not None
        if ad_hoc.output_collection and ei.parent is not None:
            var = ei.variables.get(ad_hoc.output_collection)
            vars_.merge_document(p.ctx, ei.parent, {ad_hoc.output_collection: var.value if var else []})


class CallActivity(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        called = ei.element.called_element
        assert called is not None
        process_id = vars_.expect(called.process_id, vars_.evaluate(p.ctx, called.process_id, ei), "STRING")
        definition = p.state.latest_process(process_id)
        if definition is None:
            raise StepFailure(
                "CALLED_ELEMENT_ERROR",
                f"Expected process with BPMN process id '{process_id}' to be deployed, but not found.",
            )
        if definition.model.none_start_event is None:
            raise StepFailure(
                "CALLED_ELEMENT_ERROR",
                f"Expected process with BPMN process id '{process_id}' to have a none start event, but not found.",
            )
        if called.propagate_all_parent_variables:
            variables = {name: var.value for name, var in vars_.visible(ei).items()}
        else:
            variables = {name: var.value for name, var in ei.variables.items()}
        p.mark_activated(ei)
        child = p.create_process_instance(definition, variables, parent=ei)
        ei.called_child_key = child.key
        p.ctx.save_element(ei)

    def child_process_completed(self, p: Processor, ei: ElementInstance, child: ElementInstance) -> None:
        called = ei.element.called_element
        assert called is not None
        if ei.element.io.outputs or called.propagate_all_child_variables:
            ei.trigger = {name: var.value for name, var in child.variables.items()}
        ei.called_child_key = None
        p.complete(ei)

    def on_terminate(self, p: Processor, ei: ElementInstance) -> None:
        child = (
            p.state.element_instances.get(ei.called_child_key) if ei.called_child_key is not None else None
        )
        if child is not None:
            p.terminate(child, notify=False)


class MultiInstanceBody(Handler):
    """The body around a multi-instance activity: one inner instance per item (zeebe-protocol.md §6)."""

    def activate(self, p: Processor, ei: ElementInstance) -> None:
        loop = ei.element.loop
        assert loop is not None
        items = vars_.evaluate(p.ctx, loop.input_collection, ei)
        vars_.expect(loop.input_collection, items, "ARRAY")
        ei.runtime["mi"] = {"count": len(items), "next": 0, "completed": 0, "terminated": 0}
        if loop.output_collection:
            vars_.set_local(p.ctx, ei, loop.output_collection, [None] * len(items))
        ei.runtime["items"] = items
        p.mark_activated(ei)
        if not items:
            p.complete(ei)
            return
        for _ in range(1 if loop.is_sequential else len(items)):
            self._spawn(p, ei)

    def _spawn(self, p: Processor, body: ElementInstance) -> None:
        loop = body.element.loop
        assert loop is not None
        mi = body.runtime["mi"]
        index = mi["next"]
        mi["next"] = index + 1
        locals_: dict[str, Any] = {"loopCounter": index + 1}
        if loop.input_element:
            locals_[loop.input_element] = body.runtime["items"][index]
        out = loop.output_element
        if out is not None and out.feel is not None and out.expression.strip().isidentifier():
            locals_.setdefault(out.expression.strip(), None)
        p.ctx.save_element(body)
        p.activate(body.element, body, mi_inner=locals_)

    def child_completed(self, p: Processor, body: ElementInstance, child: ElementInstance) -> None:
        loop = body.element.loop
        assert loop is not None
        mi = body.runtime["mi"]
        if child.state == "COMPLETED":
            mi["completed"] += 1
            if loop.output_collection and loop.output_element is not None:
                counter = child.variables.get("loopCounter")
                value = vars_.evaluate(p.ctx, loop.output_element, child)
                collection = list(body.variables[loop.output_collection].value)
                if counter is not None and 1 <= counter.value <= len(collection):
                    collection[counter.value - 1] = value
                vars_.set_local(p.ctx, body, loop.output_collection, collection)
        else:
            mi["terminated"] += 1
        p.ctx.save_element(body)
        if loop.completion_condition is not None and child.state == "COMPLETED":
            extra = {
                "numberOfInstances": mi["count"],
                "numberOfActiveInstances": len(body.children),
                "numberOfCompletedInstances": mi["completed"],
                "numberOfTerminatedInstances": mi["terminated"],
            }
            done = vars_.evaluate(p.ctx, loop.completion_condition, body, extra)
            vars_.expect(loop.completion_condition, done, "BOOLEAN")
            if done:
                p.terminate_children(body)
                p.complete(body)
                return
        if loop.is_sequential and mi["next"] < mi["count"]:
            self._spawn(p, body)
        elif not body.children:
            p.complete(body)

    def before_complete(self, p: Processor, ei: ElementInstance) -> None:
        loop = ei.element.loop
        assert loop is not None
        if loop.output_collection and ei.parent is not None:
            var = ei.variables.get(loop.output_collection)
            vars_.merge_document(p.ctx, ei.parent, {loop.output_collection: var.value if var else []})
