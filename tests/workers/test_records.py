"""record-outcome, update-aggregate-income and schedule-osja-review."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from ipa.store import (
    ApprovalRow,
    AuditEntry,
    IncomeEntry,
    Notice,
    Store,
    approvals_for,
    get_case,
    income_by_financial_year,
    verify_chain,
)
from tests.workers.conftest import deliver, new_key

APPROVALS = [
    {
        "role": "FINANCE_DIRECTOR",
        "decision": "APPROVE",
        "conditions": "Programme underspend",
        "name": "FD",
        "timestamp": "2025-03-20T10:00:00.5+00:00[UTC]",
    },
    {
        "role": "MINISTER",
        "decision": "APPROVE_WITH_CONDITIONS",
        "conditions": "Vet every participant",
        "name": "Minister of State",
        "timestamp": "2025-04-01T09:00:00+01:00[Europe/London]",
    },
    {
        "role": "CHIEF_CONSTABLE",
        "decision": "RECOMMEND",
        "conditions": "Resourcing fine",
        "name": "CC",
        "timestamp": "2025-04-02T09:00:00Z",
    },
    {"role": "PCC", "decision": None, "name": None},
]


def done(case: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {
        **case,
        "approvals": APPROVALS,
        "withholdReasons": ["STAFF_SAFETY"],
        "residualRisk": "HIGH",
        "approverRole": "MINISTER",
        "ipabFormRef": "DOC-3",
        "s26Required": True,
        "s26Consent": "CONSENT",
        "s26ConsentRef": "HO-1",
        **over,
    }


def audit(store: Store, action: str) -> list[AuditEntry]:
    with store.reader() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_completed_closes_the_case_with_approvals_and_an_foi_row(
    store: Store, case: dict[str, Any]
) -> None:
    key = new_key()
    out = await deliver(
        "record-outcome", done(case, finalStatus="COMPLETED"), key=key, headers={"outcome": "COMPLETED"}
    )
    assert (
        await deliver(
            "record-outcome", done(case, finalStatus="COMPLETED"), key=key, headers={"outcome": "COMPLETED"}
        )
        == out
    )
    assert out["finalStatus"] == "COMPLETED" and out["approvalsRecorded"] == 3
    with store.reader() as s:
        closed = get_case(s, "IPA-2025-0042")
        assert closed is not None and closed.final_status == "COMPLETED" and closed.stage == "CLOSED"
        assert closed.withhold_reasons == ["STAFF_SAFETY"]
        rows = approvals_for(s, "IPA-2025-0042")
    assert [(r.role, r.decision, r.conditions) for r in rows] == [
        ("FINANCE_DIRECTOR", "APPROVE", []),
        ("MINISTER", "APPROVE_WITH_CONDITIONS", ["Vet every participant"]),
        ("CHIEF_CONSTABLE", "APPROVE", []),
    ]
    assert rows[1].decided_at.isoformat() == "2025-04-01T08:00:00+00:00"
    [foi] = audit(store, "foi.register")
    assert out["foiRegisterRef"] == f"AUDIT-{foi.seq}"
    row = json.loads(foi.detail)
    assert (
        row["s26Authorisation"] == {"status": "CONSENT", "ref": "HO-1"} and row["ipabFormSubmitted"] is True
    )
    assert row["osja"] == {"done": True, "residualRisk": "HIGH", "authority": "MINISTER"}
    assert row["publishable"] == {"countryCode": "IQ", "policingArea": None}, (
        "a withhold reason hides the subject"
    )
    assert row["contractValue"] == "40000.00"
    assert [json.loads(e.detail)["comments"] for e in audit(store, "approval.comments")] == [
        "Programme underspend",
        "Resourcing fine",
    ]
    with store.reader() as s:
        assert verify_chain(s).ok


async def test_a_redelivery_after_a_crash_writes_one_of_everything(
    store: Store, case: dict[str, Any]
) -> None:
    # the first delivery committed, then the worker died before completing the job: Zeebe hands it out again
    # (and a second record-outcome job for the same case, e.g. a model loop, changes nothing either)
    await deliver("record-outcome", done(case), headers={"outcome": "DECLINED_HUMAN_RIGHTS"})
    await deliver("record-outcome", done(case), headers={"outcome": "DECLINED_HUMAN_RIGHTS"})
    with store.reader() as s:
        assert len(list(s.scalars(select(ApprovalRow)))) == 3
    assert len(audit(store, "foi.register")) == 1 and len(audit(store, "case.closed")) == 1


async def test_the_end_and_finalstatus_must_agree(store: Store, case: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="contradicts"):
        await deliver("record-outcome", done(case, finalStatus="EXPIRED"), headers={"outcome": "WITHDRAWN"})


async def test_an_outcome_without_a_case_is_still_audited(store: Store) -> None:
    out = await deliver(
        "record-outcome",
        {"requestId": "IPA-2025-0999", "finalStatus": "WITHDRAWN"},
        headers={"outcome": "WITHDRAWN"},
    )
    [entry] = audit(store, "outcome.recorded")
    assert out == {"finalStatus": "WITHDRAWN", "approvalsRecorded": 0, "foiRegisterRef": f"AUDIT-{entry.seq}"}


@pytest.mark.parametrize(
    ("completed", "year"),
    [("2025-06-06", "2025-26"), ("2026-03-31T17:00:00", "2025-26"), ("2026-04-01", "2026-27")],
)
async def test_income_is_filed_by_financial_year(
    store: Store, case: dict[str, Any], completed: str, year: str
) -> None:
    key = new_key()
    variables = {**case, "deliveryCompletedOn": completed}
    out = await deliver("update-aggregate-income", variables, key=key)
    assert await deliver("update-aggregate-income", variables, key=new_key()) == out, (
        "one ledger line per case"
    )
    assert out == {"incomeFinancialYear": year, "incomeRecorded": 40000}
    with store.reader() as s:
        assert income_by_financial_year(s) == {year: Decimal("40000.00")}


async def test_nothing_charged_nothing_in_the_ledger(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("update-aggregate-income", {**case, "contractValue": 0})
    assert out == {"incomeFinancialYear": "2025-26", "incomeRecorded": 0}
    with store.reader() as s:
        assert list(s.scalars(select(IncomeEntry))) == []


async def test_annual_osja_reviews_roll_forward(store: Store, case: dict[str, Any]) -> None:
    first = await deliver("schedule-osja-review", dict(case), headers={"trigger": "annual"})
    assert first == {"osjaReviewDue": "2026-06-02"}
    second = await deliver("schedule-osja-review", {**case, **first}, headers={"trigger": "annual"})
    assert second == {"osjaReviewDue": "2027-06-02"}
    leap = await deliver("schedule-osja-review", {**case, "osjaReviewDue": "2028-02-29"})
    assert leap == {"osjaReviewDue": "2029-02-28"}
    with store.reader() as s:
        assert len(list(s.scalars(select(Notice)))) == 3
    assert len(audit(store, "osja.review_scheduled")) == 3
