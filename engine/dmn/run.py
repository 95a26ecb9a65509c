"""Per-evaluation state shared by the DRG, boxed-expression and decision-table evaluators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.dmn.result import EvaluatedDecision
from engine.feel.values import EvalState


class Run:
    """One `evaluate_decision` call: the FEEL state, the dialect and the evaluated-decision log."""

    __slots__ = ("state", "spec", "decisions")

    def __init__(self, state: EvalState) -> None:
        self.state = state
        #: spec semantics (TCK) rather than Zeebe's
        self.spec = state.dialect == "spec"
        self.decisions: list[EvaluatedDecision] = []


#: a compiled boxed expression: evaluates against a scope of FEEL values
Evaluator = Callable[[dict[str, Any], Run], Any]
