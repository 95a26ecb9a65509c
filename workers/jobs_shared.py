"""What every job handler shares: the casework store, the Zeebe message client, mailboxes and money on the wire.

The service calls `configure(settings, channel)` once; tests swap in their own store or publisher with
`use_store` / `use_publisher`. Handlers run their store work in a worker thread (`write`), one transaction per
job, so a crash mid-job leaves either nothing or everything of that job's writes; every write is keyed (job
key or request id), so a redelivered job finds its writes and returns the same result.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Protocol, TypeVar

import grpc
from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from ipa.store import Store
from workers.config import WorkerSettings

T = TypeVar("T")
PENNY = Decimal("0.01")


class Publisher(Protocol):
    """The part of pyzeebe's ZeebeClient the handlers use (a fake in tests)."""

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: dict[str, Any] | None = None,
        time_to_live_in_milliseconds: int = 60000,
        message_id: str | None = None,
        tenant_id: str | None = None,
    ) -> Any: ...


class _Resources:
    store: Store | None = None
    publisher: Publisher | None = None
    public_url: str = "http://127.0.0.1:8000"


_res = _Resources()


def configure(settings: WorkerSettings, channel: grpc.aio.Channel | None = None) -> None:
    """Open the store named by IPA_DATABASE_URL (migrated to head: the workers may be the first to start) and a
    Zeebe client on the workers' own channel for publishing messages."""
    if _res.store is None:
        store = Store(settings.database_url)
        store.migrate()
        _res.store = store
    if _res.publisher is None and channel is not None:
        from pyzeebe import ZeebeClient

        _res.publisher = ZeebeClient(channel)
    _res.public_url = os.environ.get("IPA_PUBLIC_URL", _res.public_url).rstrip("/")


def use_store(store: Store | None) -> None:
    _res.store = store


def use_publisher(publisher: Publisher | None) -> None:
    _res.publisher = publisher


def store() -> Store:
    if _res.store is None:
        raise RuntimeError("the casework store is not configured (workers.jobs_shared.configure / use_store)")
    return _res.store


def publisher() -> Publisher:
    if _res.publisher is None:
        raise RuntimeError(
            "no Zeebe client to publish messages (workers.jobs_shared.configure / use_publisher)"
        )
    return _res.publisher


def public_url() -> str:
    """Where the web app serves reply pages (IPA_PUBLIC_URL)."""
    return _res.public_url


async def write(work: Callable[[Session], T]) -> T:
    """Run `work` in one store transaction, off the event loop (SQLAlchemy is synchronous)."""

    def run() -> T:
        with store().transaction() as s:
            return work(s)

    return await asyncio.to_thread(run)


async def read(work: Callable[[Session], T]) -> T:
    def run() -> T:
        with store().reader() as s:
            return work(s)

    return await asyncio.to_thread(run)


def mailbox(role: str) -> str:
    """The address of a role's mailbox: IPA_MAILBOX_<ROLE>, else a reserved `.invalid` address that no SMTP
    server will deliver to (the outbox keeps the notice; nothing pretends to have sent it)."""
    return (
        os.environ.get(f"IPA_MAILBOX_{role.upper()}") or f"{role.lower().replace('_', '-')}@mailbox.invalid"
    )


# -- values on the wire ----------------------------------------------------------------------------------------


def pennies(value: Decimal | int | float | str) -> Decimal:
    return Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)


def _number(value: Decimal) -> int | float:
    # FEEL compares numbers, not strings (pcc_referral's `> 4000`): money goes out as a JSON number. Pennies below
    # 2^53 survive float's shortest repr exactly.
    return int(value) if value == value.to_integral_value() else float(value)


def as_numbers(value: Any) -> Any:
    """`value` with every Decimal (at any depth) as a JSON number."""
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        return {k: as_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_numbers(v) for v in value]
    return value


#: money in process variables: exact Decimal in Python, a JSON number on the wire
Money = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]


class Vars(BaseModel):
    """Process variables: camelCase on the wire; variables a handler does not name are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


def parse_instant(text: str | None) -> datetime | None:
    """A FEEL `string(now())` ('2025-03-03T09:00:00.123+01:00[Europe/London]'), an ISO date-time or a date."""
    if not text:
        return None
    raw = text.split("[", 1)[0].replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(raw[:10]), datetime.min.time())
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_day(text: str | None) -> date | None:
    """The calendar day of a form's date or date-time value."""
    instant = parse_instant(text)
    return instant.date() if instant else None
