"""DMN 1.1–1.5 decision engine on the FEEL interpreter: parse once, evaluate with Zeebe-shaped results."""

from engine.dmn.engine import evaluate_decision, evaluate_service, parse_dmn
from engine.dmn.model import DmnEvalError, DmnModel, DmnParseError
from engine.dmn.result import DecisionResult

__all__ = [
    "DecisionResult",
    "DmnEvalError",
    "DmnModel",
    "DmnParseError",
    "evaluate_decision",
    "evaluate_service",
    "parse_dmn",
]
