"""Decision tables: rule matching, hit policies and aggregation (feel-dmn.md §4.2, §5.1).

`build` turns a parsed table into a closure. Each rule keeps only its non-`-` cells as bound `evaluate`
methods, so the hot loop is a few attribute-free calls per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.dmn.matcher import build_matcher
from engine.dmn.model import DecisionTable, DmnEvalError, OutputClause, Rule
from engine.dmn.result import EvaluatedInput, EvaluatedOutput, MatchedRule
from engine.dmn.run import Run
from engine.dmn.typing import Types
from engine.feel.api import scope as feel_scope
from engine.feel.compile import Env, Fn, Test
from engine.feel.ops import compare, equals
from engine.feel.values import DECIMAL, MISSING

Explained = tuple[Any, list[EvaluatedInput], list[MatchedRule]]
TableEvaluator = Callable[[dict[str, Any], Run, bool], Explained]


def input_name(label: str | None, text: str) -> str:
    """Zeebe's inputName: the label, or else the expression truncated to 30 characters."""
    return label if label else text[:30]


def _rank(outputs: tuple[OutputClause, ...]) -> Callable[[list[Any]], tuple[int, ...]]:
    """Sort key for P and O: each output's position in its outputValues (unlisted values last)."""
    prios = [o.priorities or () for o in outputs]

    def key(values: list[Any]) -> tuple[int, ...]:
        ranks = []
        for v, p in zip(values, prios, strict=True):
            r = len(p)
            for i, candidate in enumerate(p):
                if equals(v, candidate) is True:
                    r = i
                    break
            ranks.append(r)
        return tuple(ranks)

    return key


def _aggregate(agg: str, values: list[Any], spec: bool) -> Any:
    if agg == "COUNT":
        return Decimal(len(values))
    vals = [v for v in values if v is not None] if spec else values
    if not vals:
        return None
    if agg == "SUM":
        if not all(type(v) is Decimal for v in vals):
            raise DmnEvalError(f"COLLECT SUM needs numbers but found {vals!r}")
        total = Decimal(0)
        for v in vals:
            total = DECIMAL.add(total, v)
        return total
    best = vals[0]
    want = -1 if agg == "MIN" else 1
    if not spec and type(best) is not Decimal:
        raise DmnEvalError(f"COLLECT {agg} needs numbers but found {vals!r}")
    for v in vals[1:]:
        c = compare(v, best)
        if c is None:
            raise DmnEvalError(f"COLLECT {agg}: values are not comparable: {vals!r}")
        if c == want:
            best = v
    return best


def build(dt: DecisionTable, types: Types) -> TableEvaluator:
    inputs = [
        (
            i.compiled.fn if i.compiled is not None else None,
            i.compiled_values.test if i.compiled_values is not None else None,
            input_name(i.label, i.text),
            i.id,
            i.type_ref,
        )
        for i in dt.inputs
    ]
    outputs = dt.outputs
    single = len(outputs) == 1
    out_names = [o.name or o.label or "" for o in outputs]
    out_meta = [(o.id, o.label or o.name or "") for o in outputs]
    out_checks = [
        (o.compiled_values.test if o.compiled_values is not None else None, o.type_ref) for o in outputs
    ]
    # per rule: only the cells that are not `-`, as (input index, test) pairs
    rules: list[tuple[Rule, tuple[tuple[int, Test], ...]]] = [
        (r, tuple((i, t.test) for i, t in enumerate(r.tests) if t is not None and t.test is not None))
        for r in dt.rules
    ]
    rule_outputs: dict[int, list[Fn | None]] = {
        r.index: [o.fn if o is not None else None for o in r.outputs] for r in dt.rules
    }
    defaults = [o.compiled_default.fn if o.compiled_default is not None else None for o in outputs]
    hp, agg = dt.hit_policy, dt.aggregation
    first_only = hp == "F" or (hp == "P" and not any(o.priorities for o in outputs))
    # rules whose outputs are all constants: their row and explanation are built once (camunda dialect; the
    # spec dialect coerces outputs per evaluation). Results are read-only, so sharing them is safe.
    const_rows: dict[int, list[Any]] = {}
    const_matches: dict[int, MatchedRule] = {}
    for r in dt.rules:
        consts = [getattr(fn, "const", MISSING) if fn is not None else None for fn in rule_outputs[r.index]]
        if all(c is not MISSING for c in consts):
            const_rows[r.index] = consts
            const_matches[r.index] = MatchedRule(
                r.id, r.index, [EvaluatedOutput(oid, oname, v) for (oid, oname), v in zip(out_meta, consts, strict=True)]
            )
    rank = _rank(outputs)
    rule_list = [r for r, _ in rules]
    match = build_matcher([cells for _, cells in rules], len(inputs), first_only)
    has_default = any(o.compiled_default is not None for o in outputs)

    def shape(values: list[Any]) -> Any:
        return values[0] if single else dict(zip(out_names, values, strict=True))

    def default(env: Env) -> Any:
        if not has_default:
            return None
        return shape([fn(env) if fn is not None else None for fn in defaults])

    def evaluate(scope: dict[str, Any], run: Run, explain: bool) -> Explained:
        with feel_scope(scope, run.state) as env:
            return evaluate_in(env, run, explain)

    def evaluate_in(env: Env, run: Run, explain: bool) -> Explained:
        state = run.state
        spec = run.spec
        values: list[Any] = []
        explained: list[EvaluatedInput] = []
        for compiled, allowed, name, iid, type_ref in inputs:
            v = compiled(env) if compiled is not None else None
            if spec:
                if type_ref:
                    v = types.coerce(v, type_ref, state, f"input '{name}'")
                if allowed is not None and v is not None and allowed(v, env) is not True:
                    raise DmnEvalError(f"input '{name}' value {v!r} is not one of the input values")
            values.append(v)
            if explain:
                explained.append(EvaluatedInput(iid, name, v))
        matched = [rule_list[k] for k in match(values, env)]
        if not matched:
            return default(env), explained, []
        rows: list[list[Any]] = []
        for rule in matched:
            if not spec:
                const_row = const_rows.get(rule.index)
                if const_row is not None:
                    rows.append(const_row)
                    continue
            row = []
            for j, out in enumerate(rule_outputs[rule.index]):
                v = out(env) if out is not None else None
                if spec:
                    allowed, type_ref = out_checks[j]
                    if type_ref:
                        v = types.coerce(v, type_ref, state, f"output '{out_names[j]}'")
                    if allowed is not None and v is not None and allowed(v, env) is not True:
                        raise DmnEvalError(
                            f"output '{out_names[j]}' value {v!r} is not one of the output values"
                        )
                row.append(v)
            rows.append(row)
        order = list(range(len(rows)))
        if hp in ("P", "O"):
            order.sort(key=lambda k: rank(rows[k]))  # stable: ties keep rule order
        if hp == "U" and len(rows) > 1:
            raise DmnEvalError(
                f"multiple values aren't allowed for UNIQUE hit policy. found: '{[shape(r) for r in rows]}'"
            )
        if hp == "A" and any(equals(shape(r), shape(rows[0])) is not True for r in rows[1:]):
            raise DmnEvalError(
                f"multiple values aren't allowed for ANY hit policy. found: '{[shape(r) for r in rows]}'"
            )
        if hp == "P":
            order = order[:1]
        result: Any
        if hp in ("U", "A", "P", "F"):
            result = shape(rows[order[0]])
        elif agg is not None:
            result = _aggregate(agg, [r[0] for r in rows], spec)
        else:
            result = [shape(rows[k]) for k in order]
        if not explain:
            return result, explained, []
        return (
            result,
            explained,
            [
                (None if spec else const_matches.get(matched[k].index))
                or MatchedRule(
                    matched[k].id,
                    matched[k].index,
                    [EvaluatedOutput(oid, oname, v) for (oid, oname), v in zip(out_meta, rows[k], strict=True)],
                )
                for k in order
            ],
        )

    return evaluate
