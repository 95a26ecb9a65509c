"""A job delivered twice writes once: the second call returns the first result and adds no row."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ipa.models import Approval, OsjaAssessment
from ipa.store import (
    ApprovalRow,
    AuditEntry,
    Case,
    CaseNotFound,
    Conflict,
    Costing,
    CostLines,
    Document,
    DocumentChanged,
    Funding,
    IncomeEntry,
    Notice,
    OsjaRecord,
    RiskRow,
    Store,
    attach_document,
    close_case,
    enqueue_notice,
    link_process_instance,
    mark_sent,
    open_case,
    pending_notices,
    read_document,
    record_approval,
    record_assessment,
    record_costing,
    record_funding,
    record_income,
    set_stage,
)
from ipa.vocab import FinalStatus, FundingSource, Stage

from .conftest import make_request


def count(store: Store, model: type) -> int:
    with store.reader() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def opened(store: Store, request_id: str = "IPA-2025-0007") -> str:
    with store.transaction() as s:
        return open_case(s, make_request(requestId=request_id), actor="intake").request_id


def test_case_opened_twice_is_one_case(store: Store) -> None:
    with store.transaction() as s:
        first = open_case(s, make_request(requestId="IPA-2025-0001"), actor="intake")
    with store.transaction() as s:
        second = open_case(s, make_request(requestId="IPA-2025-0001"), actor="intake")
    assert first.id == second.id
    assert count(store, Case) == 1
    assert count(store, AuditEntry) == 1


def test_allocated_ids_are_keyed_by_op_key(store: Store) -> None:
    with store.transaction() as s:
        a = open_case(s, make_request(), actor="intake", op_key="form-a")
        again = open_case(s, make_request(), actor="intake", op_key="form-a")
        b = open_case(s, make_request(), actor="intake", op_key="form-b")
    assert (a.request_id, b.request_id) == ("IPA-2025-0001", "IPA-2025-0002")
    assert again.id == a.id and count(store, Case) == 2
    with store.transaction() as s, pytest.raises(ValueError, match="op_key"):
        open_case(s, make_request(), actor="intake")


def test_costing_funding_income_twice_is_one_row_each(store: Store) -> None:
    ref = opened(store)
    lines = CostLines(
        "NPCC_S26",
        Decimal("5100.00"),
        Decimal("2000.00"),
        Decimal("1275.00"),
        Decimal("837.50"),
        Decimal("0.00"),
        {"days": 10},
    )
    for _ in range(2):
        with store.transaction() as s:
            costing = record_costing(s, ref, lines, op_key="2251799813685249", actor="compute-costing")
            record_funding(
                s,
                ref,
                source=FundingSource.REQUESTING_STATE,
                amount=Decimal("9212.50"),
                op_key="job-funding",
                actor="finance",
            )
            record_income(
                s, ref, Decimal("9212.50"), on=date(2025, 7, 1), op_key="job-income", actor="ledger"
            )
    assert costing.total == Decimal("9212.50")
    assert (count(store, Costing), count(store, Funding), count(store, IncomeEntry)) == (1, 1, 1)
    assert count(store, AuditEntry) == 4  # case opened + one per first write


def test_osja_approval_document_twice(store: Store, tmp_path: Path) -> None:
    ref = opened(store)
    osja = OsjaAssessment.model_validate(
        {
            "risks": [
                {
                    "type": "DEATH_PENALTY",
                    "likelihood": "MEDIUM",
                    "seriousness": "GRAVE",
                    "contribution": "INDIRECT",
                }
            ],
            "mitigations": [{"kind": "PARTICIPANT_VETTING", "description": "vetting by Post"}],
            "reputationalRisk": "MEDIUM",
            "assessedBy": "IPA lead",
        }
    )
    approval = Approval.model_validate(
        {
            "role": "HEAD_OF_DEPARTMENT",
            "name": "A. Head",
            "decision": "APPROVE",
            "timestamp": "2025-04-01T09:30:00Z",
        }
    )
    for _ in range(2):
        with store.transaction() as s:
            rec = record_assessment(s, ref, osja, op_key="job-osja", actor="ipa")
            record_approval(s, ref, approval, op_key="task-hod")
            doc = attach_document(
                s,
                ref,
                name="ipab.json",
                media_type="application/json",
                content=b"{}",
                op_key="job-form",
                actor="generate-ipab-form",
            )
    assert rec.version == 1
    assert (
        count(store, OsjaRecord),
        count(store, RiskRow),
        count(store, ApprovalRow),
        count(store, Document),
    ) == (1, 1, 1, 1)
    with store.transaction() as s:
        second = record_assessment(s, ref, osja, op_key="job-osja-2", actor="ipa")
    assert second.version == 2
    assert read_document(doc) == b"{}"
    f = tmp_path / "mou.pdf"
    f.write_bytes(b"%PDF-1.7")
    with store.transaction() as s:
        on_disk = attach_document(
            s, ref, name="mou.pdf", media_type="application/pdf", path=f, op_key="up-1", actor="legal"
        )
    f.write_bytes(b"%PDF-1.7 changed")
    with pytest.raises(DocumentChanged):
        read_document(on_disk)


def test_stage_close_and_process_link(store: Store) -> None:
    ref = opened(store)
    with store.transaction() as s:
        link_process_instance(s, ref, 42, actor="starter")
        link_process_instance(s, ref, 42, actor="starter")
        set_stage(s, ref, Stage.COSTING, actor="w", op_key="job-1")
        set_stage(s, ref, Stage.OSJA, actor="w", op_key="job-2")
        set_stage(s, ref, Stage.COSTING, actor="w", op_key="job-1")  # redelivered late: must not move it back
        with pytest.raises(Conflict):
            link_process_instance(s, ref, 43, actor="starter")
        from ipa.store import get_case

        assert get_case(s, ref).stage == Stage.OSJA.value  # type: ignore[union-attr]
    with store.transaction() as s:
        case = close_case(s, ref, FinalStatus.DECLINED_JIPH, actor="w", op_key="job-end")
        close_case(s, ref, FinalStatus.DECLINED_JIPH, actor="w", op_key="job-end")
        assert case.stage == Stage.CLOSED.value
        assert case.final_status == "DECLINED_JIPH"
        with pytest.raises(Conflict):
            close_case(s, ref, FinalStatus.COMPLETED, actor="w", op_key="job-end-2")
    assert count(store, AuditEntry) == 5  # opened, linked, 2 stages, closed
    with store.transaction() as s, pytest.raises(CaseNotFound):
        set_stage(s, "IPA-2099-0001", Stage.OSJA, actor="w", op_key="x")


def test_outbox_once_per_key(store: Store) -> None:
    ref = opened(store)
    with store.transaction() as s:
        n1 = enqueue_notice(
            s,
            idempotency_key="job-9:post",
            recipient="post@example.org",
            subject="Stage 1",
            body="link",
            request_id=ref,
        )
        n2 = enqueue_notice(
            s,
            idempotency_key="job-9:post",
            recipient="post@example.org",
            subject="Stage 1",
            body="link",
            request_id=ref,
        )
    assert n1.id == n2.id and count(store, Notice) == 1
    with store.transaction() as s:
        assert [n.id for n in pending_notices(s)] == [n1.id]
        mark_sent(s, n1.id, now=datetime(2025, 3, 3, tzinfo=UTC))
        assert pending_notices(s) == []


def test_concurrent_deliveries_write_once(store: Store) -> None:
    ref = opened(store)
    lines = CostLines(
        "NPCC_FULL_COST", Decimal("1.00"), Decimal("0"), Decimal("0"), Decimal("0"), Decimal("0"), {}
    )
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            with store.transaction() as s:
                record_costing(s, ref, lines, op_key="same-job", actor="w")
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(store, Costing) == 1


def test_money_is_exact(store: Store) -> None:
    ref = opened(store)
    with store.transaction() as s:
        for i in range(10):
            record_income(s, ref, Decimal("0.10"), on=date(2025, 4, 1), op_key=f"i{i}", actor="w")
        with pytest.raises(ValueError, match="two decimal places"):
            record_income(s, ref, Decimal("0.001"), on=date(2025, 4, 1), op_key="bad", actor="w")
    from ipa.store import income_by_financial_year

    with store.reader() as s:
        assert income_by_financial_year(s) == {"2025-26": Decimal("1.00")}
