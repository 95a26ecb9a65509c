#!/usr/bin/env python3
"""FEEL / DMN throughput: our engine against bkflow-dmn, SpiffWorkflow's DMN engine and hand-written Python.

Measures evaluations per second of one 20-rule, 5-input grading table (`tables/grading.dmn`) in hit policies
FIRST, UNIQUE and COLLECT, and of typical BPMN gateway conditions. Every contender first evaluates the same
seeded input rows and must agree with the hand-written if-chain; any disagreement aborts before timing.

    .venv/bin/python bench/feel_dmn.py [--seconds 2] [--rows 1000] [--json out.json]

Contenders (the DMN file is the single source; the library forms are derived from it):
- ours: `engine.dmn.engine.evaluate_decision`, returning the full explainable DecisionResult;
  gateways via `engine.feel.compile_expression(...).evaluate(...)`.
- SpiffWorkflow 3.2.0: the same table with Python cells, evaluated by its DMNEngine. It has no FIRST; its
  UNIQUE returns the first match without checking uniqueness, so it stands in for both. Gateways: its
  PythonScriptEngine, which is how Spiff evaluates sequence-flow conditions.
- bkflow-dmn 0.2.0: the table as its dict of FEEL cells (model built once, `decide` per row);
  gateways via bkflow-feel's `parse_expression`.
- Python: a hand-written if-chain per table and a lambda per condition, the CPython ceiling.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
# run as a script, this folder comes first on sys.path, where bench/engine.py would shadow the engine package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
DMN_PATH = HERE / "tables" / "grading.dmn"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NS = {"dmn": DMN_NS}

POLICIES = ("FIRST", "UNIQUE", "COLLECT")
GATEWAY = "gateway"
COLUMNS = (*POLICIES, GATEWAY)
OURS, SPIFF, BKFLOW, PYTHON = "ours", "spiff", "bkflow", "python"
LIBRARIES = (SPIFF, BKFLOW)

Row = dict[str, Any]
Item = Any  # a Row for tables, (condition index, Row) for gateways
Evaluate = Callable[[Item], Any]

# ---------------------------------------------------------------------------------------------------------
# The table, read from the DMN file


@dataclass(frozen=True)
class Table:
    decision_id: str
    name: str
    hit_policy: str
    inputs: tuple[str, ...]  # input expressions (plain variable names here)
    outputs: tuple[str, ...]
    rules: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (input entries, output entries), FEEL text


def load_tables(xml_text: str) -> dict[str, Table]:
    """The decision tables of the file, keyed by hit policy."""
    root = ET.fromstring(xml_text)
    tables: dict[str, Table] = {}

    def text(el: ET.Element | None) -> str:
        return "" if el is None else (el.findtext("dmn:text", "", NS) or "").strip()

    for decision in root.iterfind("dmn:decision", NS):
        dt = decision.find("dmn:decisionTable", NS)
        assert dt is not None, decision.get("id")
        rules = tuple(
            (
                tuple(text(e) for e in rule.iterfind("dmn:inputEntry", NS)),
                tuple(text(e) for e in rule.iterfind("dmn:outputEntry", NS)),
            )
            for rule in dt.iterfind("dmn:rule", NS)
        )
        table = Table(
            decision_id=decision.get("id", ""),
            name=decision.get("name", ""),
            hit_policy=dt.get("hitPolicy", "UNIQUE"),
            inputs=tuple(text(i.find("dmn:inputExpression", NS)) for i in dt.iterfind("dmn:input", NS)),
            outputs=tuple(o.get("name", "") for o in dt.iterfind("dmn:output", NS)),
            rules=rules,
        )
        tables[table.hit_policy] = table
    missing = set(POLICIES) - set(tables)
    if missing:
        raise SystemExit(f"{DMN_PATH}: no decision table with hit policy {sorted(missing)}")
    return tables


# ---------------------------------------------------------------------------------------------------------
# Inputs: seeded rows, with the tables' boundary values over-represented so edges are checked too

RISK_EDGES = (0, 30, 40, 50, 60, 75, 80, 90, 100)
DURATION_EDGES = (1, 14, 30, 90, 180, 270, 365)
VALUE_EDGES = (0, 4000, 10000, 50000, 100000, 250000, 500000, 1000000)


def make_rows(n: int, seed: int) -> list[Row]:
    rng = random.Random(seed)

    def pick(edges: Sequence[int], lo: int, hi: int) -> int:
        return rng.choice(edges) if rng.random() < 0.25 else rng.randint(lo, hi)

    return [
        {
            "risk_score": pick(RISK_EDGES, 0, 100),
            "country_category": rng.choices("ABCD", weights=(4, 3, 2, 1))[0],
            "duration_days": pick(DURATION_EDGES, 1, 365),
            "involves_detention": rng.random() < 0.25,
            "value_gbp": pick(VALUE_EDGES, 0, 1_500_000),
        }
        for _ in range(n)
    ]


# ---------------------------------------------------------------------------------------------------------
# The hand-written if-chains: the CPython ceiling. Keep in step with tables/grading.dmn.
# They return tuples (cheapest to build); `canonical` turns every contender's result into the same shape.


def first_chain(r: Row) -> tuple[str, str]:
    risk, country, days, detention, value = (
        r["risk_score"], r["country_category"], r["duration_days"], r["involves_detention"], r["value_gbp"],
    )  # fmt: skip
    if country == "D" and detention:
        return ("SERIOUS", "MINISTER")
    if risk >= 90:
        return ("SERIOUS", "MINISTER")
    if country == "D" and risk >= 60:
        return ("HIGH", "MINISTER")
    if (country == "C" or country == "D") and days > 180 and detention:
        return ("HIGH", "MINISTER")
    if 75 <= risk < 90 and detention:
        return ("HIGH", "MINISTER")
    if country == "D" and value >= 500000:
        return ("HIGH", "MINISTER")
    if country == "C" and risk >= 75:
        return ("HIGH", "MINISTER")
    if country == "C" and detention:
        return ("HIGH", "SENIOR_OFFICIAL")
    if 75 <= risk < 90:
        return ("HIGH", "SENIOR_OFFICIAL")
    if country == "D":
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if country == "C" and 40 <= risk < 75:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if days > 270 and value >= 1000000:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if (country == "A" or country == "B") and 50 <= risk < 75 and detention:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if country == "C" and days > 180:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if value >= 1000000:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if country == "C" and value >= 100000:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if (country == "A" or country == "B") and 50 <= risk < 75 and value >= 500000:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if detention:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if (country == "A" or country == "B") and days < 30 and not detention and value < 10000:
        return ("LOW", "DELEGATED")
    return ("LOW", "HEAD_OF_DEPARTMENT")


def unique_chain(r: Row) -> tuple[str, str] | None:
    # Row by row like the table (a nested tree would be faster, but that is not what the table says).
    risk, country, days, detention, value = (
        r["risk_score"], r["country_category"], r["duration_days"], r["involves_detention"], r["value_gbp"],
    )  # fmt: skip
    if country == "D" and detention:
        return ("SERIOUS", "MINISTER")
    if country == "D" and risk >= 60 and not detention:
        return ("HIGH", "MINISTER")
    if country == "D" and 0 <= risk < 60 and days > 90 and not detention:
        return ("HIGH", "MINISTER")
    if country == "D" and 0 <= risk < 60 and days <= 90 and not detention and value >= 250000:
        return ("HIGH", "SENIOR_OFFICIAL")
    if country == "D" and 0 <= risk < 60 and days <= 90 and not detention and value < 250000:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if country == "C" and risk >= 75:
        return ("HIGH", "MINISTER")
    if country == "C" and 0 <= risk < 75 and detention:
        return ("HIGH", "SENIOR_OFFICIAL")
    if country == "C" and 40 <= risk < 75 and not detention:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if country == "C" and 0 <= risk < 40 and days > 180 and not detention:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if country == "C" and 0 <= risk < 40 and days <= 180 and not detention and value >= 100000:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if country == "C" and 0 <= risk < 40 and days <= 180 and not detention and value < 100000:
        return ("LOW", "HEAD_OF_DEPARTMENT")
    if (country == "A" or country == "B") and risk >= 80:
        return ("HIGH", "SENIOR_OFFICIAL")
    if (country == "A" or country == "B") and 50 <= risk < 80 and detention:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if (country == "A" or country == "B") and 50 <= risk < 80 and not detention and value >= 500000:
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if (country == "A" or country == "B") and 50 <= risk < 80 and not detention and value < 500000:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if (country == "A" or country == "B") and 0 <= risk < 50 and detention:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if (country == "A" or country == "B") and 0 <= risk < 50 and days >= 90 and not detention:
        return ("MEDIUM", "HEAD_OF_DEPARTMENT")
    if (
        (country == "A" or country == "B")
        and 0 <= risk < 50
        and days < 90
        and not detention
        and value >= 1000000
    ):
        return ("MEDIUM", "SENIOR_OFFICIAL")
    if (
        (country == "A" or country == "B")
        and 0 <= risk < 50
        and days < 90
        and not detention
        and 10000 <= value < 1000000
    ):
        return ("LOW", "HEAD_OF_DEPARTMENT")
    if (
        (country == "A" or country == "B")
        and 0 <= risk < 50
        and days < 90
        and not detention
        and value < 10000
    ):
        return ("LOW", "DELEGATED")
    return None


def collect_chain(r: Row) -> list[tuple[str, str]]:
    risk, country, days, detention, value = (
        r["risk_score"], r["country_category"], r["duration_days"], r["involves_detention"], r["value_gbp"],
    )  # fmt: skip
    out = []
    if country == "D":
        out.append(("HRPC_ASSESSMENT", "FCDO_DESK"))
    if (country == "C" or country == "D") and detention:
        out.append(("DETENTION_ASSURANCE", "OSJA_LEAD"))
    if risk >= 60:
        out.append(("MINISTERIAL_SUBMISSION", "HOME_OFFICE"))
    if 30 <= risk < 60:
        out.append(("SENIOR_REVIEW", "OSJA_LEAD"))
    if 0 <= risk < 30:
        out.append(("STANDARD_REVIEW", "PROJECT_LEAD"))
    if days > 90:
        out.append(("LONG_DEPLOYMENT_REVIEW", "CHIEF_OFFICER"))
    if 1 <= days <= 14:
        out.append(("SHORT_VISIT_NOTICE", "PROJECT_LEAD"))
    if detention:
        out.append(("CUSTODY_SAFEGUARDS", "OSJA_LEAD"))
    if value >= 1000000:
        out.append(("TREASURY_APPROVAL", "FINANCE"))
    if 100000 <= value < 1000000:
        out.append(("FINANCE_SIGNOFF", "FINANCE"))
    if value < 4000:
        out.append(("DELEGATED_COSTING", "PROJECT_LEAD"))
    if (country == "A" or country == "B") and not detention:
        out.append(("POST_NOTIFICATION", "POST"))
    if country == "C" or country == "D":
        out.append(("POST_CONSULTATION", "POST"))
    if country == "D" and risk >= 50:
        out.append(("MITIGATION_PLAN", "OSJA_LEAD"))
    if country == "C" and risk >= 75:
        out.append(("MITIGATION_PLAN", "OSJA_LEAD"))
    if risk >= 80 and days > 180:
        out.append(("ANNUAL_OSJA_REVIEW", "OSJA_LEAD"))
    if (country == "B" or country == "C") and value >= 250000:
        out.append(("PCC_REFERRAL", "PCC"))
    if days > 30 and detention:
        out.append(("MONITORING_VISITS", "POST"))
    if country == "A" and 0 <= risk < 30 and 1 <= days <= 30 and not detention and value < 50000:
        out.append(("FAST_TRACK", "PROJECT_LEAD"))
    out.append(("RECORD_OUTCOME", "RECORDS"))
    return out


CHAINS: dict[str, Callable[[Row], Any]] = {
    "FIRST": first_chain,
    "UNIQUE": unique_chain,
    "COLLECT": collect_chain,
}

# ---------------------------------------------------------------------------------------------------------
# Gateway conditions: (FEEL as on a Camunda 8 sequence flow without the leading "=", Python equivalent).
# Rows get the variables a process would have by then: grade, the collected checks, an approval flag.

CONDITIONS: tuple[tuple[str, str], ...] = (
    (
        'value_gbp > 100000 and country_category in ["C", "D"]',
        'value_gbp > 100000 and country_category in ("C", "D")',
    ),
    ('grade = "HIGH" or grade = "SERIOUS"', 'grade == "HIGH" or grade == "SERIOUS"'),
    ("involves_detention = false and risk_score < 60", "involves_detention == False and risk_score < 60"),
    ("duration_days > 90 or value_gbp >= 250000", "duration_days > 90 or value_gbp >= 250000"),
    ('approved and grade != "SERIOUS"', 'approved and grade != "SERIOUS"'),
    ('list contains(checks, "MINISTERIAL_SUBMISSION")', '"MINISTERIAL_SUBMISSION" in checks'),
    ("count(checks) > 4", "len(checks) > 4"),
    (
        'country_category = "D" and risk_score >= 60 and not(involves_detention)',
        'country_category == "D" and risk_score >= 60 and not involves_detention',
    ),
)


def gateway_items(rows: list[Row], seed: int) -> list[tuple[int, Row]]:
    rng = random.Random(seed + 1)
    items = []
    for i, row in enumerate(rows):
        v = dict(row)
        v["grade"] = first_chain(row)[0]
        v["checks"] = [c for c, _ in collect_chain(row)]
        v["approved"] = rng.random() < 0.7
        items.append((i % len(CONDITIONS), v))
    return items


# ---------------------------------------------------------------------------------------------------------
# Normalising results: FIRST/UNIQUE -> {output: value} or None, COLLECT -> [{output: value}, ...]


def plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def canonical(table: Table, result: Any) -> Any:
    """Tuples (if-chain) become dicts; a single-hit result is a dict or None; COLLECT is a list of dicts."""
    if table.hit_policy == "COLLECT":
        return [
            dict(zip(table.outputs, r, strict=True)) if isinstance(r, tuple) else plain(r)
            for r in result or []
        ]
    if isinstance(result, tuple):
        return dict(zip(table.outputs, result, strict=True))
    return plain(result) or None


# ---------------------------------------------------------------------------------------------------------
# Contenders. Each builder returns (evaluate, normalise) or raises; `None` from a factory means unavailable.


@dataclass
class Contender:
    key: str
    label: str
    build_table: Callable[[Table], tuple[Evaluate, Callable[[Any], Any]]] | None = None
    build_gateway: Callable[[], Evaluate] | None = None
    unavailable: str | None = None
    notes: list[str] = field(default_factory=list)
    max_evals: int | None = None


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def ours(xml_text: str) -> Contender:
    c = Contender(OURS, "ours (engine.dmn / engine.feel)")
    try:
        from engine.dmn.engine import evaluate_decision, parse_dmn
        from engine.feel import compile_expression
        from engine.feel.values import EvalState, from_python
    except Exception as e:  # the engine is being written alongside this bench
        c.unavailable = f"engine not available yet ({type(e).__name__}: {e})"
        return c
    models: list[Any] = []  # parsed on first use, so a parse error is reported like any other failure

    def build_table(table: Table) -> tuple[Evaluate, Callable[[Any], Any]]:
        if not models:
            models.append(parse_dmn(xml_text, str(DMN_PATH)))
        model, did = models[0], table.decision_id

        def evaluate(row: Row) -> Any:
            return evaluate_decision(model, did, row)

        def normalise(res: Any) -> Any:
            if getattr(res, "failure_message", None):
                raise RuntimeError(f"{did} failed: {res.failure_message}")
            if not res.evaluated_decisions:
                raise RuntimeError(f"{did}: no evaluated decisions in the result (it must be explainable)")
            return canonical(table, res.decision_output)

        return evaluate, normalise

    def build_gateway() -> Evaluate:
        compiled = [compile_expression(feel) for feel, _ in CONDITIONS]
        # Process variables arrive as JSON-like Python values: converting them is part of each evaluation.
        return lambda item: compiled[item[0]].evaluate(from_python(item[1]), EvalState(dialect="camunda"))

    c.build_table, c.build_gateway = build_table, build_gateway
    return c


# FEEL unary tests -> SpiffWorkflow's Python cells ("?" stands for the input value; else input + cell).
_RANGE = re.compile(r"^([\[(\]])\s*(-?[\d.]+)\s*\.\.\s*(-?[\d.]+)\s*([\])\[])$")
_COMPARE = re.compile(r"^(<=|>=|<|>)\s*-?[\d.]+$")
_STRING = re.compile(r'^"[^"]*"$')


def python_cell(feel: str) -> str:
    cell = feel.strip()
    if cell == "-":
        return "-"
    if m := _RANGE.match(cell):
        lo = "<=" if m[1] == "[" else "<"
        hi = "<=" if m[4] == "]" else "<"
        return f"{m[2]} {lo} ? {hi} {m[3]}"
    if cell in ("true", "false"):
        return cell.capitalize()
    if _COMPARE.match(cell):
        return cell
    parts = [p.strip() for p in cell.split(",")]
    if all(_STRING.match(p) for p in parts):
        return parts[0] if len(parts) == 1 else f"? in ({', '.join(parts)})"
    raise ValueError(f"no Python equivalent for FEEL cell {feel!r}")


def spiff_dmn(table: Table, hit_policy: str) -> str:
    """A one-decision DMN (Spiff reads one decision per file) with Python cells."""
    ins = "".join(
        f'<input id="i{n}" label="{v}"><inputExpression id="ie{n}" typeRef="string"><text>{v}</text>'
        f"</inputExpression></input>"
        for n, v in enumerate(table.inputs)
    )
    outs = "".join(f'<output id="o{n}" name="{v}" typeRef="string"/>' for n, v in enumerate(table.outputs))
    rules = "".join(
        f'<rule id="r{n}">'
        + "".join(
            f'<inputEntry id="r{n}i{k}"><text>{escape(python_cell(c))}</text></inputEntry>'
            for k, c in enumerate(i)
        )
        + "".join(
            f'<outputEntry id="r{n}o{k}"><text>{escape(c)}</text></outputEntry>' for k, c in enumerate(o)
        )
        + "</rule>"
        for n, (i, o) in enumerate(table.rules)
    )
    return (
        f'<definitions xmlns="{DMN_NS}" id="spiff_{table.decision_id}" name="x" namespace="bench">'
        f'<decision id="{table.decision_id}" name="{table.name}">'
        f'<decisionTable id="dt" hitPolicy="{hit_policy}">{ins}{outs}{rules}</decisionTable></decision></definitions>'
    )


class _SpiffTask:
    """What Spiff's DMNEngine and script engine read from a task: `.data` and `.workflow.script_engine`."""

    def __init__(self, script_engine: Any) -> None:
        self.data: Row = {}
        self.workflow = self
        self.script_engine = script_engine
        self.task_spec = None  # read only when Spiff builds an error


def spiff() -> Contender:
    c = Contender(SPIFF, f"SpiffWorkflow {_version('SpiffWorkflow')}")
    try:
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
        from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
    except ImportError as e:
        c.unavailable = f"not installed ({e}); `make bench` installs it"
        return c
    c.notes.append(
        "SpiffWorkflow: no FIRST; its UNIQUE (first match, uniqueness unchecked) stands in for FIRST and UNIQUE"
    )

    def build_table(table: Table) -> tuple[Evaluate, Callable[[Any], Any]]:
        parser = BpmnDmnParser()
        parser.add_dmn_str(spiff_dmn(table, "COLLECT" if table.hit_policy == "COLLECT" else "UNIQUE"))
        engine = parser.get_engine(table.decision_id, None)
        task = _SpiffTask(PythonScriptEngine())

        def evaluate(row: Row) -> Any:
            task.data = row
            return engine.result(task)

        def normalise(res: Any) -> Any:
            if table.hit_policy == "COLLECT":  # {output: [values]} -> [{output: value}]
                cols = [res.get(o, []) for o in table.outputs]
                return [dict(zip(table.outputs, vals, strict=True)) for vals in zip(*cols, strict=True)]
            return dict(res) or None

        return evaluate, normalise

    def build_gateway() -> Evaluate:
        engine = PythonScriptEngine()
        task = _SpiffTask(engine)
        texts = [py for _, py in CONDITIONS]

        def evaluate(item: tuple[int, Row]) -> Any:
            task.data = item[1]
            return engine.evaluate(task, texts[item[0]])

        return evaluate

    c.build_table, c.build_gateway = build_table, build_gateway
    return c


def bkflow() -> Contender:
    c = Contender(
        BKFLOW, f"bkflow-dmn {_version('bkflow-dmn')} / bkflow-feel {_version('bkflow-feel')}", max_evals=600
    )
    try:
        from bkflow_dmn.data_model import SingleDecisionTable
        from bkflow_feel.api import parse_expression
    except ImportError as e:
        c.unavailable = f"not installed ({e}); `make bench` installs it"
        return c
    policy = {"FIRST": "First", "UNIQUE": "Unique", "COLLECT": "Collect"}

    def build_table(table: Table) -> tuple[Evaluate, Callable[[Any], Any]]:
        model = SingleDecisionTable(
            title=table.name,
            hit_policy=policy[table.hit_policy],
            inputs={"cols": [{"id": v} for v in table.inputs],
                    "rows": [["" if cell == "-" else cell for cell in i] for i, _ in table.rules]},
            outputs={"cols": [{"id": v} for v in table.outputs], "rows": [list(o) for _, o in table.rules]},
        )  # fmt: skip

        def normalise(res: Any) -> Any:
            return res if table.hit_policy == "COLLECT" else (res[0] if res else None)

        return model.decide, normalise

    def build_gateway() -> Evaluate:
        texts = [feel for feel, _ in CONDITIONS]
        return lambda item: parse_expression(texts[item[0]], item[1])

    c.build_table, c.build_gateway = build_table, build_gateway
    return c


def python() -> Contender:
    c = Contender(PYTHON, "Python if-chain / lambda")

    def build_table(table: Table) -> tuple[Evaluate, Callable[[Any], Any]]:
        return CHAINS[table.hit_policy], lambda res: canonical(table, res)

    def build_gateway() -> Evaluate:
        compiled = [_python_condition(py) for _, py in CONDITIONS]
        return lambda item: compiled[item[0]](item[1])

    c.build_table, c.build_gateway = build_table, build_gateway
    return c


def _python_condition(py: str) -> Callable[[Row], Any]:
    """`risk_score < 60` -> `lambda v: v["risk_score"] < 60`, names resolved from the row."""
    names = sorted(
        set(re.findall(r"\b[a-z_]+\b", re.sub(r'"[^"]*"', "", py))) - {"and", "or", "not", "in", "len"}
    )
    body = re.sub(r'("[^"]*")|\b(' + "|".join(names) + r")\b", lambda m: m[1] or f'v["{m[2]}"]', py)
    fn: Callable[[Row], Any] = eval(f"lambda v: {body}", {"len": len, "False": False})
    return fn


# ---------------------------------------------------------------------------------------------------------
# Agreement and timing


def check_agreement(
    label: str,
    evaluate: Evaluate,
    normalise: Callable[[Any], Any],
    items: Sequence[Item],
    expected: list[Any],
) -> list[str]:
    problems = []
    for item, want in zip(items, expected, strict=False):
        try:
            got = normalise(evaluate(item))
        except Exception as e:
            got = f"<{type(e).__name__}: {e}>"
        if got != want:
            problems.append(f"  {label}: input {item}\n    expected {want}\n    got      {got}")
            if len(problems) >= 3:
                break
    return problems


def failing_conditions(evaluate: Evaluate, items: Sequence[Item], expected: list[Any]) -> list[str]:
    """The gateway conditions an engine gets wrong or cannot evaluate, with the first error of each."""
    bad: dict[int, str] = {}
    for item, want in zip(items, expected, strict=False):
        if item[0] in bad:
            continue
        try:
            got = evaluate(item)
        except Exception as e:
            bad[item[0]] = f"`{CONDITIONS[item[0]][0]}` ({type(e).__name__})"
            continue
        if got != want:
            bad[item[0]] = f"`{CONDITIONS[item[0]][0]}` (gave {got!r}, expected {want!r})"
    return [bad[i] for i in sorted(bad)]


@dataclass
class Rate:
    evals: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.evals / self.seconds


def measure(evaluate: Evaluate, items: Sequence[Item], seconds: float, max_evals: int | None = None) -> Rate:
    """Evaluate items round-robin for about `seconds`, in chunks sized so the clock is read rarely."""
    for item in items[: min(len(items), 50)]:  # warm-up (caches, lazy compilation)
        evaluate(item)
    chunk, done, pos = 1, 0, 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        t0 = time.perf_counter()
        for _ in range(chunk):
            evaluate(items[pos])
            pos += 1
            if pos == len(items):
                pos = 0
        done += chunk
        now = time.perf_counter()
        if now >= deadline or (max_evals is not None and done >= max_evals):
            return Rate(done, now - start)
        if now - t0 < 0.02:
            chunk *= 2


# ---------------------------------------------------------------------------------------------------------
# Report


def fmt_rate(r: float | None) -> str:
    return "-" if r is None else f"{r:,.0f}"


def fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:,.1f}x"


def report(
    contenders: list[Contender], rates: dict[str, dict[str, float | None]], args: argparse.Namespace
) -> dict[str, Any]:
    ratios: dict[str, dict[str, float | None]] = {"ours_vs_fastest_library": {}, "ceiling_vs_ours": {}}
    for col in COLUMNS:
        ours_r = rates[OURS].get(col)
        libs = [r for k in LIBRARIES if (r := rates[k].get(col)) is not None]
        ceiling = rates[PYTHON].get(col)
        ratios["ours_vs_fastest_library"][col] = round(ours_r / max(libs), 2) if ours_r and libs else None
        ratios["ceiling_vs_ours"][col] = round(ceiling / ours_r, 2) if ours_r and ceiling else None

    width = max(len(c.label) for c in contenders) + 2
    print(f"\nevaluations per second ({args.rows} rows, ~{args.seconds:g} s each; {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.machine()})\n")  # fmt: skip
    print("".ljust(width) + "".join(c.rjust(13) for c in COLUMNS))
    for c in contenders:
        print(c.label.ljust(width) + "".join(fmt_rate(rates[c.key].get(col)).rjust(13) for col in COLUMNS))
    print()
    print(
        "ours / fastest library".ljust(width)
        + "".join(fmt_ratio(ratios["ours_vs_fastest_library"][c]).rjust(13) for c in COLUMNS)
        + "   goal >= 10x"
    )
    print("Python / ours".ljust(width)
          + "".join(fmt_ratio(ratios["ceiling_vs_ours"][c]).rjust(13) for c in COLUMNS) + "   goal <= 50x")  # fmt: skip
    for c in contenders:
        if c.unavailable:
            print(f"\n{c.label}: {c.unavailable}")
        for note in c.notes:
            print(f"note: {note}")
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": args.rows,
        "seed": args.seed,
        "seconds_per_measurement": args.seconds,
        "table": str(DMN_PATH.relative_to(HERE.parent)),
        "conditions": [feel for feel, _ in CONDITIONS],
        "contenders": {
            c.key: {"label": c.label, "unavailable": c.unavailable, "notes": c.notes} for c in contenders
        },
        "evaluations_per_second": rates,
        "ratios": ratios,
        "goals": {"ours_vs_fastest_library_min": 10, "ceiling_vs_ours_max": 50},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=2.0, help="duration of each measurement (default 2)")
    ap.add_argument("--rows", type=int, default=1000, help="number of seeded input rows (default 1000)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--slow-check-rows", type=int, default=150, help="rows bkflow is checked on (it is slow)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="write the figures to this JSON file")
    args = ap.parse_args(argv)

    xml_text = DMN_PATH.read_text(encoding="utf-8")
    tables = load_tables(xml_text)
    rows = make_rows(args.rows, args.seed)
    gw_items = gateway_items(rows, args.seed)

    contenders = [ours(xml_text), spiff(), bkflow(), python()]
    live = [c for c in contenders if not c.unavailable]
    rates: dict[str, dict[str, float | None]] = {c.key: dict.fromkeys(COLUMNS) for c in contenders}

    # Build everything and check agreement with the if-chain before any timing.
    jobs: list[tuple[Contender, str, Evaluate, Sequence[Item]]] = []
    problems: list[str] = []
    for col in COLUMNS:
        if col == GATEWAY:
            items: Sequence[Item] = gw_items
            expected = [bool(_python_condition(CONDITIONS[i][1])(v)) for i, v in gw_items]
        else:
            table = tables[col]
            items = rows
            expected = [canonical(table, CHAINS[col](r)) for r in rows]
        for c in live:
            n = args.slow_check_rows if c.max_evals else len(items)
            try:
                if col == GATEWAY:
                    assert c.build_gateway is not None
                    evaluate, normalise = c.build_gateway(), (lambda x: x)
                else:
                    assert c.build_table is not None
                    evaluate, normalise = c.build_table(tables[col])
            except Exception as e:
                problems.append(f"  {c.label} [{col}]: could not build: {type(e).__name__}: {e}")
                continue
            found = check_agreement(f"{c.label} [{col}]", evaluate, normalise, items[:n], expected[:n])
            if found and c.key == BKFLOW and col == GATEWAY:
                # bkflow-feel lacks much of FEEL (e.g. built-in functions): report it rather than fail.
                bad = failing_conditions(evaluate, items[:n], expected[:n])
                c.notes.append(f"bkflow-feel: gateway not timed; it fails on {'; '.join(bad)}")
                continue
            problems += found
            jobs.append((c, col, evaluate, items))
    print(f"agreement check: {len(jobs)} engine/table pairs, {args.rows} rows each "
          f"({args.slow_check_rows} for bkflow)", flush=True)  # fmt: skip
    if problems:
        print("ENGINES DISAGREE (nothing timed):", *problems, sep="\n", file=sys.stderr)
        return 1

    for c, col, evaluate, items in jobs:
        rate = measure(evaluate, items, args.seconds, c.max_evals)
        rates[c.key][col] = round(rate.per_second, 1)
        print(
            f"  {c.label:<44} {col:<8} {fmt_rate(rate.per_second):>12}/s  ({rate.evals} in {rate.seconds:.2f} s)"
        )

    figures = report(contenders, rates, args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
