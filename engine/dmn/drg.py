"""Decision requirements graph evaluation (feel-dmn.md §5.3, §5.5).

Lazy: only what the target decision requires is evaluated, each decision once per evaluation. A decision
sees exactly its requirements (spec) — or, in the camunda dialect, every variable plus its required
decisions and BKMs, as Zeebe does. Elements of imported models appear under the import's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.dmn import boxed, tables
from engine.dmn.model import (
    BusinessKnowledgeModel,
    Decision,
    DecisionService,
    DecisionTable,
    DmnEvalError,
    DmnModel,
    InputData,
    Ref,
)
from engine.dmn.result import EvaluatedDecision
from engine.dmn.run import Run
from engine.dmn.typing import NONCONFORMING, camunda_check, types_of
from engine.feel.api import FeelEvaluationError
from engine.feel.values import EvalState, FeelFatalError, FeelFunction

Element = Decision | InputData | BusinessKnowledgeModel | DecisionService
Key = tuple[str, str]  # (model namespace, element id)


class DecisionFailure(Exception):
    """A failed decision (camunda dialect): aborts the evaluation, as dmn-scala does."""

    def __init__(self, decision_id: str, message: str) -> None:
        super().__init__(message)
        self.decision_id = decision_id


def prepare(model: DmnModel) -> None:
    """Build every decision's and BKM's evaluator once, at parse time."""
    types = types_of(model)
    logic: dict[str, Any] = {}
    for d in model.decisions.values():
        if isinstance(d.logic, DecisionTable):
            logic[d.id] = tables.build(d.logic, types)
        else:
            logic[d.id] = boxed.build(d.logic, types)
    for b in model.bkms.values():
        logic[b.id] = boxed.build(b.logic.body if b.logic is not None else None, types)
    model.cache["logic"] = logic


def all_models(model: DmnModel) -> dict[str, DmnModel]:
    """The model and everything it imports, transitively, by namespace."""
    found = model.cache.get("models")
    if found is None:
        found = {model.namespace: model}
        todo = [model]
        while todo:
            for ns, m in todo.pop().imported.items():
                if ns not in found:
                    found[ns] = m
                    todo.append(m)
        model.cache["models"] = found
    return found


class Evaluation:
    """One evaluation of a DRG: input values, the per-evaluation decision cache and function values."""

    def __init__(
        self,
        model: DmnModel,
        variables: Mapping[Any, Any],
        run: Run,
        overrides: dict[Key, Any] | None = None,
    ) -> None:
        self.model = model
        self.models = all_models(model)
        self.variables = variables
        self.run = run
        self.values: dict[Key, Any] = dict(overrides or {})
        self.functions: dict[Key, FeelFunction] = {}
        self.evaluating: set[Key] = set()

    # -- resolution

    def resolve(self, model: DmnModel, ref: Ref) -> tuple[DmnModel, Element]:
        m = self.models.get(ref.namespace, None) if ref.namespace else model
        if m is None:
            raise DmnEvalError(f"no model with namespace '{ref.namespace}' for '{ref.id}'")
        el: Element | None = (
            m.decisions.get(ref.id) or m.inputs.get(ref.id) or m.bkms.get(ref.id) or m.services.get(ref.id)
        )
        if el is None:
            raise DmnEvalError(f"no element with id '{ref.id}' in model '{m.name}'")
        return m, el

    def _put(self, scope: dict[str, Any], home: DmnModel, owner: DmnModel, name: str, value: Any) -> None:
        if owner is home:
            scope[name] = value
            return
        for imp in home.imports:
            if imp.namespace == owner.namespace:
                inner = scope.get(imp.name)
                if type(inner) is not dict:
                    inner = scope[imp.name] = {}
                inner[name] = value
                return
        scope[name] = value  # a transitive element: visible by its own name

    def scope_for(self, model: DmnModel, d: Decision) -> dict[str, Any]:
        scope: dict[str, Any] = {} if self.run.spec else dict(self.variables)
        for ref in d.required_inputs:
            m, el = self.resolve(model, ref)
            if isinstance(el, InputData):
                self._put(scope, model, m, el.name, self.input_value(m, el))
        for ref in d.required_decisions:
            m, el = self.resolve(model, ref)
            if isinstance(el, Decision):
                self._put(scope, model, m, el.name, self.decision_value(m, el))
        for ref in d.required_knowledge:
            m, el = self.resolve(model, ref)
            self._put(scope, model, m, el.name, self.function_of(m, el))
        return scope

    # -- values

    def input_value(self, m: DmnModel, el: InputData) -> Any:
        key = (m.namespace, el.id)
        if key in self.values:
            return self.values[key]
        v = self.variables.get((m.namespace, el.name))
        if v is None and m is self.model:
            v = self.variables.get(el.name)
        elif v is None:
            for imp in self.model.imports:
                if imp.namespace == m.namespace:
                    outer = self.variables.get(imp.name)
                    v = outer.get(el.name) if isinstance(outer, dict) else None
        if self.run.spec and el.type_ref:
            v = types_of(m).coerce(v, el.type_ref, self.run.state, f"input data '{el.name}'")
        self.values[key] = v
        return v

    def decision_value(self, m: DmnModel, d: Decision) -> Any:
        key = (m.namespace, d.id)
        if key in self.values:
            return self.values[key]
        if key in self.evaluating:
            raise DmnEvalError(f"cyclic dependency on decision '{d.name}'")
        self.evaluating.add(key)
        run = self.run
        record = EvaluatedDecision(d.id, d.name, boxed.DECISION_TYPES.get(type(d.logic), "UNKNOWN"), None)
        try:
            scope = self.scope_for(m, d)
            logic = m.cache["logic"][d.id]
            if isinstance(d.logic, DecisionTable):
                value, record.evaluated_inputs, record.matched_rules = logic(scope, run, True)
            else:
                value = logic(scope, run)
            if run.spec:
                value = types_of(m).coerce(value, d.type_ref, run.state, f"decision '{d.name}'")
            else:
                problem = camunda_check(value, d.type_ref)
                if problem:
                    raise DmnEvalError(f"failed to evaluate decision '{d.id}': {problem}")
        except (DmnEvalError, FeelFatalError, FeelEvaluationError) as e:
            if not run.spec:
                # Zeebe's audit log ends with the decision that failed (its evaluatedDecisions; Operate shows
                # that last one as the FAILED decision instance), without an output
                run.decisions.append(record)
                raise DecisionFailure(d.id, str(e)) from e
            run.state.warn(f"decision '{d.name}': {e}")
            value = None
        finally:
            self.evaluating.discard(key)
        record.decision_output = value
        run.decisions.append(record)
        self.values[key] = value
        return value

    # -- functions

    def function_of(self, m: DmnModel, el: Element) -> Any:
        key = (m.namespace, el.id)
        fn = self.functions.get(key)
        if fn is not None:
            return fn
        if isinstance(el, BusinessKnowledgeModel):
            scope: dict[str, Any] = {}
            params = el.logic.params if el.logic is not None else ()
            fn = boxed.make_function(
                el.name,
                params,
                m.cache["logic"][el.id],
                scope,
                self.run,
                types_of(m),
                self._result_type(m, el),
            )
            self.functions[key] = fn  # before the requirements: a BKM may require itself
            for ref in el.required_knowledge:
                rm, rel = self.resolve(m, ref)
                self._put(scope, m, rm, rel.name, self.function_of(rm, rel))
            return fn
        if isinstance(el, DecisionService):
            fn = self.service_function(m, el)
            self.functions[key] = fn
            return fn
        raise DmnEvalError(f"'{el.name}' is not a business knowledge model or decision service")

    def _result_type(self, m: DmnModel, bkm: BusinessKnowledgeModel) -> str | None:
        tr = bkm.logic.type_ref if bkm.logic is not None and bkm.logic.type_ref else bkm.type_ref
        if not tr:
            return None
        found = types_of(m).item(tr)
        if found is not None and found[0].function_params is not None:
            return found[0].function_output
        return tr

    def service_params(self, m: DmnModel, ds: DecisionService) -> list[tuple[Key, str, str | None, DmnModel]]:
        """The service's parameters: input data first, then input decisions (0085 test 011)."""
        out = []
        for ref in (*ds.input_data, *ds.input_decisions):
            rm, el = self.resolve(m, ref)
            out.append(((rm.namespace, el.id), el.name, getattr(el, "type_ref", None), rm))
        return out

    def service_function(self, m: DmnModel, ds: DecisionService) -> FeelFunction:
        params = self.service_params(m, ds)

        def impl(state: EvalState, args: list[Any]) -> Any:
            named = {p[1]: a for p, a in zip(params, args, strict=False)}
            if self.run.spec:
                for (_, pname, type_ref, rm), a in zip(params, args, strict=False):
                    if (
                        types_of(rm).coerce(a, type_ref, state, f"parameter '{pname}'", NONCONFORMING)
                        is NONCONFORMING
                    ):
                        return None  # a bad argument voids the invocation (0085 test 007)
            outputs = self.invoke_service(m, ds, named)
            return next(iter(outputs.values())) if len(outputs) == 1 else outputs

        return FeelFunction(ds.name, tuple(p[1] for p in params), impl)

    def invoke_service(self, m: DmnModel, ds: DecisionService, args: Mapping[str, Any]) -> dict[str, Any]:
        """Evaluate a decision service in a fresh scope: its parameters are its only inputs."""
        overrides: dict[Key, Any] = {}
        for key, name, type_ref, rm in self.service_params(m, ds):
            v = args.get(name)
            if self.run.spec and type_ref:
                v = types_of(rm).coerce(v, type_ref, self.run.state, f"parameter '{name}' of '{ds.name}'")
            overrides[key] = v
        inner = Evaluation(self.model, {}, self.run, overrides)
        result: dict[str, Any] = {}
        for ref in ds.output_decisions:
            rm, el = self.resolve(m, ref)
            if isinstance(el, Decision):
                result[el.name] = inner.decision_value(rm, el)
        if self.run.spec and ds.type_ref and result:
            # the service's own type applies to its output (0082 decisionService_001)
            shaped = next(iter(result.values())) if len(result) == 1 else result
            if (
                shaped is not None
                and types_of(m).coerce(shaped, ds.type_ref, self.run.state, ds.name) is None
            ):
                return dict.fromkeys(result)
        return result
