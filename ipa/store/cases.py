"""Cases: opened once per request id, moved through stages, closed with a final status."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipa.models import AssistanceRequest
from ipa.store import audit
from ipa.store._once import Conflict, case_by_ref, existing, once
from ipa.store.schema import Case
from ipa.store.types import utcnow
from ipa.vocab import FinalStatus, Stage, WithholdReason


def next_request_id(s: Session, year: int) -> str:
    prefix = f"IPA-{year:04d}-"
    last = s.scalar(select(func.max(Case.request_id)).where(Case.request_id.like(prefix + "%")))
    n = int(last[-4:]) + 1 if last else 1
    if n > 9999:
        raise OverflowError(f"request ids for {year} are exhausted")
    return f"{prefix}{n:04d}"


def open_case(s: Session, request: AssistanceRequest, *, actor: str, op_key: str | None = None) -> Case:
    """The case for `request`, created on first call. Keyed by request.request_id, or (when the request has no id
    yet and one is allocated here) by `op_key`, e.g. the intake form's submission id."""
    if request.request_id is None and op_key is None:
        raise ValueError("a request without a requestId needs an op_key, or a retry would open a second case")
    if request.request_id is None and (found := existing(s, Case, "op_key", str(op_key))) is not None:
        return found
    request_id = request.request_id or next_request_id(s, (request.received_on or utcnow().date()).year)
    variables = request.model_copy(update={"request_id": request_id}).variables()

    def build() -> Case:
        return Case(
            request_id=request_id,
            op_key=op_key,
            received_via=request.received_via.value,
            requester_type=request.requester_type.value,
            requester_org=request.requester_org,
            country_code=request.country_code,
            delivering_body=request.delivering_body.value,
            purpose=request.purpose.value,
            policing_area=request.policing_area.value,
            title=request.title,
            start_date=request.start_date,
            end_date=request.last_day,
            contract_value=request.contract_value,
            funding_source=request.funding_source.value,
            stage=Stage.INTAKE.value,
            withhold_reasons=[],
            request=variables,
        )

    case, created = once(s, Case, request_id, build, column="request_id")
    if created:
        audit.append(
            s,
            action="case.opened",
            actor=actor,
            request_id=request_id,
            detail={"country": case.country_code, "purpose": case.purpose, "title": case.title},
        )
    return case


def get_case(s: Session, request_id: str) -> Case | None:
    return s.scalar(select(Case).where(Case.request_id == request_id))


def link_process_instance(s: Session, request_id: str, process_instance_key: int, *, actor: str) -> Case:
    case = case_by_ref(s, request_id)
    if case.process_instance_key == process_instance_key:
        return case
    if case.process_instance_key is not None:
        raise Conflict(f"{request_id} is already bound to process instance {case.process_instance_key}")
    case.process_instance_key = process_instance_key
    audit.append(
        s,
        action="case.process_linked",
        actor=actor,
        request_id=request_id,
        detail={"processInstanceKey": process_instance_key},
    )
    return case


def set_stage(s: Session, request_id: str, stage: Stage, *, actor: str, op_key: str) -> Case:
    case = case_by_ref(s, request_id)
    if existing(s, audit.AuditEntry, "op_key", str(op_key)) is not None:
        return case  # this job already moved the case; a later stage may since have been set
    previous = case.stage
    case.stage = stage.value
    audit.append(
        s,
        action="case.stage",
        actor=actor,
        request_id=request_id,
        op_key=str(op_key),
        detail={"from": previous, "to": stage.value},
    )
    return case


def close_case(
    s: Session,
    request_id: str,
    final_status: FinalStatus,
    *,
    actor: str,
    op_key: str,
    withhold_reasons: list[WithholdReason] | None = None,
) -> Case:
    """Record the end state (and what must not be published about the case). A case closes once."""
    case = case_by_ref(s, request_id)
    if existing(s, audit.AuditEntry, "op_key", str(op_key)) is not None:
        return case
    if case.final_status is not None and case.final_status != final_status.value:
        raise Conflict(f"{request_id} is already closed as {case.final_status}")
    reasons = sorted({r.value for r in withhold_reasons or []})
    case.final_status = final_status.value
    case.withhold_reasons = reasons
    case.stage = Stage.CLOSED.value
    case.closed_at = utcnow()
    audit.append(
        s,
        action="case.closed",
        actor=actor,
        request_id=request_id,
        op_key=str(op_key),
        detail={"finalStatus": final_status.value, "withholdReasons": reasons},
    )
    return case
