"""The casework read model: what the pages need from the casework store, behind one small interface.

The pages never touch SQLAlchemy: they call `CaseReadModel`, whose one implementation reads `ipa.store`. The
engine side (instances, tasks, incidents) comes from the REST API in `web.camunda`.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ipa.models import AssistanceRequest
from ipa.report import transparency_report
from ipa.store import (
    Case,
    Consultation,
    OsjaRecord,
    Store,
    TokenRefused,
    approvals_for,
    documents_for,
    open_case,
    peek,
    read_document,
    redeem,
    trail,
    verify_case,
)
from ipa.store.schema import AuditEntry
from ipa.vocab import Stage

STAGES = [s.value for s in Stage]


@dataclass(frozen=True)
class CaseFilter:
    """The dashboard's filters; every field is optional and round-trips through the query string."""

    request_id: str = ""
    country: str = ""
    requester: str = ""
    purpose: str = ""
    grading: str = ""
    stage: str = ""
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    start_from: date | None = None
    start_to: date | None = None
    include_closed: bool = False

    @classmethod
    def from_query(cls, q: dict[str, str]) -> CaseFilter:
        def money(name: str) -> Decimal | None:
            try:
                return Decimal(q[name]) if q.get(name) else None
            except InvalidOperation:
                return None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(q[name]) if q.get(name) else None
            except ValueError:
                return None

        return cls(
            request_id=q.get("request_id", "").strip(),
            country=q.get("country", "").strip().upper(),
            requester=q.get("requester", "").strip(),
            purpose=q.get("purpose", "").strip(),
            grading=q.get("grading", "").strip().upper(),
            stage=q.get("stage", "").strip().upper(),
            value_min=money("value_min"),
            value_max=money("value_max"),
            start_from=day("start_from"),
            start_to=day("start_to"),
            include_closed=q.get("include_closed") in ("1", "on", "true"),
        )


@dataclass(frozen=True)
class CaseRow:
    request_id: str
    country: str
    requester: str
    purpose: str
    title: str
    value: Decimal
    grading: str | None
    stage: str
    start_date: date
    final_status: str | None
    process_instance_key: int | None
    opened_at: datetime


@dataclass
class CaseFile:
    """Everything the store knows about one case, for the case page."""

    case: CaseRow
    request: dict[str, Any]
    approvals: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    chain_ok: bool = True
    chain_reason: str | None = None
    consultations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReplyLink:
    """What the embassy's reply page shows: no more of the case than the question needs."""

    request_id: str
    kind: str
    consultee: str
    title: str
    country: str
    start_date: date
    expires_at: datetime


class CaseReadModel(Protocol):
    def list_cases(self, f: CaseFilter, limit: int | None = None, offset: int = 0) -> list[CaseRow]: ...
    def count_cases(self, f: CaseFilter) -> int: ...
    def stage_counts(self) -> dict[str, int]: ...
    def case_file(self, request_id: str) -> CaseFile | None: ...
    def document(self, request_id: str, doc_id: int) -> tuple[str, str, bytes] | None: ...
    def stage_cycle_times(self) -> dict[str, dict[str, float]]: ...
    def open_case(self, request: AssistanceRequest, *, actor: str, op_key: str) -> str: ...
    def peek_reply(self, token: str) -> ReplyLink: ...
    def redeem_reply(self, token: str, reply: dict[str, Any], actor: str) -> ReplyLink: ...
    def transparency(self, year: str) -> dict[str, Any]: ...


def _row(case: Case, grading: str | None) -> CaseRow:
    return CaseRow(
        request_id=case.request_id,
        country=case.country_code,
        requester=case.requester_org,
        purpose=case.purpose,
        title=case.title,
        value=case.contract_value,
        grading=grading,
        stage=case.stage,
        start_date=case.start_date,
        final_status=case.final_status,
        process_instance_key=case.process_instance_key,
        opened_at=case.created_at,
    )


#: the grading of a case: the residual risk of its latest OSJA assessment (re-assessments add versions)
_GRADING = (
    select(OsjaRecord.residual_risk)
    .where(OsjaRecord.case_id == Case.id)
    .order_by(OsjaRecord.version.desc())
    .limit(1)
    .correlate(Case)
    .scalar_subquery()
)
#: the columns of a `CaseRow`, in its field order (no ORM objects: the request JSON stays unread)
_ROW_COLUMNS = (
    Case.request_id,
    Case.country_code,
    Case.requester_org,
    Case.purpose,
    Case.title,
    Case.contract_value,
    _GRADING,
    Case.stage,
    Case.start_date,
    Case.final_status,
    Case.process_instance_key,
    Case.created_at,
)


def _link(s: Session, c: Consultation) -> ReplyLink:
    case = s.get(Case, c.case_id)
    assert case is not None  # foreign key
    return ReplyLink(
        case.request_id, c.kind, c.consultee, case.title, case.country_code, case.start_date, c.expires_at
    )


@dataclass
class _CycleTimes:
    """The running fold of the audit trail behind `stage_cycle_times`."""

    seq: int = 0  # the last entry folded in
    entered: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # request -> (stage, since)
    spent: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    )  # month -> stage -> [days, stays]


class StoreReadModel:
    """`CaseReadModel` over the casework store (`ipa.store`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cycle = _CycleTimes()
        self._cycle_lock = threading.Lock()

    def _where(self, f: CaseFilter) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if f.request_id:
            out.append(Case.request_id.contains(f.request_id))
        if f.country:
            out.append(Case.country_code == f.country)
        if f.requester:
            out.append(Case.requester_org.ilike(f"%{f.requester}%"))
        if f.purpose:
            out.append(Case.purpose == f.purpose)
        if f.stage:
            out.append(Case.stage == f.stage)
        if f.value_min is not None:
            out.append(Case.contract_value >= f.value_min)
        if f.value_max is not None:
            out.append(Case.contract_value <= f.value_max)
        if f.start_from is not None:
            out.append(Case.start_date >= f.start_from)
        if f.start_to is not None:
            out.append(Case.start_date <= f.start_to)
        if not f.include_closed:
            out.append(Case.final_status.is_(None))
        if f.grading:
            out.append(_GRADING == f.grading)  # noqa: SIM300 (a subquery, not a constant)
        return out

    def list_cases(self, f: CaseFilter, limit: int | None = None, offset: int = 0) -> list[CaseRow]:
        q = select(*_ROW_COLUMNS).where(*self._where(f)).order_by(Case.request_id)
        if limit is not None:
            q = q.limit(limit).offset(offset)
        with self.store.reader() as s:
            return [CaseRow(*row) for row in s.execute(q)]

    def count_cases(self, f: CaseFilter) -> int:
        with self.store.reader() as s:
            return int(s.scalar(select(func.count(Case.id)).where(*self._where(f))) or 0)

    def stage_counts(self) -> dict[str, int]:
        q = select(Case.stage, func.count(Case.id)).where(Case.final_status.is_(None)).group_by(Case.stage)
        with self.store.reader() as s:
            return {stage: int(n) for stage, n in s.execute(q)}

    def case_file(self, request_id: str) -> CaseFile | None:
        with self.store.reader() as s:
            case = s.scalar(select(Case).where(Case.request_id == request_id))
            if case is None:
                return None
            grading = s.scalar(select(_GRADING).where(Case.id == case.id))
            chain = verify_case(s, request_id)
            consultations = s.scalars(select(Consultation).where(Consultation.case_id == case.id))
            return CaseFile(
                case=_row(case, grading),
                request=dict(case.request),
                approvals=[
                    {
                        "role": a.role,
                        "person": a.person,
                        "decision": a.decision,
                        "conditions": a.conditions,
                        "decidedAt": a.decided_at,
                    }
                    for a in approvals_for(s, request_id)
                ],
                documents=[
                    {
                        "id": d.id,
                        "name": d.name,
                        "mediaType": d.media_type,
                        "size": d.size,
                        "sha256": d.sha256,
                    }
                    for d in documents_for(s, request_id)
                ],
                audit=[
                    {
                        "seq": e.seq,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "detail": e.detail,
                        "hash": e.hash,
                    }
                    for e in trail(s, request_id)
                ],
                chain_ok=chain.ok,
                chain_reason=chain.reason,
                consultations=[
                    {
                        "kind": c.kind,
                        "consultee": c.consultee,
                        "expiresAt": c.expires_at,
                        "usedAt": c.used_at,
                        "reply": c.reply,
                    }
                    for c in consultations
                ],
            )

    def document(self, request_id: str, doc_id: int) -> tuple[str, str, bytes] | None:
        with self.store.reader() as s:
            for d in documents_for(s, request_id):
                if d.id == doc_id:
                    return d.name, d.media_type, read_document(d)
        return None

    def stage_cycle_times(self) -> dict[str, dict[str, float]]:
        """month (YYYY-MM the stage was left) -> stage -> mean days spent in it, from the audit trail.

        The trail is append-only (the store refuses changes), so each call folds in only the entries added
        since the last one: the dashboard stays fast however long the trail grows."""
        with self._cycle_lock:
            c = self._cycle
            q = (
                select(
                    AuditEntry.seq, AuditEntry.at, AuditEntry.request_id, AuditEntry.action, AuditEntry.detail
                )
                .where(
                    AuditEntry.seq > c.seq,
                    AuditEntry.action.in_(("case.opened", "case.stage", "case.closed")),
                )
                .order_by(AuditEntry.seq)
            )
            with self.store.reader() as s:
                for seq, at_text, request_id, action, detail in s.execute(q):
                    c.seq = seq
                    if request_id is None:
                        continue
                    at = datetime.fromisoformat(at_text)
                    to = Stage.INTAKE.value if action == "case.opened" else None
                    if action == "case.stage":
                        to = json.loads(detail).get("to")
                    elif action == "case.closed":
                        to = Stage.CLOSED.value
                    before = c.entered.get(request_id)
                    if before is not None and to != before[0]:
                        total = c.spent[at.strftime("%Y-%m")][before[0]]
                        total[0] += (at - before[1]).total_seconds() / 86400
                        total[1] += 1
                    if to:
                        c.entered[request_id] = (to, at)
            return {
                month: {stage: days / n for stage, (days, n) in stages.items()}
                for month, stages in sorted(c.spent.items())
            }

    def open_case(self, request: AssistanceRequest, *, actor: str, op_key: str) -> str:
        with self.store.transaction() as s:
            return open_case(s, request, actor=actor, op_key=op_key).request_id

    def peek_reply(self, token: str) -> ReplyLink:
        with self.store.reader() as s:
            return _link(s, peek(s, token))

    def redeem_reply(self, token: str, reply: dict[str, Any], actor: str) -> ReplyLink:
        with self.store.transaction() as s:
            return _link(s, redeem(s, token, reply, actor=actor))

    def transparency(self, year: str) -> dict[str, Any]:
        return transparency_report(self.store, year)


def csv_rows(rows: list[CaseRow]) -> Iterator[list[str]]:
    yield ["requestId", "country", "requester", "purpose", "title", "value", "grading", "stage", "startDate"]
    for r in rows:
        yield [
            r.request_id,
            r.country,
            r.requester,
            r.purpose,
            r.title,
            str(r.value),
            r.grading or "",
            r.stage,
            r.start_date.isoformat(),
        ]


__all__ = [
    "CaseFilter",
    "CaseFile",
    "CaseReadModel",
    "CaseRow",
    "ReplyLink",
    "StoreReadModel",
    "TokenRefused",
]
