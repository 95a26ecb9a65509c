"""Stage G, records: `record-outcome` (audit of who approved at which level, FOI register row, case closed),
`update-aggregate-income` (income ledger by financial year) and `schedule-osja-review`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from ipa.models import Approval
from ipa.store import (
    append_audit,
    close_case,
    enqueue_notice,
    financial_year,
    get_case,
    record_approval,
    record_income,
)
from ipa.vocab import ApproverRole, Decision, FinalStatus, WithholdReason
from workers.jobs_shared import Money, Vars, mailbox, parse_day, parse_instant, pennies, write
from workers.registry import JobContext, job

REQUEST_ID = re.compile(r"^IPA-\d{4}-\d{4}$")
#: the forms' decision words, in the vocabulary of the approvals audit
DECISIONS = {
    "APPROVE": Decision.APPROVE,
    "APPROVE_WITH_CONDITIONS": Decision.APPROVE_WITH_CONDITIONS,
    "REFUSE": Decision.REFUSE,
    "REQUEST_INFO": Decision.REQUEST_INFO,
    "RECOMMEND": Decision.APPROVE,
    "DO_NOT_RECOMMEND": Decision.REFUSE,
}


class OutcomeInput(Vars):
    request_id: str
    final_status: FinalStatus | None = None
    approvals: list[dict[str, Any]] | None = None
    withhold_reasons: list[WithholdReason] | None = None
    # the FOI register's fields (domain.md §2.3: the template requests forces answer)
    country_code: str | None = None
    delivering_body: str | None = None
    purpose: str | None = None
    assistance_type: str | None = None
    title: str | None = None
    policing_area: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    contract_value: Decimal | None = None
    funding_source: str | None = None
    funder_name: str | None = None
    recipient_unit: str | None = None
    recipient_count: int | None = None
    uk_staff_count: int | None = None
    uk_staff_ranks: list[str] | None = None
    s26_required: bool | None = None
    s26_consent: str | None = None
    s26_consent_ref: str | None = None
    general_authorisation_applies: bool | None = None
    ipab_form_ref: str | None = None
    jiph_decision: str | None = None
    residual_risk: str | None = None
    approver_role: str | None = None


class OutcomeResult(Vars):
    final_status: FinalStatus
    approvals_recorded: int
    foi_register_ref: str


def to_approval(raw: dict[str, Any]) -> tuple[Approval, str | None] | None:
    """An entry of the process's `approvals` list as an audit record, plus any comment that is not a condition
    (a CC's comments, a subsidy justification). None for an entry with no decision yet."""
    decision = DECISIONS.get(str(raw.get("decision") or ""))
    role = str(raw.get("role") or "")
    if decision is None or role not in ApproverRole.__members__:
        return None
    text = raw.get("conditions")
    notes = [str(t) for t in (text if isinstance(text, list) else [text]) if t]
    conditions = notes if decision is Decision.APPROVE_WITH_CONDITIONS else []
    if decision is Decision.APPROVE_WITH_CONDITIONS and not conditions:
        conditions = ["(conditions not recorded)"]
    approval = Approval(
        role=ApproverRole(role),
        name=str(raw.get("name") or "(name not recorded)"),
        decision=decision,
        conditions=conditions,
        timestamp=parse_instant(raw.get("timestamp")) or datetime.now(UTC),
    )
    return approval, ("; ".join(notes) if notes and not conditions else None)


def foi_row(given: OutcomeInput, status: FinalStatus, approvals: list[Approval]) -> dict[str, Any]:
    """One register row: what FOI requests ask forces (domain.md §2.3), with what may be published (§7)."""
    withheld = sorted(r.value for r in given.withhold_reasons or [])
    s26 = (
        "NOT_REQUIRED"
        if given.s26_required is False
        else "GENERAL_AUTHORISATION"
        if given.general_authorisation_applies
        else given.s26_consent or "NOT_OBTAINED"
    )
    return {
        "requestId": given.request_id,
        "finalStatus": status.value,
        "dates": {"start": given.start_date, "end": given.end_date},
        "countryCode": given.country_code,
        "deliveringBody": given.delivering_body,
        "assistance": {"title": given.title, "type": given.assistance_type, "purpose": given.purpose},
        "policingArea": given.policing_area,
        "contractValue": str(pennies(given.contract_value)) if given.contract_value is not None else None,
        "funding": {"source": given.funding_source, "funder": given.funder_name},
        "unitTrained": given.recipient_unit,
        "numberTrained": given.recipient_count,
        "ukPersonnel": {"count": given.uk_staff_count, "ranks": given.uk_staff_ranks or []},
        "s26Authorisation": {"status": s26, "ref": given.s26_consent_ref},
        "ipabFormSubmitted": given.ipab_form_ref is not None,
        "ipabFormRef": given.ipab_form_ref,
        "jiphDecision": given.jiph_decision,
        "osja": {
            "done": given.residual_risk is not None,
            "residualRisk": given.residual_risk,
            "authority": given.approver_role,
        },
        "approvers": [
            {"role": a.role.value, "name": a.name, "decision": a.decision.value} for a in approvals
        ],
        "withholdReasons": withheld,
        # §7 / disclosure_class: with any withhold reason only the country is published
        "publishable": {
            "countryCode": given.country_code,
            "policingArea": None if withheld else given.policing_area,
        },
    }


@job("record-outcome", OutcomeInput)
async def record_outcome(ctx: JobContext, given: OutcomeInput) -> OutcomeResult:
    """Close the case with its end state (the header `outcome`), append every approval to the audit of who
    decided at which level and when, and add the FOI register row. All keyed by the request: a case closes once."""
    header = ctx.headers.get("outcome")
    if header is None and given.final_status is None:
        raise ValueError("record-outcome needs the header 'outcome' or the variable finalStatus")
    status = FinalStatus(header) if header else given.final_status
    assert status is not None
    if given.final_status is not None and given.final_status is not status:
        raise ValueError(
            f"finalStatus {given.final_status.value} contradicts this end's outcome {status.value}"
        )
    entries = [e for e in (to_approval(a) for a in given.approvals or []) if e is not None]
    approvals = [a for a, _ in entries]
    rid = given.request_id

    def store(s: Session) -> OutcomeResult:
        if get_case(s, rid) is None:
            # no case: the request never passed validation (or was withdrawn before); the outcome is still audited
            entry = append_audit(
                s,
                action="outcome.recorded",
                actor="record-outcome",
                request_id=rid if REQUEST_ID.match(rid) else None,
                op_key=f"{rid}:outcome",
                detail={"requestId": rid, "finalStatus": status.value, "note": "no case on file"},
            )
            return OutcomeResult(
                final_status=status, approvals_recorded=0, foi_register_ref=f"AUDIT-{entry.seq}"
            )
        for i, (approval, note) in enumerate(entries):
            record_approval(s, rid, approval, op_key=f"{rid}:approval:{i}")
            if note:
                append_audit(
                    s,
                    action="approval.comments",
                    actor=approval.name,
                    request_id=rid,
                    op_key=f"{rid}:approval:{i}:note",
                    detail={"role": approval.role.value, "comments": note},
                )
        close_case(
            s,
            rid,
            status,
            actor="record-outcome",
            op_key=f"{rid}:close",
            withhold_reasons=given.withhold_reasons,
        )
        entry = append_audit(
            s,
            action="foi.register",
            actor="record-outcome",
            request_id=rid,
            op_key=f"{rid}:foi",
            detail=foi_row(given, status, approvals),
        )
        return OutcomeResult(
            final_status=status, approvals_recorded=len(entries), foi_register_ref=f"AUDIT-{entry.seq}"
        )

    return await write(store)


# -- update-aggregate-income -----------------------------------------------------------------------------------


class IncomeInput(Vars):
    request_id: str
    contract_value: Decimal | None = Field(default=None, ge=0)
    delivery_completed_on: str | None = None
    start_date: str | None = None


class IncomeResult(Vars):
    income_financial_year: str
    income_recorded: Money


@job("update-aggregate-income", IncomeInput)
async def update_aggregate_income(ctx: JobContext, given: IncomeInput) -> IncomeResult:
    """The contract value into the income ledger, under the financial year the delivery completed in (the
    report publishes income by financial year only, never per country). One entry per case."""
    day = parse_day(given.delivery_completed_on) or parse_day(given.start_date)
    if day is None:
        raise ValueError("update-aggregate-income needs deliveryCompletedOn or startDate")
    amount = pennies(given.contract_value or 0)

    def store(s: Session) -> Decimal:
        if amount == 0:
            return amount  # nothing charged (a fully subsidised case): no ledger line
        row = record_income(
            s,
            given.request_id,
            amount,
            on=day,
            op_key=f"{given.request_id}:income",
            actor="update-aggregate-income",
        )
        return row.amount

    recorded = await write(store)
    return IncomeResult(income_financial_year=financial_year(day), income_recorded=recorded)


# -- schedule-osja-review --------------------------------------------------------------------------------------


class ReviewInput(Vars):
    request_id: str
    start_date: date | None = None
    osja_review_due: date | None = None


class ReviewScheduled(Vars):
    osja_review_due: date


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@job("schedule-osja-review", ReviewInput)
async def schedule_osja_review(ctx: JobContext, given: ReviewInput) -> ReviewScheduled:
    """The next OSJA review date (header `trigger`: `annual`, a year after the last due date or the start; `event`,
    today) into the audit trail, and a notice to the OSJA Lead."""
    trigger = ctx.headers.get("trigger", "annual")
    if trigger == "event":
        due = date.today()
    elif trigger == "annual":
        due = one_year_after(given.osja_review_due or given.start_date or date.today())
    else:
        raise ValueError(f"unknown review trigger {trigger!r} (annual or event)")

    def store(s: Session) -> None:
        append_audit(
            s,
            action="osja.review_scheduled",
            actor="schedule-osja-review",
            request_id=given.request_id,
            op_key=f"{ctx.key}:review",
            detail={"due": due, "trigger": trigger},
        )
        enqueue_notice(
            s,
            idempotency_key=f"{ctx.key}:notice",
            recipient=mailbox("OSJA_LEAD"),
            subject=f"OSJA review due {due.isoformat()}: {given.request_id}",
            body=f"The {trigger} OSJA review of request {given.request_id} is due on {due.isoformat()}.",
            request_id=given.request_id,
        )

    await write(store)
    return ReviewScheduled(osja_review_due=due)
