"""The engine's live state in memory: what Zeebe keeps in RocksDB, here plain objects with indexes.

Everything here is mirrored to the store in the transaction of the batch that changed it (the `row()` of each
object is what gets written); on start the live rows are loaded back (engine.runtime.recovery).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from engine.bpmn import Element, ElementType, ProcessModel
from engine.dmn.model import DmnModel


@dataclass(eq=False, slots=True)
class ProcessDefinition:
    key: int
    model: ProcessModel
    version: int
    deployment_key: int
    tenant_id: str
    deleted: bool = False

    @property
    def bpmn_process_id(self) -> str:
        return self.model.bpmn_process_id


@dataclass(eq=False, slots=True)
class DecisionRequirements:
    key: int
    drg_id: str
    name: str | None
    version: int
    resource_name: str
    model: DmnModel
    xml: bytes
    deleted: bool = False


@dataclass(eq=False, slots=True)
class DecisionDefinition:
    key: int
    decision_id: str
    name: str | None
    version: int
    drg: DecisionRequirements
    deleted: bool = False


@dataclass(eq=False, slots=True)
class FormDefinition:
    key: int
    form_id: str
    version: int
    resource_name: str
    schema: str
    deleted: bool = False


@dataclass(eq=False, slots=True)
class Variable:
    key: int
    name: str
    value: Any  # JSON-like Python value
    text: str  # the JSON text, as stored and sent


class ElementInstance:
    """One activation of a flow node (the process instance is the one for the process element)."""

    __slots__ = (
        "key",
        "element",
        "definition",
        "parent",
        "process_instance",
        "state",
        "variables",
        "children",
        "start_date",
        "incident_key",
        "job_key",
        "user_task_key",
        "timer_keys",
        "subscription_keys",
        "trigger",
        "runtime",
        "interrupted",
        "called_child_key",
        "parent_ei_key",
        "parent_pi_key",
        "is_mi_body",
        "record_text",
    )

    def __init__(
        self,
        key: int,
        element: Element,
        definition: ProcessDefinition,
        parent: ElementInstance | None,
        start_date: int,
    ) -> None:
        self.key = key
        self.element = element
        self.definition = definition
        self.parent = parent
        self.process_instance: ElementInstance = parent.process_instance if parent is not None else self
        self.state = "ACTIVATING"
        self.variables: dict[str, Variable] = {}
        #: live child element instances (tokens) of a scope
        self.children: dict[int, ElementInstance] = {}
        self.start_date = start_date
        self.incident_key: int | None = None
        self.job_key: int | None = None
        self.user_task_key: int | None = None
        self.timer_keys: list[int] = []
        self.subscription_keys: list[int] = []
        #: variables delivered by a job / user task / message / decision, applied on completion (event trigger)
        self.trigger: dict[str, Any] | None = None
        #: element-kind specific resumable data (join tokens, loop counters, output collections ...)
        self.runtime: dict[str, Any] = {}
        #: a scope being terminated by an interrupting event
        self.interrupted = False
        #: call activity: the child process instance
        self.called_child_key: int | None = None
        #: process instance created by a call activity: where it was called from
        self.parent_ei_key: int | None = None
        self.parent_pi_key: int | None = None
        self.is_mi_body = False
        #: the JSON value of this instance's PROCESS_INSTANCE records (cached: it never changes)
        self.record_text: str | None = None

    @property
    def element_type(self) -> str:
        return ElementType.MULTI_INSTANCE_BODY.value if self.is_mi_body else self.element.element_type.value

    @property
    def event_type(self) -> str:
        """The record's `bpmnEventType`: COMPENSATION for an activity running as a compensation handler."""
        return "COMPENSATION" if self.runtime.get("compensation") else self.element.event_type.value

    @property
    def is_process(self) -> bool:
        return self.parent is None

    def __repr__(self) -> str:
        return f"<EI {self.key} {self.element.id} {self.state}>"


@dataclass(eq=False, slots=True)
class Job:
    key: int
    type: str
    kind: str
    retries: int
    custom_headers: dict[str, str]
    element_instance: ElementInstance
    creation_time: int
    state: str = "ACTIVATABLE"
    worker: str = ""
    deadline: int | None = None
    recur_at: int | None = None
    error_message: str = ""
    error_code: str = ""


@dataclass(eq=False, slots=True)
class Incident:
    key: int
    error_type: str
    error_message: str
    element_instance: ElementInstance
    job_key: int | None
    creation_time: int
    #: which life-cycle step failed and is re-run on resolution: "activate" | "complete" | "job" | "trigger"
    step: str = "activate"
    state: str = "ACTIVE"


@dataclass(eq=False, slots=True)
class UserTask:
    key: int
    element_instance: ElementInstance
    name: str | None
    assignee: str | None
    candidate_groups: list[str]
    candidate_users: list[str]
    due_date: str | None
    follow_up_date: str | None
    form_key: int | None
    external_form_reference: str | None
    custom_headers: dict[str, str]
    priority: int
    creation_date: int
    state: str = "CREATED"
    completion_date: int | None = None


@dataclass(eq=False, slots=True)
class Subscription:
    """An open message subscription of an element instance (catch event, receive task, boundary, event sub)."""

    key: int
    element_instance: ElementInstance  # the instance whose scope holds the catching element
    element: Element  # the catching element (boundary event, event-sub start, catch event, receive task)
    message_name: str
    correlation_key: str
    interrupting: bool
    kind: str = "message"  # message | signal (a signal subscription has no correlation key)


@dataclass(eq=False, slots=True)
class Message:
    key: int
    name: str
    correlation_key: str
    message_id: str
    variables: dict[str, Any]
    variables_text: str
    deadline: int
    correlated: set[str] = field(default_factory=set)


@dataclass(eq=False, slots=True)
class Timer:
    key: int
    element: Element  # the timer event (catch, boundary, event-sub start or process start)
    element_instance: ElementInstance | None  # None for a timer start event
    definition: ProcessDefinition
    due_date: int
    repetitions: int  # remaining; -1 unbounded
    interval: str | None  # ISO duration of a cycle


class Schedule:
    """Due times of timers, job deadlines, back-offs and message TTLs, soonest first (lazy deletion)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, str, int]] = []
        self._seq = 0

    def add(self, due: int, kind: str, key: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, kind, key))

    def next_due(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: int) -> list[tuple[str, int, int]]:
        out = []
        while self._heap and self._heap[0][0] <= now:
            due, _, kind, key = heapq.heappop(self._heap)
            out.append((kind, key, due))
        return out


class State:
    """All live state plus the deployed definitions, with the indexes commands need."""

    def __init__(self) -> None:
        self.definitions: dict[int, ProcessDefinition] = {}
        self.definitions_by_id: dict[str, list[ProcessDefinition]] = defaultdict(list)  # by version
        self.drgs: dict[int, DecisionRequirements] = {}
        self.drgs_by_id: dict[str, list[DecisionRequirements]] = defaultdict(list)
        self.decisions: dict[int, DecisionDefinition] = {}
        self.decisions_by_id: dict[str, list[DecisionDefinition]] = defaultdict(list)
        self.forms: dict[int, FormDefinition] = {}
        self.forms_by_id: dict[str, list[FormDefinition]] = defaultdict(list)

        self.element_instances: dict[int, ElementInstance] = {}
        self.jobs: dict[int, Job] = {}
        #: job type -> ACTIVATABLE jobs in creation order (a dict as an ordered set)
        self.activatable: dict[str, dict[int, Job]] = defaultdict(dict)
        self.incidents: dict[int, Incident] = {}
        self.user_tasks: dict[int, UserTask] = {}
        self.subscriptions: dict[int, Subscription] = {}
        #: (message name, correlation key) -> open subscriptions
        self.subscriptions_by_message: dict[tuple[str, str], dict[int, Subscription]] = defaultdict(dict)
        #: signal name -> open signal subscriptions
        self.signal_subscriptions: dict[str, dict[int, Subscription]] = defaultdict(dict)
        self.messages: dict[int, Message] = {}
        self.messages_by_name: dict[tuple[str, str], dict[int, Message]] = defaultdict(dict)
        self.timers: dict[int, Timer] = {}
        self.schedule = Schedule()
        #: process instances created by a message start event: (bpmnProcessId, correlation key) -> PI key
        self.message_started: dict[tuple[str, str], int] = {}

    # definitions ------------------------------------------------------------------------------------------
    def latest_process(self, bpmn_process_id: str) -> ProcessDefinition | None:
        for d in reversed(self.definitions_by_id.get(bpmn_process_id, ())):
            if not d.deleted:
                return d
        return None

    def process_version(self, bpmn_process_id: str, version: int) -> ProcessDefinition | None:
        for d in self.definitions_by_id.get(bpmn_process_id, ()):
            if d.version == version and not d.deleted:
                return d
        return None

    def latest_decision(self, decision_id: str) -> DecisionDefinition | None:
        for d in reversed(self.decisions_by_id.get(decision_id, ())):
            if not d.deleted:
                return d
        return None

    def latest_form(self, form_id: str) -> FormDefinition | None:
        for f in reversed(self.forms_by_id.get(form_id, ())):
            if not f.deleted:
                return f
        return None
