"""Boxed expressions (literal, context, list, relation, invocation, function definition, conditional, filter,
iterators, decision tables) compiled into closures over a scope dict (feel-dmn.md §5.2)."""

from __future__ import annotations

from typing import Any

from engine.dmn import tables
from engine.dmn.model import (
    ConditionalExpr,
    ContextExpr,
    DecisionTable,
    DmnEvalError,
    Expr,
    FilterExpr,
    FunctionDefinitionExpr,
    InvocationExpr,
    IteratorExpr,
    ListExpr,
    LiteralExpression,
    RelationExpr,
)
from engine.dmn.run import Evaluator, Run
from engine.dmn.typing import NONCONFORMING, Types, camunda_check
from engine.feel.functions import call_function
from engine.feel.java import java_function
from engine.feel.values import EvalState, FeelFunction

#: Zeebe's decisionType for each kind of decision logic (our additions for the DMN 1.4 kinds)
DECISION_TYPES: dict[type, str] = {
    DecisionTable: "DECISION_TABLE",
    LiteralExpression: "LITERAL_EXPRESSION",
    ContextExpr: "CONTEXT",
    ListExpr: "LIST",
    RelationExpr: "RELATION",
    InvocationExpr: "INVOCATION",
    FunctionDefinitionExpr: "FUNCTION_DEFINITION",
    ConditionalExpr: "CONDITIONAL",
    FilterExpr: "FILTER",
    IteratorExpr: "ITERATOR",
}


def _null(scope: dict[str, Any], run: Run) -> Any:
    return None


def build(expr: Expr | None, types: Types) -> Evaluator:
    """The evaluator of a boxed expression; `types` resolves typeRefs for the spec coercions."""
    if expr is None:
        return _null
    ev = _build(expr, types)
    type_ref = expr.type_ref
    if not type_ref or isinstance(expr, FunctionDefinitionExpr):
        return ev

    def typed(scope: dict[str, Any], run: Run) -> Any:
        # an expression's own typeRef coerces its value in the spec dialect (0082 bkm_004/005)
        value = ev(scope, run)
        return types.coerce(value, type_ref, run.state, "expression") if run.spec else value

    return typed


def _build(expr: Expr, types: Types) -> Evaluator:
    if isinstance(expr, LiteralExpression):
        compiled = expr.compiled
        if compiled is None:
            return _null
        ev = compiled.evaluate
        return lambda scope, run: ev(scope, run.state)
    if isinstance(expr, DecisionTable):
        table = tables.build(expr, types)
        return lambda scope, run: table(scope, run, False)[0]
    if isinstance(expr, ContextExpr):
        return _context(expr, types)
    if isinstance(expr, ListExpr):
        items = [build(i, types) for i in expr.items]
        return lambda scope, run: [ev(scope, run) for ev in items]
    if isinstance(expr, RelationExpr):
        cols = expr.columns
        rows = [[build(c, types) for c in row] for row in expr.rows]
        return lambda scope, run: [
            {c: ev(scope, run) for c, ev in zip(cols, row, strict=True)} for row in rows
        ]
    if isinstance(expr, InvocationExpr):
        return _invocation(expr, types)
    if isinstance(expr, FunctionDefinitionExpr):
        return _function(expr, types)
    if isinstance(expr, ConditionalExpr):
        return _conditional(expr, types)
    if isinstance(expr, FilterExpr):
        return _filter(expr, types)
    if isinstance(expr, IteratorExpr):
        return _iterator(expr, types)
    raise DmnEvalError(f"unsupported expression {type(expr).__name__}")


def _context(expr: ContextExpr, types: Types) -> Evaluator:
    entries = [(e.name, e.type_ref, build(e.expr, types)) for e in expr.entries]

    def evaluate(scope: dict[str, Any], run: Run) -> Any:
        local = dict(scope)
        result: dict[str, Any] = {}
        for name, type_ref, ev in entries:
            value = ev(local, run)
            if run.spec and type_ref:
                value = types.coerce(value, type_ref, run.state, f"context entry '{name}'")
            if name is None:
                return value
            if name in result:
                raise DmnEvalError(f"duplicate context entry '{name}'")
            local[name] = result[name] = value
        return result

    return evaluate


def _invocation(expr: InvocationExpr, types: Types) -> Evaluator:
    callee = build(expr.callee, types)
    bindings = [(name, build(e, types)) for name, e in expr.bindings]

    def evaluate(scope: dict[str, Any], run: Run) -> Any:
        fn = callee(scope, run)
        named = {name: ev(scope, run) for name, ev in bindings}
        if isinstance(fn, FeelFunction) and fn.params is not None and named.keys() <= set(fn.params):
            for p in fn.params:  # an unbound parameter of a boxed invocation is null
                named.setdefault(p, None)
        return call_function(fn, run.state, None, named)

    return evaluate


def make_function(
    name: str,
    params: tuple[tuple[str, str | None], ...],
    body: Evaluator,
    scope: dict[str, Any],
    run: Run,
    types: Types,
    result_type: str | None = None,
) -> FeelFunction:
    """A FEEL function value closing over `scope`; missing named arguments bind null."""
    names = tuple(p for p, _ in params)

    def impl(state: EvalState, args: list[Any]) -> Any:
        local = dict(scope)
        for i, (pname, ptype) in enumerate(params):
            v = args[i] if i < len(args) else None
            if ptype:
                v = check(v, ptype, state, f"parameter '{pname}' of '{name}'")
                if v is NONCONFORMING:
                    return None  # an argument of the wrong type voids the invocation (0085 test 007)
            local[pname] = v
        value = body(local, run)
        if result_type:
            value = check(value, result_type, state, f"result of '{name}'")
        return None if value is NONCONFORMING else value

    def check(v: Any, type_ref: str, state: EvalState, what: str) -> Any:
        if run.spec:
            return types.coerce(v, type_ref, state, what, NONCONFORMING)
        problem = camunda_check(v, type_ref)
        if problem:
            raise DmnEvalError(f"{what}: {problem}")
        return v

    return FeelFunction(name, names, impl, min_args=len(names))


def _function(expr: FunctionDefinitionExpr, types: Types) -> Evaluator:
    if expr.kind != "FEEL":
        kind, names = expr.kind, tuple(p for p, _ in expr.params)
        if kind == "Java" and expr.body is not None:
            mapping = build(expr.body, types)
            # the body is the {class, method signature} context; wrap it as FEEL's `external {java: ...}`
            return lambda scope, run: java_function("external", names, {"java": mapping(scope, run)})

        def external(state: EvalState, args: list[Any]) -> Any:
            state.warn(f"{kind} functions are not supported")
            return None

        return lambda scope, run: FeelFunction("external", names, external)
    body = build(expr.body, types)
    return lambda scope, run: make_function("function", expr.params, body, scope, run, types, expr.type_ref)


def _conditional(expr: ConditionalExpr, types: Types) -> Evaluator:
    cond, then, other = build(expr.condition, types), build(expr.then, types), build(expr.otherwise, types)

    def evaluate(scope: dict[str, Any], run: Run) -> Any:
        c = cond(scope, run)
        if c is True:
            return then(scope, run)
        if run.spec and c is not None and c is not False:
            run.state.warn(f"conditional: condition {c!r} is not a boolean")
            return None  # the boxed conditional needs a boolean (1150 decision003)
        return other(scope, run)

    return evaluate


def _filter(expr: FilterExpr, types: Types) -> Evaluator:
    source, match = build(expr.source, types), build(expr.match, types)

    def evaluate(scope: dict[str, Any], run: Run) -> Any:
        items = source(scope, run)
        if items is None:
            return None
        if type(items) is not list:
            items = [items]  # a non-list is a singleton list (FEEL filter semantics)
        kept = []
        for item in items:
            local = dict(scope)
            if type(item) is dict:
                local.update(item)
            local["item"] = item
            m = match(local, run)
            if m is True:
                kept.append(item)
            elif m is not False and m is not None:
                run.state.warn(f"filter: match {m!r} is not a boolean")
                return None  # 1151 decision004/005
        return kept

    return evaluate


def _iterator(expr: IteratorExpr, types: Types) -> Evaluator:
    source, body, var, kind = build(expr.source, types), build(expr.body, types), expr.variable, expr.kind

    def evaluate(scope: dict[str, Any], run: Run) -> Any:
        items = source(scope, run)
        if items is None:
            return None
        if type(items) is not list:
            items = [items]
        local = dict(scope)
        if kind == "for":
            partial: list[Any] = []
            local["partial"] = partial
            for item in items:
                local[var] = item
                partial.append(body(local, run))
            return list(partial)
        results = []
        for item in items:
            local[var] = item
            results.append(body(local, run))
        if any(r is not True and r is not False for r in results):
            run.state.warn(f"{kind}: a non-boolean result in {results!r}")
            return None  # 1153 decision006
        return any(results) if kind == "some" else all(results)

    return evaluate
