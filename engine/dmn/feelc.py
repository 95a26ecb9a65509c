"""The parser's bridge to the FEEL compiler: compiles with the model's names and turns syntax errors into
DmnParseError messages that name the file, the element and the cell."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.dmn.model import DmnEvalError, DmnParseError
from engine.feel.values import Dialect


class Broken:
    """Stands in for an expression that did not compile (lenient parsing): evaluating it is an error, so
    only the decisions that use it fail, as in an engine that compiles lazily."""

    always = False

    def __init__(self, message: str) -> None:
        self.message = message

    def evaluate(self, *args: Any) -> Any:
        raise DmnEvalError(self.message)


class FeelCompiler:
    """Compiles FEEL text for one model; every failure names `source` and the `where` the caller gives."""

    def __init__(self, source: str, names: Iterable[str], dialect: Dialect, lenient: bool = False) -> None:
        self.source = source
        self.names = frozenset(names)
        self.dialect = dialect
        self.lenient = lenient

    def with_names(self, extra: Iterable[str]) -> FeelCompiler:
        return FeelCompiler(self.source, self.names | frozenset(extra), self.dialect, self.lenient)

    def _fail(self, message: str) -> Any:
        if self.lenient:
            return Broken(message)
        raise DmnParseError(message)

    def expr(self, text: str, where: str) -> Any:
        from engine.feel import FeelSyntaxError, compile_expression

        try:
            return compile_expression(text, self.names, self.dialect)
        except FeelSyntaxError as e:
            return self._fail(f"{self.source}: {where}: invalid FEEL expression '{text}': {e}")

    def tests(self, text: str, where: str) -> Any:
        from engine.feel import FeelSyntaxError, compile_unary_tests

        try:
            return compile_unary_tests(text, self.names, self.dialect)
        except FeelSyntaxError as e:
            return self._fail(f"{self.source}: {where}: invalid FEEL unary tests '{text}': {e}")
