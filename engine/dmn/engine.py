"""Public API: parse a DMN model once, evaluate its decisions many times."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.dmn import drg
from engine.dmn.model import DmnEvalError, DmnModel
from engine.dmn.parser import parse_model
from engine.dmn.result import DecisionResult
from engine.dmn.run import Run
from engine.dmn.typing import types_of
from engine.feel.api import FeelEvaluationError
from engine.feel.values import Dialect, EvalState, FeelFatalError, from_python

Clock = Callable[[], _dt.datetime]


def parse_dmn(
    xml: bytes | str,
    source: str = "<string>",
    *,
    dialect: Dialect = "camunda",
    imports: Iterable[DmnModel] = (),
    lenient: bool = False,
) -> DmnModel:
    """Parse and compile a model; raises DmnParseError naming the file, the element and the cell.

    `imports` are already-parsed models that `<import>` elements may refer to (by namespace). The dialect
    fixes the FEEL syntax (and, for camunda, rejects what Zeebe would not deploy). `lenient` defers FEEL
    syntax errors to the evaluation of the decisions that contain them (the TCK runner uses it).
    """
    model = parse_model(xml, source, dialect, imports, lenient)
    drg.prepare(model)
    return model


def _state(model: DmnModel, dialect: Dialect, clock: Clock | None) -> EvalState:
    types = types_of(model)

    def resolve(name: str) -> Callable[[Any], bool] | None:
        return types.checker(name, allowed=False) if types.item(name) is not None else None

    return EvalState(dialect=dialect, clock=clock, type_resolver=resolve)


def evaluate_decision(
    model: DmnModel,
    decision_id: str,
    variables: Mapping[Any, Any],
    *,
    dialect: Dialect = "camunda",
    clock: Clock | None = None,
) -> DecisionResult:
    """Evaluate one decision (by id, or else by name) with its requirements, as Zeebe's EvaluateDecision.

    Variables are plain Python/JSON data or FEEL values. Keys are input names; an input of an imported
    model may be given as `(namespace, name)` or nested under the import name.
    """
    decision = model.decision(decision_id)
    if decision is None:
        return DecisionResult(
            decision_id,
            "",
            None,
            [],
            failed_decision_id=decision_id,
            failure_message=f"Expected to evaluate decision '{decision_id}', but no decision found for id "
            f"'{decision_id}'",
        )
    run = Run(_state(model, dialect, clock))
    values = {k: from_python(v) for k, v in variables.items()}
    evaluation = drg.Evaluation(model, values, run)
    result = DecisionResult(decision.id, decision.name, None, run.decisions, warnings=run.state.warnings)
    result.decision_requirements_id = model.id
    try:
        result.decision_output = evaluation.decision_value(model, decision)
    except drg.DecisionFailure as e:
        result.failed_decision_id = e.decision_id
        result.failure_message = f"Expected to evaluate decision '{decision.id}', but {e}"
    except (DmnEvalError, FeelFatalError, FeelEvaluationError) as e:
        result.failed_decision_id = decision.id
        result.failure_message = f"Expected to evaluate decision '{decision.id}', but {e}"
    return result


def evaluate_service(
    model: DmnModel,
    service: str,
    variables: Mapping[str, Any],
    *,
    dialect: Dialect = "spec",
    clock: Clock | None = None,
) -> DecisionResult:
    """Invoke a decision service (by id or name) directly; the output maps each output decision's name to
    its value. `variables` bind the service's input data and input decisions by name."""
    ds = model.services.get(service) or next((s for s in model.services.values() if s.name == service), None)
    if ds is None:
        return DecisionResult(
            service,
            "",
            None,
            [],
            failed_decision_id=service,
            failure_message=f"no decision service '{service}'",
        )
    run = Run(_state(model, dialect, clock))
    evaluation = drg.Evaluation(model, {}, run)
    result = DecisionResult(ds.id, ds.name, None, run.decisions, warnings=run.state.warnings)
    try:
        result.decision_output = evaluation.invoke_service(
            model, ds, {k: from_python(v) for k, v in variables.items()}
        )
    except (drg.DecisionFailure, DmnEvalError, FeelFatalError, FeelEvaluationError) as e:
        result.failed_decision_id = getattr(e, "decision_id", ds.id)
        result.failure_message = f"Expected to evaluate decision service '{ds.id}', but {e}"
    return result
