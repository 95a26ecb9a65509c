"""Decisions by named people in named roles: the audit of who approved at which level and when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipa.models import Approval
from ipa.store import audit
from ipa.store._once import case_by_ref, once
from ipa.store.schema import ApprovalRow


def record_approval(s: Session, request_id: str, approval: Approval, *, op_key: str) -> ApprovalRow:
    case = case_by_ref(s, request_id)

    def build() -> ApprovalRow:
        return ApprovalRow(
            case_id=case.id,
            op_key=str(op_key),
            role=approval.role.value,
            person=approval.name,
            decision=approval.decision.value,
            conditions=list(approval.conditions),
            decided_at=approval.timestamp,
        )

    row, created = once(s, ApprovalRow, str(op_key), build)
    if created:
        audit.append(
            s,
            action="approval.recorded",
            actor=approval.name,
            request_id=request_id,
            at=approval.timestamp,
            detail={"role": row.role, "decision": row.decision, "conditions": row.conditions},
        )
    return row


def approvals_for(s: Session, request_id: str) -> list[ApprovalRow]:
    case = case_by_ref(s, request_id)
    return list(s.scalars(select(ApprovalRow).where(ApprovalRow.case_id == case.id).order_by(ApprovalRow.id)))
