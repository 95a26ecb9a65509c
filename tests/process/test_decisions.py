"""The decision tables of domain.md §10.2 (`dmn/*.dmn`), evaluated as Zeebe evaluates them.

Every table is run rule by rule from the cases in `data/decisions/<decision>.json` through `engine.dmn` in the
camunda dialect (the embedded Zeebe engine's), checking the output and which rules matched. The files are also
checked as Camunda Modeler and Zeebe need them: DMN 1.3 with DMNDI, Camunda 8.8 execution platform, unique ids,
plain FEEL names, simple typeRefs, allowed values listed, and a source annotation (§ and [V]/[R]/[M]) on each rule.
A mutation test changes each rule's output in turn and checks that some case notices.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from engine.dmn import DecisionResult, DmnModel, evaluate_decision, parse_dmn
from engine.dmn.result import to_json

ROOT = Path(__file__).resolve().parents[2]
DMN_DIR = ROOT / "dmn"
CASES_DIR = Path(__file__).parent / "data" / "decisions"

DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NS = {
    "dmn": DMN,
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
    "di": "http://www.omg.org/spec/DMN/20180521/DI/",
}
MODELER = "{http://camunda.org/schema/modeler/1.0}"

#: What the BPMN calls: decision id -> (file, hit policy, input expressions, output names).
#: A literal-expression decision has no hit policy and lists the variables it reads.
CONTRACT: dict[str, tuple[str, str | None, list[str], list[str]]] = {
    "scope_check": (
        "scope_check.dmn",
        "FIRST",
        ["purpose", "deliveringBody", "requesterType"],
        [
            "s26Required",
            "ipabRequired",
            "osjaRequired",
            "outcome",
            "generalAuthorisationApplies",
            "osjaAnnexBCheck",
        ],
    ),
    "early_screen": (
        "early_screen.dmn",
        "COLLECT",
        [
            "capabilityAvailable",
            "codeOfEthicsConcern",
            "fcdoAdvice",
            "ukDeliveryPossible",
            "sanctionsOrEmbargo",
        ],
        ["declineReason"],
    ),
    "osja_risk_rating": (
        "osja.dmn",
        "FIRST",
        ["likelihood", "seriousness", "contribution", "mitigationEffective"],
        ["residualRisk", "seriousRisk"],
    ),
    "osja_residual_risk": ("osja.dmn", None, ["risks"], ["residualRisk", "seriousRisk", "ratings"]),
    "osja_approval_level": (
        "osja.dmn",
        "FIRST",
        ["osja_residual_risk.residualRisk", "isHRPC", "reputationalRisk", "caseSpecificDeathPenalty"],
        ["approverRole", "postConsultationRequired", "ministerialSubmission"],
    ),
    "charging_basis": (
        "charging_basis.dmn",
        "UNIQUE",
        ["fundingSource", "deliveringBody"],
        ["chargingBasis", "rateCard", "subsidyApprovalRequired"],
    ),
    "pcc_referral": (
        "pcc_referral.dmn",
        "FIRST",
        ["costToDeliveringBody", "sensitive", "contentious"],
        ["decisionLevel"],
    ),
    "travel_risk": (
        "travel_risk.dmn",
        "FIRST",
        ["fcdoAdvice", "deliveryLocation", "hostileEnvironment"],
        ["travelRisk", "chiefOfficerSignoff", "specialistInsurance", "heatTraining"],
    ),
    "disclosure_class": (
        "disclosure_class.dmn",
        "COLLECT",
        ["exposesVulnerability", "riskToDeployedStaff", "confidentialityDuty", "ctLink"],
        ["withholdReason"],
    ),
}
TABLES = [d for d, c in CONTRACT.items() if c[1] is not None]
FILES = sorted({c[0] for c in CONTRACT.values()})
#: hit policies Camunda Modeler offers (feel-dmn.md §4.3)
MODELER_HIT_POLICIES = {"UNIQUE", "ANY", "FIRST", "RULE ORDER", "COLLECT"}
TYPE_REFS = {"string", "number", "boolean"}
FEEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
SECTION = re.compile(r"§\s?\d+(\.\d+)?")
TAG = re.compile(r"\[(V|R|M)\]")
STRING_LITERAL = re.compile(r'"([^"]*)"')


# ---------------------------------------------------------------- helpers


@functools.cache
def source(file: str) -> bytes:
    return (DMN_DIR / file).read_bytes()


@functools.cache
def model(file: str) -> DmnModel:
    return parse_dmn(source(file), file, dialect="camunda")


@functools.cache
def root(file: str) -> ET.Element:
    return ET.fromstring(source(file))


def cases(decision: str) -> list[dict[str, Any]]:
    return json.loads((CASES_DIR / f"{decision}.json").read_text(encoding="utf-8"))


def evaluate(m: DmnModel, decision: str, inputs: dict[str, Any]) -> DecisionResult:
    return evaluate_decision(m, decision, inputs, dialect="camunda")


def evaluated(result: DecisionResult, decision: str) -> Any:
    return next(d for d in result.evaluated_decisions if d.decision_id == decision)


def decision_el(decision: str) -> ET.Element:
    el = root(CONTRACT[decision][0]).find(f"dmn:decision[@id='{decision}']", NS)
    assert el is not None, decision
    return el


def table_of(el: ET.Element) -> ET.Element:
    dt = el.find(".//dmn:decisionTable", NS)
    assert dt is not None
    return dt


def text(el: ET.Element | None) -> str:
    t = el.find("dmn:text", NS) if el is not None else None
    return (t.text or "").strip() if t is not None else ""


def rules(dt: ET.Element) -> list[ET.Element]:
    return dt.findall("dmn:rule", NS)


def grid(dt: ET.Element) -> list[tuple[list[str], list[str]]]:
    return [
        (
            [text(e) for e in r.findall("dmn:inputEntry", NS)],
            [text(e) for e in r.findall("dmn:outputEntry", NS)],
        )
        for r in rules(dt)
    ]


def failures(m: DmnModel, decisions: list[str]) -> list[str]:
    """What goes wrong when the cases of `decisions` run against `m` (empty when all pass)."""
    found = []
    for decision in decisions:
        for i, case in enumerate(cases(decision)):
            problem = check_case(m, decision, case)
            if problem:
                found.append(f"{decision}[{i}] {case['description']}: {problem}")
    return found


def check_case(m: DmnModel, decision: str, case: dict[str, Any]) -> str | None:
    result = evaluate(m, decision, case["inputs"])
    if result.failed:
        return f"failed: {result.failure_message}"
    output = to_json(result.decision_output)
    if output != case["output"]:
        return f"output {output!r} != expected {case['output']!r}"
    matched = [r.rule_id for r in evaluated(result, decision).matched_rules]
    if matched != case["matchedRules"]:
        return f"matched rules {matched!r} != expected {case['matchedRules']!r}"
    for required, expected in case.get("requiredDecisions", {}).items():
        got = to_json(evaluated(result, required).decision_output)
        for key, value in expected.items():
            if got.get(key) != value:
                return f"{required}.{key} = {got.get(key)!r} != expected {value!r}"
    return None


ALL_CASES = [(d, i) for d in CONTRACT for i in range(len(cases(d)))]


# ---------------------------------------------------------------- the files


def test_decision_ids_are_the_contract() -> None:
    found = {d for f in FILES for d in model(f).decisions}
    assert found == set(CONTRACT)
    assert set(model("osja.dmn").bkms) == {"osja_rate_risk"}
    assert {p.name for p in DMN_DIR.glob("*.dmn")} == set(FILES)


@pytest.mark.parametrize("file", FILES)
def test_file_is_camunda_8_dmn_1_3(file: str) -> None:
    r = root(file)
    assert r.tag == f"{{{DMN}}}definitions"
    assert r.get(f"{MODELER}executionPlatform") == "Camunda Cloud"
    assert r.get(f"{MODELER}executionPlatformVersion") == "8.8.0"
    assert r.get("id") and r.get("name") and r.get("namespace")
    assert r.get("expressionLanguage") in (None, "https://www.omg.org/spec/DMN/20191111/FEEL/")
    assert not r.findall(".//dmn:decisionService", NS), "Zeebe does not read decision services"
    assert not r.findall(".//dmn:import", NS), "Zeebe does not resolve imports"


@pytest.mark.parametrize("file", FILES)
def test_file_validates_against_the_dmn_1_3_schema(file: str) -> None:
    """The Camunda DMN model API (Zeebe, Modeler) reads files against this schema; element order matters."""
    etree = pytest.importorskip("lxml.etree")
    candidates = [Path("/work/shared/dmn-tck/DMN13.xsd")]
    try:
        import SpiffWorkflow  # noqa: F401 - only to find the schema it ships

        candidates.append(Path(SpiffWorkflow.__file__).parent / "dmn/parser/schema/DMN13.xsd")
    except ImportError:
        pass
    xsd = next((p for p in candidates if p.exists()), None)
    if xsd is None:
        pytest.skip("no DMN13.xsd available")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    doc = etree.fromstring(source(file))
    assert schema.validate(doc), [str(e) for e in schema.error_log]


def test_ids_unique_across_all_files() -> None:
    """Zeebe rejects a deployment whose DRGs share decision ids; Modeler needs unique ids within a file."""
    seen: dict[str, str] = {}
    for file in FILES:
        for el in root(file).iter():
            ident = el.get("id")
            if ident is None:
                continue
            assert ident not in seen, f"id {ident} in {file} and {seen[ident]}"
            seen[ident] = file


@pytest.mark.parametrize("file", FILES)
def test_dmndi_has_a_shape_per_element_and_an_edge_per_requirement(file: str) -> None:
    r = root(file)
    diagrams = r.findall("dmndi:DMNDI/dmndi:DMNDiagram", NS)
    assert len(diagrams) == 1
    shapes = {}
    for s in diagrams[0].findall("dmndi:DMNShape", NS):
        b = s.find("dc:Bounds", NS)
        assert b is not None
        shapes[s.get("dmnElementRef")] = tuple(float(b.get(k, "nan")) for k in ("x", "y", "width", "height"))
    nodes = [
        el.get("id")
        for kind in ("decision", "inputData", "businessKnowledgeModel", "textAnnotation")
        for el in r.findall(f"dmn:{kind}", NS)
    ]
    assert sorted(shapes) == sorted(nodes)
    # readable: no two shapes overlap
    for (a, (ax, ay, aw, ah)), (b, (bx, by, bw, bh)) in itertools.combinations(shapes.items(), 2):
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}"
    edges = {
        e.get("dmnElementRef"): e.findall("di:waypoint", NS) for e in diagrams[0].findall("dmndi:DMNEdge", NS)
    }
    requirements = [
        el.get("id")
        for kind in ("informationRequirement", "knowledgeRequirement", "association")
        for el in r.iter(f"{{{DMN}}}{kind}")
    ]
    assert all(requirements), "every requirement needs an id for its DMNEdge"
    assert sorted(edges) == sorted(requirements)
    assert all(len(w) >= 2 for w in edges.values())


@pytest.mark.parametrize("file", FILES)
def test_type_refs_are_simple(file: str) -> None:
    for el in root(file).iter():
        tr = el.get("typeRef")
        if tr is not None:
            assert tr in TYPE_REFS, f"{el.get('id')}: typeRef {tr}"
    for dt in root(file).iter(f"{{{DMN}}}decisionTable"):
        for clause in (*dt.findall("dmn:input/dmn:inputExpression", NS), *dt.findall("dmn:output", NS)):
            assert clause.get("typeRef") in TYPE_REFS, clause.get("id")


@pytest.mark.parametrize("decision", TABLES)
def test_table_contract(decision: str) -> None:
    """Hit policy, input expressions and output names are what the process (domain.md §10.2, §10.8) uses."""
    _, hit_policy, inputs, outputs = CONTRACT[decision]
    dt = table_of(decision_el(decision))
    assert dt.get("hitPolicy") == hit_policy
    assert hit_policy in MODELER_HIT_POLICIES
    assert dt.get("aggregation") is None
    assert [text(i.find("dmn:inputExpression", NS)) for i in dt.findall("dmn:input", NS)] == inputs
    assert [o.get("name") for o in dt.findall("dmn:output", NS)] == outputs
    for name in [*inputs, *outputs]:
        assert FEEL_NAME.match(name), f"{name}: Zeebe FEEL names have no spaces"
    for clause in (*dt.findall("dmn:input", NS), *dt.findall("dmn:output", NS)):
        assert clause.get("label"), f"{clause.get('id')}: Modeler and Operate show the label"


@pytest.mark.parametrize("file", FILES)
def test_every_rule_is_annotated_with_its_source(file: str) -> None:
    count = 0
    for rule in root(file).iter(f"{{{DMN}}}rule"):
        count += 1
        note = (rule.findtext("dmn:description", default="", namespaces=NS) or "").strip()
        assert SECTION.search(note), f"{rule.get('id')}: no § reference in {note!r}"
        assert TAG.search(note), f"{rule.get('id')}: no [V]/[R]/[M] tag in {note!r}"
    assert count > 0


@pytest.mark.parametrize("file", FILES)
def test_enumerations_are_listed(file: str) -> None:
    """String inputs and outputs list their allowed values, and the rules use only those values."""
    for dt in root(file).iter(f"{{{DMN}}}decisionTable"):
        ins = dt.findall("dmn:input", NS)
        outs = dt.findall("dmn:output", NS)
        for k, clause in enumerate(ins):
            cells = [text(r.findall("dmn:inputEntry", NS)[k]) for r in rules(dt)]
            _check_values(clause, text(clause.find("dmn:inputValues", NS)), cells)
        for k, clause in enumerate(outs):
            cells = [text(r.findall("dmn:outputEntry", NS)[k]) for r in rules(dt)]
            _check_values(clause, text(clause.find("dmn:outputValues", NS)), cells)


def _check_values(clause: ET.Element, listed: str, cells: list[str]) -> None:
    used = {v for c in cells for v in STRING_LITERAL.findall(c)}
    allowed = set(STRING_LITERAL.findall(listed))
    if used:
        assert allowed, f"{clause.get('id')}: uses {sorted(used)} but lists no allowed values"
    assert used <= allowed, f"{clause.get('id')}: {sorted(used - allowed)} not in the allowed values"


def test_pcc_threshold_is_a_configurable_table_cell() -> None:
    dt = table_of(decision_el("pcc_referral"))
    first = rules(dt)[0]
    assert first.get("id") == "pcc_referral_over_threshold"
    assert text(first.find("dmn:inputEntry", NS)) == "> 4000"
    note = first.findtext("dmn:description", namespaces=NS) or ""
    assert "configurable" in note and "£4,000" in note


# ---------------------------------------------------------------- the cases


@pytest.mark.parametrize(("decision", "index"), ALL_CASES, ids=[f"{d}-{i:02d}" for d, i in ALL_CASES])
def test_case(decision: str, index: int) -> None:
    case = cases(decision)[index]
    problem = check_case(model(CONTRACT[decision][0]), decision, case)
    assert problem is None, f"{case['description']}: {problem}"


@pytest.mark.parametrize("decision", TABLES)
def test_every_rule_has_a_case(decision: str) -> None:
    ids = [r.get("id") for r in rules(table_of(decision_el(decision)))]
    covered = {rid for case in cases(decision) for rid in case["matchedRules"]}
    assert covered <= set(ids), f"cases name unknown rules {sorted(covered - set(ids))}"
    assert set(ids) <= covered, f"no case matches {sorted(set(ids) - covered)}"


@pytest.mark.parametrize("file", FILES)
def test_every_rule_output_is_checked_by_a_case(file: str) -> None:
    """Mutation test: change each rule's first output in turn (BKM rules too); some case must fail."""
    xml = source(file).decode("utf-8")
    decisions = [d for d, c in CONTRACT.items() if c[0] == file]
    assert failures(model(file), decisions) == []
    rule_ids = [r.get("id") for r in root(file).iter(f"{{{DMN}}}rule")]
    survivors = []
    for rid in rule_ids:
        pattern = re.compile(
            rf'(<rule id="{re.escape(rid)}">.*?<outputEntry[^>]*>\s*<text>)(.*?)(</text>)', re.S
        )
        mutant, n = pattern.subn(r'\1"MUTANT"\3', xml, count=1)
        assert n == 1, rid
        if not failures(parse_dmn(mutant, f"{file} ({rid} mutated)", dialect="camunda"), decisions):
            survivors.append(rid)
    assert survivors == [], f"no case notices a change to the output of {survivors}"


def _combinations(dt: ET.Element) -> tuple[list[str], list[tuple[Any, ...]]]:
    names, domains = [], []
    for clause in dt.findall("dmn:input", NS):
        expr = clause.find("dmn:inputExpression", NS)
        assert expr is not None
        names.append(text(expr))
        listed = STRING_LITERAL.findall(text(clause.find("dmn:inputValues", NS)))
        if expr.get("typeRef") == "boolean":
            domains.append([True, False])
        elif expr.get("typeRef") == "number":
            domains.append([0, 4000, 4000.01, 100000])
        else:
            assert listed, clause.get("id")
            domains.append(listed)
    return names, list(itertools.product(*domains))


@pytest.mark.parametrize("decision", [d for d in TABLES if d != "osja_approval_level"])
def test_single_hit_tables_are_complete_and_unique_tables_never_overlap(decision: str) -> None:
    """Every combination of listed values evaluates without failure (UNIQUE: never two rules); single-hit
    tables give an answer for each. osja_approval_level takes its residual risk from the DRG: see below."""
    m = model(CONTRACT[decision][0])
    hit_policy = CONTRACT[decision][1]
    names, combos = _combinations(table_of(decision_el(decision)))
    for combo in combos:
        result = evaluate(m, decision, dict(zip(names, combo, strict=True)))
        assert not result.failed, (combo, result.failure_message)
        matched = evaluated(result, decision).matched_rules
        if hit_policy in ("FIRST", "UNIQUE"):
            assert matched, f"{decision}: no rule for {dict(zip(names, combo, strict=True))}"


# ---------------------------------------------------------------- the OSJA graph

GRID_INPUTS = ["likelihood", "seriousness", "contribution", "mitigationEffective"]
GRID_VALUES = [
    ["LOW", "MEDIUM", "HIGH"],
    ["MODERATE", "SERIOUS", "GRAVE"],
    ["NONE", "INDIRECT", "DIRECT_OR_SIGNIFICANT"],
    [True, False, None],
]


def test_bkm_holds_the_same_grid_as_osja_risk_rating() -> None:
    """osja_rate_risk (used over the list) and osja_risk_rating (one risk, auditable) must not drift apart."""
    r = root("osja.dmn")
    bkm = r.find("dmn:businessKnowledgeModel[@id='osja_rate_risk']", NS)
    assert bkm is not None
    params = [p.get("name") for p in bkm.findall("dmn:encapsulatedLogic/dmn:formalParameter", NS)]
    assert params == GRID_INPUTS
    decision_table = table_of(decision_el("osja_risk_rating"))
    bkm_table = table_of(bkm)
    assert grid(bkm_table) == grid(decision_table)
    assert bkm_table.get("hitPolicy") == decision_table.get("hitPolicy")
    for kind in ("input", "output"):
        a = [_clause(c) for c in bkm_table.findall(f"dmn:{kind}", NS)]
        b = [_clause(c) for c in decision_table.findall(f"dmn:{kind}", NS)]
        assert a == b
    assert [r.get("id").removeprefix("osja_rate_risk_") for r in rules(bkm_table)] == [
        r.get("id").removeprefix("osja_risk_rating_") for r in rules(decision_table)
    ]


def _clause(c: ET.Element) -> tuple[Any, ...]:
    expr = c.find("dmn:inputExpression", NS)
    values = c.find("dmn:inputValues", NS) if expr is not None else c.find("dmn:outputValues", NS)
    return (
        c.get("label"),
        c.get("name"),
        text(expr),
        (expr if expr is not None else c).get("typeRef"),
        text(values),
    )


def test_drg_rates_every_risk_as_osja_risk_rating_does() -> None:
    """All 81 grid combinations, once through the decision and once through the BKM inside the DRG."""
    m = model("osja.dmn")
    combos = list(itertools.product(*GRID_VALUES))
    risks = [{"type": f"R{i}", **dict(zip(GRID_INPUTS, c, strict=True))} for i, c in enumerate(combos)]
    drg = evaluate(m, "osja_residual_risk", {"risks": risks})
    assert not drg.failed, drg.failure_message
    ratings = to_json(drg.decision_output)["ratings"]
    assert len(ratings) == len(combos)
    for combo, rating in zip(combos, ratings, strict=True):
        single = evaluate(m, "osja_risk_rating", dict(zip(GRID_INPUTS, combo, strict=True)))
        assert to_json(single.decision_output) == {k: rating[k] for k in ("residualRisk", "seriousRisk")}, (
            combo
        )


def test_every_serious_risk_is_graded_high() -> None:
    """2017 WMS (domain.md §4.1 [V]): Ministers oversee every project with serious risk. The approval table
    sends HIGH to Ministers, so the grid must never call a risk serious without grading it HIGH."""
    m = model("osja.dmn")
    for combo in itertools.product(*GRID_VALUES):
        out = to_json(
            evaluate(m, "osja_risk_rating", dict(zip(GRID_INPUTS, combo, strict=True))).decision_output
        )
        assert out["residualRisk"] in ("LOW", "MEDIUM", "HIGH"), combo
        if out["seriousRisk"]:
            assert out["residualRisk"] == "HIGH", combo


def test_approval_level_from_a_list_of_risks_in_one_call() -> None:
    """What a business rule task calling osja_approval_level gets: the DRG rates the risks, takes the maximum,
    and picks the approver; the response explains both steps as Zeebe's EvaluateDecision does."""
    risks = [
        {
            "type": "DEATH_PENALTY",
            "likelihood": "LOW",
            "seriousness": "GRAVE",
            "contribution": "NONE",
            "mitigationEffective": True,
        },
        {
            "type": "TORTURE_CIDT",
            "likelihood": "MEDIUM",
            "seriousness": "GRAVE",
            "contribution": "INDIRECT",
            "mitigationEffective": True,
        },
    ]
    result = evaluate(
        model("osja.dmn"),
        "osja_approval_level",
        {"risks": risks, "isHRPC": False, "reputationalRisk": "LOW", "caseSpecificDeathPenalty": False},
    )
    assert not result.failed, result.failure_message
    assert [d.decision_id for d in result.evaluated_decisions] == [
        "osja_residual_risk",
        "osja_approval_level",
    ]
    assert to_json(result.decision_output) == {
        "approverRole": "SENIOR_OFFICIAL",
        "postConsultationRequired": True,
        "ministerialSubmission": False,
    }
    zeebe = result.to_zeebe()
    residual, approval = zeebe["evaluatedDecisions"]
    assert residual["decisionDefinitionType"] == "LITERAL_EXPRESSION"
    assert residual["output"]["residualRisk"] == "MEDIUM"
    assert [r["type"] for r in residual["output"]["ratings"]] == ["DEATH_PENALTY", "TORTURE_CIDT"]
    assert approval["decisionDefinitionType"] == "DECISION_TABLE"
    assert approval["evaluatedInputs"][0] == {
        "inputId": "osja_approval_level_in_residualRisk",
        "inputName": "Residual risk (highest over all risks)",
        "inputValue": "MEDIUM",
    }
    assert [r["ruleId"] for r in approval["matchedRules"]] == ["osja_approval_level_medium"]
    assert approval["matchedRules"][0]["ruleIndex"] == 6


def test_a_grid_change_reaches_the_approval_level() -> None:
    """The DRG really uses the BKM: raise the no-contribution row to HIGH and the approver becomes Minister."""
    xml = source("osja.dmn").decode("utf-8")
    pattern = re.compile(
        r'(<rule id="osja_rate_risk_no_contribution">.*?<outputEntry[^>]*>\s*<text>)(.*?)(</text>)', re.S
    )
    changed, n = pattern.subn(r'\1"HIGH"\3', xml, count=1)
    assert n == 1
    risks = [
        {
            "type": "IHL",
            "likelihood": "LOW",
            "seriousness": "MODERATE",
            "contribution": "NONE",
            "mitigationEffective": True,
        }
    ]
    variables = {
        "risks": risks,
        "isHRPC": False,
        "reputationalRisk": "LOW",
        "caseSpecificDeathPenalty": False,
    }
    before = evaluate(model("osja.dmn"), "osja_approval_level", variables)
    after = evaluate(
        parse_dmn(changed, "osja.dmn (changed)", dialect="camunda"), "osja_approval_level", variables
    )
    assert to_json(before.decision_output)["approverRole"] == "HEAD_OF_DEPARTMENT"
    assert to_json(after.decision_output)["approverRole"] == "MINISTER"


def test_unique_table_overlap_fails_as_in_zeebe() -> None:
    """charging_basis is UNIQUE: if an edit makes two rules match, the evaluation fails (an incident in Zeebe)
    rather than silently picking one."""
    xml = source("charging_basis.dmn").decode("utf-8")
    pattern = re.compile(
        r'(<rule id="charging_basis_hmg_programme">.*?<inputEntry[^>]*>\s*<text>)(.*?)(</text>)', re.S
    )
    overlapping, n = pattern.subn(r"\1-\3", xml, count=1)
    assert n == 1
    m = parse_dmn(overlapping, "charging_basis.dmn (overlap)", dialect="camunda")
    result = evaluate(m, "charging_basis", {"fundingSource": "MIXED", "deliveringBody": "FORCE"})
    assert result.failed
    assert "UNIQUE" in (result.failure_message or "")


async def test_all_files_deploy_together_and_evaluate_in_the_embedded_engine(tmp_path: Path) -> None:
    """One deployment of every file, as `make deploy` or the Modeler would send it, then EvaluateDecision."""
    from engine.runtime.clock import Clock
    from engine.runtime.engine import Engine
    from engine.store.store import Store, database_url

    engine = Engine(Store(database_url(tmp_path)), Clock())
    await engine.start()
    try:
        deployment = await engine.deploy([(f, source(f)) for f in FILES])
        assert len(deployment.resources) == len(FILES) + len(CONTRACT)  # a DRG per file, plus its decisions
        case = cases("osja_approval_level")[4]
        view = await engine.evaluate_decision("osja_approval_level", None, case["inputs"])
        assert view["output"] == case["output"], view
        assert [d["decisionDefinitionId"] for d in view["evaluatedDecisions"]] == [
            "osja_residual_risk",
            "osja_approval_level",
        ]
        assert [r["ruleId"] for r in view["evaluatedDecisions"][1]["matchedRules"]] == case["matchedRules"]
    finally:
        await engine.stop()
