"""generate-ipab-form and prepare-ministerial-submission: real PDFs (parsed back), JSON, store rows."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from ipa.store import Document, Funding, OsjaRecord, Store, read_document
from tests.workers.conftest import deliver, new_key
from workers import jobs_documents

RISK = {
    "type": "TORTURE_CIDT",
    "likelihood": "HIGH",
    "seriousness": "GRAVE",
    "contribution": "DIRECT_OR_SIGNIFICANT",
    "mitigationEffective": False,
    "evidence": "UN CAT 2022",
}


def assessed(case: dict[str, Any], **over: Any) -> dict[str, Any]:
    """The variables after costing, funding and the OSJA call activity."""
    return {
        **case,
        "costToDeliveringBody": 16568.75,
        "chargingBasis": "FULL_COST_PLUS",
        "rateCard": "NPCC_S26",
        "paymentSchedule": "DEPOSIT_AND_BALANCE",
        "purchaseOrderRef": "PO-77",
        "isHRPC": True,
        "retainsDeathPenalty": True,
        "fcdoAdvice": "AGAINST_ALL",
        "fcdoAdviceAsOf": "2025-06-30",
        "stage1Date": "2025-01-15",
        "risks": [RISK],
        "mitigations": ["PARTICIPANT_VETTING", "MOU_HUMAN_RIGHTS_CLAUSE"],
        "mitigationNotes": "Vetting by Post; MOU clause 7",
        "residualRisk": "HIGH",
        "seriousRisk": True,
        "reputationalRisk": "HIGH",
        "caseSpecificDeathPenalty": False,
        "approverRole": "MINISTER",
        "postConcurrence": "CONCUR",
        "approvals": [],
        **over,
    }


def documents(store: Store) -> list[Document]:
    with store.reader() as s:
        return list(s.scalars(select(Document).order_by(Document.id)))


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_the_ipab_form_as_json_and_pdf(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("generate-ipab-form", assessed(case))
    as_json, as_pdf = documents(store)
    assert (as_json.name, as_json.media_type) == ("ipab-form-IPA-2025-0042-v1.json", "application/json")
    assert (as_pdf.name, as_pdf.media_type) == ("ipab-form-IPA-2025-0042-v1.pdf", "application/pdf")
    assert out["ipabFormRef"] == f"DOC-{as_pdf.id}" and out["ipabFormJsonRef"] == f"DOC-{as_json.id}"
    pdf = read_document(as_pdf)
    assert out["ipabFormSha256"] == hashlib.sha256(pdf).hexdigest()
    assert json.loads(read_document(as_json)) == out["ipabBrief"]
    brief = out["ipabBrief"]
    assert brief["requester"]["country"] == "Iraq" and brief["money"]["contractValue"] == 40000
    assert brief["humanRights"]["risks"][0]["type"] == "TORTURE_CIDT"
    assert "evidence" not in brief["humanRights"]["risks"][0]
    text = pdf_text(pdf)
    for fact in (
        "IPAB / JIPH project submission IPA-2025-0042",
        "Ministry of Interior, Forensic Directorate",
        "Iraq (IQ)",
        "Crime scene forensics",
        "GBP 40,000.00",
        "GBP 16,568.75",
        "TORTURE_CIDT",
        "PARTICIPANT_VETTING",
        "AGAINST_ALL",
    ):
        assert fact in text, fact
    with store.reader() as s:
        [funding] = s.scalars(select(Funding))
        [osja] = s.scalars(select(OsjaRecord))
        assert funding.funding_source == "REQUESTING_STATE" and str(funding.amount) == "40000.00"
        assert (
            osja.residual_risk == "HIGH" and osja.approver_role == "MINISTER" and len(osja.mitigations) == 2
        )


async def test_redelivery_returns_the_same_documents_and_a_query_loop_adds_a_version(
    store: Store, case: dict[str, Any]
) -> None:
    key = new_key()
    first = await deliver("generate-ipab-form", assessed(case), key=key)
    assert await deliver("generate-ipab-form", assessed(case), key=key) == first
    assert len(documents(store)) == 2
    # JIPH asked a question: the form is generated again by a new job
    second = await deliver(
        "generate-ipab-form", assessed(case, jiphQuery="Curriculum?", jiphQueryResponse="Attached")
    )
    assert second["ipabFormRef"] != first["ipabFormRef"]
    assert [d.name for d in documents(store)][-1] == "ipab-form-IPA-2025-0042-v2.pdf"
    assert "Curriculum?" in pdf_text(read_document(documents(store)[-1]))
    with store.reader() as s:
        assert len(list(s.scalars(select(OsjaRecord)))) == 1, "the same assessment is not versioned again"
        assert len(list(s.scalars(select(Funding)))) == 1


async def test_a_crash_between_the_two_documents_leaves_neither(
    store: Store, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs_documents.attach_document
    calls = []

    def second_fails(*args: Any, **kw: Any) -> Any:
        calls.append(kw["name"])
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kw)

    monkeypatch.setattr(jobs_documents, "attach_document", second_fails)
    key = new_key()
    with pytest.raises(OSError):
        await deliver("generate-ipab-form", assessed(case), key=key)
    assert documents(store) == []
    monkeypatch.setattr(jobs_documents, "attach_document", real)
    await deliver("generate-ipab-form", assessed(case), key=key)
    assert len(documents(store)) == 2


async def test_text_outside_latin1_still_renders(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("generate-ipab-form", assessed(case, requesterOrg="Łódź \u2013 Policja \u8b66\u5bdf"))
    text = pdf_text(read_document(documents(store)[-1]))
    assert "L\u00f3dz - Policja ??" in text and out["ipabBrief"]["requester"]["organisation"].startswith(
        "Łódź"
    )


async def test_the_ministerial_submission(store: Store, case: dict[str, Any]) -> None:
    out = await deliver(
        "prepare-ministerial-submission",
        assessed(
            case, jiphDecision="APPROVE", postConcurrence="DO_NOT_CONCUR", postComments="Detention concerns"
        ),
        headers={"contents": "summary,osja,mitigations,recommendation"},
    )
    [doc] = documents(store)
    assert (
        out["ministerialSubmissionRef"] == f"DOC-{doc.id}"
        and doc.name == "ministerial-submission-IPA-2025-0042-v1.pdf"
    )
    text = pdf_text(read_document(doc))
    for fact in (
        "Ministerial submission IPA-2025-0042",
        "Summary",
        "OSJA assessment",
        "DO_NOT_CONCUR Detention concerns",
        "Mitigations",
        "Recommendation",
    ):
        assert fact in text, fact
    assert (
        "Post does not concur" in out["recommendation"] and "a serious risk remains" in out["recommendation"]
    )
    assert text.index("Summary") < text.index("OSJA assessment") < text.index("Recommendation")


async def test_a_clean_case_is_recommended(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("prepare-ministerial-submission", assessed(case, seriousRisk=False))
    assert out["recommendation"].startswith("Officials recommend approval")


async def test_an_unknown_section_fails_the_job(store: Store, case: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown section 'annexes'"):
        await deliver(
            "prepare-ministerial-submission", assessed(case), headers={"contents": "summary,annexes"}
        )
    assert documents(store) == []
