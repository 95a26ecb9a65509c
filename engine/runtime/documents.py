"""Variable documents and tenants as Zeebe's gateway checks them (zeebe-protocol.md §2)."""

from __future__ import annotations

import json
from typing import Any

import orjson

from engine.runtime.errors import InvalidRequest

DEFAULT_TENANT = "<default>"
_JSON_TYPES = {
    list: "ARRAY",
    str: "STRING",
    bool: "BOOLEAN",
    int: "INTEGER",
    float: "FLOAT",
    type(None): "NIL",
}


def parse_document(text: str | bytes | None, field: str = "variables") -> dict[str, Any]:
    """A JSON object from a request's variables field: blank means `{}`; anything but an object is refused."""
    if text is None:
        return {}
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidRequest(f"Invalid JSON value: {text}") from None
    return check_document(value, field)


def check_document(value: Any, field: str = "variables") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = _JSON_TYPES.get(type(value), type(value).__name__.upper())
        raise InvalidRequest(
            f"Property '{field}' is invalid: Expected document to be a root level object, but was '{kind}'"
        )
    _check_ints(value)
    return value


def _check_ints(value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise InvalidRequest("MessagePack cannot serialize BigInteger larger than 2^64-1")
    elif isinstance(value, dict):
        for v in value.values():
            _check_ints(v)
    elif isinstance(value, list):
        for v in value:
            _check_ints(v)


def check_tenant(tenant_id: str | None, rpc: str) -> str:
    """Multi-tenancy is disabled: blank or `<default>` is the default tenant, anything else is refused."""
    if not tenant_id or tenant_id == DEFAULT_TENANT:
        return DEFAULT_TENANT
    raise InvalidRequest(
        f"Expected to handle gRPC request {rpc} with tenant identifier '{tenant_id}', but multi-tenancy is disabled"
    )


def dumps(value: Any) -> str:
    """Compact JSON text; orjson because every record and variable goes through here."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what orjson refuses (ints beyond 64 bits, odd keys) the standard library may take
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
