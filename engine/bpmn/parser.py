"""Read a Camunda 8 BPMN resource into `ProcessModel`s, validating it as Zeebe's deployment does.

One pass over the XML per scope: each element is checked (Zeebe's design-time and runtime validators, same
messages, attached to the same element path) and turned into the keyword arguments of its `Element`; the
frozen elements are built at the end, when incoming/outgoing flows, boundary events and start events are
known. Every problem is collected; any problem rejects the whole resource.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.bpmn import statics
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
    frozen_map,
)
from engine.feel import FeelSyntaxError, compile_expression

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
_B = "{" + BPMN_NS + "}"
_Z = "{" + ZEEBE_NS + "}"

# Xerces' text when a DOCTYPE is present (Zeebe's parser disallows DOCTYPE declarations)
_DOCTYPE_ERROR = 'DOCTYPE is disallowed when the feature "http://apache.org/xml/features/disallow-doctype-decl" set to true.'

_TASK_TYPES: dict[str, ElementType] = {
    "task": ElementType.TASK,
    "manualTask": ElementType.MANUAL_TASK,
    "serviceTask": ElementType.SERVICE_TASK,
    "sendTask": ElementType.SEND_TASK,
    "receiveTask": ElementType.RECEIVE_TASK,
    "userTask": ElementType.USER_TASK,
    "scriptTask": ElementType.SCRIPT_TASK,
    "businessRuleTask": ElementType.BUSINESS_RULE_TASK,
    "callActivity": ElementType.CALL_ACTIVITY,
}
_GATEWAY_TYPES: dict[str, ElementType] = {
    "exclusiveGateway": ElementType.EXCLUSIVE_GATEWAY,
    "parallelGateway": ElementType.PARALLEL_GATEWAY,
    "inclusiveGateway": ElementType.INCLUSIVE_GATEWAY,
    "eventBasedGateway": ElementType.EVENT_BASED_GATEWAY,
}
_EVENT_TYPES: dict[str, ElementType] = {
    "startEvent": ElementType.START_EVENT,
    "endEvent": ElementType.END_EVENT,
    "intermediateCatchEvent": ElementType.INTERMEDIATE_CATCH_EVENT,
    "intermediateThrowEvent": ElementType.INTERMEDIATE_THROW_EVENT,
    "boundaryEvent": ElementType.BOUNDARY_EVENT,
}
#: flow elements Zeebe rejects (`FlowElementValidator`)
_UNSUPPORTED_BY_ZEEBE = frozenset(
    {
        "complexGateway",
        "transaction",
        "callChoreography",
        "subChoreography",
        "choreographyTask",
        "implicitThrowEvent",
    }
)
_SUB_PROCESSES = frozenset({"subProcess", "adHocSubProcess"})  # the model API's SubProcess and its subclass
_DATA_ELEMENTS = frozenset({"dataObject", "dataObjectReference", "dataStoreReference"})

_EVENT_DEFINITIONS = {
    "messageEventDefinition": EventType.MESSAGE,
    "timerEventDefinition": EventType.TIMER,
    "errorEventDefinition": EventType.ERROR,
    "terminateEventDefinition": EventType.TERMINATE,
    "signalEventDefinition": EventType.SIGNAL,
    "linkEventDefinition": EventType.LINK,
    "escalationEventDefinition": EventType.ESCALATION,
    "compensateEventDefinition": EventType.COMPENSATION,
}
_UNSUPPORTED_DEFINITIONS = frozenset(
    {
        "conditionalEventDefinition",
        "cancelEventDefinition",
    }
)

_PATH = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*")
_PATH_TEXT = r"[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*"
_PATH_RESERVED = (
    "null",
    "true",
    "false",
    "function",
    "if",
    "then",
    "else",
    "for",
    "between",
    "instance",
    "of",
)


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _ns(tag: Any) -> str:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1 : tag.index("}")]
    return ""


def _is_bpmn(node: ET.Element, name: str | None = None) -> bool:
    return _ns(node.tag) == BPMN_NS and (name is None or _local(node.tag) == name)


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


class _NoDoctype(ET.TreeBuilder):
    """Reject DOCTYPE (and with it every entity declaration) before expat can expand anything."""

    def doctype(self, name: str, pubid: str, system: str) -> None:
        raise _Doctype


class _Doctype(Exception):
    pass


def _read_xml(data: bytes, resource_name: str) -> ET.Element:
    parser = ET.XMLParser(target=_NoDoctype())
    try:
        parser.feed(data)
        root = parser.close()
    except _Doctype:
        raise BpmnParseError(resource_name, _DOCTYPE_ERROR) from None
    except ET.ParseError as e:
        raise BpmnParseError(resource_name, f"Failed to parse the XML document: {e}") from None
    except (ValueError, LookupError, RecursionError) as e:  # bad encodings, absurd nesting
        raise BpmnParseError(resource_name, f"Failed to parse the XML document: {e}") from None
    if not _is_bpmn(root, "definitions"):
        raise BpmnParseError(
            resource_name,
            f"cvc-elt.1.a: Cannot find the declaration of element '{_local(root.tag) or root.tag}'.",
        )
    return root


@dataclass
class _Scope:
    """What a process / sub-process collects while its children are read."""

    id: str
    children: list[str] = field(default_factory=list)
    start_events: list[str] = field(default_factory=list)
    event_sub_processes: list[str] = field(default_factory=list)
    #: (link name, event id) of the link catch / throw events directly in the scope
    link_catches: list[tuple[str, str]] = field(default_factory=list)
    link_throws: list[tuple[str, str]] = field(default_factory=list)
    #: names of the link catch events in the scope and in every sub-process inside it
    link_catch_names_deep: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, root: ET.Element, resource_name: str) -> None:
        self.root = root
        self.resource_name = resource_name
        self.problems: list[Problem] = []
        self.parents: dict[ET.Element, ET.Element] = {c: p for p in root.iter() for c in p}
        self.by_id: dict[str, ET.Element] = {}
        self.messages: dict[str, ET.Element] = {}
        self.errors: dict[str, ET.Element] = {}
        self.signals: dict[str, ET.Element] = {}
        self.escalations: dict[str, ET.Element] = {}
        #: escalations referred to by a throw event (EscalationValidator then requires their code)
        self.thrown_escalations: set[str] = set()
        #: sources of every `bpmn:association` of the document; activities with a compensation boundary event
        self.association_sources: set[str] = set()
        self.compensation_hosts: set[str] = set()
        # per process being read
        self.kwargs: dict[str, dict[str, Any]] = {}
        self.flows: dict[str, dict[str, Any]] = {}
        self.nodes: dict[str, ET.Element] = {}
        self.message_uses: dict[str, list[str]] = {}  # message id -> "catch" / "throw" / "start"

    # ---- problems ------------------------------------------------------------------------------------

    def path(self, node: ET.Element) -> str:
        """Zeebe's element identifier: from the closest element with an id down to `node` (local names)."""
        chain: list[ET.Element] = []
        current: ET.Element | None = node
        while current is not None:
            chain.append(current)
            if current.get("id") and _ns(current.tag) == BPMN_NS:
                break
            current = self.parents.get(current)
        parts = []
        for el in reversed(chain):
            el_id = el.get("id")
            parts.append(el_id if el_id and _ns(el.tag) == BPMN_NS else _local(el.tag))
        return " > ".join(parts)

    def error(self, node: ET.Element, message: str) -> None:
        self.problems.append(Problem(self.path(node), message))

    # ---- expressions ---------------------------------------------------------------------------------

    def expr(
        self,
        node: ET.Element,
        value: str | None,
        *,
        mandatory: bool = False,
        non_static: bool = False,
        static_check: tuple[Callable[[str], bool], str] | None = None,
    ) -> Expr | None:
        """Zeebe's `ZeebeExpressionValidator` + compilation: problems are reported on `node`."""
        if value is None:
            if mandatory:
                self.error(node, "Expected expression but not found.")
            return None
        if len(value) > 1 and value.startswith("="):
            source = value[1:]
            try:
                return Expr(value, compile_expression(source, (), "camunda"))
            except FeelSyntaxError as e:
                self.error(node, f"failed to parse expression '{source}': {e}")
            except (RecursionError, ValueError, TypeError) as e:
                self.error(node, f"failed to parse expression '{source}': {e}")
            return Expr(value)
        if non_static:
            self.error(
                node,
                f"Expected expression but found static value '{value}'. "
                f"An expression must start with '=' (e.g. '={value}').",
            )
        elif static_check is not None and not static_check[0](value):
            self.error(node, f"Expected static value to {static_check[1]}, but found '{value}'.")
        return Expr(value)

    def non_empty(self, node: ET.Element, attribute: str) -> str | None:
        value = node.get(attribute)
        if value is None or value == "":
            self.error(node, f"Attribute '{attribute}' must be present and not empty")
        return value

    def target_path(self, node: ET.Element, value: str | None) -> None:
        if value is None or value == "":
            self.error(node, "Expected path expression but not found.")
            return
        if not _PATH.fullmatch(value):
            self.error(
                node, f"Expected path expression '{value}' but doesn't match the pattern '{_PATH_TEXT}'."
            )
        if value in _PATH_RESERVED:
            self.error(
                node,
                f"Expected path expression '{value}' but is one of the reserved words ({', '.join(_PATH_RESERVED)}).",
            )

    # ---- whole document ------------------------------------------------------------------------------

    def read(self, data: bytes) -> list[ProcessModel]:
        root = self.root
        seen: set[str] = set()
        for node in root.iter():
            node_id = node.get("id")
            if node_id and _ns(node.tag) == BPMN_NS:
                if node_id in seen:
                    self.error(node, f"cvc-id.2: There are multiple occurrences of ID value '{node_id}'.")
                seen.add(node_id)
                self.by_id.setdefault(node_id, node)
        if self.problems:  # ids must be unique before anything can be looked up by id
            raise BpmnParseError.from_problems(self.resource_name, self.problems)
        for node in root.iter():
            if _is_bpmn(node, "association") and node.get("sourceRef"):
                self.association_sources.add(node.get("sourceRef", ""))
            elif _is_bpmn(node, "boundaryEvent") and any(
                _local(d.tag) == "compensateEventDefinition" for d in self.event_definitions(node)
            ):
                self.compensation_hosts.add(node.get("attachedToRef") or "")
        for child in root:
            name = _local(child.tag) if _is_bpmn(child) else ""
            if name == "message" and child.get("id"):
                self.messages[child.get("id", "")] = child
            elif name == "error" and child.get("id"):
                self.errors[child.get("id", "")] = child
            elif name == "signal" and child.get("id"):
                self.signals[child.get("id", "")] = child
            elif name == "escalation" and child.get("id"):
                self.escalations[child.get("id", "")] = child

        processes = [c for c in root if _is_bpmn(c, "process")]
        if not any(_bool(p.get("isExecutable"), False) for p in processes):
            self.error(root, "Must contain at least one executable process")

        checksum = hashlib.md5(data, usedforsecurity=False).digest()  # Zeebe's checksum algorithm
        models: list[ProcessModel] = []
        for process in processes:
            model = self.read_process(process, data, checksum)
            if model is not None and _bool(process.get("isExecutable"), False):
                models.append(model)
        self.check_messages()
        for esc_id, node in self.escalations.items():
            if esc_id in self.thrown_escalations and not node.get("escalationCode"):
                self.error(node, "EscalationCode must be present and not empty")
        if self.problems:
            raise BpmnParseError.from_problems(self.resource_name, self.problems)
        return models

    def check_messages(self) -> None:
        """`MessageValidator`: names and subscriptions, depending on who refers to the message."""
        for msg_id, node in self.messages.items():
            uses = self.message_uses.get(msg_id, [])
            if "catch" in uses:
                self.message_name(node)
                subs = [c for c in self.extensions(node) if c.tag == _Z + "subscription"]
                if len(subs) != 1:
                    self.error(node, "Must have exactly one zeebe:subscription extension element")
            elif "throw" in uses:
                self.message_name(node)
            elif uses.count("start") > 1:
                self.error(node, "A message cannot be referred by more than one start event")
            elif uses.count("start") == 1:
                self.message_name(node)

    def message_name(self, node: ET.Element) -> None:
        if not node.get("name"):
            self.error(node, "Name must be present and not empty")

    def extensions(self, node: ET.Element) -> list[ET.Element]:
        ext = node.find(_B + "extensionElements")
        return list(ext) if ext is not None else []

    def extension_list(self, node: ET.Element, name: str) -> list[ET.Element]:
        return [c for c in self.extensions(node) if c.tag == _Z + name]

    def extension(self, node: ET.Element, name: str) -> ET.Element | None:
        found = self.extension_list(node, name)
        return found[0] if found else None

    # ---- processes and scopes ------------------------------------------------------------------------

    def read_process(self, process: ET.Element, data: bytes, checksum: bytes) -> ProcessModel | None:
        self.kwargs = {}
        self.flows = {}
        self.nodes = {}
        pid = process.get("id")
        if not pid:
            self.error(process, "Attribute 'id' must be present and not empty")
            return None
        scope = self.read_scope(process, pid, None)
        starts = [self.nodes[s] for s in scope.start_events]
        if not starts:
            self.error(process, "Must have at least one start event")
        elif sum(1 for s in starts if not self.event_definitions(s)) > 1:
            self.error(process, "Multiple none start events are not allowed")
        self.check_event_sub_processes(process, scope)
        self.check_duplicate_names(process, [d for s in starts for d in self.event_definitions(s)])
        self.check_links(process, scope)
        process_kw = self.scope_kwargs(scope, ElementType.PROCESS, process)
        self.kwargs[pid] = process_kw
        return self.build(process, pid, data, checksum)

    def scope_kwargs(self, scope: _Scope, element_type: ElementType, node: ET.Element) -> dict[str, Any]:
        none_starts = [s for s in scope.start_events if not self.event_definitions(self.nodes[s])]
        return {
            "id": scope.id,
            "element_type": element_type,
            "name": node.get("name"),
            "child_ids": tuple(scope.children),
            "start_event_ids": tuple(scope.start_events),
            "none_start_event_id": none_starts[0] if none_starts else None,
            "event_sub_process_ids": tuple(scope.event_sub_processes),
            "properties": self.properties(node),
        }

    def read_scope(self, container: ET.Element, scope_id: str, parent_scope: str | None) -> _Scope:
        scope = _Scope(scope_id)
        flow_nodes: list[ET.Element] = []
        for child in container:
            if not _is_bpmn(child):
                continue
            name = _local(child.tag)
            if name == "sequenceFlow":
                self.read_flow(child)
            elif name in _DATA_ELEMENTS:
                continue
            elif name in _UNSUPPORTED_BY_ZEEBE:
                self.error(
                    child,
                    f"Elements of type '{name[0].upper() + name[1:]}' are currently not supported. Please refer "
                    "to the documentation for a list of supported elements: "
                    "https://docs.camunda.io/docs/components/modeler/bpmn/bpmn-coverage/",
                )
            elif (
                name in _TASK_TYPES or name in _GATEWAY_TYPES or name in _EVENT_TYPES or name in _SUB_PROCESSES
            ):
                flow_nodes.append(child)
        for child in flow_nodes:
            node_id = child.get("id")
            if not node_id:
                self.error(child, "Attribute 'id' must be present and not empty")
                continue
            self.nodes[node_id] = child
            scope.children.append(node_id)
            kw: dict[str, Any] = {"id": node_id, "name": child.get("name"), "flow_scope_id": scope_id}
            self.kwargs[node_id] = kw
            name = _local(child.tag)
            if name == "subProcess":
                self.read_sub_process(child, kw, scope)
            elif name == "adHocSubProcess":
                self.read_ad_hoc(child, kw, scope)
            elif name in _TASK_TYPES:
                self.read_activity(child, kw, _TASK_TYPES[name])
            elif name in _GATEWAY_TYPES:
                kw["element_type"] = _GATEWAY_TYPES[name]
                kw["properties"] = self.properties(child)
            else:
                self.read_event(child, kw, _EVENT_TYPES[name], scope, parent_scope)
        return scope

    def read_sub_process(self, node: ET.Element, kw: dict[str, Any], parent: _Scope) -> None:
        node_id = kw["id"]
        triggered = _bool(node.get("triggeredByEvent"), False)
        inner = self.read_scope(node, node_id, parent.id)
        starts = [self.nodes[s] for s in inner.start_events]
        if len(starts) != 1:
            self.error(node, "Must have exactly one start event")
        if starts:
            defs = self.event_definitions(starts[0])
            if triggered:
                if any(_local(d.tag) == "compensateEventDefinition" for d in defs) and not _is_bpmn(
                    self.parents[node], "subProcess"
                ):
                    self.error(node, "A compensation event subprocess is not allowed on the process level")
                if not defs or any(_local(d.tag) not in _ESP_STARTS for d in defs):
                    self.error(
                        node,
                        "Start events in event subprocesses must be one of: message, timer, error, signal or escalation",
                    )
            elif defs:
                self.error(node, "Start events in subprocesses must be of type none")
        self.check_event_sub_processes(node, inner)
        self.check_links(node, inner)
        parent.link_catch_names_deep.extend(inner.link_catch_names_deep)
        element_type = ElementType.EVENT_SUB_PROCESS if triggered else ElementType.SUB_PROCESS
        kw.update(self.scope_kwargs(inner, element_type, node))
        kw["flow_scope_id"] = parent.id
        if triggered:
            parent.event_sub_processes.append(node_id)
            if starts:
                kw["interrupting"] = _bool(starts[0].get("isInterrupting"), True)
            if self.incoming_refs(node) or node.findall(_B + "outgoing"):
                self.error(node, "Event sub-processes must not have incoming or outgoing sequence flows")
        else:
            self.read_activity_common(node, kw)

    def check_links(self, node: ET.Element, scope: _Scope) -> None:
        """`ModelUtil.verifyLinkIntermediateEvents`, run by Zeebe's Process- and SubProcessValidator on each
        scope: catch link names must be unique among the scope's catch links *and those of every sub-process
        inside it* (so a duplicate deep inside is reported on each enclosing scope), and every throw link
        needs a catch link of that name in its own scope. Then each throw link is pointed at its catch."""
        for name in _duplicates(scope.link_catch_names_deep):
            self.error(
                node,
                f"Multiple intermediate catch link event definitions with the same name '{name}' are not allowed.",
            )
        catches: dict[str, str] = {}
        for name, event_id in scope.link_catches:
            catches.setdefault(name, event_id)
        for name in dict.fromkeys(name for name, _ in scope.link_throws):
            if name not in catches:
                self.error(node, f"Can't find an catch link event for the throw link event with the name '{name}'.")
        for name, event_id in scope.link_throws:
            if name in catches:
                self.kwargs[event_id]["link"] = LinkDefinition(name, catches[name])

    def link_def(self, definition: ET.Element | None) -> LinkDefinition | None:
        """`LinkEventDefinitionValidator`; a link without a name pairs with nothing (Zeebe filters it out)."""
        assert definition is not None
        name = definition.get("name")
        if not name:
            self.error(definition, "Link name must be present and not empty.")
            return None
        return LinkDefinition(name)

    def read_ad_hoc(self, node: ET.Element, kw: dict[str, Any], parent: _Scope) -> None:
        """An ad-hoc sub-process: AdHocSubProcessValidator, then what SubProcessValidator checks of any
        sub-process; the activities it can activate are known once the flows are (`build`)."""
        node_id = kw["id"]
        inner = self.read_scope(node, node_id, parent.id)
        jobs = self.extension_list(node, "taskDefinition")
        ad_hoc = self.extension(node, "adHoc")
        cancel_remaining = _bool(node.get("cancelRemainingInstances"), True)
        condition_node = node.find(_B + "completionCondition")
        if jobs:
            if not cancel_remaining:
                self.error(node, "Must not set cancelRemainingInstances to false in combination with zeebe:taskDefinition")
            if condition_node is not None:
                self.error(node, "Must not set completionCondition in combination with zeebe:taskDefinition")
            if ad_hoc is not None and ad_hoc.get("activeElementsCollection"):
                self.error(
                    node, "Must not set activeElementsCollection in combination with zeebe:taskDefinition"
                )
            self.error(
                node,
                "Ad-hoc sub-processes with a 'zeebe:taskDefinition' (job worker implementation) are not "
                "supported by this engine",
            )
        if not any(_is_bpmn(c) and _local(c.tag) in _FLOW_ELEMENTS for c in node):
            self.error(node, "Must have at least one activity.")
        if inner.start_events:
            self.error(node, "Must not contain a start event.")
        if any(self.kwargs[c].get("element_type") == ElementType.END_EVENT for c in inner.children):
            self.error(node, "Must not contain an end event.")
        if inner.start_events and self.event_definitions(self.nodes[inner.start_events[0]]):
            self.error(node, "Start events in subprocesses must be of type none")
        self.check_event_sub_processes(node, inner)
        self.check_links(node, inner)
        parent.link_catch_names_deep.extend(inner.link_catch_names_deep)
        kw.update(self.scope_kwargs(inner, ElementType.AD_HOC_SUB_PROCESS, node))
        kw["flow_scope_id"] = parent.id
        self.read_activity_common(node, kw)
        active, output_collection, output_element = None, None, None
        if ad_hoc is not None:
            active = self.expr(ad_hoc, ad_hoc.get("activeElementsCollection") or None, non_static=True)
            output_collection = ad_hoc.get("outputCollection") or None
            output_element = self.expr(ad_hoc, ad_hoc.get("outputElement") or None)
            if output_collection and output_element is None:
                self.error(
                    ad_hoc, "Attribute 'outputElement' must be present if the attribute 'outputCollection' is set"
                )
            elif output_element is not None and not output_collection:
                self.error(
                    ad_hoc, "Attribute 'outputCollection' must be present if the attribute 'outputElement' is set"
                )
        condition = None
        if condition_node is not None:
            condition = self.expr(node, (condition_node.text or "").strip() or None, non_static=True)
        kw["ad_hoc"] = AdHocDefinition(
            inner_instance_id=f"{node_id}#innerInstance",
            active_elements=active,
            completion_condition=condition,
            cancel_remaining_instances=cancel_remaining,
            output_collection=output_collection,
            output_element=output_element,
        )

    def ad_hoc_activities(
        self, kw: dict[str, Any], incoming: dict[str, list[dict[str, Any]]]
    ) -> AdHocDefinition:
        """The inner elements an ad-hoc sub-process can activate, and their `adHocSubProcessElements` entries
        (AdHocActivityMetadata: empty fields left out)."""
        ad_hoc: AdHocDefinition = kw["ad_hoc"]
        ids = tuple(
            c
            for c in kw.get("child_ids", ())
            if self.kwargs[c].get("element_type") in _AD_HOC_ACTIVITIES and not incoming.get(c)
        )
        metadata = []
        for c in ids:
            node = self.nodes[c]
            doc = node.find(_B + "documentation")
            entry: dict[str, Any] = {"elementId": c}
            if node.get("name"):
                entry["elementName"] = node.get("name")
            if doc is not None and (doc.text or ""):
                entry["documentation"] = doc.text
            if self.kwargs[c].get("properties"):
                entry["properties"] = dict(self.kwargs[c]["properties"])
            metadata.append(frozen_map(entry))
        return AdHocDefinition(
            inner_instance_id=ad_hoc.inner_instance_id,
            activity_ids=ids,
            active_elements=ad_hoc.active_elements,
            completion_condition=ad_hoc.completion_condition,
            cancel_remaining_instances=ad_hoc.cancel_remaining_instances,
            output_collection=ad_hoc.output_collection,
            output_element=ad_hoc.output_element,
            metadata=tuple(metadata),
        )

    def incoming_refs(self, node: ET.Element) -> list[ET.Element]:
        return node.findall(_B + "incoming")

    def check_event_sub_processes(self, node: ET.Element, scope: _Scope) -> None:
        """`ModelUtil.verifyNoDuplicatedEventSubprocesses` on the enclosing scope."""
        defs: list[ET.Element] = []
        for esp in scope.event_sub_processes:
            kw = self.kwargs[esp]
            for start_id in kw.get("start_event_ids", ()):
                defs.extend(self.event_definitions(self.nodes[start_id]))
        self.check_duplicate_names(node, defs)
        self.check_duplicate_escalations(node, defs)
        self.check_duplicate_errors(node, defs)

    def check_duplicate_names(self, node: ET.Element, defs: Iterable[ET.Element]) -> None:
        messages: list[str] = []
        signals: list[str] = []
        for d in defs:
            if _local(d.tag) == "messageEventDefinition":
                ref = self.messages.get(d.get("messageRef", ""))
                if ref is not None and ref.get("name"):
                    messages.append(ref.get("name", ""))
            elif _local(d.tag) == "signalEventDefinition":
                ref = self.signals.get(d.get("signalRef", ""))
                if ref is not None and ref.get("name"):
                    signals.append(ref.get("name", ""))
        for name in _duplicates(messages):
            self.error(
                node, f"Multiple message event definitions with the same name '{name}' are not allowed."
            )
        for name in _duplicates(signals):
            self.error(
                node, f"Multiple signal event definitions with the same name '{name}' are not allowed."
            )

    def check_duplicate_escalations(self, node: ET.Element, defs: Iterable[ET.Element]) -> None:
        """`ModelUtil.verifyNoDuplicatedEscalationHandler`: one catch-all and one catch event per code."""
        escalations = [
            self.escalations.get(d.get("escalationRef") or "")
            for d in defs
            if _local(d.tag) == "escalationEventDefinition"
        ]
        catch_all = (
            "The same scope can not contain more than one escalation catch event without escalation code. "
            "An escalation catch event without escalation code catches all escalations."
        )
        if sum(1 for e in escalations if e is None) > 1:
            self.error(node, catch_all)
        counts: dict[str | None, int] = {}
        for e in escalations:
            if e is not None:
                code = e.get("escalationCode")
                counts[code] = counts.get(code, 0) + 1
        for code, n in counts.items():
            if n > 1:
                self.error(
                    node,
                    catch_all
                    if code is None
                    else f"Multiple escalation catch events with the same escalation code '{code}' are not "
                    "supported on the same scope.",
                )

    def check_duplicate_errors(self, node: ET.Element, defs: Iterable[ET.Element]) -> None:
        codes: list[str | None] = []
        for d in defs:
            if _local(d.tag) == "errorEventDefinition":
                ref = self.errors.get(d.get("errorRef", ""))
                codes.append(None if ref is None else ref.get("errorCode"))
        catch_all = (
            "The same scope can not contain more than one error catch event without error code. "
            "An error catch event without error code catches all errors."
        )
        if codes.count(None) > 1:
            self.error(node, catch_all)
        for code in _duplicates([c for c in codes if c is not None]):
            self.error(
                node,
                f"Multiple error catch events with the same error code '{code}' are not supported on the same scope.",
            )

    # ---- activities ----------------------------------------------------------------------------------

    def read_activity(self, node: ET.Element, kw: dict[str, Any], element_type: ElementType) -> None:
        kw["element_type"] = element_type
        self.read_activity_common(node, kw)
        if element_type in (ElementType.SERVICE_TASK, ElementType.SEND_TASK):
            defs = self.extension_list(node, "taskDefinition")
            if len(defs) != 1:
                self.error(node, "Must have exactly one 'zeebe:taskDefinition' extension element")
            else:
                kw["job"] = self.job(node, defs[0])
        elif element_type == ElementType.BUSINESS_RULE_TASK:
            self.one_of(node, kw, "calledDecision", self.called_decision)
        elif element_type == ElementType.SCRIPT_TASK:
            self.one_of(node, kw, "script", self.script)
        elif element_type == ElementType.USER_TASK:
            self.user_task(node, kw)
        elif element_type == ElementType.RECEIVE_TASK:
            msg = self.message_ref(node, node.get("messageRef"), "catch")
            if msg is None:
                self.error(node, "Must reference a message")
            kw["event_type"] = EventType.UNSPECIFIED
            kw["message"] = msg
        elif element_type == ElementType.CALL_ACTIVITY:
            called = self.extension_list(node, "calledElement")
            if len(called) != 1:
                self.error(node, "Must have exactly one 'zeebe:calledElement' extension element")
            else:
                kw["called_element"] = self.called_element(called[0])

    def read_activity_common(self, node: ET.Element, kw: dict[str, Any]) -> None:
        kw["io"] = self.io_mapping(node)
        kw["properties"] = self.properties(node)
        if _bool(node.get("isForCompensation"), False):
            kw["is_for_compensation"] = True
            if _local(node.tag) in _TASK_TYPES and _local(node.tag) != "callActivity":
                # CompensationTaskValidator (tasks only); the flows are the element's incoming/outgoing refs
                if self.incoming_refs(node):
                    self.error(node, "A compensation handler should have no incoming sequence flows")
                if node.findall(_B + "outgoing"):
                    self.error(node, "A compensation handler should have no outgoing sequence flows")
                if any(
                    _is_bpmn(b, "boundaryEvent") and b.get("attachedToRef") == node.get("id")
                    for b in self.by_id.values()
                ):
                    self.error(node, "A compensation handler should have no boundary events")
        for child in node:
            name = _local(child.tag) if _is_bpmn(child) else ""
            if name == "multiInstanceLoopCharacteristics":
                kw["loop"] = self.loop(child)
            elif name == "standardLoopCharacteristics":
                self.error(
                    child, "Elements of type 'StandardLoopCharacteristics' are not supported by this engine"
                )

    def one_of(
        self, node: ET.Element, kw: dict[str, Any], name: str, read: Callable[[ET.Element], Any]
    ) -> None:
        """Business rule / script task: either the Zeebe-native extension or a job (`zeebe:taskDefinition`)."""
        native = self.extension_list(node, name)
        jobs = self.extension_list(node, "taskDefinition")
        if not ((len(native) == 1 and not jobs) or (not native and len(jobs) == 1)):
            self.error(
                node, f"Must have either one 'zeebe:{name}' or one 'zeebe:taskDefinition' extension element"
            )
            return
        if native:
            kw["called_decision" if name == "calledDecision" else "script"] = read(native[0])
        else:
            kw["job"] = self.job(node, jobs[0])

    def job(self, node: ET.Element, definition: ET.Element) -> JobDefinition:
        self.non_empty(definition, "type")
        retries = definition.get("retries", "3")  # `ZeebeTaskDefinitionImpl` default
        if retries == "":
            self.error(definition, "Attribute 'retries' must be present and not empty")
        job_type = self.expr(definition, definition.get("type"), mandatory=True)
        retries_expr = self.expr(definition, retries, mandatory=True)
        return JobDefinition(
            type=job_type or Expr(""),
            retries=retries_expr or Expr("3"),
            headers=self.headers(node),
        )

    def headers(self, node: ET.Element) -> Mapping[str, str]:
        out: dict[str, str] = {}
        for headers in self.extension_list(node, "taskHeaders"):
            for header in headers:
                if header.tag != _Z + "header":
                    continue
                key = header.get("key")
                if not key:
                    self.error(header, "Attribute 'key' must be present and not empty")
                    continue
                out[key] = header.get("value", "")
        return frozen_map(out)

    def properties(self, node: ET.Element) -> Mapping[str, str]:
        out: dict[str, str] = {}
        for props in self.extension_list(node, "properties"):
            for prop in props:
                if prop.tag == _Z + "property" and prop.get("name"):
                    out[prop.get("name", "")] = prop.get("value", "")
        return frozen_map(out)

    def io_mapping(self, node: ET.Element) -> IoMapping:
        mappings = self.extension_list(node, "ioMapping")
        if len(mappings) > 1:
            self.error(node, "Must have at most one 'zeebe:ioMapping' extension element")
        inputs: list[VariableMapping] = []
        outputs: list[VariableMapping] = []
        for mapping in mappings[:1]:
            for item in mapping:
                if item.tag not in (_Z + "input", _Z + "output"):
                    continue
                is_output = item.tag == _Z + "output"
                source = self.expr(item, item.get("source"), mandatory=True, non_static=is_output)
                target = item.get("target")
                self.target_path(item, target)
                if source is not None and target:
                    (outputs if is_output else inputs).append(VariableMapping(source, target))
        return IoMapping(tuple(inputs), tuple(outputs))

    def called_decision(self, definition: ET.Element) -> CalledDecision:
        self.non_empty(definition, "decisionId")
        self.non_empty(definition, "resultVariable")
        decision = self.expr(definition, definition.get("decisionId"), mandatory=True)
        binding = self.binding_type(definition)
        return CalledDecision(
            decision_id=decision or Expr(""),
            result_variable=definition.get("resultVariable", ""),
            binding_type=binding,
            version_tag=definition.get("versionTag"),
        )

    def script(self, definition: ET.Element) -> Script:
        self.non_empty(definition, "expression")
        self.non_empty(definition, "resultVariable")
        expression = self.expr(definition, definition.get("expression"), mandatory=True, non_static=True)
        return Script(expression or Expr(""), definition.get("resultVariable", ""))

    def called_element(self, definition: ET.Element) -> CalledElement:
        self.non_empty(definition, "processId")
        process_id = self.expr(definition, definition.get("processId"), mandatory=True)
        return CalledElement(
            process_id=process_id or Expr(""),
            propagate_all_child_variables=_bool(definition.get("propagateAllChildVariables"), True),
            propagate_all_parent_variables=_bool(definition.get("propagateAllParentVariables"), True),
            binding_type=self.binding_type(definition),
            version_tag=definition.get("versionTag"),
        )

    def binding_type(self, definition: ET.Element) -> str:
        binding = definition.get("bindingType", "latest")
        if binding not in ("latest", "deployment", "versionTag"):
            self.error(definition, "Attribute 'bindingType' must be one of: latest, deployment, versionTag")
        elif binding == "versionTag" and not definition.get("versionTag"):
            self.error(
                definition,
                "Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'",
            )
        return binding

    def user_task(self, node: ET.Element, kw: dict[str, Any]) -> None:
        native = self.extension(node, "userTask") is not None
        assignment = self.extension(node, "assignmentDefinition")
        schedule = self.extension(node, "taskSchedule")
        priority = self.extension(node, "priorityDefinition")
        form = self.extension(node, "formDefinition")
        csv = (statics.is_csv_list, "be a list of comma-separated values, e.g. 'a,b,c'")
        date = (statics.is_date_time, "be a valid DateTime String, e.g. '2023-03-02T15:35+02:00'")
        a = assignment
        s = schedule
        headers = self.headers(node)
        kw["user_task"] = UserTaskDefinition(
            assignee=self.expr(a, a.get("assignee")) if a is not None else None,
            candidate_groups=self.expr(a, a.get("candidateGroups"), static_check=csv)
            if a is not None
            else None,
            candidate_users=self.expr(a, a.get("candidateUsers"), static_check=csv)
            if a is not None
            else None,
            due_date=self.expr(s, s.get("dueDate"), static_check=date) if s is not None else None,
            follow_up_date=self.expr(s, s.get("followUpDate"), static_check=date) if s is not None else None,
            priority=self.priority(priority) if priority is not None else None,
            form=self.form(form, native) if form is not None else None,
            headers=headers,
            native=native,
        )
        if not native:
            # job-worker user task (`UserTaskTransformer`): fixed job type, one retry; the runtime adds the
            # reserved io.camunda.zeebe:* headers from `user_task`
            kw["job"] = JobDefinition(Expr(USER_TASK_JOB_TYPE), Expr("1"), headers)

    def priority(self, node: ET.Element) -> Expr | None:
        self.non_empty(node, "priority")
        return self.expr(
            node,
            node.get("priority"),
            mandatory=True,
            static_check=(statics.is_priority, "be a valid Number between 0 and 100"),
        )

    def form(self, node: ET.Element, native: bool) -> FormDefinition:
        form_id, form_key, external = node.get("formId"), node.get("formKey"), node.get("externalReference")
        binding = node.get("bindingType")

        def blank(v: str | None) -> bool:
            return v is None or not v.strip()

        if not native:
            if blank(form_key) == blank(form_id):
                self.error(
                    node, "Exactly one of the attributes 'formId, formKey' must be present and not blank"
                )
            if not blank(form_key) and binding is not None:
                self.error(
                    node, "Attribute 'formKey' must not be used in combination with attribute 'bindingType'"
                )
        else:
            if blank(external) == blank(form_id):
                self.error(
                    node,
                    "Exactly one of the attributes 'formId, externalReference' must be present and not blank "
                    "for native user tasks",
                )
            if not blank(external) and binding is not None:
                self.error(
                    node,
                    "Attribute 'externalReference' must not be used in combination with attribute 'bindingType'",
                )
        return FormDefinition(
            form_id=form_id,
            form_key=form_key,
            external_reference=self.expr(node, external) if external is not None else None,
            binding_type=self.binding_type(node) if binding is not None else "latest",
            version_tag=node.get("versionTag"),
        )

    def loop(self, node: ET.Element) -> LoopCharacteristics | None:
        loops = self.extension_list(node, "loopCharacteristics")
        if len(loops) != 1:
            self.error(node, "Must have exactly one 'zeebe:loopCharacteristics' extension element")
            return None
        z = loops[0]
        input_collection = z.get("inputCollection")
        if not input_collection:
            self.error(z, "Attribute 'inputCollection' must be present and not empty")
        output_collection = z.get("outputCollection") or None
        output_element = z.get("outputElement") or None
        if output_collection and not output_element:
            self.error(
                z, "Attribute 'outputElement' must be present if the attribute 'outputCollection' is set"
            )
        elif output_element and not output_collection:
            self.error(
                z, "Attribute 'outputCollection' must be present if the attribute 'outputElement' is set"
            )
        collection = self.expr(z, input_collection, mandatory=True, non_static=True)
        out_el = self.expr(z, z.get("outputElement"), non_static=True)
        condition_node = node.find(_B + "completionCondition")
        condition = None
        if condition_node is not None:
            condition = self.expr(condition_node, (condition_node.text or "").strip() or None)
        return LoopCharacteristics(
            is_sequential=_bool(node.get("isSequential"), False),
            input_collection=collection or Expr(""),
            input_element=z.get("inputElement") or None,
            output_collection=output_collection,
            output_element=out_el,
            completion_condition=condition,
        )

    # ---- events --------------------------------------------------------------------------------------

    def event_definitions(self, node: ET.Element) -> list[ET.Element]:
        return [c for c in node if _is_bpmn(c) and _local(c.tag).endswith("EventDefinition")]

    def read_event(
        self,
        node: ET.Element,
        kw: dict[str, Any],
        element_type: ElementType,
        scope: _Scope,
        parent_scope: str | None,
    ) -> None:
        kw["element_type"] = element_type
        kw["io"] = self.io_mapping(node)
        kw["properties"] = self.properties(node)
        defs = self.event_definitions(node)
        supported = True
        for d in defs:
            name = _local(d.tag)
            if name in _UNSUPPORTED_DEFINITIONS:
                self.error(node, f"Event definitions of type '{name}' are not supported by this engine")
                supported = False
            elif name not in _EVENT_DEFINITIONS:
                self.error(d, "Event definition of this type is not supported")
                supported = False
        definition = defs[0] if len(defs) == 1 and supported else None
        kind = _local(definition.tag) if definition is not None else None
        if kind is not None:
            kw["event_type"] = _EVENT_DEFINITIONS[kind]

        if element_type == ElementType.START_EVENT:
            scope.start_events.append(kw["id"])
            if len(defs) > 1:
                self.error(node, "Start event can't have more than one type")
            interrupting = _bool(node.get("isInterrupting"), True)
            kw["interrupting"] = interrupting
            is_esp = self.parents.get(node) is not None and _bool(
                self.parents[node].get("triggeredByEvent"), False
            )
            if kind is not None and is_esp:  # process-level starts: no interrupting semantics
                self.check_interrupting(node, definition, interrupting)
            if kind == "messageEventDefinition":
                kw["message"] = self.message_def(node, definition, "catch" if is_esp else "start")
            elif kind == "timerEventDefinition":
                kw["timer"] = self.timer(node, definition)
            elif kind == "signalEventDefinition":
                kw["signal"] = self.signal_def(definition)
            elif kind == "errorEventDefinition":
                kw["error"] = self.error_def(definition, catch=True)
                if not is_esp:
                    self.error(node, "Error start events are only supported in event sub-processes")
            elif kind == "escalationEventDefinition":
                kw["escalation"] = self.escalation_catch(definition)
            if kind == "terminateEventDefinition" or (
                kind in ("linkEventDefinition", "escalationEventDefinition", "compensateEventDefinition")
                and _is_bpmn(self.parents[node], "process")
            ):  # inside (event) sub-processes the SubProcessValidator reports the start event type
                self.error(node, "Start events must be one of: none, message, timer, signal or error")
        elif element_type == ElementType.END_EVENT:
            if node.findall(_B + "outgoing"):
                self.error(node, "End events must not have outgoing sequence flows to other elements.")
            if len(defs) > 1:
                self.error(node, "Must have at most one event definition")
            if kind == "errorEventDefinition":
                kw["error"] = self.error_def(definition, catch=False)
            elif kind == "messageEventDefinition":
                self.message_throw(node, definition, kw)
            elif kind == "signalEventDefinition":
                kw["signal"] = self.signal_def(definition)
            elif kind == "escalationEventDefinition":
                kw["escalation"] = self.escalation_throw(definition)
            elif kind == "compensateEventDefinition":
                kw["compensation"] = self.compensation_throw(
                    node, definition, "A compensation end event waitForCompletion attribute must be true or not present"
                )
            elif kind in ("timerEventDefinition", "linkEventDefinition"):
                self.error(
                    node,
                    "End events must be one of: none, error, message, terminate, signal, escalation or compensation",
                )
        elif element_type == ElementType.INTERMEDIATE_THROW_EVENT:
            if kind == "messageEventDefinition":
                self.message_throw(node, definition, kw)
            elif kind == "signalEventDefinition":
                kw["signal"] = self.signal_def(definition)
            elif kind == "linkEventDefinition":
                link = self.link_def(definition)
                if link is not None:
                    kw["link"] = link
                    scope.link_throws.append((link.name, kw["id"]))
            elif kind == "escalationEventDefinition":
                kw["escalation"] = self.escalation_throw(definition)
            elif kind == "compensateEventDefinition":
                kw["compensation"] = self.compensation_throw(
                    node,
                    definition,
                    "A compensation intermediate throwing event waitForCompletion attribute must be true or not present",
                )
            elif kind is not None:
                self.error(node, f"Intermediate throw events of type '{kind}' are not supported")
        elif element_type == ElementType.INTERMEDIATE_CATCH_EVENT:
            if len(defs) != 1:
                self.error(node, "Must have exactly one event definition")
            elif kind in (
                "errorEventDefinition",
                "terminateEventDefinition",
                "escalationEventDefinition",
                "compensateEventDefinition",
            ):
                self.error(
                    node, "Event definition must be one of: message, timer, signal, link, or conditional"
                )
            elif kind == "messageEventDefinition":
                kw["message"] = self.message_def(node, definition, "catch")
            elif kind == "timerEventDefinition":
                kw["timer"] = self.timer(node, definition)
                if definition is not None and kw["timer"] is not None and kw["timer"].kind == TimerKind.CYCLE:
                    self.error(
                        node,
                        "Intermediate timer catch event must have either a time duration or a time date.",
                    )
            elif kind == "signalEventDefinition":
                kw["signal"] = self.signal_def(definition)
            elif kind == "linkEventDefinition":
                link = self.link_def(definition)
                if link is not None:
                    kw["link"] = link
                    scope.link_catches.append((link.name, kw["id"]))
                    scope.link_catch_names_deep.append(link.name)
        elif element_type == ElementType.BOUNDARY_EVENT:
            self.read_boundary(node, kw, defs, definition, kind)

    def read_boundary(
        self,
        node: ET.Element,
        kw: dict[str, Any],
        defs: list[ET.Element],
        definition: ET.Element | None,
        kind: str | None,
    ) -> None:
        attached = node.get("attachedToRef")
        target = self.by_id.get(attached or "")
        if target is None or not (_local(target.tag) in _TASK_TYPES or _local(target.tag) in _SUB_PROCESSES):
            self.error(node, "Must be attached to an activity")
        else:
            kw["attached_to_id"] = attached
        if self.incoming_refs(node):
            self.error(node, "Cannot have incoming sequence flows")
        if len(defs) != 1:
            self.error(node, "Must have exactly one event definition")
        if kind in ("terminateEventDefinition", "linkEventDefinition"):
            self.error(node, "Boundary events must be one of: timer, message, error, signal, escalation")
        cancel = _bool(node.get("cancelActivity"), True)
        kw["interrupting"] = cancel
        if definition is None:
            return
        if kind == "escalationEventDefinition":
            if target is not None and _local(target.tag) not in ("subProcess", "adHocSubProcess", "callActivity"):
                self.error(
                    node,
                    "An escalation boundary event should only be attached to a subprocess, or a call activity.",
                )
            kw["escalation"] = self.escalation_catch(definition)
        elif kind == "compensateEventDefinition":
            if node.findall(_B + "outgoing") or kw["id"] not in self.association_sources:
                self.error(
                    node,
                    "Compensation boundary events must have a compensation association and no outgoing sequence flows",
                )
            # the handler: the target of the first association from the event in its own scope
            # (CatchEventTransformer.transformCompensationEventDefinition)
            container = self.parents.get(node)
            handler = next(
                (
                    a.get("targetRef")
                    for a in (container if container is not None else ())
                    if _is_bpmn(a, "association") and a.get("sourceRef") == kw["id"]
                ),
                None,
            )
            kw["compensation"] = CompensationDefinition(handler_id=handler or None)
        self.check_interrupting(node, definition, cancel)
        if kind == "messageEventDefinition":
            kw["message"] = self.message_def(node, definition, "catch")
        elif kind == "timerEventDefinition":
            kw["timer"] = self.timer(node, definition)
        elif kind == "errorEventDefinition":
            kw["error"] = self.error_def(definition, catch=True)
        elif kind == "signalEventDefinition":
            kw["signal"] = self.signal_def(definition)

    def check_interrupting(self, node: ET.Element, definition: ET.Element | None, interrupting: bool) -> None:
        """`ModelUtil.verifyEventDefinition` for start and boundary events."""
        if definition is None:
            return
        kind = _local(definition.tag)
        if not interrupting and kind not in (
            "messageEventDefinition",
            "timerEventDefinition",
            "signalEventDefinition",
            "escalationEventDefinition",
        ):
            self.error(node, "Non-Interrupting event of this type is not allowed")
        if interrupting and kind == "timerEventDefinition" and definition.find(_B + "timeCycle") is not None:
            self.error(node, "Interrupting timer event with time cycle is not allowed.")

    def message_ref(self, node: ET.Element, ref: str | None, use: str) -> MessageDefinition | None:
        if not ref:
            return None
        msg = self.messages.get(ref)
        if msg is None:
            return None
        self.message_uses.setdefault(ref, []).append(use)
        name = self.expr(msg, msg.get("name"))
        key = None
        if use == "catch":
            subs = [c for c in self.extensions(msg) if c.tag == _Z + "subscription"]
            if len(subs) == 1:
                sub = subs[0]
                self.non_empty(sub, "correlationKey")
                key = self.expr(sub, sub.get("correlationKey"), mandatory=True, non_static=True)
        return MessageDefinition(ref, name or Expr(""), key)

    def message_def(
        self, node: ET.Element, definition: ET.Element | None, use: str
    ) -> MessageDefinition | None:
        assert definition is not None
        msg = self.message_ref(node, definition.get("messageRef"), use)
        if msg is None:
            self.error(definition, "Must reference a message")
        return msg

    def message_throw(self, node: ET.Element, definition: ET.Element | None, kw: dict[str, Any]) -> None:
        """Message end / intermediate throw events are job-based (`zeebe:taskDefinition`)."""
        assert definition is not None
        publish = self.extension_list(definition, "publishMessage")
        jobs = self.extension_list(node, "taskDefinition")
        if not ((len(publish) == 1 and not jobs) or (not publish and len(jobs) == 1)):
            self.error(
                node,
                "Must have either one 'zeebe:publishMessage' or one 'zeebe:taskDefinition' extension element",
            )
        elif publish:
            self.error(
                node, "Message throw events with 'zeebe:publishMessage' are not supported by this engine"
            )
        else:
            kw["job"] = self.job(node, jobs[0])
        ref = definition.get("messageRef")
        if ref:
            kw["message"] = self.message_ref(node, ref, "throw")

    def error_def(self, definition: ET.Element | None, *, catch: bool) -> ErrorDefinition | None:
        assert definition is not None
        ref = definition.get("errorRef")
        err = self.errors.get(ref or "")
        if not catch:
            if err is None:
                self.error(definition, "Must reference an error")
                return None
            code = err.get("errorCode")
            if not code:
                self.error(definition, "ErrorCode must be present and not empty")
                return None
            return ErrorDefinition(ref or "", self.expr(err, code), err.get("name"))
        if ref and err is None:
            self.error(definition, f"Referenced error '{ref}' cannot be resolved")
            return None
        if err is None:
            return ErrorDefinition("", None)
        code = err.get("errorCode")
        if code is not None and code.startswith("="):
            self.error(
                definition, "The errorCode of the error catch event is not allowed to be an expression"
            )
        return ErrorDefinition(ref or "", Expr(code) if code else None, err.get("name"))

    def escalation_throw(self, definition: ET.Element | None) -> EscalationDefinition | None:
        """Escalation end / intermediate throw events (EscalationEventDefinitionValidator, EscalationTransformer):
        the code may be FEEL; a FEEL syntax error is not a deployment error in Zeebe but fails the event."""
        assert definition is not None
        ref = definition.get("escalationRef") or ""
        esc = self.escalations.get(ref)
        if esc is None:
            self.error(definition, "Must reference an escalation")
            return None
        self.thrown_escalations.add(ref)
        code = esc.get("escalationCode")
        if not code:  # reported on the escalation (EscalationValidator)
            return EscalationDefinition(ref, None, esc.get("name"))
        if len(code) > 1 and code.startswith("="):
            source = code[1:]
            try:
                return EscalationDefinition(ref, Expr(code, compile_expression(source, (), "camunda")), esc.get("name"))
            except (FeelSyntaxError, RecursionError, ValueError, TypeError) as e:
                return EscalationDefinition(
                    ref, Expr(code), esc.get("name"), code_error=f"failed to parse expression '{source}': {e}"
                )
        return EscalationDefinition(ref, Expr(code), esc.get("name"))

    def escalation_catch(self, definition: ET.Element | None) -> EscalationDefinition:
        """Escalation boundary / event sub-process start events: without (a resolvable) `escalationRef` the
        event catches every escalation, as does an empty code; an escalation without a code catches none."""
        assert definition is not None
        ref = definition.get("escalationRef") or ""
        esc = self.escalations.get(ref)
        if esc is None:
            return EscalationDefinition("", Expr(""))
        code = esc.get("escalationCode")
        if code is not None and code.startswith("="):
            self.error(
                definition, "The escalationCode of the escalation catch event is not allowed to be an expression"
            )
        return EscalationDefinition(ref, Expr(code) if code is not None else None, esc.get("name"))

    def compensation_throw(
        self, node: ET.Element, definition: ET.Element | None, wait_message: str
    ) -> CompensationDefinition:
        """Compensation end / intermediate throw events (CompensationEventDefinitionValidator, End- and
        IntermediateThrowEventValidator): an `activityRef` must name an activity of the same scope (or, from
        inside an event sub-process, of the scope around it) with a compensation boundary event, or a
        sub-process."""
        assert definition is not None
        wait = definition.get("waitForCompletion")
        if wait is not None and wait.strip().lower() != "true":
            self.error(node, wait_message)
        ref = definition.get("activityRef") or None
        if ref is None:
            return CompensationDefinition()
        activity = self.by_id.get(ref)
        if activity is None or not (
            _local(activity.tag) in _TASK_TYPES or _local(activity.tag) in ("subProcess", "adHocSubProcess")
        ):
            self.error(definition, f"The referenced compensation activity '{ref}' doesn't exist")
            return CompensationDefinition(activity_ref=ref)
        is_sub_process = _local(activity.tag) in _SUB_PROCESSES and not _bool(
            activity.get("triggeredByEvent"), False
        )
        if ref not in self.compensation_hosts and not is_sub_process:
            self.error(
                definition,
                f"The referenced compensation activity '{ref}' must have either a compensation boundary event "
                "or be a subprocess",
            )
        scope = self.scope_of(definition)
        activity_scope = self.scope_of(activity)
        outer = self.scope_of(scope) if scope is not None and _bool(scope.get("triggeredByEvent"), False) else None
        if activity_scope is not scope and (outer is None or activity_scope is not outer):
            self.error(
                definition,
                f"The referenced compensation activity '{ref}' must be in the same scope as the compensation "
                "throw event",
            )
        return CompensationDefinition(activity_ref=ref)

    def scope_of(self, node: ET.Element) -> ET.Element | None:
        """The model API's `getScope`: the closest enclosing process or sub-process."""
        current = self.parents.get(node)
        while current is not None and not (
            _is_bpmn(current, "process") or _is_bpmn(current, "subProcess") or _is_bpmn(current, "adHocSubProcess")
        ):
            current = self.parents.get(current)
        return current

    def signal_def(self, definition: ET.Element | None) -> SignalDefinition | None:
        assert definition is not None
        ref = definition.get("signalRef")
        sig = self.signals.get(ref or "")
        if sig is None:
            self.error(definition, "Must reference a signal")
            return None
        if not sig.get("name"):
            self.error(sig, "Name must be present and not empty")
        return SignalDefinition(ref or "", self.expr(sig, sig.get("name")) or Expr(""))

    def timer(self, node: ET.Element, definition: ET.Element | None) -> TimerDefinition | None:
        assert definition is not None
        found = [(kind, child) for kind in TimerKind for child in definition.findall(_B + kind.value)]
        if len(found) != 1:
            self.error(definition, "Must be exactly one type of timer: timeDuration, timeDate or timeCycle")
            return None
        kind, child = found[0]
        text = (child.text or "").strip()
        value = self.expr(definition, text, mandatory=True)
        if value is None:
            return None
        if value.is_static:
            check, label = {
                TimerKind.DURATION: (statics.is_interval, "duration"),
                TimerKind.CYCLE: (statics.is_cycle, "cycle"),
                TimerKind.DATE: (statics.is_date_time, "date"),
            }[kind]
            if not check(text):
                self.error(node, f"Invalid timer {label} expression (Invalid {label} format '{text}')")
        return TimerDefinition(kind, value)

    # ---- flows ---------------------------------------------------------------------------------------

    def read_flow(self, node: ET.Element) -> None:
        flow_id = node.get("id")
        if not flow_id:
            self.error(node, "Attribute 'id' must be present and not empty")
            return
        condition = None
        cond = node.find(_B + "conditionExpression")
        if cond is not None:
            text = (cond.text or "").strip()
            if not text:
                self.error(cond, "Attribute 'condition' must be present and not empty")
            else:
                condition = self.expr(cond, text, mandatory=True, non_static=True)
        self.flows[flow_id] = {
            "node": node,
            "id": flow_id,
            "name": node.get("name"),
            "source_id": node.get("sourceRef") or "",
            "target_id": node.get("targetRef") or "",
            "condition": condition,
            "has_condition": cond is not None,
        }

    # ---- assembling ----------------------------------------------------------------------------------

    def build(self, process: ET.Element, pid: str, data: bytes, checksum: bytes) -> ProcessModel | None:
        defaults: dict[str, str] = {}
        for node_id in self.kwargs:
            node = self.nodes.get(node_id)
            if node is not None and node.get("default"):
                defaults[node_id] = node.get("default", "")

        incoming: dict[str, list[dict[str, Any]]] = {}
        outgoing: dict[str, list[dict[str, Any]]] = {}
        for f in self.flows.values():
            node = f["node"]
            src, tgt = f["source_id"], f["target_id"]
            if not src:
                self.error(node, "SequenceFlow is missing required attribute sourceRef")
            elif src not in self.nodes:
                self.error(node, f"SequenceFlow has sourceRef '{src}' which cannot be resolved")
            if not tgt:
                self.error(node, "SequenceFlow is missing required attribute targetRef")
            elif tgt not in self.nodes:
                self.error(node, f"SequenceFlow has targetRef '{tgt}'  which cannot be resolved")
            if src in self.nodes and tgt in self.nodes:
                if self.kwargs[src]["flow_scope_id"] != self.kwargs[tgt]["flow_scope_id"]:
                    self.error(node, "Sequence flows must connect elements of the same scope")
                outgoing.setdefault(src, []).append(f)
                incoming.setdefault(tgt, []).append(f)
            f["is_default"] = defaults.get(src) == f["id"]

        for gw_id, default in defaults.items():
            gw = self.nodes[gw_id]
            if default not in self.flows:
                self.error(gw, f"Default flow '{default}' cannot be resolved")
            elif self.flows[default]["source_id"] != gw_id:
                self.error(gw, "Default flow must start at gateway")

        for node_id, outs in outgoing.items():
            self.check_outgoing(node_id, outs)
        for node_id, kw in self.kwargs.items():
            if kw.get("element_type") == ElementType.EVENT_BASED_GATEWAY:
                self.check_event_gateway(node_id, outgoing.get(node_id, []), incoming)
            if kw.get("element_type") == ElementType.BOUNDARY_EVENT and kw.get("attached_to_id") is not None:
                host = self.kwargs.get(kw["attached_to_id"])
                if host is None or host["flow_scope_id"] != kw["flow_scope_id"]:
                    self.error(self.nodes[node_id], "Must be attached to an activity of the same scope")
                else:
                    host.setdefault("boundary_list", []).append(node_id)
        for kw in self.kwargs.values():
            comp = kw.get("compensation")
            if kw.get("element_type") == ElementType.BOUNDARY_EVENT and comp is not None and comp.handler_id:
                target = self.kwargs.get(comp.handler_id)
                if target is None or target.get("element_type") not in _ACTIVITIES:
                    kw["compensation"] = CompensationDefinition()  # Zeebe finds no handler activity
        for node_id, kw in self.kwargs.items():
            boundaries = kw.pop("boundary_list", [])
            if boundaries:
                self.check_boundaries(node_id, boundaries)
                kw["boundary_event_ids"] = tuple(boundaries)

        if self.problems:
            return None

        flows = {
            fid: SequenceFlow(
                id=fid,
                source_id=f["source_id"],
                target_id=f["target_id"],
                name=f["name"],
                condition=f["condition"],
                is_default=f["is_default"],
            )
            for fid, f in self.flows.items()
        }
        elements: dict[str, Element] = {}
        for node_id, kw in self.kwargs.items():
            kw = dict(kw)
            if kw.get("ad_hoc") is not None:
                kw["ad_hoc"] = self.ad_hoc_activities(kw, incoming)
                inner_id = kw["ad_hoc"].inner_instance_id
                elements[inner_id] = Element(
                    id=inner_id, element_type=ElementType.AD_HOC_SUB_PROCESS_INNER_INSTANCE, flow_scope_id=node_id
                )
            kw["incoming"] = tuple(flows[f["id"]] for f in incoming.get(node_id, []))
            kw["outgoing"] = tuple(flows[f["id"]] for f in outgoing.get(node_id, []))
            if node_id in defaults:
                kw["default_flow"] = flows[defaults[node_id]]
            elements[node_id] = Element(**kw)
        return ProcessModel(
            bpmn_process_id=pid,
            name=process.get("name"),
            resource_name=self.resource_name,
            checksum=checksum,
            xml=data,
            elements=frozen_map(elements),
            flows=frozen_map(flows),
            version_tag=self.version_tag(process),
        )

    def version_tag(self, process: ET.Element) -> str | None:
        tag = self.extension(process, "versionTag")
        return tag.get("value") if tag is not None else None

    def check_outgoing(self, node_id: str, outs: list[dict[str, Any]]) -> None:
        kw = self.kwargs[node_id]
        element_type = kw["element_type"]
        node = self.nodes[node_id]
        if element_type == ElementType.EXCLUSIVE_GATEWAY:
            if len(outs) > 1:
                for f in outs:
                    if not f["is_default"] and not f["has_condition"]:
                        self.error(f["node"], "Must have a condition or be default flow")
        elif element_type == ElementType.INCLUSIVE_GATEWAY:
            if len(outs) > 1:
                for f in outs:
                    if not f["is_default"] and not f["has_condition"]:
                        self.error(f["node"], "Must have a condition")
        elif any(f["has_condition"] for f in outs):
            self.error(
                node, "Conditional sequence flows are only supported at exclusive or inclusive gateway"
            )

    def check_event_gateway(
        self, node_id: str, outs: list[dict[str, Any]], incoming: dict[str, list[dict[str, Any]]]
    ) -> None:
        node = self.nodes[node_id]
        if len(outs) < 2:
            self.error(node, "Event-based gateway must have at least 2 outgoing sequence flows.")
        targets = [self.kwargs[f["target_id"]] for f in outs]
        if not all(
            t["element_type"] == ElementType.INTERMEDIATE_CATCH_EVENT
            and t.get("event_type") in (EventType.MESSAGE, EventType.TIMER, EventType.SIGNAL)
            for t in targets
        ):
            self.error(
                node,
                "Event-based gateway must not have an outgoing sequence flow to other elements than "
                "message/timer/signal/conditional intermediate catch events.",
            )
        defs = [d for f in outs for d in self.event_definitions(self.nodes[f["target_id"]])]
        self.check_duplicate_names(node, defs)
        if any(g["source_id"] != node_id for t in targets for g in incoming.get(t["id"], [])):
            self.error(
                node,
                "Target elements of an event gateway must not have any additional incoming sequence flows "
                "other than that from the event gateway.",
            )

    def check_boundaries(self, activity_id: str, boundaries: list[str]) -> None:
        """`ActivityValidator`: no duplicate message names / error codes among an activity's boundary events."""
        node = self.nodes[activity_id]
        defs = [d for b in boundaries for d in self.event_definitions(self.nodes[b])]
        self.check_duplicate_names(node, defs)
        self.check_duplicate_escalations(node, defs)
        self.check_duplicate_errors(node, defs)
        kw = self.kwargs[activity_id]
        msg: MessageDefinition | None = kw.get("message")
        if kw["element_type"] == ElementType.RECEIVE_TASK and msg is not None:
            names = {
                self.messages[d.get("messageRef", "")].get("name")
                for d in defs
                if _local(d.tag) == "messageEventDefinition" and d.get("messageRef") in self.messages
            }
            if msg.name.text in names:
                self.error(node, "Cannot reference the same message name as a boundary event")


_ACTIVITIES = frozenset({*_TASK_TYPES.values(), ElementType.SUB_PROCESS, ElementType.AD_HOC_SUB_PROCESS})
#: what an ad-hoc sub-process can activate (AdHocSubProcessTransformer.isAdHocActivity), if it has no incoming flow
_AD_HOC_ACTIVITIES = frozenset(
    {
        *_TASK_TYPES.values(),
        *_GATEWAY_TYPES.values(),
        ElementType.SUB_PROCESS,
        ElementType.AD_HOC_SUB_PROCESS,
        ElementType.INTERMEDIATE_THROW_EVENT,
        ElementType.INTERMEDIATE_CATCH_EVENT,
    }
)
#: BPMN flow elements (what `AdHocSubProcess.getFlowElements` holds)
_FLOW_ELEMENTS = frozenset(
    {*_TASK_TYPES, *_GATEWAY_TYPES, *_EVENT_TYPES, *_SUB_PROCESSES, *_UNSUPPORTED_BY_ZEEBE, *_DATA_ELEMENTS}
    | {"sequenceFlow"}
)
_ESP_STARTS = frozenset(
    {
        "messageEventDefinition",
        "timerEventDefinition",
        "errorEventDefinition",
        "signalEventDefinition",
        "escalationEventDefinition",
    }
)


def _duplicates(items: list[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for item in items:
        if item in seen and item not in dups:
            dups.append(item)
        seen.add(item)
    return dups


def parse_bpmn(xml: bytes | str, resource_name: str) -> list[ProcessModel]:
    """Every executable process of the resource, or BpmnParseError with all the problems Zeebe would report."""
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    root = _read_xml(data, resource_name)
    return _Reader(root, resource_name).read(data)
