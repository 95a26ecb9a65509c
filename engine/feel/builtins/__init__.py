"""The built-in function library, split by kind (one module each), gathered in BUILTINS.

A module registers a function with the `builtin` decorator::

    @builtin("substring", "string", "start position", "length?")
    def substring(string, start, length=None): ...

Parameter names are the spec's (named invocation uses them); `name?` marks an optional trailing parameter and
`*name` a varargs parameter that receives the remaining positional arguments as a Python list. With `state=True`
the function receives the EvalState first (for the clock, the dialect or warnings). Registering the same name
again adds an overload, tried in registration order. A function returns None (or raises FeelError, ValueError,
TypeError...) for bad input: the caller turns that into null plus a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.feel.values import EvalState, FeelFunction

BUILTINS: dict[str, FeelFunction] = {}
#: names only the camunda dialect offers, or only the spec dialect (feel-dmn.md §4.1)
CAMUNDA_ONLY: set[str] = set()
SPEC_ONLY: set[str] = set()


def builtin(
    name: str, *params: str, state: bool = False, dialect: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    names = tuple(p.lstrip("*").rstrip("?") for p in params)
    varargs = bool(params) and params[-1].startswith("*")
    required = sum(1 for p in params if not p.endswith("?") and not p.startswith("*"))
    min_args = required if (varargs or required != len(params)) else -1

    def register(f: Callable[..., Any]) -> Callable[..., Any]:
        if varargs:
            if state:
                def impl(st: EvalState, args: list[Any]) -> Any:
                    return f(st, *args)
            else:
                def impl(st: EvalState, args: list[Any]) -> Any:
                    return f(*args)
        elif state:
            def impl(st: EvalState, args: list[Any]) -> Any:
                return f(st, *args)
        else:
            def impl(st: EvalState, args: list[Any]) -> Any:
                return f(*args)

        fn = FeelFunction(name, names, impl, min_args=min_args, varargs=varargs)
        if name in BUILTINS:
            BUILTINS[name].overloads.append(fn)
        else:
            BUILTINS[name] = fn
        if dialect == "camunda":
            CAMUNDA_ONLY.add(name)
        elif dialect == "spec":
            SPEC_ONLY.add(name)
        return f

    return register


def load_all() -> dict[str, FeelFunction]:
    """Import every built-in module (registration happens on import) and return the registry."""
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    return BUILTINS
