"""Consultations answered through one-time links: a random token, stored only as its sha256, with an expiry,
spent atomically on first use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ipa import reference
from ipa.store import audit
from ipa.store._once import case_by_ref, once
from ipa.store.schema import Case, Consultation
from ipa.store.types import utcnow


class TokenRefused(PermissionError):
    """reason: 'unknown', 'used' or 'expired'."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"reply link refused: {reason}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_consultation(
    s: Session,
    request_id: str,
    *,
    kind: str,
    consultee: str,
    recipient: str,
    op_key: str,
    actor: str,
    now: datetime | None = None,
    valid_for: timedelta | None = None,
) -> tuple[Consultation, str | None]:
    """(consultation, token). The token is returned once, on the call that creates it; a repeated call returns
    None, because only the hash is kept. So put the link into the outbox in the same transaction: a redelivered
    job then finds both already written."""
    case = case_by_ref(s, request_id)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    ttl = valid_for or timedelta(days=reference.policy().token_valid_days)

    def build() -> Consultation:
        return Consultation(
            case_id=case.id,
            op_key=str(op_key),
            kind=kind,
            consultee=consultee,
            recipient=recipient,
            token_hash=_hash(token),
            expires_at=now + ttl,
        )

    row, created = once(s, Consultation, str(op_key), build)
    if not created:
        return row, None
    audit.append(
        s,
        action="consultation.opened",
        actor=actor,
        request_id=request_id,
        detail={"kind": kind, "consultee": consultee, "expiresAt": row.expires_at},
    )
    return row, token


def redeem(
    s: Session, token: str, reply: dict[str, Any], *, actor: str, now: datetime | None = None
) -> Consultation:
    """Record the reply and spend the token, or raise TokenRefused. The guarded UPDATE makes a double submit
    (two tabs, a replayed link) lose even when both arrive together."""
    now = now or utcnow()
    digest = _hash(token)
    result = s.execute(
        update(Consultation)
        .where(
            Consultation.token_hash == digest, Consultation.used_at.is_(None), Consultation.expires_at > now
        )
        .values(used_at=now, reply=audit.jsonable(reply))
        .execution_options(synchronize_session=False)
    )
    row = s.scalar(
        select(Consultation)
        .where(Consultation.token_hash == digest)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise TokenRefused("unknown")
    if cast(CursorResult[Any], result).rowcount != 1:
        raise TokenRefused("used" if row.used_at is not None else "expired")
    case = s.get(Case, row.case_id)
    assert case is not None  # foreign key
    audit.append(
        s,
        action="consultation.replied",
        actor=actor,
        request_id=case.request_id,
        detail={"kind": row.kind, "consultee": row.consultee},
    )
    return row


def peek(s: Session, token: str, *, now: datetime | None = None) -> Consultation:
    """The consultation a link belongs to, for rendering the reply page; raises TokenRefused like redeem()."""
    now = now or utcnow()
    row = s.scalar(select(Consultation).where(Consultation.token_hash == _hash(token)))
    if row is None:
        raise TokenRefused("unknown")
    if row.used_at is not None:
        raise TokenRefused("used")
    if row.expires_at <= now:
        raise TokenRefused("expired")
    return row
