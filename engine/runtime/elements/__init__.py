"""What each element kind does in its life cycle; `handler_for` picks the handler of an element instance.

One module per family (tasks, gateways, events, containers); a new kind is a new handler registered here.
"""

from __future__ import annotations

from engine.bpmn import ElementType
from engine.runtime.elements.base import Handler
from engine.runtime.state import ElementInstance


def _registry() -> dict[ElementType, Handler]:
    from engine.runtime.elements import containers, events, gateways, tasks

    return {
        ElementType.PROCESS: containers.Process(),
        ElementType.SUB_PROCESS: containers.SubProcess(),
        ElementType.EVENT_SUB_PROCESS: containers.EventSubProcess(),
        ElementType.AD_HOC_SUB_PROCESS: containers.AdHocSubProcess(),
        ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE: Handler(),  # only created active (activate_scope)
        ElementType.CALL_ACTIVITY: containers.CallActivity(),
        ElementType.SERVICE_TASK: tasks.JobTask(),
        ElementType.SEND_TASK: tasks.JobTask(),
        ElementType.SCRIPT_TASK: tasks.ScriptTask(),
        ElementType.BUSINESS_RULE_TASK: tasks.BusinessRuleTask(),
        ElementType.USER_TASK: tasks.UserTaskHandler(),
        ElementType.RECEIVE_TASK: tasks.ReceiveTask(),
        ElementType.MANUAL_TASK: Handler(),
        ElementType.TASK: Handler(),
        ElementType.START_EVENT: Handler(),
        ElementType.END_EVENT: events.EndEvent(),
        ElementType.INTERMEDIATE_CATCH_EVENT: events.CatchEvent(),
        ElementType.INTERMEDIATE_THROW_EVENT: events.ThrowEvent(),
        ElementType.BOUNDARY_EVENT: Handler(),
        ElementType.EXCLUSIVE_GATEWAY: gateways.ExclusiveGateway(),
        ElementType.INCLUSIVE_GATEWAY: gateways.InclusiveGateway(),
        ElementType.PARALLEL_GATEWAY: gateways.ParallelGateway(),
        ElementType.EVENT_BASED_GATEWAY: gateways.EventBasedGateway(),
    }


_HANDLERS: dict[ElementType, Handler] = {}
_MULTI_INSTANCE: list[Handler] = []


def handler_for(ei: ElementInstance) -> Handler:
    if not _HANDLERS:
        from engine.runtime.elements.containers import MultiInstanceBody

        _HANDLERS.update(_registry())
        _MULTI_INSTANCE.append(MultiInstanceBody())
    if ei.is_mi_body:
        return _MULTI_INSTANCE[0]
    return _HANDLERS[ei.element.element_type]
