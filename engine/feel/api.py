"""Parsing, caching and the public entry points of the FEEL engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from engine.feel.builtins import BUILTINS, load_all
from engine.feel.compile import CompileError, Compiler, Env, Fn, Test
from engine.feel.names import TYPE_NAMES, needs_quoting, quote_names
from engine.feel.values import DIALECT, Dialect, EvalState, FeelFatalError, from_python

_parser: Lark | None = None
_builtin_names: frozenset[str] = frozenset()


def parser() -> Lark:
    global _parser, _builtin_names
    if _parser is None:
        load_all()
        _builtin_names = frozenset(n for n in (*BUILTINS, *TYPE_NAMES) if needs_quoting(n))
        grammar = (Path(__file__).parent / "feel.lark").read_text()
        _parser = Lark(
            grammar,
            parser="lalr",
            start=["start", "positive_tests"],
            maybe_placeholders=True,
            propagate_positions=True,
            # the LALR tables are cached in the temp folder (keyed by the grammar): a restart skips ~0.3 s
            cache=True,
        )
    return _parser


class FeelSyntaxError(ValueError):
    """An expression that does not parse; `str()` shows the expression with a caret under the position."""

    def __init__(self, text: str, position: int, detail: str) -> None:
        self.text = text
        self.position = position
        self.detail = detail
        line = text.count("\n", 0, position) + 1
        start = text.rfind("\n", 0, position) + 1
        end = text.find("\n", position)
        source_line = text[start : end if end >= 0 else len(text)]
        column = position - start + 1
        super().__init__(
            f"failed to parse FEEL expression at line {line}, column {column}: {detail}\n"
            f"  {source_line}\n  {' ' * (column - 1)}^"
        )


class FeelEvaluationError(RuntimeError):
    """An evaluation that must fail rather than give null (`assert`, `?` outside a unary test)."""


def _parse(text: str, names: frozenset[str], start: str) -> tuple[Tree, Callable[[int], int]]:
    p = parser()
    quoted = quote_names(text, names | _builtin_names)
    try:
        return p.parse(quoted.text, start=start), quoted.original_offset
    except UnexpectedInput as e:
        pos = getattr(e, "pos_in_stream", None)
        if pos is None or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
            pos = len(quoted.text)
        original = min(quoted.original_offset(pos), len(text))
        raise FeelSyntaxError(text, original, _describe(e, quoted.text, pos)) from None


def _describe(e: UnexpectedInput, text: str, pos: int) -> str:
    if isinstance(e, UnexpectedEOF) or pos >= len(text):
        return "unexpected end of expression"
    if isinstance(e, UnexpectedToken):
        if e.token.type == "$END":
            return "unexpected end of expression"
        return f"unexpected '{e.token}'"
    if isinstance(e, UnexpectedCharacters):
        return f"unexpected character '{text[pos]}'"
    return str(e).splitlines()[0]  # pragma: no cover


@contextmanager
def scope(variables: Mapping[str, Any] | None, state: EvalState) -> Iterator[Env]:
    """One evaluation scope for calling several compiled closures (`expr.fn(env)`, `tests.test(value, env)`).

    A decision table evaluates dozens of cells against the same variables: setting the dialect and building
    the scope once per table, not once per cell, is most of its speed.
    """
    token = DIALECT.set(state.dialect)
    try:
        yield Env(variables if variables is not None else {}, None, state)
    except FeelFatalError as e:
        raise FeelEvaluationError(str(e)) from None
    except RecursionError:
        raise FeelEvaluationError("expression nests too deeply (recursion limit reached)") from None
    finally:
        DIALECT.reset(token)


def _run(fn: Callable[[Env], Any], variables: Mapping[str, Any] | None, state: EvalState) -> Any:
    # scope() spelled out: a generator context manager costs as much as a small expression
    token = DIALECT.set(state.dialect)
    try:
        return fn(Env(variables if variables is not None else {}, None, state))
    except FeelFatalError as e:
        raise FeelEvaluationError(str(e)) from None
    except RecursionError:
        raise FeelEvaluationError("expression nests too deeply (recursion limit reached)") from None
    finally:
        DIALECT.reset(token)


class CompiledExpression:
    """A FEEL expression compiled once; evaluate it against any variables."""

    __slots__ = ("text", "dialect", "fn", "uses_input")

    def __init__(self, text: str, dialect: Dialect, fn: Fn, uses_input: bool) -> None:
        self.text = text
        self.dialect = dialect
        #: the compiled closure, `fn(env) -> value`; call it inside `scope()`
        self.fn = fn
        self.uses_input = uses_input

    def evaluate(self, variables: Mapping[str, Any] | None = None, state: EvalState | None = None) -> Any:
        """The value (FEEL values: Decimal numbers, ...). Variables must already be FEEL values (`from_python`)."""
        return _run(self.fn, variables, state or EvalState(self.dialect))

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r})"


class CompiledUnaryTests:
    """The unary tests of a decision-table input entry (`< 5`, `"a","b"`, `not([1..3])`, `-`)."""

    __slots__ = ("text", "dialect", "test", "always")

    def __init__(self, text: str, dialect: Dialect, test: Test | None) -> None:
        self.text = text
        self.dialect = dialect
        #: the compiled closure, `test(value, env) -> bool | None` (None for `-`); call it inside `scope()`
        self.test = test
        #: `-` (or an empty cell): matches every input
        self.always = test is None

    def evaluate(
        self, value: Any, variables: Mapping[str, Any] | None = None, state: EvalState | None = None
    ) -> bool | None:
        test = self.test
        if test is None:
            return True
        st = state or EvalState(self.dialect)
        return _run(lambda env: test(value, env), variables, st)


def _compile(text: str, where: Callable[[int], int], build: Callable[[], Any]) -> Any:
    try:
        return build()
    except CompileError as e:
        meta = getattr(e.node, "meta", None)
        pos = where(meta.start_pos) if meta is not None and not meta.empty else 0
        raise FeelSyntaxError(text, pos, str(e)) from None


@lru_cache(maxsize=8192)
def _compile_expression(text: str, names: frozenset[str], dialect: Dialect) -> CompiledExpression:
    tree, where = _parse(text, names, "start")
    c = Compiler(dialect)
    fn = _compile(text, where, lambda: c.compile(tree))
    return CompiledExpression(text, dialect, fn, c.uses_input)


@lru_cache(maxsize=8192)
def _compile_unary_tests(text: str, names: frozenset[str], dialect: Dialect) -> CompiledUnaryTests:
    stripped = text.strip()
    if stripped in ("", "-"):
        return CompiledUnaryTests(text, dialect, None)
    tree, where = _parse(text, names, "positive_tests")
    c = Compiler(dialect)
    items = list(tree.children)
    negated = _negation(items)
    if negated is not None:
        inner = _compile(text, where, lambda: c.tests(negated))

        def test(v: Any, env: Env) -> bool | None:
            r = inner(v, env)
            return None if r is None else not r

        return CompiledUnaryTests(text, dialect, test)
    return CompiledUnaryTests(text, dialect, _compile(text, where, lambda: c.tests(items)))


def _negation(items: list[Any]) -> list[Tree] | None:
    """`not(t1, t2)` parses as a call of `not`; as a cell it negates the disjunction of its tests."""
    if len(items) != 1 or not isinstance(items[0], Tree) or items[0].data != "call":
        return None
    target, args = items[0].children
    if not (isinstance(target, Tree) and target.data == "var"):
        return None
    from engine.feel.compile import name_of

    if name_of(target.children[0]) != "not" or args is None or args.data != "positional":
        return None
    return list(args.children)


def compile_expression(text: str, names: Iterable[str] = (), dialect: Dialect = "spec") -> CompiledExpression:
    """Compile (cached) a FEEL expression. `names`: in-scope names holding spaces or special characters."""
    return _compile_expression(text, frozenset(names), dialect)


def compile_unary_tests(text: str, names: Iterable[str] = (), dialect: Dialect = "spec") -> CompiledUnaryTests:
    """Compile (cached) the unary tests of a decision-table cell."""
    return _compile_unary_tests(text, frozenset(names), dialect)


def evaluate(
    text: str, variables: Mapping[str, Any] | None = None, dialect: Dialect = "spec", **kwargs: Any
) -> Any:
    """Compile and evaluate in one step; plain Python variables are converted to FEEL values."""
    expr = compile_expression(text, tuple(variables or ()), dialect)
    state = EvalState(dialect, **kwargs)
    return expr.evaluate({k: from_python(v) for k, v in (variables or {}).items()}, state)
