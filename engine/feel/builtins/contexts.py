"""Context built-ins (DMN 1.5 §10.3.4.10) plus Camunda's path forms of `get value` / `context put`,
its `context` parameter names and the deprecated `put()` / `put all()` aliases."""

from __future__ import annotations

from typing import Any

from engine.feel.builtins import builtin
from engine.feel.builtins.lists import as_list, items_of
from engine.feel.values import EvalState, FeelError


def require_context(v: Any, what: str = "context") -> dict[str, Any]:
    if not isinstance(v, dict):
        raise FeelError(f"expected {what} to be a context but found '{v!r}'")
    return v


def _keys(v: Any) -> list[str]:
    if not isinstance(v, list) or not v or not all(isinstance(k, str) for k in v):
        raise FeelError(f"expected a non-empty list of string keys but found '{v!r}'")
    return v


def _get_value(m: Any, key: Any) -> Any:
    ctx = require_context(m, "m")
    if isinstance(key, list):  # Camunda path form: get value(ctx, ["a", "b"])
        value: Any = ctx
        for k in _keys(key):
            if not isinstance(value, dict):
                return None
            value = value.get(k)
        return value
    if not isinstance(key, str):
        raise FeelError(f"expected key to be a string but found '{key!r}'")
    return ctx.get(key)


@builtin("get value", "m", "key")
def get_value(m: Any, key: Any) -> Any:
    return _get_value(m, key)


@builtin("get value", "context", "key")
@builtin("get value", "context", "keys")
def _get_value_camunda(context: Any, key: Any) -> Any:
    return _get_value(context, key)


@builtin("get entries", "m")
@builtin("get entries", "context")
def get_entries(m: Any) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in require_context(m, "m").items()]


@builtin("context", "entries")
def context(entries: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in as_list(entries, "entries"):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or "value" not in entry:
            raise FeelError(f"expected an entry {{key: string, value: Any}} but found '{entry!r}'")
        if entry["key"] in out:
            raise FeelError(f"duplicate context key '{entry['key']}'")
        out[entry["key"]] = entry["value"]
    return out


def _put_path(ctx: dict[str, Any], keys: list[str], value: Any, dialect: str) -> dict[str, Any]:
    out = dict(ctx)
    key, rest = keys[0], keys[1:]
    if not rest:
        out[key] = value
        return out
    nested = out.get(key, {})
    if not isinstance(nested, dict):
        if dialect != "camunda":  # TCK 1146: a path through a non-context is an error
            raise FeelError(f"'{key}' is not a context")
        nested = {}  # feel-scala replaces it with a new context
    out[key] = _put_path(nested, rest, value, dialect)
    return out


@builtin("context put", "context", "key", "value", state=True)
@builtin("context put", "context", "keys", "value", state=True)
@builtin("put", "context", "key", "value", state=True)
def context_put(state: EvalState, context: Any, key: Any, value: Any) -> dict[str, Any]:
    ctx = require_context(context)
    keys = _keys(key) if isinstance(key, list) else [key]
    if not isinstance(keys[0], str):
        raise FeelError(f"expected key to be a string but found '{key!r}'")
    return _put_path(ctx, keys, value, state.dialect)


def merge(contexts: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in contexts:
        out.update(require_context(c, "item of contexts"))
    return out


@builtin("context merge", "contexts")
def context_merge(contexts: Any) -> dict[str, Any]:
    return merge(as_list(contexts, "contexts"))


@builtin("put all", "*contexts")
def put_all(*contexts: Any) -> dict[str, Any]:
    """Deprecated feel-scala alias of `context merge`, also callable with varargs."""
    return merge(items_of(contexts))
