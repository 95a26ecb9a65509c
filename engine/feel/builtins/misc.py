"""Camunda extension built-ins without a spec counterpart: uuid, random number, base64 and JSON."""

from __future__ import annotations

import base64
import binascii
import os
import random
import time
import uuid as _uuid
from decimal import Decimal
from typing import Any

from engine.feel.builtins import builtin
from engine.feel.format import from_json as _from_json
from engine.feel.format import to_json as _to_json
from engine.feel.values import DECIMAL, EvalState, FeelError


def uuid7() -> str:
    """A time-ordered UUID version 7, as feel-scala's `timeBasedEpochRandomGenerator` produces."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (1 << 48) - 1) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 4122 variant
    return str(_uuid.UUID(int=value))


@builtin("uuid")
def uuid() -> str:
    return uuid7()


@builtin("random number")
def random_number() -> Decimal:
    return DECIMAL.create_decimal(repr(random.random()))


def _require_string(v: Any) -> str:
    if not isinstance(v, str):
        raise FeelError(f"expected a string but found '{v!r}'")
    return v


@builtin("to base64", "value")
def to_base64(value: Any) -> str:
    return base64.b64encode(_require_string(value).encode("utf-8")).decode("ascii")


@builtin("from base64", "value")
def from_base64(value: Any) -> str:
    try:
        raw = base64.b64decode(_require_string(value), validate=True)
    except binascii.Error as e:
        raise FeelError(f"invalid Base64 value: {e}") from None
    return raw.decode("utf-8", errors="replace")  # Java's new String(bytes, UTF_8) replaces bad bytes


@builtin("to json", "value", state=True)
def to_json(state: EvalState, value: Any) -> str:
    return _to_json(value, state.dialect)


@builtin("from json", "json")
def from_json(json: Any) -> Any:
    return None if json is None else _from_json(_require_string(json))
