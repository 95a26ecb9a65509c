"""Search building blocks shared by every resource: filter properties, sort, page, the page result.

Filter properties accept a plain value (equality) or an operator object (`$eq $neq $exists $gt $gte $lt $lte
$like $in $notIn`), as Camunda 8.8's `*FilterProperty` schemas do; every filter field takes the advanced form
(8.8 has plain-only fields in places; the superset is what later versions accept).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.rest.types import DateTime, Flag, Int32, LongKey

T = TypeVar("T")
F = TypeVar("F", bound=str)

#: opaque cursor: base64 text
Cursor = Annotated[str, Field(min_length=2, max_length=300, pattern=r"^[A-Za-z0-9+/=_-]+$")]


class Strict(BaseModel):
    """Request bodies: unknown properties are refused (Camunda's `additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StringFilter(Strict):
    """Advanced string filter."""

    eq: str | None = Field(None, alias="$eq", description="Checks for equality with the provided value.")
    neq: str | None = Field(None, alias="$neq", description="Checks for inequality with the provided value.")
    exists: Flag | None = Field(None, alias="$exists", description="Checks if the current property exists.")
    in_: list[str] | None = Field(None, alias="$in", description="Matches any of the provided values.")
    not_in: list[str] | None = Field(None, alias="$notIn", description="Matches none of the provided values.")
    like: str | None = Field(
        None, alias="$like", description="`*` matches any characters, `?` one; `\\` escapes them."
    )


class KeyFilter(Strict):
    """Advanced key filter (keys are strings of digits)."""

    eq: LongKey | None = Field(None, alias="$eq")
    neq: LongKey | None = Field(None, alias="$neq")
    exists: Flag | None = Field(None, alias="$exists")
    in_: list[LongKey] | None = Field(None, alias="$in")
    not_in: list[LongKey] | None = Field(None, alias="$notIn")


class IntegerFilter(Strict):
    """Advanced integer (int32) filter."""

    eq: Int32 | None = Field(None, alias="$eq")
    neq: Int32 | None = Field(None, alias="$neq")
    exists: Flag | None = Field(None, alias="$exists")
    gt: Int32 | None = Field(None, alias="$gt")
    gte: Int32 | None = Field(None, alias="$gte")
    lt: Int32 | None = Field(None, alias="$lt")
    lte: Int32 | None = Field(None, alias="$lte")
    in_: list[Int32] | None = Field(None, alias="$in")


class DateTimeFilter(Strict):
    """Advanced date-time filter (ISO 8601)."""

    eq: DateTime | None = Field(None, alias="$eq")
    neq: DateTime | None = Field(None, alias="$neq")
    exists: Flag | None = Field(None, alias="$exists")
    gt: DateTime | None = Field(None, alias="$gt")
    gte: DateTime | None = Field(None, alias="$gte")
    lt: DateTime | None = Field(None, alias="$lt")
    lte: DateTime | None = Field(None, alias="$lte")
    in_: list[DateTime] | None = Field(None, alias="$in")


class EnumFilter(Strict, Generic[T]):
    """Advanced filter of an enumeration."""

    eq: T | None = Field(None, alias="$eq")
    neq: T | None = Field(None, alias="$neq")
    exists: Flag | None = Field(None, alias="$exists")
    in_: list[T] | None = Field(None, alias="$in")
    not_in: list[T] | None = Field(None, alias="$notIn")
    like: str | None = Field(None, alias="$like")


StringProp = str | StringFilter
KeyProp = LongKey | KeyFilter
IntegerProp = Int32 | IntegerFilter
DateTimeProp = DateTime | DateTimeFilter


class VariableValueFilter(Strict):
    """A variable by name whose JSON value text matches the string filter."""

    name: str
    value: StringProp


class Sort(Strict, Generic[F]):
    field: F = Field(description="The field to sort by.")
    order: Literal["ASC", "DESC"] = Field("ASC", description="The order in which to sort the related field.")


class PageRequest(Strict):
    """Offset (`from`/`limit`) or cursor (`after` or `before`, with `limit`) pagination, not both."""

    from_: Int32 | None = Field(None, alias="from", ge=0, description="The index of items to start from.")
    limit: Int32 | None = Field(None, ge=1, description="The maximum number of items to return (100).")
    after: Cursor | None = Field(None, description="The `endCursor` of the previous page.")
    before: Cursor | None = Field(None, description="The `startCursor` of the next page.")

    @model_validator(mode="after")
    def _one_kind(self) -> PageRequest:
        given = [n for n in ("from_", "after", "before") if getattr(self, n) is not None]
        if len(given) > 1:
            names = ", ".join("from" if n == "from_" else n for n in given)
            raise ValueError(f"only one of from, after and before may be given, but got {names}")
        return self


class SearchQuery(Strict, Generic[T, F]):
    """`{filter, sort, page}`."""

    filter: T | None = None
    sort: list[Sort[F]] | None = None
    page: PageRequest | None = None


class PageResponse(BaseModel):
    totalItems: int = Field(description="Total items matching the criteria.")
    hasMoreTotalItems: Flag = Field(False, description="Whether more items exist beyond totalItems.")
    startCursor: str | None = Field(description="Cursor of the first item: `before` of the previous page.")
    endCursor: str | None = Field(description="Cursor of the last item: `after` of the next page.")


class SearchResult(BaseModel, Generic[T]):
    items: list[T]
    page: PageResponse


def dump_filter(model: BaseModel | None) -> dict[str, Any]:
    """A validated filter as a plain dict keyed by API names (`$eq`, `$or` ...), unset parts dropped."""
    if model is None:
        return {}
    return model.model_dump(by_alias=True, exclude_none=True)
