"""Stage E, statutory authorisation: `request-s26-consent` (s.26(3) Police Act 1996, domain.md §2.1).

s.26(3): the power "shall not be exercised except with the consent of the Secretary of State or in accordance
with a general authorisation given by him". Which cases a general authorisation covers is policy, decided by the
DMN `scope_check` (`generalAuthorisationApplies`); this job acts on it: under a general authorisation it records
the consent basis and asks nothing; otherwise it applies to the Home Office (a notice in the outbox) and the
process waits for `HomeOfficeS26Consent`.
"""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict
from sqlalchemy.orm import Session

from ipa.store import append_audit, enqueue_notice, set_stage
from ipa.vocab import Stage
from workers.jobs_shared import Vars, mailbox, write
from workers.registry import JobContext, job


class S26Input(Vars):
    model_config = ConfigDict(extra="ignore")

    request_id: str
    general_authorisation_applies: bool | None = None
    s26_required: bool | None = None
    delivering_body: str | None = None
    requester_org: str | None = None
    country_code: str | None = None
    purpose: str | None = None
    title: str | None = None
    start_date: date | None = None
    duration_days: int | None = None
    uk_staff_count: int | None = None
    uk_staff_ranks: list[str] | None = None
    approver_role: str | None = None
    residual_risk: str | None = None
    pcc_decision_level: str | None = None
    pcc_decision_record_ref: str | None = None
    cost_to_delivering_body: float | None = None
    contract_value: float | None = None


class S26Result(Vars):
    general_authorisation_applies: bool
    #: the application sent to the Home Office (None under a general authorisation)
    s26_request_ref: str | None = None
    #: under a general authorisation the consent is the authorisation itself
    s26_consent: str | None = None
    s26_consent_ref: str | None = None


def application(given: S26Input) -> str:
    return "\n".join(
        [
            f"Application for consent under s.26 Police Act 1996: request {given.request_id}.",
            f"Delivering body: {given.delivering_body}. Requester: {given.requester_org} ({given.country_code}).",
            f"Assistance: {given.title} ({given.purpose}), from {given.start_date} for {given.duration_days} days.",
            f"Officers: {given.uk_staff_count} ({', '.join(given.uk_staff_ranks or []) or 'ranks not given'}).",
            f"OSJA: residual risk {given.residual_risk}, approved at {given.approver_role} level.",
            f"Local approval: {given.pcc_decision_level or 'College governance'}"
            + (f", decision record {given.pcc_decision_record_ref}" if given.pcc_decision_record_ref else "")
            + ".",
            f"Cost to the delivering body GBP {given.cost_to_delivering_body}; contract value GBP {given.contract_value}.",
            "Serving officers' pay, pension and return rights are protected as relevant service (s.97).",
        ]
    )


@job("request-s26-consent", S26Input)
async def request_s26_consent(ctx: JobContext, given: S26Input) -> S26Result:
    """Under a general authorisation (header `generalAuthorisationRef` names it): record that, no application.
    Otherwise: queue the application to the Home Office and return its reference."""
    general = given.general_authorisation_applies is True
    basis = ctx.headers.get("generalAuthorisationRef", "s.26(3) general authorisation")

    def store(s: Session) -> S26Result:
        set_stage(s, given.request_id, Stage.S26, actor="request-s26-consent", op_key=f"{ctx.key}:stage")
        if general:
            append_audit(
                s,
                action="s26.general_authorisation",
                actor="request-s26-consent",
                request_id=given.request_id,
                op_key=f"{ctx.key}:s26",
                detail={"basis": basis},
            )
            return S26Result(general_authorisation_applies=True, s26_consent="CONSENT", s26_consent_ref=basis)
        notice = enqueue_notice(
            s,
            idempotency_key=f"{ctx.key}:s26",
            recipient=mailbox(ctx.headers.get("recipient", "HOME_OFFICE")),
            subject=f"s.26 Police Act 1996 consent requested: {given.request_id}",
            body=application(given),
            request_id=given.request_id,
        )
        append_audit(
            s,
            action="s26.requested",
            actor="request-s26-consent",
            request_id=given.request_id,
            op_key=f"{ctx.key}:s26-audit",
            detail={"noticeId": notice.id},
        )
        return S26Result(
            general_authorisation_applies=False,
            s26_request_ref=f"S26-{given.request_id}-{notice.id}",
        )

    return await write(store)
