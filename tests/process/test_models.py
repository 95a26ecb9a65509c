"""The process models in bpmn/ and forms/: what Zeebe accepts, what the domain says (domain.md §10) and a diagram
people can read (BPMNDI complete, nothing overlapping or crossing)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from engine.bpmn import parse_bpmn
from engine.runtime.clock import Clock
from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.process.answers import ANSWERS, HIGH_RISK, LOW_RISK

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR, FORMS_DIR, DMN_DIR = ROOT / "bpmn", ROOT / "forms", ROOT / "dmn"
BPMN_FILES = sorted(BPMN_DIR.glob("*.bpmn"))
FORM_FILES = sorted(FORMS_DIR.glob("*.form"))
DMN_FILES = sorted(DMN_DIR.glob("*.dmn"))
MAIN = "international-assistance-request"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "modeler": "http://camunda.org/schema/modeler/1.0",
}
B = "{" + NS["bpmn"] + "}"
Z = "{" + NS["zeebe"] + "}"
DI = "{" + NS["bpmndi"] + "}"
MODELER = "{" + NS["modeler"] + "}"

#: domain.md §10.3
JOB_TYPES = {
    "validate-request",
    "enrich-country-profile",
    "compute-costing",
    "request-post-stage1",
    "notify-stakeholder",
    "prepare-ministerial-submission",
    "generate-ipab-form",
    "request-s26-consent",
    "recheck-travel-advice",
    "record-outcome",
    "update-aggregate-income",
    "schedule-osja-review",
}
#: domain.md §10.5
MESSAGES = {
    "RequestReceived",
    "PostStage1Received",
    "PostConcurrence",
    "JIPHDecision",
    "MinisterialDecision",
    "HomeOfficeS26Consent",
    "PaymentOrDepositReceived",
    "TravelAdviceChanged",
    "SeriousIncident",
    "RequestWithdrawn",
}
#: domain.md §10.7
STATUSES = {
    "OUT_OF_SCOPE_UK_ENQUIRY",
    "OUT_OF_SCOPE_JURISDICTION",
    "DECLINED_CAPABILITY",
    "DECLINED_ETHICS",
    "DECLINED_STAFF_RISK",
    "DECLINED_SANCTIONS",
    "DECLINED_COST",
    "DECLINED_HUMAN_RIGHTS",
    "DECLINED_JIPH",
    "DECLINED_PCC",
    "DECLINED_S26_REFUSED",
    "WITHDRAWN",
    "EXPIRED",
    "CANCELLED_POST_APPROVAL",
    "COMPLETED",
}
#: domain.md §10.4
CANDIDATE_GROUPS = {
    "college-ipa",
    "force-international-liaison",
    "finance-commercial",
    "finance-director",
    "chief-constable",
    "pcc",
    "osja-lead",
    "head-of-department",
    "hmg-senior-official",
    "fcdo-post",
    "minister-private-office",
    "jiph-triage",
    "ipab-board",
    "college-ceo-delegate",
    "home-office-policing",
    "legal-commercial",
    "health-safety-deployment",
    "chief-officer",
    "trainer-lead",
}
DECISIONS = {
    "scope_check",
    "early_screen",
    "osja_risk_rating",
    "osja_approval_level",
    "charging_basis",
    "pcc_referral",
    "travel_risk",
    "disclosure_class",
}
FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "userTask",
    "manualTask",
    "scriptTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}
JOB_ELEMENTS = {
    "serviceTask",
    "sendTask",
    "businessRuleTask",
    "scriptTask",
    "endEvent",
    "intermediateThrowEvent",
}

Box = tuple[float, float, float, float]
Point = tuple[float, float]


def local(tag: str) -> str:
    return tag.split("}", 1)[1]


class Doc:
    """One BPMN file, read as plain XML (independently of the engine's parser)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = ET.parse(path).getroot()
        self.parent: dict[ET.Element, ET.Element] = {c: p for p in self.root.iter() for c in p}
        self.nodes = {
            e.get("id", ""): e for e in self.root.iter() if e.tag.startswith(B) and local(e.tag) in FLOW_NODES
        }
        self.flows = {e.get("id", ""): e for e in self.root.iter(B + "sequenceFlow")}
        self.shapes: dict[str, ET.Element] = {
            s.get("bpmnElement", ""): s for s in self.root.iter(DI + "BPMNShape")
        }
        self.edges: dict[str, ET.Element] = {
            e.get("bpmnElement", ""): e for e in self.root.iter(DI + "BPMNEdge")
        }
        self.messages = {m.get("id", ""): m for m in self.root.findall("bpmn:message", NS)}
        self.errors = {e.get("id", ""): e for e in self.root.findall("bpmn:error", NS)}
        self.groups = [g.get("id", "") for g in self.root.iter(B + "group")]

    def kind(self, node_id: str) -> str:
        return local(self.nodes[node_id].tag)

    def bounds(self, element_id: str) -> Box:
        b = self.shapes[element_id].find("dc:Bounds", NS)
        assert b is not None, element_id
        return (
            float(b.get("x", 0)),
            float(b.get("y", 0)),
            float(b.get("width", 0)),
            float(b.get("height", 0)),
        )

    def waypoints(self, flow_id: str) -> list[Point]:
        return [
            (float(w.get("x", 0)), float(w.get("y", 0)))
            for w in self.edges[flow_id].findall("di:waypoint", NS)
        ]

    def scope_of(self, node_id: str) -> ET.Element:
        return self.parent[self.nodes[node_id]]

    def ancestors(self, node_id: str) -> set[str]:
        out, el = set(), self.nodes[node_id]
        while el in self.parent:
            el = self.parent[el]
            if el.get("id"):
                out.add(el.get("id", ""))
        return out

    def ext(self, el: ET.Element, name: str) -> list[ET.Element]:
        holder = el.find("bpmn:extensionElements", NS)
        return [] if holder is None else holder.findall(f"zeebe:{name}", NS)

    def outputs(self, el: ET.Element) -> dict[str, str]:
        return {
            o.get("target", ""): o.get("source", "")
            for m in self.ext(el, "ioMapping")
            for o in m.findall("zeebe:output", NS)
        }

    def incoming(self, node_id: str) -> list[ET.Element]:
        return [f for f in self.flows.values() if f.get("targetRef") == node_id]

    def outgoing(self, node_id: str) -> list[ET.Element]:
        return [f for f in self.flows.values() if f.get("sourceRef") == node_id]

    def event_definition(self, node_id: str) -> str | None:
        for child in self.nodes[node_id]:
            if child.tag.endswith("EventDefinition"):
                return local(child.tag)
        return None


DOCS = {p.name: Doc(p) for p in BPMN_FILES}


def docs() -> list[Doc]:
    return list(DOCS.values())


def main_doc() -> Doc:
    return DOCS[f"{MAIN}.bpmn"]


def forms() -> dict[str, dict[str, Any]]:
    return {json.loads(p.read_text())["id"]: json.loads(p.read_text()) for p in FORM_FILES}


# -- Zeebe acceptance ----------------------------------------------------------------------------------------


def test_the_models_exist() -> None:
    assert {p.name for p in BPMN_FILES} >= {f"{MAIN}.bpmn", "osja-assessment.bpmn"}
    assert FORM_FILES


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_parses_as_zeebe_would(path: Path) -> None:
    models = parse_bpmn(path.read_bytes(), path.name)
    assert [m.bpmn_process_id for m in models] == [path.stem]
    root = DOCS[path.name].root
    assert root.get(MODELER + "executionPlatform") == "Camunda Cloud"
    assert root.get(MODELER + "executionPlatformVersion") == "8.8.0"


def pinned_clock(at: int) -> Clock:
    clock = Clock()
    clock.pin(at)
    return clock


#: 2025-03-03T09:00:00Z, a Monday: requests start three months later
T0 = 1_740_992_400_000
DAY = 86_400_000


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    e = Engine(Store(database_url(tmp_path)), pinned_clock(T0))
    await e.start()
    try:
        yield e
    finally:
        await e.stop()


def resources(with_dmn: bool = True) -> list[tuple[str, bytes]]:
    files = [*BPMN_FILES, *FORM_FILES, *(DMN_FILES if with_dmn else [])]
    return [(p.name, p.read_bytes()) for p in files]


async def test_deploys_with_every_form(engine: Engine) -> None:
    deployment = await engine.deploy(resources(with_dmn=False))
    kinds = [r.kind for r in deployment.resources]
    assert kinds.count("process") == len(BPMN_FILES)
    assert kinds.count("form") == len(FORM_FILES)


async def test_deploys_with_the_decisions(engine: Engine) -> None:
    if not DMN_FILES:
        pytest.skip("dmn/ holds no decisions yet (written by another engineer)")
    deployment = await engine.deploy(resources())
    deployed = {r.data["dmnDecisionId"] for r in deployment.resources if r.kind == "decision"}
    called = {d.get("decisionId") for doc in docs() for d in doc.root.iter(Z + "calledDecision")}
    assert called <= deployed, f"called but not deployed: {called - deployed}"


# -- the domain ----------------------------------------------------------------------------------------------


def test_job_types_are_the_workers_of_section_10_3() -> None:
    used: set[str] = set()
    for doc in docs():
        for node_id, node in doc.nodes.items():
            definitions = doc.ext(node, "taskDefinition")
            if doc.kind(node_id) in ("serviceTask", "sendTask"):
                assert len(definitions) == 1, f"{node_id} has no job type"
            for d in definitions:
                assert d.get("type") in JOB_TYPES, f"{node_id}: job type {d.get('type')!r} is not in §10.3"
                assert d.get("retries") and int(d.get("retries", "0")) >= 1, node_id
                used.add(d.get("type", ""))
    assert used == JOB_TYPES, f"§10.3 workers the process never calls: {JOB_TYPES - used}"


def test_business_rule_tasks_call_the_decisions() -> None:
    called: set[str] = set()
    for doc in docs():
        for node_id, node in doc.nodes.items():
            if doc.kind(node_id) != "businessRuleTask":
                continue
            (d,) = doc.ext(node, "calledDecision")
            assert d.get("decisionId") in DECISIONS and d.get("resultVariable"), node_id
            called.add(d.get("decisionId", ""))
    assert called == DECISIONS


def test_messages_are_those_of_section_10_5_correlated_by_request_id() -> None:
    used: set[str] = set()
    for doc in docs():
        starts = {
            d.get("messageRef")
            for node_id in doc.nodes
            if doc.kind(node_id) == "startEvent" and doc.scope_of(node_id).tag == B + "process"
            for d in doc.nodes[node_id].findall("bpmn:messageEventDefinition", NS)
        }
        for mid, message in doc.messages.items():
            assert message.get("name") in MESSAGES, f"{mid}: {message.get('name')} is not in §10.5"
            used.add(message.get("name", ""))
            keys = [s.get("correlationKey") for s in doc.ext(message, "subscription")]
            if mid in starts:
                continue
            assert keys == ["=requestId"], f"{message.get('name')} must correlate on requestId, has {keys}"
    assert used == MESSAGES


def candidate_groups(text: str) -> set[str]:
    """A static comma list, or the strings in the list literals of a FEEL expression."""
    if text.startswith("="):
        return {g for lst in re.findall(r"\[([^\]]*)\]", text) for g in re.findall(r'"([^"]+)"', lst)}
    return {g.strip() for g in text.split(",") if g.strip()}


def test_user_tasks_are_native_with_forms_and_candidate_groups() -> None:
    known = forms()
    used_forms = set()
    for doc in docs():
        for node_id, node in doc.nodes.items():
            if doc.kind(node_id) != "userTask":
                continue
            assert doc.ext(node, "userTask"), f"{node_id} is not a Camunda user task"
            (form,) = doc.ext(node, "formDefinition")
            assert form.get("formId") in known, f"{node_id}: no form {form.get('formId')!r} in forms/"
            used_forms.add(form.get("formId"))
            (assignment,) = doc.ext(node, "assignmentDefinition")
            groups = candidate_groups(assignment.get("candidateGroups", ""))
            assert groups and groups <= CANDIDATE_GROUPS, f"{node_id}: {groups - CANDIDATE_GROUPS or 'none'}"
    assert used_forms == set(known), f"forms no task uses: {set(known) - used_forms}"


def form_fields(components: list[dict[str, Any]], ids: set[str], where: str) -> list[dict[str, Any]]:
    """The components that carry a key (inside groups and dynamic lists too); component ids must be unique."""
    out: list[dict[str, Any]] = []
    for c in components:
        assert c["id"] not in ids, f"{where}: duplicate component id {c['id']}"
        ids.add(c["id"])
        if "components" in c:
            out += form_fields(c["components"], ids, where)
        elif "key" in c:
            out.append(c)
    return out


def test_forms_are_camunda_forms_with_validation() -> None:
    ids: set[str] = set()
    for path in FORM_FILES:
        form = json.loads(path.read_text())
        assert path.stem == form["id"], path
        assert form["type"] == "default" and form["schemaVersion"] >= 16
        assert form["executionPlatform"] == "Camunda Cloud" and form["executionPlatformVersion"] == "8.8.0"
        fields = list(form_fields(form["components"], ids, path.name))
        assert fields, path.name
        for f in fields:
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", f["key"]), f"{path.name}: key {f['key']}"
        assert any(f.get("validate", {}).get("required") for f in fields), f"{path.name}: nothing required"


def status_of(doc: Doc, el: ET.Element) -> str | None:
    source = doc.outputs(el).get("finalStatus")
    if source is None:
        return None
    literal = re.fullmatch(r'="([A-Z0-9_]+)"', source)
    assert literal, f"{el.get('id')}: finalStatus must be a literal, is {source}"
    return literal.group(1)


def end_statuses(doc: Doc, end_id: str) -> set[str] | None:
    """The finalStatus values set on every path into an end event: by the end event itself or by the nearest
    element before it that maps finalStatus. None when some path reaches it without a status."""
    found: set[str] = set()
    seen: set[str] = set()

    def back(node_id: str) -> bool:
        if node_id in seen:
            return True
        seen.add(node_id)
        value = status_of(doc, doc.nodes[node_id])
        if value is not None:
            found.add(value)
            return True
        node = doc.nodes[node_id]
        if doc.kind(node_id) in ("boundaryEvent", "startEvent"):
            return False
        if node.find("bpmn:errorEventDefinition", NS) is not None:
            return False
        incoming = doc.incoming(node_id)
        return bool(incoming) and all(back(f.get("sourceRef", "")) for f in incoming)

    return found if back(end_id) else None


def side_path(doc: Doc, node_id: str) -> bool:
    """Reached only from a non-interrupting boundary event (a reminder, an escalation, a periodic review)."""
    incoming = doc.incoming(node_id)
    if not incoming:
        node = doc.nodes[node_id]
        return doc.kind(node_id) == "boundaryEvent" and node.get("cancelActivity") == "false"
    return all(side_path(doc, f.get("sourceRef", "")) for f in incoming)


def test_every_end_of_the_request_sets_a_final_status() -> None:
    doc = main_doc()
    process = doc.root.find("bpmn:process", NS)
    reachable: set[str] = set()
    for end_id in [i for i in doc.nodes if doc.kind(i) == "endEvent"]:
        scope = doc.scope_of(end_id)
        terminal = scope is process or (
            scope.get("triggeredByEvent") == "true" and doc.parent[scope] is process
        )
        if doc.event_definition(end_id) == "errorEventDefinition":
            continue  # thrown to a boundary event of the approval sub-process, checked below
        if not terminal or side_path(doc, end_id):
            continue  # ends a path inside a sub-process, or a reminder
        statuses = end_statuses(doc, end_id)
        assert statuses, f"{end_id} ends the request without setting finalStatus on every path"
        assert len(statuses) == 1 and statuses <= STATUSES, f"{end_id}: {statuses}"
        reachable |= statuses
    # every error thrown inside is caught on the approval sub-process by a boundary that sets that status
    catches = {
        doc.errors[d.get("errorRef", "")].get("errorCode"): status_of(doc, doc.nodes[i])
        for i in doc.nodes
        if doc.kind(i) == "boundaryEvent"
        for d in doc.nodes[i].findall("bpmn:errorEventDefinition", NS)
    }
    for i in doc.nodes:
        for d in doc.nodes[i].findall("bpmn:errorEventDefinition", NS):
            if doc.kind(i) == "endEvent":
                code = doc.errors[d.get("errorRef", "")].get("errorCode")
                assert catches.get(code) == code, f"{i} throws {code}, caught as {catches.get(code)}"
    assert reachable == STATUSES, f"§10.7 states no end event sets: {STATUSES - reachable}"


# -- the diagram ---------------------------------------------------------------------------------------------


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def on_border(p: Point, box: Box, tol: float = 1.5) -> bool:
    x, y, w, h = box
    inside = x - tol <= p[0] <= x + w + tol and y - tol <= p[1] <= y + h + tol
    near = min(abs(p[0] - x), abs(p[0] - x - w), abs(p[1] - y), abs(p[1] - y - h)) <= tol
    return inside and near


def segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """True when the closed segments p1p2 and q1q2 share a point (crossing, touching or overlapping)."""

    def orient(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    def on(a: Point, b: Point, c: Point) -> bool:
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and on(q1, q2, p1))
        or (d2 == 0 and on(q1, q2, p2))
        or (d3 == 0 and on(p1, p2, q1))
        or (d4 == 0 and on(p1, p2, q2))
    )


def test_segment_check_can_fail() -> None:
    assert segments_cross((0, 0), (10, 10), (0, 10), (10, 0))
    assert segments_cross((0, 5), (10, 5), (5, 5), (20, 5))  # collinear overlap
    assert not segments_cross((0, 0), (10, 0), (0, 5), (10, 5))
    assert overlaps((0, 0, 10, 10), (5, 5, 10, 10)) and not overlaps((0, 0, 10, 10), (10, 0, 5, 5))
    assert on_border((10, 5), (0, 0, 10, 10)) and not on_border((5, 5), (0, 0, 10, 10))


@pytest.mark.parametrize("name", sorted(DOCS))
def test_diagram_covers_every_element_and_flow(name: str) -> None:
    doc = DOCS[name]
    assert set(doc.nodes) <= set(doc.shapes), f"no shape: {set(doc.nodes) - set(doc.shapes)}"
    assert set(doc.groups) <= set(doc.shapes)
    assert set(doc.flows) <= set(doc.edges), f"no edge: {set(doc.flows) - set(doc.edges)}"
    for flow_id in doc.flows:
        assert len(doc.waypoints(flow_id)) >= 2, flow_id
    for node_id, node in doc.nodes.items():
        kind = doc.kind(node_id)
        if node.get("name") and (kind.endswith("Event") or kind.endswith("Gateway")):
            assert doc.shapes[node_id].find("bpmndi:BPMNLabel/dc:Bounds", NS) is not None, (
                f"{node_id}: no label"
            )
        if kind == "subProcess":
            assert doc.shapes[node_id].get("isExpanded") == "true", node_id


@pytest.mark.parametrize("name", sorted(DOCS))
def test_no_two_shapes_overlap(name: str) -> None:
    doc = DOCS[name]
    for a, b in combinations(sorted(doc.nodes), 2):
        if a in doc.ancestors(b) or b in doc.ancestors(a):
            continue  # a container and what it holds
        hosts = {doc.nodes[x].get("attachedToRef") for x in (a, b)}
        if a in hosts or b in hosts:
            continue  # a boundary event sits on its activity's border
        assert not overlaps(doc.bounds(a), doc.bounds(b)), f"{a} overlaps {b}"
    for a, b in combinations(doc.groups, 2):
        assert not overlaps(doc.bounds(a), doc.bounds(b)), f"groups {a} and {b} overlap"


@pytest.mark.parametrize("name", sorted(DOCS))
def test_flows_start_and_end_on_their_shapes(name: str) -> None:
    doc = DOCS[name]
    for flow_id, flow in doc.flows.items():
        points = doc.waypoints(flow_id)
        source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
        assert on_border(points[0], doc.bounds(source)), f"{flow_id} does not start on {source}"
        assert on_border(points[-1], doc.bounds(target)), f"{flow_id} does not end on {target}"


@pytest.mark.parametrize("name", sorted(DOCS))
def test_no_sequence_flow_crosses_another(name: str) -> None:
    doc = DOCS[name]
    paths = {f: doc.waypoints(f) for f in doc.flows}
    for a, b in combinations(sorted(paths), 2):
        fa, fb = doc.flows[a], doc.flows[b]
        for p1, p2 in zip(paths[a], paths[a][1:], strict=False):
            for q1, q2 in zip(paths[b], paths[b][1:], strict=False):
                if not segments_cross(p1, p2, q1, q2):
                    continue
                shared = (fa.get("sourceRef") == fb.get("sourceRef") and p1 == paths[a][0] == q1) or (
                    fa.get("targetRef") == fb.get("targetRef") and p2 == paths[a][-1] == q2
                )
                assert shared, f"{a} crosses {b} near {p1}-{p2} / {q1}-{q2}"


@pytest.mark.parametrize("name", sorted(DOCS))
def test_flows_do_not_run_through_shapes(name: str) -> None:
    """A flow's segments may touch only its own source and target (and the containers around them)."""
    doc = DOCS[name]
    for flow_id, flow in doc.flows.items():
        own = {flow.get("sourceRef", ""), flow.get("targetRef", "")}
        around = set().union(*(doc.ancestors(n) for n in own))
        points = doc.waypoints(flow_id)
        for node_id in doc.nodes:
            if node_id in own or node_id in around or doc.kind(node_id) == "subProcess":
                continue
            x, y, w, h = doc.bounds(node_id)
            for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
                seg = (min(x1, x2), min(y1, y2), abs(x2 - x1) or 0.1, abs(y2 - y1) or 0.1)
                assert not overlaps(seg, (x, y, w, h)), f"{flow_id} runs through {node_id}"


# -- behaviour on the embedded engine (needs the decisions of dmn/) ------------------------------------------

REQUEST: dict[str, Any] = {
    "requestId": "IPA-2025-0001",
    "receivedVia": "JIPH",
    "requesterType": "FOREIGN_POLICE",
    "requesterOrg": "Jamaica Constabulary Force",
    "countryCode": "JM",
    "purpose": "TRAINING",
    "assistanceType": "TRAINING_COURSE",
    "policingArea": "INVESTIGATION",
    "deliveringBody": "COLLEGE",
    "deliveryLocation": "IN_COUNTRY",
    "startDate": "2025-06-02",
    "durationDays": 5,
    "fundingSource": "HMG_PROGRAMME",
}
#: what a worker returns, by job type
WORKERS: dict[str, dict[str, Any]] = {
    "enrich-country-profile": {
        "isHRPC": False,
        "retainsDeathPenalty": False,
        "fcdoAdvice": "NO_ADVICE_AGAINST",
        "sanctionsOrEmbargo": False,
        "stage1Date": None,
    },
    "compute-costing": {"costToDeliveringBody": 3000, "contractValue": 42000},
    "request-s26-consent": {"generalAuthorisationApplies": False, "s26RequestRef": "HO-S26-1"},
    "prepare-ministerial-submission": {"ministerialSubmissionRef": "MS-2025-7"},
}


def at(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso).timestamp() * 1000)


class Run:
    """One request driven through the process: workers answer with WORKERS, people with ANSWERS (overridable)."""

    def __init__(self, engine: Engine, answers: dict[str, dict[str, Any]] | None = None) -> None:
        self.engine = engine
        self.answers = {**ANSWERS, **(answers or {})}
        self.workers = {k: dict(v) for k, v in WORKERS.items()}
        self.pi = 0
        self.jobs_done: list[tuple[str, dict[str, str]]] = []
        self.tasks_done: list[str] = []

    async def start(self, **request: Any) -> Run:
        await self.engine.deploy(resources())
        variables = {**REQUEST, **request}
        await self.engine.publish_message("RequestReceived", variables["requestId"], 0, "", variables)
        self.pi = self.engine.state.message_started[(MAIN, variables["requestId"])]
        return self

    async def publish(self, name: str, **variables: Any) -> None:
        await self.engine.publish_message(name, REQUEST["requestId"], 0, "", variables)

    def open_tasks(self) -> dict[str, Any]:
        return {t.element_instance.element.id: t for t in self.engine.state.user_tasks.values()}

    def waiting(self) -> set[str]:
        return {ei.element.id for ei in self.engine.state.element_instances.values() if not ei.is_process}

    async def work(self) -> bool:
        """Complete every job there is; True if there was one."""
        did = False
        for job_type in sorted(JOB_TYPES):
            for job in await self.engine.activate_jobs(
                job_type, "test", 60_000, 50, None, request_timeout_ms=-1
            ):
                self.jobs_done.append((job_type, job["customHeaders"]))
                await self.engine.complete_job(job["key"], self.workers.get(job_type, {}))
                did = True
        return did

    async def until(self, *stops: str, rounds: int = 60) -> str:
        """Run jobs and answer user tasks until one of `stops` is active (or the instance ended: '')."""
        for _ in range(rounds):
            if await self.work():
                continue
            live = self.waiting()
            hit = [s for s in stops if s in live]
            if hit:
                # the state in memory runs one batch ahead of the store the assertions read: let it land
                await self.engine.execute(lambda ctx, p: None)
                return hit[0]
            tasks = self.open_tasks()
            answerable = [e for e in tasks if e in self.answers]
            if answerable:
                await self.complete(answerable[0])
                continue
            return ""
        raise AssertionError(f"no progress towards {stops}; waiting at {self.waiting()}")

    async def complete(self, element_id: str, **variables: Any) -> None:
        task = self.open_tasks()[element_id]
        await self.engine.complete_user_task(task.key, {**self.answers.get(element_id, {}), **variables})
        self.tasks_done.append(element_id)

    def variables(self) -> dict[str, Any]:
        from engine.store import schema

        rows = self.engine.store.rows(schema.variables, schema.variables.c.scope_key == self.pi)
        return {r["name"]: json.loads(r["value"]) for r in rows}

    def state(self) -> str:
        from engine.store import schema

        rows = self.engine.store.rows(schema.process_instances, schema.process_instances.c.key == self.pi)
        return str(rows[0]["state"])

    def incidents(self) -> list[dict[str, Any]]:
        from engine.store import schema

        return self.engine.store.rows(schema.incidents, schema.incidents.c.state == "ACTIVE")

    async def finish(self, status: str) -> None:
        assert await self.until() == "", self.waiting()
        assert not self.incidents(), self.incidents()
        assert self.state() == "COMPLETED", (self.state(), self.waiting())
        assert self.variables()["finalStatus"] == status
        assert not self.engine.state.element_instances, "something is still running"
        assert ("record-outcome", {"outcome": status}) in self.jobs_done


needs_dmn = pytest.mark.skipif(not DMN_FILES, reason="dmn/ holds no decisions yet")


@needs_dmn
async def test_a_low_risk_college_request_is_delivered_and_closed(engine: Engine) -> None:
    run = await Run(engine).start()
    assert await run.until("PostStage1Received") == "PostStage1Received"
    await run.publish("PostStage1Received", stage1Date="2025-02-01")
    assert await run.until("JiphDecision") == "JiphDecision"
    v = run.variables()
    assert v["chargingBasis"] == "FULL_COST_RECOVERY" and v["subsidyApprovalRequired"] is False
    assert v["residualRisk"] == "LOW" and v["approverRole"] == "HEAD_OF_DEPARTMENT"
    assert v["osja"]["risks"] == [LOW_RISK] and v["riskRatings"][0]["type"] == "TORTURE_CIDT"
    assert "rating" not in v and "approvalLevel" not in v, (
        "the OSJA call activity passes back only its contract"
    )
    await run.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await run.until("HomeOfficeConsent") == "HomeOfficeConsent"
    assert run.open_tasks() == {}
    await run.publish("HomeOfficeS26Consent", s26Consent="CONSENT", s26ConsentRef="HO-1")
    assert await run.until("TimerT72") == "TimerT72"
    assert run.variables()["travelRisk"] == "LOW"
    await engine.set_clock(at("2025-05-30T09:00:00+01:00"))
    assert await run.until("TimerT24") == "TimerT24"
    await engine.set_clock(at("2025-06-01T09:00:00+01:00"))
    assert await run.until("EvaluationTimer") == "EvaluationTimer"
    await engine.set_clock(at("2025-06-01T09:00:00+01:00") + 31 * DAY)
    await run.finish("COMPLETED")
    v = run.variables()
    assert [a["role"] for a in v["approvals"]] == ["HEAD_OF_DEPARTMENT", "CHIEF_CONSTABLE"]
    assert v["withholdReasons"] == [] and v["deliveryOutcome"] == "DELIVERED"
    assert [h.get("checkpoint") for t, h in run.jobs_done if t == "recheck-travel-advice"] == [
        "T-72h",
        "T-24h",
    ]
    assert "update-aggregate-income" in [t for t, _ in run.jobs_done]


@pytest.mark.parametrize(
    ("request_", "review", "status"),
    [
        ({"purpose": "UK_INVESTIGATION"}, {}, "OUT_OF_SCOPE_UK_ENQUIRY"),
        ({"deliveringBody": "PSNI"}, {}, "OUT_OF_SCOPE_JURISDICTION"),
        ({}, {"capabilityAvailable": False}, "DECLINED_CAPABILITY"),
        ({}, {"codeOfEthicsConcern": True}, "DECLINED_ETHICS"),
        ({}, {"ukDeliveryPossible": False}, "DECLINED_STAFF_RISK"),
    ],
)
@needs_dmn
async def test_intake_declines(
    engine: Engine, request_: dict[str, Any], review: dict[str, Any], status: str
) -> None:
    run = Run(engine, {"ScopeCapabilityReview": {**ANSWERS["ScopeCapabilityReview"], **review}})
    if status == "DECLINED_STAFF_RISK":
        run.workers["enrich-country-profile"]["fcdoAdvice"] = "AGAINST_ALL"
    await run.start(**request_)
    await run.finish(status)


@needs_dmn
async def test_sanctions_decline(engine: Engine) -> None:
    run = Run(engine)
    run.workers["enrich-country-profile"]["sanctionsOrEmbargo"] = True
    await run.start()
    await run.finish("DECLINED_SANCTIONS")


@needs_dmn
async def test_a_refused_subsidy_stops_the_osja_assessment_running_beside_it(engine: Engine) -> None:
    run = Run(
        engine, {"ApproveSubsidy": {"subsidyDecision": "REFUSE", "subsidyJustification": "not affordable"}}
    )
    await run.start(fundingSource="NONE")
    assert await run.until("PostStage1Received") == "PostStage1Received"
    assert "OsjaAssessment" in run.waiting()
    await run.finish("DECLINED_COST")
    assert run.variables()["approvals"][0]["decision"] == "REFUSE"


@needs_dmn
async def test_withdrawal_ends_the_request_wherever_it_is(engine: Engine) -> None:
    run = await Run(engine).start()
    assert await run.until("PostStage1Received") == "PostStage1Received"
    await run.publish("RequestWithdrawn", reason="no longer needed")
    await run.finish("WITHDRAWN")


@needs_dmn
async def test_the_request_lapses_when_the_start_date_passes_without_approval(engine: Engine) -> None:
    run = await Run(engine).start()
    assert await run.until("JiphDecision", "PostStage1Received") == "PostStage1Received"
    await engine.set_clock(T0 + 11 * DAY)
    assert await run.work(), "the Post is reminded at 7 days and the OSJA Lead told at 10"
    await engine.set_clock(at("2025-06-02T00:00:00+01:00") - 1)
    assert await run.until("PostStage1Received") == "PostStage1Received"
    await engine.set_clock(at("2025-06-02T00:00:00+01:00"))
    await run.finish("EXPIRED")
    reminders = [
        h["template"] for t, h in run.jobs_done if t in ("notify-stakeholder", "request-post-stage1")
    ]
    assert "stage1-reminder" in reminders and "stage1-escalation" in reminders


@needs_dmn
async def test_jiph_query_loop_then_rejection(engine: Engine) -> None:
    run = Run(engine, {"RespondToJiphQuery": {"jiphQueryResponse": "Curriculum attached"}})
    run.workers["enrich-country-profile"]["stage1Date"] = "2025-01-15"
    await run.start()
    assert await run.until("JiphDecision") == "JiphDecision"
    assert "request-post-stage1" not in [t for t, _ in run.jobs_done], "a current Stage 1 is reused"
    await run.publish("JIPHDecision", jiphDecision="REQUEST_INFO", jiphQuery="Curriculum?")
    assert await run.until("JiphDecision") == "JiphDecision"
    assert [t for t, _ in run.jobs_done].count("generate-ipab-form") == 2
    await engine.set_clock(T0 + 16 * DAY)
    assert await run.work(), "the reminder and the escalation fire while JIPH is silent"
    await run.publish("JIPHDecision", jiphDecision="REJECT")
    await run.finish("DECLINED_JIPH")
    templates = [h.get("template") for t, h in run.jobs_done if t == "notify-stakeholder"]
    assert {"jiph-reminder", "jiph-escalation"} <= set(templates)


@needs_dmn
async def test_ministerial_conditions_go_back_to_the_mitigations(engine: Engine) -> None:
    answers = {"ProjectOsjaAssessment": {**ANSWERS["ProjectOsjaAssessment"], "risks": [HIGH_RISK]}}
    run = Run(engine, answers)
    run.workers["enrich-country-profile"]["stage1Date"] = "2025-01-15"
    await run.start()
    assert await run.until("PostConsultation") == "PostConsultation"
    await run.publish(
        "PostConcurrence", postConcurrence="CONCUR_WITH_COMMENTS", postComments="Monitor closely"
    )
    assert await run.until("JiphDecision") == "JiphDecision"
    assert run.variables()["approverRole"] == "MINISTER"
    assert run.variables()["postConcurrence"] == "CONCUR_WITH_COMMENTS"
    await run.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await run.until("MinisterialDecisionTask") == "MinisterialDecisionTask"
    conditions = {"hrDecision": "APPROVE_WITH_CONDITIONS", "hrConditions": "Vetting of every participant"}
    await run.complete("MinisterialDecisionTask", **conditions)
    assert await run.until("DefineMitigations") == "DefineMitigations"
    assert "ProjectOsjaAssessment" not in run.tasks_done[-1:], "the revision starts at the mitigations"
    await run.complete("DefineMitigations", mitigations=["PARTICIPANT_VETTING"])
    assert await run.until("PostConsultation") == "PostConsultation"
    await run.complete("PostConsultation")
    assert await run.until("MinisterialDecisionTask") == "MinisterialDecisionTask"
    await run.publish(
        "MinisterialDecision", hrDecision="REFUSE", hrRationale="Too risky", decidedBy="Minister"
    )
    await run.finish("DECLINED_HUMAN_RIGHTS")
    decisions = [(a["role"], a["decision"]) for a in run.variables()["approvals"]]
    assert decisions == [("MINISTER", "APPROVE_WITH_CONDITIONS"), ("MINISTER", "REFUSE")]


@needs_dmn
async def test_a_force_needs_its_pcc_and_the_home_office(engine: Engine) -> None:
    run = Run(engine, {"PccDecision": {**ANSWERS["PccDecision"], "pccDecision": "REFUSE"}})
    await run.start(deliveringBody="FORCE")
    assert await run.until("PostStage1Received") == "PostStage1Received"
    await run.publish("PostStage1Received", stage1Date="2025-02-01")
    assert await run.until("JiphDecision") == "JiphDecision"
    await run.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await run.until("PccDecision") == "PccDecision"
    cc = [t for t in run.engine.state.user_tasks.values()]
    assert run.variables()["pccDecisionLevel"] == "DELEGATED"
    assert cc and cc[0].candidate_groups == ["pcc"]
    await run.finish("DECLINED_PCC")


@needs_dmn
async def test_home_office_refusal(engine: Engine) -> None:
    run = await Run(engine).start()
    await run.until("PostStage1Received")
    await run.publish("PostStage1Received", stage1Date="2025-02-01")
    await run.until("JiphDecision")
    await run.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await run.until("HomeOfficeConsent") == "HomeOfficeConsent"
    await run.publish("HomeOfficeS26Consent", s26Consent="REFUSE")
    await run.finish("DECLINED_S26_REFUSED")


async def approved(engine: Engine, **request: Any) -> Run:
    run = Run(engine)
    run.workers["request-s26-consent"]["generalAuthorisationApplies"] = True
    run.workers["enrich-country-profile"]["stage1Date"] = "2025-01-15"
    await run.start(**request)
    await run.until("JiphDecision")
    await run.publish("JIPHDecision", jiphDecision="APPROVE")
    return run


@needs_dmn
async def test_unpaid_deposit_postpones_then_cancels(engine: Engine) -> None:
    run = await approved(engine, fundingSource="REQUESTING_STATE")
    assert await run.until("PaymentReceived") == "PaymentReceived"
    assert "HomeOfficeConsent" not in [t for t in run.tasks_done], (
        "general authorisation: no Home Office wait"
    )
    await engine.set_clock(at("2025-05-19T09:00:00+01:00"))
    assert await run.until("PostponeOrCancel") == "PostponeOrCancel"
    await run.complete("PostponeOrCancel", paymentAction="POSTPONE", startDate="2025-09-01")
    assert await run.until("PaymentReceived") == "PaymentReceived"
    await engine.set_clock(at("2025-08-18T09:00:00+01:00"))
    assert await run.until("PostponeOrCancel") == "PostponeOrCancel"
    await run.complete("PostponeOrCancel", paymentAction="CANCEL")
    await run.finish("CANCELLED_POST_APPROVAL")


@needs_dmn
async def test_travel_advice_change_suspends_delivery_then_resume_or_terminate(engine: Engine) -> None:
    run = await approved(engine)
    assert await run.until("TimerT72") == "TimerT72"
    await run.publish("TravelAdviceChanged", fcdoAdvice="AGAINST_ALL_BUT_ESSENTIAL")
    assert await run.until("ReassessTravelAdviceChanged") == "ReassessTravelAdviceChanged"
    await run.complete("ReassessTravelAdviceChanged", deliveryOutcome="RESUME", decidedBy="OSJA Lead")
    assert await run.until("ChiefOfficerTravelAuthorisation") == "ChiefOfficerTravelAuthorisation"
    assert run.variables()["travelRisk"] == "HIGH"
    await run.complete("ChiefOfficerTravelAuthorisation")
    assert await run.until("TimerT72") == "TimerT72"
    await run.publish("SeriousIncident", incidentSummary="Trainer injured")
    assert await run.until("ReassessSeriousIncident") == "ReassessSeriousIncident"
    await run.complete("ReassessSeriousIncident", deliveryOutcome="TERMINATE", decidedBy="OSJA Lead")
    await run.finish("CANCELLED_POST_APPROVAL")
