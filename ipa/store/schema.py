"""The casework tables (SQLAlchemy 2 ORM). The Alembic migrations under `migrations/` create exactly this schema
(tests/ipa/test_migrations.py compares them).

Every table a worker writes carries `op_key` (unique): the Zeebe job key, or another key the caller derives
from the case reference, so a redelivered job finds its first result instead of writing a second row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ipa.store.types import Money, UtcDateTime, utcnow

# Named constraints, so migrations can alter them on every backend (SQLite batch mode needs names).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        Decimal: Money(),
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _key() -> Mapped[str]:
    return mapped_column(String(120), unique=True)


def _case_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(13), unique=True)  # IPA-YYYY-NNNN
    op_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # when the id was allocated here
    received_via: Mapped[str] = mapped_column(String(16))
    requester_type: Mapped[str] = mapped_column(String(24))
    requester_org: Mapped[str] = mapped_column(String(500))
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    delivering_body: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(String(32))
    policing_area: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    contract_value: Mapped[Decimal]
    funding_source: Mapped[str] = mapped_column(String(24))
    stage: Mapped[str] = mapped_column(String(24))
    process_instance_key: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    final_status: Mapped[str | None] = mapped_column(String(40), index=True)
    withhold_reasons: Mapped[list[Any]]
    request: Mapped[dict[str, Any]]  # the validated request as process variables
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]


class Costing(Base):
    __tablename__ = "costings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    rate_card: Mapped[str] = mapped_column(String(40))
    charging_basis: Mapped[str | None] = mapped_column(String(40))
    staff_cost: Mapped[Decimal]
    travel_subsistence: Mapped[Decimal]
    overhead: Mapped[Decimal]
    contingency: Mapped[Decimal]
    margin: Mapped[Decimal]
    total: Mapped[Decimal]
    breakdown: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Funding(Base):
    __tablename__ = "funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    funding_source: Mapped[str] = mapped_column(String(24))
    funder_name: Mapped[str | None] = mapped_column(String(500))
    amount: Mapped[Decimal]
    subsidy: Mapped[Decimal]
    subsidy_approved_by: Mapped[str | None] = mapped_column(String(200))
    purchase_order: Mapped[str | None] = mapped_column(String(200))
    payment_schedule: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OsjaRecord(Base):
    __tablename__ = "osja_assessments"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    version: Mapped[int] = mapped_column(Integer)  # re-assessments add versions; none is overwritten
    reputational_risk: Mapped[str] = mapped_column(String(8))
    residual_risk: Mapped[str | None] = mapped_column(String(8))
    serious_risk: Mapped[bool | None] = mapped_column(Boolean)
    approver_role: Mapped[str | None] = mapped_column(String(32))
    stage1_date: Mapped[date | None] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    risks: Mapped[list[RiskRow]] = relationship(order_by="RiskRow.id", cascade="all, delete-orphan")
    mitigations: Mapped[list[MitigationRow]] = relationship(
        order_by="MitigationRow.id", cascade="all, delete-orphan"
    )


class RiskRow(Base):
    __tablename__ = "risks"
    __table_args__ = (UniqueConstraint("assessment_id", "risk_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("osja_assessments.id", ondelete="CASCADE"), index=True
    )
    risk_type: Mapped[str] = mapped_column(String(32))
    likelihood: Mapped[str] = mapped_column(String(8))
    seriousness: Mapped[str] = mapped_column(String(10))
    contribution: Mapped[str] = mapped_column(String(24))
    mitigation_effective: Mapped[bool] = mapped_column(Boolean)


class MitigationRow(Base):
    __tablename__ = "mitigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("osja_assessments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)


class Consultation(Base):
    """A request to Post (or another consultee) answered through a one-time link. Only the token's sha256 is
    kept, so a copy of the database cannot be used to answer in Post's name."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    kind: Mapped[str] = mapped_column(String(24))  # STAGE1 | CONCURRENCE | ...
    consultee: Mapped[str] = mapped_column(String(200))  # e.g. "British Embassy Baghdad"
    recipient: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalRow(Base):
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    role: Mapped[str] = mapped_column(String(32))
    person: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(32))
    conditions: Mapped[list[Any]]
    decided_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (CheckConstraint("(path IS NULL) <> (content IS NULL)", name="path_xor_content"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str | None] = mapped_column(Text)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    """A notice waiting to go out (mail where SMTP is configured; otherwise it stays here to be read)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # PENDING | SENT | FAILED
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only, hash-chained: hash = sha256(prev_hash + canonical JSON of the entry). `prev_hash` is unique,
    so two writers racing to append cannot fork the chain: the loser's insert fails and is retried."""

    __tablename__ = "audit_trail"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    op_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC text: hashed exactly as stored
    request_id: Mapped[str | None] = mapped_column(String(13), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class IncomeEntry(Base):
    __tablename__ = "income_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _case_fk()
    op_key: Mapped[str] = _key()
    financial_year: Mapped[str] = mapped_column(String(7), index=True)  # "2024-25": April to March
    amount: Mapped[Decimal]  # negative for a refund
    kind: Mapped[str] = mapped_column(String(16))  # RECEIVED | REFUND | ADJUSTMENT
    recorded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Account(Base):
    """Who may sign in to the web side, and with which roles (the process's candidate groups).

    `source` says where the account comes from: `local` (an operator's `ipa users add`, argon2 hash here), `demo`
    (seeded by `ipa up`; its password is reset to the printed one at every start) or `oidc` (created at the first
    single sign-on and updated at every one after it: no password, roles from the identity provider)."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("source IN ('local', 'demo', 'oidc')", name="source"),
        UniqueConstraint("issuer", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)  # lower case; the Camunda assignee
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]]  # role names, sorted
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: no local password
    source: Mapped[str] = mapped_column(String(8))
    issuer: Mapped[str | None] = mapped_column(String(500))  # OIDC accounts: the provider and its `sub`
    subject: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_sign_in_at: Mapped[datetime | None]
