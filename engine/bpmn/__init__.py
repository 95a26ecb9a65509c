"""BPMN for the embedded engine: parse Camunda 8 BPMN (with `zeebe:` extensions) into an immutable model,
validated as Zeebe validates a deployment.

    models = parse_bpmn(xml_bytes, "approval.bpmn")     # one ProcessModel per executable process
    start = models[0].none_start_event
    for flow in start.outgoing: ...

Invalid resources raise BpmnParseError; `str(e)` is the `'<resource>': - Element: ...` text Zeebe puts in its
INVALID_ARGUMENT rejection.
"""

from engine.bpmn.errors import BpmnParseError, Problem
from engine.bpmn.model import (
    USER_TASK_JOB_TYPE,
    AdHocDefinition,
    CalledDecision,
    CalledElement,
    CompensationDefinition,
    Element,
    ElementType,
    ErrorDefinition,
    EscalationDefinition,
    EventType,
    Expr,
    FormDefinition,
    IoMapping,
    JobDefinition,
    LinkDefinition,
    LoopCharacteristics,
    MessageDefinition,
    ProcessModel,
    Script,
    SequenceFlow,
    SignalDefinition,
    TimerDefinition,
    TimerKind,
    UserTaskDefinition,
    VariableMapping,
)
from engine.bpmn.parser import parse_bpmn

__all__ = [
    "USER_TASK_JOB_TYPE",
    "AdHocDefinition",
    "BpmnParseError",
    "CalledDecision",
    "CalledElement",
    "CompensationDefinition",
    "Element",
    "ElementType",
    "ErrorDefinition",
    "EscalationDefinition",
    "EventType",
    "Expr",
    "FormDefinition",
    "IoMapping",
    "JobDefinition",
    "LinkDefinition",
    "LoopCharacteristics",
    "MessageDefinition",
    "Problem",
    "ProcessModel",
    "Script",
    "SequenceFlow",
    "SignalDefinition",
    "TimerDefinition",
    "TimerKind",
    "UserTaskDefinition",
    "VariableMapping",
    "parse_bpmn",
]
