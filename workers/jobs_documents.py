"""Stage D documents: `generate-ipab-form` (the IPAB brief as JSON and PDF) and `prepare-ministerial-submission`.

Both build from the case's process variables: request, costing, funding, the OSJA record and the country
profile. Documents are stored in the casework store (`attach_document`, keyed by the job) and the process gets a
reference (`DOC-<id>`) and the sha256, so a form or the Minister's private office can open exactly that version.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from ipa import reference
from ipa.models import Mitigation, OsjaAssessment, Risk
from ipa.store import Document, attach_document, documents_for, record_assessment, record_funding, set_stage
from ipa.store.audit import canonical_json
from ipa.vocab import FundingSource, MitigationKind, Stage
from workers.jobs_shared import Vars, as_numbers, pennies, write
from workers.registry import JobContext, job

PDF = "application/pdf"
JSON = "application/json"


class CaseFacts(Vars):
    """The variables the documents draw on (any may still be missing: the documents say so)."""

    model_config = ConfigDict(extra="allow")

    request_id: str
    country_code: str | None = None
    requester_org: str | None = None
    requester_type: str | None = None
    requester_unit: str | None = None
    delivering_body: str | None = None
    lead_officer: str | None = None
    title: str | None = None
    purpose: str | None = None
    assistance_type: str | None = None
    policing_area: str | None = None
    delivery_location: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    duration_days: int | None = None
    uk_staff_count: int | None = None
    uk_staff_ranks: list[str] | None = None
    recipient_count: int | None = None
    recipient_unit: str | None = None
    nature_of_transfer: str | None = None
    uk_priority_alignment: str | None = None
    funding_source: str | None = None
    funder_name: str | None = None
    contract_value: Decimal | None = None
    cost_to_delivering_body: Decimal | None = None
    price: Decimal | None = None
    charging_basis: str | None = None
    rate_card: str | None = None
    payment_schedule: str | None = None
    purchase_order_ref: str | None = None
    subsidy_decision: str | None = None
    subsidy_amount: Decimal | None = None
    is_hrpc: bool | None = Field(default=None, alias="isHRPC")
    retains_death_penalty: bool | None = None
    case_specific_death_penalty: bool | None = None
    fcdo_advice: str | None = None
    fcdo_advice_as_of: str | None = None
    stage1_date: str | None = None
    risks: list[dict[str, Any]] | None = None
    mitigations: list[Any] | None = None
    mitigation_notes: str | None = None
    residual_risk: str | None = None
    serious_risk: bool | None = None
    reputational_risk: str | None = None
    approver_role: str | None = None
    post_concurrence: str | None = None
    post_comments: str | None = None
    jiph_decision: str | None = None
    jiph_query: str | None = None
    jiph_query_response: str | None = None
    approvals: list[dict[str, Any]] | None = None

    @property
    def country_name(self) -> str | None:
        return reference.country(self.country_code).name if self.country_code else None

    def mitigation_list(self) -> list[Mitigation]:
        """The form's checklist (kinds) or full entries, each with a description."""
        out: list[Mitigation] = []
        for m in self.mitigations or []:
            kind, text = (m.get("kind"), m.get("description")) if isinstance(m, dict) else (m, None)
            if not isinstance(kind, str) or kind not in MitigationKind.__members__:
                continue
            label = MitigationKind(kind).value.replace("_", " ").capitalize()
            out.append(
                Mitigation(kind=MitigationKind(kind), description=text or self.mitigation_notes or label)
            )
        return out

    def risk_list(self) -> list[Risk]:
        fields = {"type", "likelihood", "seriousness", "contribution", "mitigationEffective"}
        return [Risk.model_validate({k: v for k, v in r.items() if k in fields}) for r in self.risks or []]


# -- the IPAB brief (domain.md §3.2) -----------------------------------------------------------------------------


def ipab_brief(c: CaseFacts) -> dict[str, Any]:
    """The IPAB form's sections as JSON. No timestamps: the same case gives the same brief."""
    return as_numbers(
        {
            "form": "IPAB / JIPH project submission",
            "requestId": c.request_id,
            "requester": {
                "countryCode": c.country_code,
                "country": c.country_name,
                "organisation": c.requester_org,
                "organisationType": c.requester_type,
                "unit": c.requester_unit,
            },
            "deliveringBody": {"body": c.delivering_body, "leadOfficer": c.lead_officer},
            "assistance": {
                "type": c.assistance_type,
                "title": c.title,
                "purpose": c.purpose,
                "policingArea": c.policing_area,
            },
            "locationAndDates": {
                "deliveryLocation": c.delivery_location,
                "startDate": c.start_date,
                "endDate": c.end_date,
                "durationDays": c.duration_days,
            },
            "people": {
                "ukStaffCount": c.uk_staff_count,
                "ukStaffRanks": c.uk_staff_ranks or [],
                "recipientCount": c.recipient_count,
                "recipientUnit": c.recipient_unit,
            },
            "money": {
                "contractValue": c.contract_value,
                "costToDeliveringBody": c.cost_to_delivering_body,
                "price": c.price,
                "fundingSource": c.funding_source,
                "funderName": c.funder_name,
                "chargingBasis": c.charging_basis,
                "rateCard": c.rate_card,
                "paymentSchedule": c.payment_schedule,
                "purchaseOrderRef": c.purchase_order_ref,
                "subsidy": c.subsidy_amount if c.subsidy_decision == "APPROVE" else None,
            },
            "ukPriorityAlignment": c.uk_priority_alignment,
            "humanRights": {
                "residualRisk": c.residual_risk,
                "seriousRisk": c.serious_risk,
                "approverRole": c.approver_role,
                "stage1Date": c.stage1_date,
                "postConcurrence": c.post_concurrence,
                "natureOfTransfer": c.nature_of_transfer,
                "risks": [r.model_dump(by_alias=True, mode="json") for r in c.risk_list()],
                "mitigations": [m.model_dump(by_alias=True, mode="json") for m in c.mitigation_list()],
            },
            "securityAndSafety": {"fcdoAdvice": c.fcdo_advice, "fcdoAdviceAsOf": c.fcdo_advice_as_of},
            "reputationalAndPolitical": {
                "isHRPC": c.is_hrpc,
                "retainsDeathPenalty": c.retains_death_penalty,
                "caseSpecificDeathPenalty": c.case_specific_death_penalty,
                "reputationalRisk": c.reputational_risk,
            },
            "jiph": {"query": c.jiph_query, "response": c.jiph_query_response},
            "signOffs": c.approvals or [],
        }
    )


# -- PDF -------------------------------------------------------------------------------------------------------

_PUNCTUATION = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2022": "-",
        # letters NFKD does not decompose
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0152": "OE",
        "\u0153": "oe",
    }
)


def latin1(text: str) -> str:
    """The PDF core fonts cover Latin-1: keep what they can show, fold accents off the rest, '?' for the remainder."""
    out = []
    for ch in str(text).translate(_PUNCTUATION):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(not recorded)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return str(value)


class Pdf:
    """A plain A4 document: a title, then sections of labelled lines, paragraphs and tables."""

    def __init__(self, title: str, subject: str) -> None:
        self.doc = FPDF(format="A4")
        self.doc.set_title(latin1(title))
        self.doc.set_subject(latin1(subject))
        self.doc.set_author("IPA workers")
        self.doc.set_creator("ipa workers (fpdf2)")
        self.doc.set_auto_page_break(True, margin=15)
        self.doc.add_page()
        self.doc.set_font("Helvetica", "B", 15)
        self.doc.multi_cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
        self.doc.set_font("Helvetica", "", 9)
        self.doc.multi_cell(0, 5, latin1(subject), new_x="LMARGIN", new_y="NEXT")
        self.doc.ln(2)

    def section(self, heading: str) -> None:
        self.doc.ln(2)
        self.doc.set_font("Helvetica", "B", 11)
        self.doc.multi_cell(0, 6, latin1(heading), new_x="LMARGIN", new_y="NEXT")
        self.doc.set_font("Helvetica", "", 10)

    def fields(self, rows: Iterable[tuple[str, Any]]) -> None:
        for label, value in rows:
            self.doc.set_font("Helvetica", "B", 10)
            self.doc.cell(58, 5, latin1(label))
            self.doc.set_font("Helvetica", "", 10)
            self.doc.multi_cell(0, 5, latin1(shown(value)), new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.doc.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            self.paragraph("(none recorded)")
            return
        self.doc.set_font("Helvetica", "", 9)
        with self.doc.table(first_row_as_headings=True) as table:
            for values in [header, *rows]:
                row = table.row()
                for v in values:
                    row.cell(latin1(shown(v)))
        self.doc.set_font("Helvetica", "", 10)

    def bytes(self) -> bytes:
        return bytes(self.doc.output())


def _money(value: Any) -> str:
    return "(not recorded)" if value is None else f"GBP {pennies(value):,.2f}"


def _risk_rows(c: CaseFacts) -> list[list[Any]]:
    return [
        [r.type.value, r.likelihood.value, r.seriousness.value, r.contribution.value, r.mitigation_effective]
        for r in c.risk_list()
    ]


RISK_HEADER = ["Risk", "Likelihood", "Seriousness", "Contribution", "Mitigation effective"]


def ipab_pdf(c: CaseFacts) -> bytes:
    pdf = Pdf(f"IPAB / JIPH project submission {c.request_id}", f"{shown(c.title)} - {shown(c.country_name)}")
    pdf.section("1. Requester")
    pdf.fields(
        [
            ("Country", f"{shown(c.country_name)} ({shown(c.country_code)})"),
            ("Organisation", c.requester_org),
            ("Organisation type", c.requester_type),
            ("Unit", c.requester_unit),
        ]
    )
    pdf.section("2. Delivering body and assistance")
    pdf.fields(
        [
            ("Delivering body", c.delivering_body),
            ("Lead officer", c.lead_officer),
            ("Type", c.assistance_type),
            ("Title", c.title),
            ("Purpose", c.purpose),
            ("Policing area", c.policing_area),
        ]
    )
    pdf.section("3. Location, dates and people")
    pdf.fields(
        [
            ("Delivery location", c.delivery_location),
            ("Start date", c.start_date),
            ("End date", c.end_date),
            ("Duration (days)", c.duration_days),
            ("UK staff", f"{shown(c.uk_staff_count)}: {shown(c.uk_staff_ranks)}"),
            ("Recipients", f"{shown(c.recipient_count)} ({shown(c.recipient_unit)})"),
        ]
    )
    pdf.section("4. Money")
    pdf.fields(
        [
            ("Contract value", _money(c.contract_value)),
            ("Cost to delivering body", _money(c.cost_to_delivering_body)),
            ("Funding source", c.funding_source),
            ("Funder", c.funder_name),
            ("Charging basis", f"{shown(c.charging_basis)} (rate card {shown(c.rate_card)})"),
            ("Payment schedule", c.payment_schedule),
            ("Purchase order", c.purchase_order_ref),
            ("Subsidy", _money(c.subsidy_amount) if c.subsidy_decision == "APPROVE" else "none"),
        ]
    )
    pdf.section("5. UK priority alignment")
    pdf.paragraph(shown(c.uk_priority_alignment))
    pdf.section("6. Human rights (OSJA)")
    pdf.fields(
        [
            ("Residual risk", c.residual_risk),
            ("Serious risk", c.serious_risk),
            ("Approver", c.approver_role),
            ("Post Stage 1 date", c.stage1_date),
            ("Post concurrence", c.post_concurrence),
            ("Nature of transfer", c.nature_of_transfer),
        ]
    )
    pdf.table(RISK_HEADER, _risk_rows(c))
    pdf.paragraph("Mitigations:")
    pdf.table(["Mitigation", "Description"], [[m.kind.value, m.description] for m in c.mitigation_list()])
    pdf.section("7. Security and safety")
    pdf.fields(
        [
            (
                "FCDO travel advice",
                f"{shown(c.fcdo_advice)} (snapshot as of {shown(c.fcdo_advice_as_of)}, not live)",
            )
        ]
    )
    pdf.section("8. Reputational and political")
    pdf.fields(
        [
            ("Human Rights Priority Country", c.is_hrpc),
            ("Retains the death penalty", c.retains_death_penalty),
            ("Case-specific death penalty", c.case_specific_death_penalty),
            ("Reputational risk", c.reputational_risk),
        ]
    )
    if c.jiph_query:
        pdf.section("9. JIPH query and response")
        pdf.fields([("Query", c.jiph_query), ("Response", c.jiph_query_response)])
    pdf.section("Sign-offs so far")
    pdf.table(
        ["Role", "Name", "Decision", "When"],
        [[a.get("role"), a.get("name"), a.get("decision"), a.get("timestamp")] for a in c.approvals or []],
    )
    return pdf.bytes()


def recommendation(c: CaseFacts) -> str:
    """Officials' recommendation: a proposal for the Minister, drawn from the grading and Post's view."""
    concerns = []
    if c.post_concurrence == "DO_NOT_CONCUR":
        concerns.append("Post does not concur")
    if c.serious_risk:
        concerns.append("a serious risk remains after mitigation")
    if c.case_specific_death_penalty:
        concerns.append("the case carries a case-specific death-penalty exposure")
    if not c.mitigation_list():
        concerns.append("no mitigations are recorded")
    if not concerns:
        return "Officials recommend approval, subject to the mitigations listed being met before delivery."
    return (
        "Officials do not recommend approval as proposed: "
        + "; ".join(concerns)
        + ". The Minister may refuse, or approve with conditions added to the mitigations."
    )


def ministerial_pdf(c: CaseFacts, contents: list[str]) -> bytes:
    pdf = Pdf(f"Ministerial submission {c.request_id}", f"{shown(c.title)} - {shown(c.country_name)}")
    for part in contents:
        if part == "summary":
            pdf.section("Summary")
            pdf.fields(
                [
                    ("Requester", f"{shown(c.requester_org)} ({shown(c.country_name)})"),
                    ("Delivering body", c.delivering_body),
                    ("Assistance", f"{shown(c.assistance_type)}: {shown(c.title)}"),
                    ("Purpose / area", f"{shown(c.purpose)} / {shown(c.policing_area)}"),
                    (
                        "Dates",
                        f"{shown(c.start_date)} for {shown(c.duration_days)} days ({shown(c.delivery_location)})",
                    ),
                    ("Contract value", _money(c.contract_value)),
                    ("JIPH / IPAB", c.jiph_decision),
                ]
            )
        elif part == "osja":
            pdf.section("OSJA assessment")
            pdf.fields(
                [
                    ("Residual risk", c.residual_risk),
                    ("Serious risk", c.serious_risk),
                    ("Reputational risk", c.reputational_risk),
                    ("Human Rights Priority Country", c.is_hrpc),
                    ("Case-specific death penalty", c.case_specific_death_penalty),
                    ("Post concurrence", f"{shown(c.post_concurrence)} {c.post_comments or ''}".strip()),
                ]
            )
            pdf.table(RISK_HEADER, _risk_rows(c))
        elif part == "mitigations":
            pdf.section("Mitigations")
            pdf.table(
                ["Mitigation", "Description"], [[m.kind.value, m.description] for m in c.mitigation_list()]
            )
        elif part == "recommendation":
            pdf.section("Recommendation")
            pdf.paragraph(recommendation(c))
        else:
            raise ValueError(f"unknown section {part!r} in the 'contents' header")
    return pdf.bytes()


# -- the jobs --------------------------------------------------------------------------------------------------


def _next_name(s: Session, request_id: str, prefix: str, ext: str) -> str:
    n = sum(1 for d in documents_for(s, request_id) if d.name.startswith(prefix) and d.name.endswith(ext))
    return f"{prefix}-v{n + 1}{ext}"


def _subsidy_approver(c: CaseFacts) -> str | None:
    for a in reversed(c.approvals or []):
        if a.get("role") == "FINANCE_DIRECTOR" and a.get("decision") == "APPROVE":
            return str(a.get("name") or "finance director (name not recorded)")
    return None


def record_snapshot(s: Session, c: CaseFacts, actor: str) -> None:
    """What the IPAB form was built from, into the store: the confirmed funding (once per case) and the OSJA
    assessment (a new version only when its content changed)."""
    if (
        c.funding_source is not None
        and c.funding_source in FundingSource.__members__
        and c.contract_value is not None
    ):
        approved = c.subsidy_decision == "APPROVE"
        record_funding(
            s,
            c.request_id,
            source=FundingSource(c.funding_source),
            amount=pennies(c.contract_value),
            op_key=f"{c.request_id}:funding",
            actor=actor,
            funder_name=c.funder_name,
            subsidy=pennies(c.subsidy_amount or 0) if approved else Decimal("0.00"),
            subsidy_approved_by=_subsidy_approver(c) if approved else None,
            purchase_order=c.purchase_order_ref,
            payment_schedule=[{"schedule": c.payment_schedule}] if c.payment_schedule else [],
        )
    risks = c.risk_list()
    if risks and c.reputational_risk:
        assessment = OsjaAssessment.model_validate(
            {
                "risks": risks,
                "mitigations": c.mitigation_list(),
                "reputationalRisk": c.reputational_risk,
                "residualRisk": c.residual_risk,
                "seriousRisk": c.serious_risk,
                "approverRole": c.approver_role,
                "stage1Date": c.stage1_date[:10] if c.stage1_date else None,
                "assessedBy": "project lead (college-ipa)",
            }
        )
        digest = hashlib.sha256(canonical_json(assessment.model_dump(mode="json")).encode()).hexdigest()[:24]
        record_assessment(s, c.request_id, assessment, op_key=f"{c.request_id}:osja:{digest}", actor=actor)


class IpabForm(Vars):
    ipab_form_ref: str
    ipab_form_json_ref: str
    ipab_form_sha256: str
    ipab_brief: dict[str, Any]


@job("generate-ipab-form", CaseFacts)
async def generate_ipab_form(ctx: JobContext, c: CaseFacts) -> IpabForm:
    """Build the IPAB brief (JSON and PDF) and attach both to the case; snapshot funding and OSJA."""
    brief = ipab_brief(c)
    brief_json = json.dumps(brief, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
    pdf = ipab_pdf(c)

    def store(s: Session) -> tuple[Document, Document]:
        record_snapshot(s, c, "generate-ipab-form")
        as_json = attach_document(
            s,
            c.request_id,
            name=_next_name(s, c.request_id, f"ipab-form-{c.request_id}", ".json"),
            media_type=JSON,
            content=brief_json,
            op_key=f"{ctx.key}:ipab-json",
            actor="generate-ipab-form",
        )
        as_pdf = attach_document(
            s,
            c.request_id,
            name=_next_name(s, c.request_id, f"ipab-form-{c.request_id}", ".pdf"),
            media_type=PDF,
            content=pdf,
            op_key=f"{ctx.key}:ipab-pdf",
            actor="generate-ipab-form",
        )
        set_stage(s, c.request_id, Stage.JIPH, actor="generate-ipab-form", op_key=f"{ctx.key}:stage")
        return as_json, as_pdf

    as_json, as_pdf = await write(store)
    return IpabForm(
        ipab_form_ref=f"DOC-{as_pdf.id}",
        ipab_form_json_ref=f"DOC-{as_json.id}",
        ipab_form_sha256=as_pdf.sha256,
        ipab_brief=brief,
    )


class MinisterialSubmission(Vars):
    ministerial_submission_ref: str
    ministerial_submission_sha256: str
    recommendation: str


@job("prepare-ministerial-submission", CaseFacts)
async def prepare_ministerial_submission(ctx: JobContext, c: CaseFacts) -> MinisterialSubmission:
    """The submission to the Minister (summary, OSJA, mitigations, recommendation: the header `contents` sets
    which, in order) as a PDF attached to the case."""
    contents = [
        p.strip() for p in ctx.headers.get("contents", "summary,osja,mitigations,recommendation").split(",")
    ]
    pdf = ministerial_pdf(c, [p for p in contents if p])

    def store(s: Session) -> Document:
        doc = attach_document(
            s,
            c.request_id,
            name=_next_name(s, c.request_id, f"ministerial-submission-{c.request_id}", ".pdf"),
            media_type=PDF,
            content=pdf,
            op_key=f"{ctx.key}:ministerial-pdf",
            actor="prepare-ministerial-submission",
        )
        set_stage(
            s,
            c.request_id,
            Stage.AUTHORISATION,
            actor="prepare-ministerial-submission",
            op_key=f"{ctx.key}:stage",
        )
        return doc

    doc = await write(store)
    return MinisterialSubmission(
        ministerial_submission_ref=f"DOC-{doc.id}",
        ministerial_submission_sha256=doc.sha256,
        recommendation=recommendation(c),
    )
