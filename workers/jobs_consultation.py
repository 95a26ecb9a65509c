"""Notices and consultations: `request-post-stage1` and `notify-stakeholder`.

Nothing here sends mail. A notice goes into the outbox in the transaction that decides it (the outbox sender
delivers it where SMTP is configured). A question to Post carries a one-time reply link: the consultation and
its notice are written together, so a redelivered job finds both and sends nothing twice (the token itself is
kept only as a hash and cannot be shown again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy.orm import Session

from ipa import reference
from ipa.store import Consultation, Notice, append_audit, enqueue_notice, open_consultation, set_stage
from ipa.store._once import existing
from ipa.vocab import Stage
from workers.jobs_shared import Vars, mailbox, public_url, write
from workers.registry import JobContext, job


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    #: the consultation a reply link answers (None: no reply expected)
    reply: str | None = None


_CASE = "Request {requestId}: {title} for {requesterOrg} ({countryName}), starting {startDate}."
TEMPLATES: dict[str, Template] = {
    "stage1-request": Template(
        "OSJA Stage 1 assessment requested: {countryName} ({requestId})",
        _CASE
        + "\n\nPlease send the current OSJA Stage 1 in-country assessment for {countryName}, or confirm the one "
        "dated {stage1Date} is current. Reply by {replyBy} through this one-time link:\n{replyLink}",
        reply="STAGE1",
    ),
    "stage1-reminder": Template(
        "Reminder: OSJA Stage 1 assessment for {countryName} ({requestId})",
        _CASE
        + "\n\nWe asked for the current Stage 1 assessment 7 days ago and have no reply yet. Please use the "
        "reply link in our first message.",
    ),
    "stage1-escalation": Template(
        "Escalation: no Stage 1 assessment from Post for {countryName} ({requestId})",
        _CASE
        + "\n\nPost has not sent the Stage 1 assessment within 10 days. OSJA Lead: please follow up with the "
        "FCDO desk.",
    ),
    "post-consultation": Template(
        "Post consultation on an OSJA grading: {countryName} ({requestId})",
        _CASE
        + "\n\nResidual risk {residualRisk}; approval by {approverRole}. Please tell us whether the Post "
        "concurs, by {replyBy}, through this one-time link:\n{replyLink}",
        reply="CONCURRENCE",
    ),
    "ipab-submission": Template(
        "IPAB/JIPH submission: {requestId} ({countryName})",
        _CASE
        + "\n\nThe IPAB form is attached to the case as {ipabFormRef} (PDF) and {ipabFormJsonRef} (JSON). "
        "OSJA residual risk {residualRisk}; approver {approverRole}.",
    ),
    "jiph-reminder": Template(
        "Reminder: JIPH decision awaited on {requestId}",
        _CASE + "\n\nThe IPAB submission {ipabFormRef} has waited 10 working days for a JIPH decision.",
    ),
    "jiph-escalation": Template(
        "Escalation to the NPCC ICC lead: {requestId}",
        _CASE + "\n\nNo JIPH decision after 15 working days on submission {ipabFormRef}.",
    ),
    "ministerial-escalation": Template(
        "Escalation: ministerial decision awaited on {requestId}",
        _CASE + "\n\nThe ministerial submission {ministerialSubmissionRef} has waited 20 working days.",
    ),
    "pcc-reminder": Template(
        "Reminder: PCC decision awaited on {requestId}",
        _CASE + "\n\nDecision level {pccDecisionLevel}; the Chief Constable recommended on {requestId}.",
    ),
    "s26-reminder": Template(
        "Reminder: s.26 consent awaited on {requestId}",
        _CASE
        + "\n\nWe applied for the Home Secretary's consent under s.26 Police Act 1996 ({s26RequestRef}).",
    ),
}


class NoticeVars(Vars):
    """The case's variables, all of them available to the templates."""

    model_config = ConfigDict(extra="allow")

    request_id: str
    country_code: str | None = None


class _Blanks(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "(not recorded)"


def _recipient(role: str, country_code: str | None) -> tuple[str, str]:
    """(consultee name, address). Post is the British Embassy / High Commission for the country."""
    if role == "POST" and country_code:
        post = reference.country(country_code).post
        name = post.name or f"FCDO desk for {reference.country(country_code).name}"
        return name, mailbox(f"POST_{country_code}")
    return role, mailbox(role)


@dataclass(frozen=True)
class Queued:
    notice_id: int
    recipient: str
    consultation_id: int | None = None
    reply_by: datetime | None = None


def queue(ctx: JobContext, given: NoticeVars, template_name: str, role: str) -> Any:
    """The store work of one notice (and its consultation), keyed by the job: run it with `write`."""
    template = TEMPLATES.get(template_name)
    if template is None:
        raise ValueError(f"no notice template {template_name!r}; known: {', '.join(sorted(TEMPLATES))}")
    variables = _Blanks({**given.model_dump(by_alias=True, mode="json"), **(given.model_extra or {})})
    if given.country_code and "countryName" not in variables:
        variables["countryName"] = reference.country(given.country_code).name
    consultee, address = _recipient(role, given.country_code)
    notice_key = f"{ctx.key}:notice"

    def work(s: Session) -> Queued:
        consultation: Consultation | None = None
        if template.reply is not None:
            consultation, token = open_consultation(
                s,
                given.request_id,
                kind=template.reply,
                consultee=consultee,
                recipient=address,
                op_key=f"{ctx.key}:consultation",
                actor=ctx.element_id or "notify-stakeholder",
            )
            if token is None:  # redelivered: the notice with its link was written with the consultation
                found = existing(s, Notice, "idempotency_key", notice_key)
                if found is None:
                    raise RuntimeError(
                        f"consultation {consultation.id} exists without its notice {notice_key}"
                    )
                return Queued(found.id, address, consultation.id, consultation.expires_at)
            variables["replyLink"] = f"{public_url()}/reply/{token}"
            variables["replyBy"] = consultation.expires_at.date().isoformat()
        notice = enqueue_notice(
            s,
            idempotency_key=notice_key,
            recipient=address,
            subject=template.subject.format_map(variables),
            body=template.body.format_map(variables),
            request_id=given.request_id,
        )
        append_audit(
            s,
            action="notice.queued",
            actor=ctx.element_id or "notify-stakeholder",
            request_id=given.request_id,
            op_key=f"{ctx.key}:notice-audit",
            detail={"template": template_name, "recipient": role, "noticeId": notice.id},
        )
        return Queued(
            notice.id,
            address,
            consultation.id if consultation else None,
            consultation.expires_at if consultation else None,
        )

    return work


class NoticeSent(Vars):
    template: str
    recipient: str
    notice_id: int
    consultation_id: int | None = None
    reply_by: date | None = None


class NotifyResult(Vars):
    last_notice: NoticeSent


@job("notify-stakeholder", NoticeVars)
async def notify_stakeholder(ctx: JobContext, given: NoticeVars) -> NotifyResult:
    """Queue the notice named by the headers `template` and `recipient` (a role: JIPH, POST, PCC, HOME_OFFICE,
    OSJA_LEAD, NPCC_ICC_LEAD, MINISTER_PRIVATE_OFFICE). A template that asks Post for a reply opens a
    consultation with a one-time link."""
    template, role = ctx.headers.get("template"), ctx.headers.get("recipient")
    if not template or not role:
        raise ValueError("notify-stakeholder needs the task headers 'template' and 'recipient'")
    queued = await write(queue(ctx, given, template, role))
    return NotifyResult(
        last_notice=NoticeSent(
            template=template,
            recipient=role,
            notice_id=queued.notice_id,
            consultation_id=queued.consultation_id,
            reply_by=queued.reply_by.date() if queued.reply_by else None,
        )
    )


class Stage1Requested(Vars):
    stage1_consultation_id: int
    stage1_notice_id: int
    stage1_reply_by: date


@job("request-post-stage1", NoticeVars)
async def request_post_stage1(ctx: JobContext, given: NoticeVars) -> Stage1Requested:
    """Ask Post for the current Stage 1 in-country assessment: a consultation with a one-time reply link
    (Post answers on the web page, which publishes `PostStage1Received`) and its notice in the outbox."""
    if not given.country_code:
        raise ValueError("request-post-stage1 needs countryCode")
    work = queue(
        ctx, given, ctx.headers.get("template", "stage1-request"), ctx.headers.get("recipient", "POST")
    )

    def with_stage(s: Session) -> Queued:
        queued: Queued = work(s)
        set_stage(s, given.request_id, Stage.OSJA, actor="request-post-stage1", op_key=f"{ctx.key}:stage")
        return queued

    queued = await write(with_stage)
    if queued.consultation_id is None or queued.reply_by is None:
        raise ValueError("the Stage 1 template must ask for a reply")
    return Stage1Requested(
        stage1_consultation_id=queued.consultation_id,
        stage1_notice_id=queued.notice_id,
        stage1_reply_by=queued.reply_by.date(),
    )
