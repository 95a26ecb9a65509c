"""Compile a FEEL parse tree into nested Python closures, each `fn(env) -> value`.

Compiling once and evaluating closures avoids walking the tree on every evaluation: a decision-table cell or a
gateway condition costs a few function calls. Errors follow feel-scala: a bad operation gives null and a
warning on the EvalState; only `assert` and misuse of `?` abort the evaluation (FeelFatalError).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from lark import Token, Tree

from engine.feel import ops
from engine.feel import types as feel_types
from engine.feel.builtins import BUILTINS, SPEC_ONLY
from engine.feel.functions import call_function
from engine.feel.java import java_function
from engine.feel.values import (
    DECIMAL,
    MISSING,
    Dialect,
    EvalState,
    FeelFatalError,
    FeelFunction,
    Range,
    TemporalValue,
    type_name,
)

Fn = Callable[["Env"], Any]
#: a compiled unary test: (input value, env) -> True / False / None
Test = Callable[[Any, "Env"], bool | None]


class CompileError(ValueError):
    """A construct that parses but cannot mean anything (an unknown generic type); carries the node."""

    def __init__(self, message: str, node: Tree) -> None:
        super().__init__(message)
        self.node = node


class Env:
    """One scope level: a mapping of names plus the scope it sits in."""

    __slots__ = ("vars", "parent", "state")

    def __init__(self, vars: Mapping[str, Any], parent: Env | None, state: EvalState) -> None:
        self.vars = vars
        self.parent = parent
        self.state = state

    def lookup(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            v = env.vars.get(name, MISSING)
            if v is not MISSING:
                return v
            env = env.parent
        return MISSING

    def child(self, vars: Mapping[str, Any]) -> Env:
        return Env(vars, self, self.state)


def _temporal() -> Any:
    from engine.feel import temporal

    return temporal


# --- arithmetic -----------------------------------------------------------------------------------------------


def _fail(env: Env, message: str) -> Any:
    env.state.warn(message)
    return None


def _arithmetic(
    name: str, numbers: Callable[[Decimal, Decimal], Decimal], temporal_op: str, verb: str
) -> Callable[[Any, Any, Env], Any]:
    """One FEEL arithmetic operator: numbers in decimal128, temporals via engine.feel.temporal, else null."""

    dividing, adding = name == "divide", name == "add"  # decided once, not per evaluation

    def operate(a: Any, b: Any, env: Env) -> Any:
        if type(a) is Decimal and type(b) is Decimal:
            if dividing and not b:
                return _fail(env, f"can't divide {a} by zero")
            try:
                return numbers(a, b)
            except ArithmeticError:
                return _fail(env, f"failed to {name} {a} and {b}")
        if adding and type(a) is str and type(b) is str:
            return a + b
        if a is None or b is None:
            return None
        if isinstance(a, TemporalValue) or (not dividing and isinstance(b, TemporalValue)):
            r = getattr(_temporal(), temporal_op)(a, b)
            if r is not None:
                return r
        return _fail(env, f"can't {verb.format(a=_show(a), b=_show(b))}")

    return operate


add = _arithmetic("add", DECIMAL.add, "add", "add {a} to {b}")
sub = _arithmetic("subtract", DECIMAL.subtract, "subtract", "subtract {b} from {a}")
mul = _arithmetic("multiply", DECIMAL.multiply, "multiply", "multiply {a} by {b}")
div = _arithmetic("divide", DECIMAL.divide, "divide", "divide {a} by {b}")


def power(a: Any, b: Any, env: Env) -> Any:
    if type(a) is not Decimal or type(b) is not Decimal:
        if a is not None and b is not None:
            env.state.warn(f"can't raise {_show(a)} to the power {_show(b)}")
        return None
    try:
        if b == b.to_integral_value() and abs(b) <= 999_999_999:
            return DECIMAL.power(a, int(b))
        # non-integer powers go through double, as feel-scala does
        return DECIMAL.create_decimal(repr(float(a) ** float(b)))
    except (ArithmeticError, ValueError, OverflowError):
        return _fail(env, f"failed to raise {a} to the power {b}")


def negate(a: Any, env: Env) -> Any:
    if type(a) is Decimal:
        return DECIMAL.minus(a)
    if a is None:
        return None
    if isinstance(a, TemporalValue):
        r = _temporal().negate(a)
        if r is not None:
            return r
    return _fail(env, f"can't negate {_show(a)}")


def _show(v: Any) -> str:
    return f"{type_name(v)} '{v!r}'" if v is not None else "null"


# --- comparison -----------------------------------------------------------------------------------------------


def compare_op(op: str) -> Callable[[Any, Any, Env], bool | None]:
    if op == "=":
        return lambda a, b, env: ops.equals(a, b)
    if op == "!=":

        def ne(a: Any, b: Any, env: Env) -> bool | None:
            r = ops.equals(a, b)
            return None if r is None else not r

        return ne
    check = {"<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}[op]

    def ordered(a: Any, b: Any, env: Env) -> bool | None:
        c = ops.compare(a, b)
        if c is None:
            if a is not None and b is not None:
                env.state.warn(f"can't compare {_show(a)} with {_show(b)}")
            return None
        return check(c)

    return ordered


def _bool(v: Any) -> bool | None:
    return v if type(v) is bool else None


# --- strings --------------------------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(U[0-9a-fA-F]{6}|u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unescape(body: str, dialect: Dialect) -> str:
    def repl(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "uU" and len(e) > 1:
            # feel-scala leaves unicode escapes undecoded (feel-dmn.md §4.1)
            return m.group(0) if dialect == "camunda" else chr(int(e[1:], 16))
        return _SIMPLE_ESCAPES.get(e, m.group(0))

    text = _ESCAPE.sub(repl, body)
    # two \u escapes forming a surrogate pair are one character
    if dialect == "spec" and any("\ud800" <= c <= "\udfff" for c in text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


# --- the compiler ---------------------------------------------------------------------------------------------


def name_of(tree: Tree | Token) -> str:
    """The name a `name` node spells: words joined by one space, backticks removed."""
    parts = []
    for tok in tree.children if isinstance(tree, Tree) else [tree]:
        s = str(tok)
        parts.append(" ".join(s[1:-1].split()) if s.startswith("`") else s)
    return " ".join(parts)


class Compiler:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.uses_input = False

    def compile(self, tree: Tree | Token) -> Fn:
        if isinstance(tree, Token):  # pragma: no cover - the grammar wraps every token
            raise ValueError(f"unexpected token {tree!r}")
        handler = getattr(self, f"c_{tree.data}", None)
        if handler is None:  # pragma: no cover - grammar and compiler out of step
            raise ValueError(f"no compiler for {tree.data}")
        fn: Fn = handler(tree)
        return fn

    # literals
    def c_number(self, t: Tree) -> Fn:
        return _const(DECIMAL.create_decimal(str(t.children[0])))

    def c_string(self, t: Tree) -> Fn:
        return _const(unescape(str(t.children[0])[1:-1], self.dialect))

    def c_true(self, t: Tree) -> Fn:
        return _const(True)

    def c_false(self, t: Tree) -> Fn:
        return _const(False)

    def c_null(self, t: Tree) -> Fn:
        return _const(None)

    def c_at_literal(self, t: Tree) -> Fn:
        text = unescape(str(t.children[0])[2:-1], self.dialect)
        value = _temporal().parse_at_literal(text)
        if value is None:
            # an invalid @-literal is a null with a warning, like the matching conversion function
            def bad(env: Env) -> Any:
                env.state.warn(f"invalid temporal literal @\"{text}\"")
                return None

            return bad
        return _const(value)

    # names
    def c_var(self, t: Tree) -> Fn:
        name = name_of(t.children[0])

        def var(env: Env) -> Any:
            v = env.lookup(name)
            if v is MISSING:
                fn = self._builtin(name)
                if fn is not None:
                    return fn
                env.state.warn(f"no variable found with name '{name}'")
                return None
            return v

        var.feel_name = name  # type: ignore[attr-defined]
        return var

    def c_input_ref(self, t: Tree) -> Fn:
        self.uses_input = True

        def input_ref(env: Env) -> Any:
            v = env.lookup("?")
            if v is MISSING:
                raise FeelFatalError("'?' is only available in a unary test (a decision-table input entry)")
            return v

        return input_ref

    def _builtin(self, name: str) -> FeelFunction | None:
        if self.dialect == "camunda" and name in SPEC_ONLY:
            return None
        return BUILTINS.get(name)

    # operators
    def _binary(self, t: Tree, op: Callable[[Any, Any, Env], Any]) -> Fn:
        left, right = self.compile(t.children[0]), self.compile(t.children[1])
        return lambda env: op(left(env), right(env), env)

    def c_add(self, t: Tree) -> Fn:
        return self._binary(t, add)

    def c_sub(self, t: Tree) -> Fn:
        return self._binary(t, sub)

    def c_mul(self, t: Tree) -> Fn:
        return self._binary(t, mul)

    def c_div(self, t: Tree) -> Fn:
        return self._binary(t, div)

    def c_pow(self, t: Tree) -> Fn:
        return self._binary(t, power)

    def c_neg(self, t: Tree) -> Fn:
        inner = self.compile(t.children[0])
        const = getattr(inner, "const", MISSING)
        if type(const) is Decimal:
            return _const(DECIMAL.minus(const))
        return lambda env: negate(inner(env), env)

    def c_compare(self, t: Tree) -> Fn:
        left, op_tree, right = t.children
        op_text = str(op_tree.children[0])
        op = compare_op(op_text)
        lf, rf = self.compile(left), self.compile(right)
        bound = getattr(rf, "const", MISSING)
        if type(bound) is Decimal or type(bound) is str or (type(bound) is bool and op_text in ("=", "!=")):
            # `amount > 1000`: same-type operands compare natively; anything else takes the general path
            py, kind = _PY_OPS[op_text], type(bound)

            def compare_const(env: Env) -> bool | None:
                v = lf(env)
                return py(v, bound) if type(v) is kind else op(v, bound, env)

            return compare_const
        return lambda env: op(lf(env), rf(env), env)

    def c_and_(self, t: Tree) -> Fn:
        lf, rf = self.compile(t.children[0]), self.compile(t.children[1])

        def and_(env: Env) -> bool | None:
            a = _bool(lf(env))
            if a is False:
                return False
            b = _bool(rf(env))
            if b is False:
                return False
            return True if a and b else None

        return and_

    def c_or_(self, t: Tree) -> Fn:
        lf, rf = self.compile(t.children[0]), self.compile(t.children[1])

        def or_(env: Env) -> bool | None:
            a = _bool(lf(env))
            if a is True:
                return True
            b = _bool(rf(env))
            if b is True:
                return True
            return False if a is False and b is False else None

        return or_

    def c_between(self, t: Tree) -> Fn:
        vf, lo, hi = (self.compile(c) for c in t.children)
        ge, le = compare_op(">="), compare_op("<=")

        def between(env: Env) -> bool | None:
            v = vf(env)
            a, b = _bool(ge(v, lo(env), env)), _bool(le(v, hi(env), env))
            if a is False or b is False:
                return False
            return True if a and b else None

        return between

    def c_in_(self, t: Tree) -> Fn:
        value = self.compile(t.children[0])
        target = t.children[1]
        items = target.children if isinstance(target, Tree) and target.data == "tuple" else [target]
        test = self.tests(items)
        return lambda env: test(value(env), env)

    def c_instance_of(self, t: Tree) -> Fn:
        value = self.compile(t.children[0])
        check = self.type_predicate(t.children[1])
        return lambda env: bool(check(v, env.state)) if (v := value(env)) is not None else False

    def type_predicate(self, t: Tree) -> feel_types.Predicate:
        kind = t.data
        if kind == "simple_type":
            return feel_types.named_type(name_of(t.children[0]))
        if kind == "generic_type":
            base = name_of(t.children[0])
            args = [self.type_predicate(c) for c in t.children[1:]]
            if base == "list" and len(args) == 1:
                return feel_types.list_type(args[0])
            if base == "range" and len(args) == 1:
                return feel_types.range_type(args[0])
            raise CompileError(f"unknown type '{base}<...>'", t)
        if kind == "context_type":
            fields = [
                (name_of(f.children[0]), self.type_predicate(f.children[1]))
                for f in t.children[1:]
            ]
            return feel_types.context_type(fields)
        if kind == "function_type":
            types = [self.type_predicate(c) for c in t.children if isinstance(c, Tree)]
            return feel_types.function_type(types[:-1], types[-1])
        raise ValueError(f"unknown type {kind}")  # pragma: no cover

    # unary tests ---------------------------------------------------------------------------------------------
    def tests(self, items: list[Tree]) -> Test:
        """A disjunction of positive unary tests (`1, [2..3], < 5`)."""
        compiled = [self.test(i) for i in items]
        if len(compiled) == 1:
            return compiled[0]
        consts = [getattr(c, "equals_const", MISSING) for c in compiled]
        kinds = {type(c) for c in consts}
        if len(kinds) == 1 and kinds <= {str, Decimal}:
            return _member_test(frozenset(consts), kinds.pop())

        def any_of(v: Any, env: Env) -> bool | None:
            seen_null = False
            for test in compiled:
                r = test(v, env)
                if r is True:
                    return True
                if r is None:
                    seen_null = True
            return None if seen_null else False

        return any_of

    def test(self, t: Tree) -> Test:
        if t.data == "unary_compare":
            op_text = str(t.children[0].children[0])
            op = compare_op(op_text)
            rf = self.compile(t.children[1])
            bound = getattr(rf, "const", MISSING)
            if type(bound) is Decimal or type(bound) is str:
                return _compare_const_test(op_text, op, bound)
            return lambda v, env: op(v, rf(env), env)
        if t.data == "null":
            return lambda v, env: v is None
        if t.data == "tuple":
            return self.tests(t.children)
        before = self.uses_input
        self.uses_input = False
        fn = self.compile(t)
        uses_input, self.uses_input = self.uses_input, before or self.uses_input
        const = getattr(fn, "const", MISSING)
        literal_bool = t.data in ("true", "false")
        if const is not MISSING and (type(const) is not bool or literal_bool):
            fast = _const_test(const)
            if fast is not None:
                return fast
        camunda = self.dialect == "camunda"

        def test(v: Any, env: Env) -> bool | None:
            r = fn(env.child({"?": v}) if uses_input else env)
            if uses_input and type(r) is bool:
                return r
            if camunda and r is True and not literal_bool:
                # feel-scala: an expression that is true matches whatever the input (feel-dmn.md §4.1)
                return True
            return value_test(v, r)

        return test

    # postfix
    def c_filter(self, t: Tree) -> Fn:
        base = self.compile(t.children[0])
        cond_tree = t.children[1]
        cond = self.compile(cond_tree)
        const = getattr(cond, "const", MISSING)

        def filter_(env: Env) -> Any:
            items = base(env)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            if const is not MISSING:
                return _pick(items, const, env) if type(const) is Decimal else _keep(items, const)
            out = []
            for i, item in enumerate(items):
                # a context item's own entries win over `item` (TCK 0069: `[{item: 1}][item >= 1]`)
                scope: dict[str, Any] = {"item": item, **item} if type(item) is dict else {"item": item}
                r = cond(env.child(scope))
                if i == 0 and type(r) is Decimal:
                    # an index computed from the outer scope (`list[i]`)
                    return _pick(items, r, env)
                if r is True:
                    out.append(item)
            return out

        return filter_

    def c_path(self, t: Tree) -> Fn:
        base = self.compile(t.children[0])
        key = name_of(t.children[1])
        return lambda env: path(base(env), key, env)

    def c_call(self, t: Tree) -> Fn:
        target, args = t.children
        fn = self.compile(target)
        name = getattr(fn, "feel_name", None)
        if name is not None:
            builtin = self._builtin(name)

            def resolve(env: Env) -> Any:
                v = env.lookup(name)
                if v is MISSING:
                    if builtin is None:
                        env.state.warn(f"no function found with name '{name}'")
                    return builtin
                return v

            fn = resolve
        if args is None:
            return lambda env: call_function(f, env.state, []) if (f := fn(env)) is not None else None
        if args.data == "positional":
            arg_fns = [self.compile(a) for a in args.children]

            def call_positional(env: Env) -> Any:
                f = fn(env)
                if f is None:
                    return None
                return call_function(f, env.state, [a(env) for a in arg_fns])

            return call_positional
        named = [(name_of(a.children[0]), self.compile(a.children[1])) for a in args.children]

        def call_named(env: Env) -> Any:
            f = fn(env)
            if f is None:
                return None
            return call_function(f, env.state, None, {k: a(env) for k, a in named})

        return call_named

    # structures
    def c_list(self, t: Tree) -> Fn:
        items = [self.compile(c) for c in t.children if c is not None]
        return lambda env: [i(env) for i in items]

    def c_context(self, t: Tree) -> Fn:
        entries = []
        for e in t.children:
            if e is None:
                continue
            key_node, value_node = e.children
            key = (
                unescape(str(key_node)[1:-1], self.dialect) if isinstance(key_node, Token) else name_of(key_node)
            )
            entries.append((key, self.compile(value_node)))
        keys = [k for k, _ in entries]
        duplicate = len(set(keys)) != len(keys)

        def context(env: Env) -> Any:
            if duplicate:
                return _fail(env, f"context has duplicate keys: {keys}")
            ctx: dict[str, Any] = {}
            scope = env.child(ctx)
            for k, f in entries:
                ctx[k] = f(scope)
            return ctx

        return context

    def _range(self, t: Tree, start_included: bool, end_included: bool) -> Fn:
        lo, hi = self.compile(t.children[0]), self.compile(t.children[1])
        a, b = getattr(lo, "const", MISSING), getattr(hi, "const", MISSING)
        if a is not MISSING and b is not MISSING and (a is None or b is None or ops.compare(a, b) is not None):
            # constant endpoints (the usual decision-table cell): build the range once
            return _const(Range(a, b, start_included, end_included))

        def range_(env: Env) -> Any:
            a, b = lo(env), hi(env)
            if a is not None and b is not None:
                c = ops.compare(a, b)
                if c is None:
                    return _fail(env, f"range endpoints {_show(a)} and {_show(b)} are not comparable")
            return Range(a, b, start_included, end_included)

        return range_

    def c_range_cc(self, t: Tree) -> Fn:
        return self._range(t, True, True)

    def c_range_co(self, t: Tree) -> Fn:
        return self._range(t, True, False)

    def c_range_oc(self, t: Tree) -> Fn:
        return self._range(t, False, True)

    def c_range_oo(self, t: Tree) -> Fn:
        return self._range(t, False, False)

    def c_unary_compare(self, t: Tree) -> Fn:
        op = str(t.children[0].children[0])
        bound = self.compile(t.children[1])

        def as_range(env: Env) -> Any:
            v = bound(env)
            if op == "<":
                return Range(None, v, False, False)
            if op == "<=":
                return Range(None, v, False, True)
            if op == ">":
                return Range(v, None, False, False)
            if op == ">=":
                return Range(v, None, True, False)
            if op == "=":
                return Range(v, v, True, True)
            return _fail(env, f"'!= {v}' is not a range")

        return as_range

    def c_tuple(self, t: Tree) -> Fn:
        return lambda env: _fail(env, "a parenthesised list is only allowed after 'in'")

    # control
    def c_if_expr(self, t: Tree) -> Fn:
        cond, then, other = (self.compile(c) for c in t.children)
        return lambda env: then(env) if cond(env) is True else other(env)

    def _iterations(self, t: Tree) -> list[tuple[str, Fn, Fn | None]]:
        out = []
        for it in t.children:
            if isinstance(it, Tree) and it.data == "iteration":
                name = name_of(it.children[0])
                start = self.compile(it.children[1])
                end = self.compile(it.children[2]) if it.children[2] is not None else None
                out.append((name, start, end))
        return out

    def c_for_expr(self, t: Tree) -> Fn:
        iterations = self._iterations(t)
        body = self.compile(t.children[-1])

        def for_(env: Env) -> Any:
            results: list[Any] = []
            scope: dict[str, Any] = {"partial": results}
            inner = env.child(scope)
            ok = _iterate(iterations, 0, inner, scope, lambda: results.append(body(inner)))
            return results if ok else None

        return for_

    def c_quantified(self, t: Tree) -> Fn:
        every = str(t.children[0].children[0]) == "every"
        iterations = self._iterations(t)
        cond = self.compile(t.children[-1])

        def quantified(env: Env) -> Any:
            scope: dict[str, Any] = {}
            inner = env.child(scope)
            found: list[Any] = []
            ok = _iterate(iterations, 0, inner, scope, lambda: found.append(cond(inner)))
            if not ok:
                return None
            if every:
                return all(r is True for r in found)
            return any(r is True for r in found)

        return quantified

    def c_function_def(self, t: Tree) -> Fn:
        params = [c for c in t.children[:-2] if isinstance(c, Tree) and c.data == "param"]
        names = tuple(name_of(p.children[0]) for p in params)
        # typed parameters (`function(a: number)`): an argument that does not conform makes the call null (spec)
        checks = [
            (i, self.type_predicate(p.children[1]))
            for i, p in enumerate(params)
            if p.children[1] is not None and self.dialect == "spec"
        ]
        external = t.children[-2] is not None
        body = self.compile(t.children[-1])

        def function(env: Env) -> FeelFunction:
            if external:
                if self.dialect == "camunda":
                    env.state.warn("external functions are disabled in Camunda")
                    return FeelFunction("external", names, lambda st, args: None)
                return java_function("external", names, body(env))

            def invoke(st: EvalState, args: list[Any]) -> Any:
                for i, check in checks:
                    if i < len(args) and args[i] is not None and not check(args[i], st):
                        st.warn(f"argument {_show(args[i])} does not conform to the type of parameter '{names[i]}'")
                        return None
                return body(Env(dict(zip(names, args, strict=False)), env, st))

            return FeelFunction("anonymous", names, invoke)

        return function


def _const(value: Any) -> Fn:
    def const(env: Env) -> Any:
        return value

    const.const = value  # type: ignore[attr-defined]
    return const


# --- fast paths for constant cells (decision tables evaluate them on every rule) ---------------------------

_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def inline(test: Test, template: str, **consts: Any) -> Test:
    """Attach a Python expression that is true exactly when `test` is True (`{v}` stands for the input).

    Decision tables generate their rule matcher from these, so a constant cell costs no function call.
    """
    test.inline = (template, consts)  # type: ignore[attr-defined]
    return test


def _compare_const_test(op_text: str, op: Callable[[Any, Any, Env], bool | None], bound: Any) -> Test:
    py, kind = _PY_OPS[op_text], type(bound)

    def compare_const(v: Any, env: Env) -> bool | None:
        # same type: Python's comparison is FEEL's; anything else takes the general path
        return py(v, bound) if type(v) is kind else op(v, bound, env)

    if op_text == "!=":  # `null != 5` is true: no same-type shortcut
        return compare_const
    py_op = "==" if op_text == "=" else op_text
    return inline(compare_const, f"(type({{v}}) is {{kind}} and {{v}} {py_op} {{c}})", kind=kind, c=bound)


def _const_test(c: Any) -> Test | None:
    kind = type(c)
    if kind is Decimal or kind is str or kind is bool:

        def equals_const(v: Any, env: Env) -> bool | None:
            return v == c if type(v) is kind else ops.equals(v, c)

        equals_const.equals_const = c  # type: ignore[attr-defined]
        return inline(equals_const, "(type({v}) is {kind} and {v} == {c})", kind=kind, c=c)
    if kind is Range and all(type(x) is Decimal or x is None for x in (c.start, c.end)):
        lo, hi, si, ei = c.start, c.end, c.start_included, c.end_included

        def in_numbers(v: Any, env: Env) -> bool | None:
            if type(v) is not Decimal:
                return ops.in_range(v, c)
            if lo is not None and (v < lo or (not si and v == lo)):
                return False
            return hi is None or v < hi or (ei and v == hi)

        low = "" if lo is None else ("{lo} <= {v}" if si else "{lo} < {v}")
        high = "" if hi is None else ("{v} <= {hi}" if ei else "{v} < {hi}")
        bounds = " and ".join(b for b in (low, high) if b) or "True"
        return inline(in_numbers, f"(type({{v}}) is {{kind}} and {bounds})", kind=Decimal, lo=lo, hi=hi)
    return None


def _member_test(values: frozenset[Any], kind: type) -> Test:
    def member(v: Any, env: Env) -> bool | None:
        if type(v) is kind:
            return v in values
        return False if v is None else None

    return inline(member, "(type({v}) is {kind} and {v} in {values})", kind=kind, values=values)


def value_test(v: Any, r: Any) -> bool | None:
    """Does input `v` satisfy a test whose value is `r` (a list, a range or a value to equal)?"""
    if type(r) is Range:
        return ops.in_range(v, r)
    if type(r) is list:
        seen_null = False
        for x in r:
            m = ops.in_range(v, x) if type(x) is Range else ops.equals(v, x)
            if m is True:
                return True
            if m is None:
                seen_null = True
        return None if seen_null else False
    return ops.equals(v, r)


def _pick(items: list[Any], index: Decimal, env: Env) -> Any:
    if index != index.to_integral_value():
        return _fail(env, f"index {index} is not an integer")
    i = int(index)
    if i > 0 and i <= len(items):
        return items[i - 1]
    if i < 0 and -i <= len(items):
        return items[i]
    return None


def _keep(items: list[Any], const: Any) -> list[Any]:
    return list(items) if const is True else []


def path(v: Any, key: str, env: Env) -> Any:
    t = type(v)
    if t is dict:
        r = v.get(key, MISSING)
        if r is MISSING:
            env.state.warn(f"no context entry found with key '{key}'")
            return None
        return r
    if t is list:
        return [path(x, key, env) for x in v]
    if v is None:
        return None
    if isinstance(v, TemporalValue):
        r = _temporal().property(v, key)
        if r is not MISSING:
            return r
    elif t is Range:
        props = {"start": v.start, "end": v.end, "start included": v.start_included, "end included": v.end_included}
        if key in props:
            return props[key]
    return _fail(env, f"no property '{key}' on {_show(v)}")


def _iterate(
    iterations: list[tuple[str, Fn, Fn | None]], i: int, env: Env, scope: dict[str, Any], emit: Callable[[], None]
) -> bool:
    """Run `emit` for each combination of the iteration contexts; False when one is not iterable."""
    if i == len(iterations):
        emit()
        return True
    name, start, end = iterations[i]
    domain = _domain(start(env), end(env) if end is not None else MISSING, env)
    if domain is None:
        return False
    for x in domain:
        scope[name] = x
        if not _iterate(iterations, i + 1, env, scope, emit):
            return False
    return True


def _domain(a: Any, b: Any, env: Env) -> list[Any] | None:
    if b is MISSING:
        if type(a) is list:
            return a
        if type(a) is Range and type(a.start) is Decimal and type(a.end) is Decimal:
            lo = a.start if a.start_included else a.start + 1
            hi = a.end if a.end_included else a.end - 1
            return [Decimal(i) for i in range(int(lo), int(hi) + 1)]
        if a is None:
            return None
        return [a]
    if type(a) is Decimal and type(b) is Decimal:
        if a != a.to_integral_value() or b != b.to_integral_value():
            return _fail(env, "a numeric iteration range needs integer bounds")
        step = 1 if b >= a else -1
        return [Decimal(i) for i in range(int(a), int(b) + step, step)]
    if a is not None and type(a).__name__ == "FeelDate" and type(b) is type(a):
        t = _temporal()
        days = t.subtract(b, a)
        n = int(t.property(days, "days")) if days is not None else 0
        step = 1 if n >= 0 else -1
        one = t.parse_duration("P1D")
        out, d = [], a
        for _ in range(abs(n) + 1):
            out.append(d)
            d = t.add(d, one) if step > 0 else t.subtract(d, one)
        return out
    return _fail(env, f"can't iterate from {_show(a)} to {_show(b)}")

