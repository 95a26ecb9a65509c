"""Scalar types of the REST contract: keys as strings, bounded integers, ISO dates.

Every integer a client sends is bounded here, because SQLite and the engine store int64 at most: an unbounded
integer would otherwise surface as a 500 from the database driver instead of a 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, StringConstraints

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
#: "Zeebe Engine resource key (Java long serialized as string)"; checked to fit a Java long when converted
LongKey = Annotated[
    str,
    StringConstraints(pattern=r"^-?[0-9]+$", min_length=1, max_length=25),
    Field(
        description="Zeebe Engine resource key (Java long serialized as string)",
        examples=["2251799813685249"],
    ),
]
#: A JSON object of variables (the REST API sends objects, not JSON text as gRPC does)
Variables = dict[str, Any]
OperationReference = Annotated[int, Field(ge=1, le=INT64_MAX)]
TenantId = Annotated[str, Field(max_length=256, description="Multi-tenancy is disabled: only `<default>`.")]


def key_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def iso(epoch_ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 in UTC with millisecond precision, as Camunda renders dates."""
    if epoch_ms is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(value: dt.datetime) -> int:
    """A filter's date-time in epoch milliseconds; a date-time without offset is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp() * 1000)
