"""Scalar types of the REST contract: keys as strings, bounded integers, ISO dates.

Every integer a client sends is bounded here, because SQLite and the engine store int64 at most: an unbounded
integer would otherwise surface as a 500 from the database driver instead of a 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, StringConstraints

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: the last millisecond of year 9999: the clock can be pinned up to here
MAX_EPOCH_MS = 253_402_300_799_999
#: durations added to the clock (job timeouts, back-offs, TTLs) must keep the sum within a Java long
MAX_DURATION_MS = INT64_MAX - MAX_EPOCH_MS

# strict: a JSON string or boolean where a number is documented is a 400, not silently coerced
Int32 = Annotated[StrictInt, Field(ge=INT32_MIN, le=INT32_MAX)]
Int64 = Annotated[StrictInt, Field(ge=INT64_MIN, le=INT64_MAX)]
Flag = StrictBool
Duration = Annotated[StrictInt, Field(ge=INT64_MIN, le=MAX_DURATION_MS)]
EpochMs = Annotated[StrictInt, Field(ge=0, le=MAX_EPOCH_MS)]
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
OperationReference = Annotated[StrictInt, Field(ge=1, le=INT64_MAX)]
TenantId = Annotated[str, Field(max_length=256, description="Multi-tenancy is disabled: only `<default>`.")]


def _iso_text(value: object) -> object:
    if not isinstance(value, str | dt.datetime):
        raise ValueError("Input should be an ISO 8601 date-time string")
    return value


#: an ISO 8601 date-time as text (pydantic alone would also take numbers as timestamps)
DateTime = Annotated[dt.datetime, BeforeValidator(_iso_text)]


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
