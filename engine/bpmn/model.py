"""The immutable, executable model of a deployed BPMN process (what the runtime walks).

One flat `Element` class for every flow node, tagged with Zeebe's `BpmnElementType`/`BpmnEventType` names and
carrying optional, typed parts (`job`, `message`, `timer`, ...): the runtime dispatches on `element_type`
without isinstance checks, and a new kind adds a part rather than a class hierarchy. Cross references are by
id (strings), so the graph has no cycles and everything can be frozen; the lookups the runtime needs on every
step (outgoing flows, boundary events, start events of a scope, default flow) are precomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from engine.feel import CompiledExpression

_EMPTY: Mapping[str, str] = MappingProxyType({})
_T = TypeVar("_T")


class ElementType(StrEnum):
    """Zeebe's `BpmnElementType` (the names records and the REST API use)."""

    PROCESS = "PROCESS"
    SUB_PROCESS = "SUB_PROCESS"
    EVENT_SUB_PROCESS = "EVENT_SUB_PROCESS"
    AD_HOC_SUB_PROCESS = "AD_HOC_SUB_PROCESS"
    #: the scope Zeebe creates around each element an ad-hoc sub-process activates (`<id>#innerInstance`)
    AD_HOC_SUB_PROCESS_INNER_INSTANCE = "AD_HOC_SUB_PROCESS_INNER_INSTANCE"
    START_EVENT = "START_EVENT"
    INTERMEDIATE_CATCH_EVENT = "INTERMEDIATE_CATCH_EVENT"
    INTERMEDIATE_THROW_EVENT = "INTERMEDIATE_THROW_EVENT"
    BOUNDARY_EVENT = "BOUNDARY_EVENT"
    END_EVENT = "END_EVENT"
    SERVICE_TASK = "SERVICE_TASK"
    RECEIVE_TASK = "RECEIVE_TASK"
    USER_TASK = "USER_TASK"
    MANUAL_TASK = "MANUAL_TASK"
    TASK = "TASK"
    EXCLUSIVE_GATEWAY = "EXCLUSIVE_GATEWAY"
    PARALLEL_GATEWAY = "PARALLEL_GATEWAY"
    EVENT_BASED_GATEWAY = "EVENT_BASED_GATEWAY"
    INCLUSIVE_GATEWAY = "INCLUSIVE_GATEWAY"
    SEQUENCE_FLOW = "SEQUENCE_FLOW"
    MULTI_INSTANCE_BODY = "MULTI_INSTANCE_BODY"
    CALL_ACTIVITY = "CALL_ACTIVITY"
    BUSINESS_RULE_TASK = "BUSINESS_RULE_TASK"
    SCRIPT_TASK = "SCRIPT_TASK"
    SEND_TASK = "SEND_TASK"


class EventType(StrEnum):
    """Zeebe's `BpmnEventType`; UNSPECIFIED for none events and non-events (as in Zeebe's records)."""

    UNSPECIFIED = "UNSPECIFIED"
    MESSAGE = "MESSAGE"
    TIMER = "TIMER"
    ERROR = "ERROR"
    TERMINATE = "TERMINATE"
    SIGNAL = "SIGNAL"
    ESCALATION = "ESCALATION"
    LINK = "LINK"
    COMPENSATION = "COMPENSATION"


class TimerKind(StrEnum):
    DURATION = "timeDuration"
    CYCLE = "timeCycle"
    DATE = "timeDate"


#: job type of job-worker user tasks (`UserTaskTransformer`)
USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"


@dataclass(frozen=True, slots=True)
class Expr:
    """An attribute that is either a static value or (leading `=`) a FEEL expression compiled at deployment."""

    text: str  # the attribute as written, `=` included
    feel: CompiledExpression | None = None

    @property
    def is_static(self) -> bool:
        return self.feel is None

    @property
    def static(self) -> str:
        """The static value (only meaningful when `is_static`)."""
        return self.text

    @property
    def expression(self) -> str:
        """The FEEL source without the leading `=` (the text Zeebe quotes in its messages)."""
        return self.text[1:] if self.feel is not None else self.text

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"


@dataclass(frozen=True, slots=True)
class SequenceFlow:
    id: str
    source_id: str
    target_id: str
    name: str | None = None
    condition: Expr | None = None  # always FEEL (Zeebe rejects static conditions)
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class VariableMapping:
    """One `zeebe:input` / `zeebe:output`: `source` (FEEL or static) written to the path `target` (`a.b`)."""

    source: Expr
    target: str


@dataclass(frozen=True, slots=True)
class IoMapping:
    inputs: tuple[VariableMapping, ...] = ()
    outputs: tuple[VariableMapping, ...] = ()


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """`zeebe:taskDefinition` (plus headers): the element creates a job of this type."""

    type: Expr
    retries: Expr  # "3" when absent; must evaluate to a number
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class FormDefinition:
    form_id: str | None = None
    form_key: str | None = None
    external_reference: Expr | None = None
    binding_type: str = "latest"
    version_tag: str | None = None


@dataclass(frozen=True, slots=True)
class UserTaskDefinition:
    """A Camunda (native) user task: `zeebe:userTask` present; no job is created."""

    assignee: Expr | None = None
    candidate_groups: Expr | None = None  # static comma list or FEEL list of strings
    candidate_users: Expr | None = None
    due_date: Expr | None = None
    follow_up_date: Expr | None = None
    priority: Expr | None = None  # 0..100; the runtime uses 50 when None
    form: FormDefinition | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    #: False for a job-worker user task (the element then also has a `job` of type io.camunda.zeebe:userTask)
    native: bool = True


@dataclass(frozen=True, slots=True)
class CalledDecision:
    decision_id: Expr
    result_variable: str
    binding_type: str = "latest"
    version_tag: str | None = None


@dataclass(frozen=True, slots=True)
class Script:
    expression: Expr  # always FEEL
    result_variable: str


@dataclass(frozen=True, slots=True)
class CalledElement:
    process_id: Expr
    propagate_all_child_variables: bool = True  # engine default when the attribute is absent
    propagate_all_parent_variables: bool = True
    binding_type: str = "latest"
    version_tag: str | None = None


@dataclass(frozen=True, slots=True)
class MessageDefinition:
    """`bpmn:message`; the correlation key is None only for start events (and send/throw sides)."""

    id: str
    name: Expr
    correlation_key: Expr | None = None


@dataclass(frozen=True, slots=True)
class ErrorDefinition:
    """`bpmn:error`; `code` None on a catch event = catch-all. Catch codes are static; throw codes may be FEEL."""

    id: str
    code: Expr | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationDefinition:
    """`bpmn:escalation` of an escalation event (EscalationTransformer, CatchEventTransformer).

    Throw side: `code` is static or FEEL (`code_error` holds a FEEL parse failure, which Zeebe reports as an
    incident when the event is reached, not at deployment). Catch side: `code` is static; `Expr("")` catches
    every escalation (no `escalationRef`, or an empty code); None (the escalation has no `escalationCode`)
    catches nothing - Zeebe's analyzer skips such catch events.
    """

    id: str
    code: Expr | None
    name: str | None = None
    code_error: str | None = None


@dataclass(frozen=True, slots=True)
class CompensationDefinition:
    """`bpmn:compensateEventDefinition`. On a compensation boundary event `handler_id` is the compensation
    handler its association points at (None without one); on a compensation throw / end event
    `activity_ref` is the one activity to compensate (None: every compensable activity of the scope)."""

    handler_id: str | None = None
    activity_ref: str | None = None


@dataclass(frozen=True, slots=True)
class AdHocDefinition:
    """An ad-hoc sub-process (`zeebe:adHoc`, `completionCondition`, `cancelRemainingInstances`;
    AdHocSubProcessTransformer). `activity_ids`: the inner elements it can activate (activities, gateways and
    intermediate events without incoming flows); `metadata`: its `adHocSubProcessElements` variable."""

    inner_instance_id: str
    activity_ids: tuple[str, ...] = ()
    active_elements: Expr | None = None  # always FEEL: a list of element ids
    completion_condition: Expr | None = None  # always FEEL
    cancel_remaining_instances: bool = True
    output_collection: str | None = None
    output_element: Expr | None = None
    metadata: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class LinkDefinition:
    """`bpmn:linkEventDefinition name`: a throw link jumps to the catch link of the same name in its scope."""

    name: str
    #: throw links: the id of the catch link event they continue at (resolved at deployment)
    catch_id: str | None = None


@dataclass(frozen=True, slots=True)
class SignalDefinition:
    id: str
    name: Expr


@dataclass(frozen=True, slots=True)
class TimerDefinition:
    kind: TimerKind
    value: Expr  # ISO 8601 duration / date-time / repeating interval or cron, static or FEEL


@dataclass(frozen=True, slots=True)
class LoopCharacteristics:
    """Multi-instance: the runtime wraps the element in a MULTI_INSTANCE_BODY with the same id."""

    is_sequential: bool
    input_collection: Expr  # always FEEL
    input_element: str | None = None
    output_collection: str | None = None
    output_element: Expr | None = None  # always FEEL
    completion_condition: Expr | None = None


@dataclass(frozen=True, slots=True)
class Element:
    """A flow node (or the process itself). Optional parts are set only where the kind uses them."""

    id: str
    element_type: ElementType
    event_type: EventType = EventType.UNSPECIFIED
    name: str | None = None
    #: id of the enclosing process / sub-process / event sub-process; None for the process element
    flow_scope_id: str | None = None
    incoming: tuple[SequenceFlow, ...] = ()
    outgoing: tuple[SequenceFlow, ...] = ()
    io: IoMapping = IoMapping()
    properties: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    # kind-specific parts
    job: JobDefinition | None = None
    user_task: UserTaskDefinition | None = None
    called_decision: CalledDecision | None = None
    script: Script | None = None
    called_element: CalledElement | None = None
    message: MessageDefinition | None = None
    timer: TimerDefinition | None = None
    error: ErrorDefinition | None = None
    signal: SignalDefinition | None = None
    escalation: EscalationDefinition | None = None
    compensation: CompensationDefinition | None = None
    link: LinkDefinition | None = None
    ad_hoc: AdHocDefinition | None = None
    loop: LoopCharacteristics | None = None

    #: start event of an event sub-process: interrupting; boundary event: cancelActivity
    interrupting: bool = True
    #: activities: `isForCompensation` - a compensation handler, activated only by a compensation event
    is_for_compensation: bool = False
    #: boundary events: the activity they are attached to
    attached_to_id: str | None = None
    #: activities: ids of attached boundary events, in document order
    boundary_event_ids: tuple[str, ...] = ()
    #: scopes (process, sub-process, event sub-process): direct children
    child_ids: tuple[str, ...] = ()
    #: scopes: all start events directly inside (none, message, timer, ...)
    start_event_ids: tuple[str, ...] = ()
    #: scopes: the none start event (where a process instance / sub-process starts), if any
    none_start_event_id: str | None = None
    #: scopes: event sub-processes directly inside
    event_sub_process_ids: tuple[str, ...] = ()
    #: exclusive / inclusive gateways (and activities, as BPMN allows): the default flow
    default_flow: SequenceFlow | None = None

    @property
    def is_scope(self) -> bool:
        return self.element_type in _SCOPES

    @property
    def is_job_worker(self) -> bool:
        return self.job is not None

    @property
    def applies_input_mappings(self) -> bool:
        """Whether Zeebe 8.8's processor of the element applies its input mappings in `onActivate`.

        Not: start and boundary events (StartEventProcessor has no onActivate; a boundary event is never
        activated by a command), undefined and manual tasks (UndefinedTaskProcessor), gateways; throw and end
        events only for signals and job-based (message) ones - none, link, escalation, compensation, error and
        terminate events skip them (IntermediateThrowEventProcessor, EndEventProcessor); link catch events
        (IntermediateCatchEventProcessor). An ad-hoc sub-process applies them itself, after its own locals."""
        t = self.element_type
        if t in _NO_INPUT_MAPPINGS:
            return False
        if t is ElementType.INTERMEDIATE_CATCH_EVENT:
            return self.event_type is not EventType.LINK
        if t in _THROWS:
            return self.event_type is EventType.SIGNAL or self.job is not None
        return True

    @property
    def applies_output_mappings(self) -> bool:
        """Whether the element's `onComplete` applies its output mappings: not for compensation throw and end
        events, terminate end events, undefined and manual tasks (their onComplete is empty) nor gateways
        (which complete without one)."""
        if self.element_type in _NO_OUTPUT_MAPPINGS:
            return False
        if self.element_type in _THROWS:
            return self.event_type not in (EventType.COMPENSATION, EventType.TERMINATE)
        return True


_SCOPES = frozenset(
    {ElementType.PROCESS, ElementType.SUB_PROCESS, ElementType.EVENT_SUB_PROCESS, ElementType.AD_HOC_SUB_PROCESS}
)
_THROWS = frozenset({ElementType.INTERMEDIATE_THROW_EVENT, ElementType.END_EVENT})
_GATEWAYS = frozenset(
    {
        ElementType.EXCLUSIVE_GATEWAY,
        ElementType.PARALLEL_GATEWAY,
        ElementType.INCLUSIVE_GATEWAY,
        ElementType.EVENT_BASED_GATEWAY,
    }
)
_NO_INPUT_MAPPINGS = _GATEWAYS | {
    ElementType.START_EVENT,
    ElementType.BOUNDARY_EVENT,
    ElementType.TASK,
    ElementType.MANUAL_TASK,
    ElementType.AD_HOC_SUB_PROCESS,
}
_NO_OUTPUT_MAPPINGS = _GATEWAYS | {ElementType.TASK, ElementType.MANUAL_TASK}


@dataclass(frozen=True, slots=True, eq=False)
class ProcessModel:
    """One executable process of a deployed resource."""

    bpmn_process_id: str
    name: str | None
    resource_name: str
    checksum: bytes  # MD5 of the resource, as Zeebe's `ChecksumGenerator`
    xml: bytes  # the resource as deployed (GET /v2/process-definitions/{key}/xml)
    elements: Mapping[str, Element]  # every flow node and the process itself, by id
    flows: Mapping[str, SequenceFlow]
    version_tag: str | None = None

    @property
    def process(self) -> Element:
        return self.elements[self.bpmn_process_id]

    @property
    def none_start_event(self) -> Element | None:
        sid = self.process.none_start_event_id
        return self.elements[sid] if sid is not None else None

    def element(self, element_id: str) -> Element:
        return self.elements[element_id]

    def children(self, scope_id: str) -> tuple[Element, ...]:
        return tuple(self.elements[i] for i in self.elements[scope_id].child_ids)

    def start_events(self, scope_id: str) -> tuple[Element, ...]:
        return tuple(self.elements[i] for i in self.elements[scope_id].start_event_ids)

    def boundary_events(self, activity_id: str) -> tuple[Element, ...]:
        return tuple(self.elements[i] for i in self.elements[activity_id].boundary_event_ids)

    def event_sub_processes(self, scope_id: str) -> tuple[Element, ...]:
        return tuple(self.elements[i] for i in self.elements[scope_id].event_sub_process_ids)

    def flow_scopes(self, element_id: str) -> tuple[Element, ...]:
        """The element's enclosing scopes, innermost first (for error / escalation catch lookups)."""
        out: list[Element] = []
        scope = self.elements[element_id].flow_scope_id
        while scope is not None:
            el = self.elements[scope]
            out.append(el)
            scope = el.flow_scope_id
        return tuple(out)

    def __repr__(self) -> str:
        return (
            f"ProcessModel({self.bpmn_process_id!r}, {len(self.elements)} elements, {self.resource_name!r})"
        )


def frozen_map(d: Mapping[str, _T]) -> Mapping[str, _T]:
    """A read-only copy (keeps the dataclasses immutable)."""
    return MappingProxyType(dict(d))
