"""The parser's bridge to the FEEL compiler: compiles with the model's names and turns syntax errors into
DmnParseError messages that name the file, the element and the cell."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.dmn.model import DmnParseError
from engine.feel.values import Dialect


class FeelCompiler:
    """Compiles FEEL text for one model; every failure names `source` and the `where` the caller gives."""

    def __init__(self, source: str, names: Iterable[str], dialect: Dialect) -> None:
        self.source = source
        self.names = frozenset(names)
        self.dialect = dialect

    def with_names(self, extra: Iterable[str]) -> FeelCompiler:
        return FeelCompiler(self.source, self.names | frozenset(extra), self.dialect)

    def expr(self, text: str, where: str) -> Any:
        from engine.feel import FeelSyntaxError, compile_expression

        try:
            return compile_expression(text, self.names, self.dialect)
        except FeelSyntaxError as e:
            raise DmnParseError(f"{self.source}: {where}: invalid FEEL expression '{text}': {e}") from None

    def tests(self, text: str, where: str) -> Any:
        from engine.feel import FeelSyntaxError, compile_unary_tests

        try:
            return compile_unary_tests(text, self.names, self.dialect)
        except FeelSyntaxError as e:
            raise DmnParseError(f"{self.source}: {where}: invalid FEEL unary tests '{text}': {e}") from None
