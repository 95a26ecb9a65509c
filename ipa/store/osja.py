"""OSJA assessments: each submission is a new version with its risks and mitigations; none is overwritten."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipa.models import OsjaAssessment
from ipa.store import audit
from ipa.store._once import case_by_ref, once
from ipa.store.schema import MitigationRow, OsjaRecord, RiskRow


def record_assessment(
    s: Session, request_id: str, assessment: OsjaAssessment, *, op_key: str, actor: str
) -> OsjaRecord:
    case = case_by_ref(s, request_id)
    version = (s.scalar(select(func.max(OsjaRecord.version)).where(OsjaRecord.case_id == case.id)) or 0) + 1

    def build() -> OsjaRecord:
        return OsjaRecord(
            case_id=case.id,
            op_key=str(op_key),
            version=version,
            reputational_risk=assessment.reputational_risk.value,
            residual_risk=assessment.residual_risk.value if assessment.residual_risk else None,
            serious_risk=assessment.serious_risk,
            approver_role=assessment.approver_role.value if assessment.approver_role else None,
            stage1_date=assessment.stage1_date,
            assessed_by=assessment.assessed_by,
            risks=[
                RiskRow(
                    risk_type=r.type.value,
                    likelihood=r.likelihood.value,
                    seriousness=r.seriousness.value,
                    contribution=r.contribution.value,
                    mitigation_effective=r.mitigation_effective,
                )
                for r in assessment.risks
            ],
            mitigations=[
                MitigationRow(kind=m.kind.value, description=m.description) for m in assessment.mitigations
            ],
        )

    row, created = once(s, OsjaRecord, str(op_key), build)
    if created:
        audit.append(
            s,
            action="osja.assessed",
            actor=actor,
            request_id=request_id,
            detail={
                "version": row.version,
                "residualRisk": row.residual_risk,
                "seriousRisk": row.serious_risk,
                "approverRole": row.approver_role,
                "risks": len(row.risks),
                "mitigations": len(row.mitigations),
            },
        )
    return row


def latest_assessment(s: Session, request_id: str) -> OsjaRecord | None:
    case = case_by_ref(s, request_id)
    return s.scalar(
        select(OsjaRecord).where(OsjaRecord.case_id == case.id).order_by(OsjaRecord.version.desc()).limit(1)
    )
