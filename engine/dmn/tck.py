"""DMN TCK runner: `python -m engine.dmn.tck FOLDER [--dialect spec] [--csv out.csv] [--summary]`.

Walks FOLDER for folders holding `*-test-*.xml`, loads every `.dmn` beside them (for imports), runs each
`<testCase>` and compares as the reference runners do (feel-dmn.md §1.2–1.4). Prints each failure and ends
with exactly one line `N passed, M failed`.
"""

from __future__ import annotations

import argparse
import csv
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from engine.dmn import drg
from engine.dmn.engine import _state, parse_dmn
from engine.dmn.model import DmnModel, DmnParseError
from engine.dmn.parser import imported_namespaces, read_root
from engine.dmn.run import Run
from engine.feel.format import to_string
from engine.feel.ops import equals
from engine.feel.values import Dialect, TemporalValue

TC = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
TOLERANCE = Decimal("1e-8")


# ---------------------------------------------------------------------------------------------- values


def _temporal(kind: str, text: str) -> Any:
    from engine.feel import temporal

    parse = {
        "date": temporal.parse_date,
        "time": temporal.parse_time,
        "dateTime": temporal.parse_date_time,
        "duration": temporal.parse_duration,
    }[kind]
    return parse(text)


def parse_value(el: ET.Element) -> Any:
    """A `valueType` element (inputNode, expected, list item, component) as a FEEL value."""
    if el.get(f"{XSI}nil") == "true":
        return None
    value = el.find(f"{TC}value")
    if value is not None:
        return _scalar(value)
    lst = el.find(f"{TC}list")
    if lst is not None:
        if lst.get(f"{XSI}nil") == "true":
            return None
        return [parse_value(item) for item in lst.findall(f"{TC}item")]
    components = el.findall(f"{TC}component")
    if components:
        return {c.get("name", ""): parse_value(c) for c in components}
    return None


def _scalar(el: ET.Element) -> Any:
    if el.get(f"{XSI}nil") == "true":
        return None
    text = el.text or ""
    kind = (el.get(f"{XSI}type") or "").rpartition(":")[2]
    if kind in ("decimal", "double", "float", "integer", "int", "long", "short"):
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return None
    if kind == "boolean":
        return text.strip() == "true"
    if kind in ("date", "time", "dateTime", "duration"):
        return _temporal(kind, text.strip())
    return text


def same(expected: Any, actual: Any) -> bool:
    """The reference runners' comparison: 1e-8 for numbers, strict lists and contexts, typed temporals."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if type(expected) is Decimal:
        return type(actual) is Decimal and abs(expected - actual) < TOLERANCE
    if type(expected) is list:
        return (
            type(actual) is list
            and len(expected) == len(actual)
            and all(same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if type(expected) is dict:
        return (
            type(actual) is dict
            and expected.keys() == actual.keys()
            and all(same(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, TemporalValue):
        return type(expected) is type(actual) and equals(expected, actual) is True
    return type(expected) is type(actual) and expected == actual


def show(v: Any) -> str:
    try:
        return to_string(v, "spec", quote=True)
    except Exception:  # pragma: no cover - only for messages
        return repr(v)


# ---------------------------------------------------------------------------------------------- loading


@dataclass
class Outcome:
    folder: str
    file: str
    case: str
    ok: bool
    messages: list[str] = field(default_factory=list)


def load_models(folder: Path, dialect: Dialect) -> tuple[dict[str, DmnModel], dict[str, str]]:
    """Every `.dmn` in the folder, parsed after the models it imports; returns models and parse errors by file."""
    roots: dict[str, tuple[ET.Element | None, str, bytes]] = {}
    errors: dict[str, str] = {}
    for path in sorted(folder.glob("*.dmn")):
        data = path.read_bytes()
        try:
            root = read_root(data, path.name)
            roots[path.name] = (root, root.get("namespace", ""), data)
        except DmnParseError as e:
            errors[path.name] = str(e)
    by_ns = {ns: name for name, (_, ns, _) in roots.items()}
    models: dict[str, DmnModel] = {}

    def load(name: str, trail: tuple[str, ...]) -> DmnModel | None:
        if name in models:
            return models[name]
        if name in errors or name in trail:
            return None
        root, _, data = roots[name]
        assert root is not None
        deps = [load(by_ns[ns], (*trail, name)) for ns in imported_namespaces(root) if ns in by_ns]
        try:
            m = parse_dmn(
                data, name, dialect=dialect, imports=[d for d in deps if d is not None], lenient=True
            )
        except DmnParseError as e:
            errors[name] = str(e)
            return None
        models[name] = m
        return m

    for name in roots:
        load(name, ())
    return models, errors


def test_files(root: Path) -> Iterator[Path]:
    yield from sorted(root.rglob("*-test-*.xml"))


# ---------------------------------------------------------------------------------------------- running


def run_case(model: DmnModel, case: ET.Element, dialect: Dialect) -> list[str]:
    """Failure messages for one testCase (empty when it passes)."""
    inputs: dict[Any, Any] = {}
    for node in case.findall(f"{TC}inputNode"):
        name, ns = node.get("name", ""), node.get("namespace")
        inputs[(ns, name) if ns else name] = parse_value(node)
    kind = case.get("type", "decision")
    run = Run(_state(model, dialect, None))
    evaluation = drg.Evaluation(model, inputs, run)
    outputs: dict[str, Any] | None = None
    if kind == "decisionService":
        target = case.get("invocableName", "")
        ds = next((s for s in model.services.values() if s.name == target), None)
        if ds is None:
            return [f"no decision service '{target}'"]
        outputs = evaluation.invoke_service(
            model, ds, {k: v for k, v in inputs.items() if isinstance(k, str)}
        )
    failures = []
    for node in case.findall(f"{TC}resultNode"):
        name, ns = node.get("name", ""), node.get("namespace")
        exp_el = node.find(f"{TC}expected")
        expected = parse_value(exp_el) if exp_el is not None else None
        error_expected = node.get("errorResult") == "true"
        try:
            if outputs is not None:
                actual = outputs.get(name)
            else:
                owner = drg.all_models(model).get(ns, model) if ns else model
                decision = owner.decision(name)
                if decision is None:
                    failures.append(f"{name}: no decision named '{name}'")
                    continue
                actual = evaluation.decision_value(owner, decision)
        except Exception as e:  # an error result: passes only when one is expected
            if error_expected:
                continue
            failures.append(f"{name}: expected {show(expected)}, but evaluation failed: {e}")
            continue
        if error_expected and actual is None:
            continue
        if not same(expected, actual):
            failures.append(f"{name}: expected {show(expected)}, actual {show(actual)}")
    return failures


def run_folder(test_file: Path, dialect: Dialect, cache: dict[Path, Any]) -> list[Outcome]:
    folder = test_file.parent
    if folder not in cache:
        cache[folder] = load_models(folder, dialect)
    models, errors = cache[folder]
    tree = ET.parse(test_file).getroot()
    model_name = (tree.findtext(f"{TC}modelName") or "").strip()
    model = models.get(model_name)
    if model is None and not model_name and len(models) == 1:
        model = next(iter(models.values()))
    outcomes = []
    for case in tree.findall(f"{TC}testCase"):
        o = Outcome(folder.name, test_file.stem, case.get("id", ""), False)
        if model is None:
            o.messages.append(errors.get(model_name, f"model '{model_name}' not found"))
        else:
            try:
                o.messages = run_case(model, case, dialect)
            except Exception as e:  # a bug in the engine must not stop the run
                o.messages = [f"runner error: {type(e).__name__}: {e}"]
        o.ok = not o.messages
        outcomes.append(o)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.dmn.tck", description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--dialect", choices=("spec", "camunda"), default="spec")
    ap.add_argument("--csv", type=Path, help="write tck_results.csv rows in the official format")
    ap.add_argument("--summary", action="store_true", help="print passed/failed per folder")
    ap.add_argument("--quiet", action="store_true", help="do not print each failure")
    args = ap.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    outcomes: list[Outcome] = []
    cache: dict[Path, Any] = {}
    for path in test_files(args.folder):
        outcomes.extend(run_folder(path, args.dialect, cache))
    if not args.quiet:
        for o in outcomes:
            for msg in o.messages if not o.ok else ():
                print(f"FAIL {o.folder} {o.file} {o.case}: {msg}")
    if args.summary:
        per: dict[str, list[int]] = {}
        for o in outcomes:
            per.setdefault(o.folder, [0, 0])[0 if o.ok else 1] += 1
        for folder, (p, f) in sorted(per.items()):
            print(f"{folder}: {p} passed, {f} failed")
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            w = csv.writer(fh, quoting=csv.QUOTE_ALL)
            for o in outcomes:
                w.writerow([o.folder, o.file, o.case, "SUCCESS" if o.ok else "ERROR", "; ".join(o.messages)])
    passed = sum(o.ok for o in outcomes)
    print(f"{passed} passed, {len(outcomes) - passed} failed")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
