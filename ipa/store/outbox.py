"""The outbox: notices are written here in the transaction that decides them, and sent afterwards (SMTP where
configured). Nothing pretends to have sent mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipa.store._once import case_by_ref, once
from ipa.store.schema import Notice
from ipa.store.types import utcnow


def enqueue_notice(
    s: Session,
    *,
    idempotency_key: str,
    recipient: str,
    subject: str,
    body: str,
    request_id: str | None = None,
    channel: str = "email",
) -> Notice:
    case_id = case_by_ref(s, request_id).id if request_id else None

    def build() -> Notice:
        return Notice(
            idempotency_key=str(idempotency_key),
            case_id=case_id,
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            status="PENDING",
            attempts=0,
        )

    row, _ = once(s, Notice, str(idempotency_key), build, column="idempotency_key")
    return row


def pending_notices(s: Session, limit: int = 50, max_attempts: int = 5) -> list[Notice]:
    return list(
        s.scalars(
            select(Notice)
            .where(Notice.status.in_(("PENDING", "FAILED")), Notice.attempts < max_attempts)
            .order_by(Notice.id)
            .limit(limit)
        )
    )


def mark_sent(s: Session, notice_id: int, *, now: datetime | None = None) -> Notice:
    row = s.get_one(Notice, notice_id)
    row.status, row.sent_at, row.attempts, row.last_error = "SENT", now or utcnow(), row.attempts + 1, None
    return row


def mark_failed(s: Session, notice_id: int, error: str) -> Notice:
    row = s.get_one(Notice, notice_id)
    row.status, row.attempts, row.last_error = "FAILED", row.attempts + 1, error[:2000]
    return row
