"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class Money(TypeDecorator[Decimal]):
    """Pounds as an exact Decimal, stored as integer pence: SQLite has no decimal type (SQLAlchemy would go through
    float), and integer sums are exact on every database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return None if value is None else int(pounds(value) * 100)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pounds(value: Decimal | int | str) -> Decimal:
    """`value` as an exact amount of money; more than two decimal places is refused, never rounded away."""
    amount = Decimal(value)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"money has at most two decimal places, got {value}")
    return amount.quantize(Decimal("0.01"))


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python. SQLite keeps naive UTC text (so comparisons in SQL are ordered); PostgreSQL
    keeps timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
