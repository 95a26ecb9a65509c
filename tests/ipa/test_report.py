"""Transparency report: income in aggregate by financial year; countries, with subject areas unless withheld."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ipa.report import transparency_report
from ipa.store import Store, close_case, open_case, record_income, set_stage
from ipa.vocab import FinalStatus, Stage, WithholdReason

from .conftest import make_request


def case(
    store: Store,
    ref: str,
    country: str,
    area: str,
    start: str,
    status: FinalStatus | None,
    withhold: list[WithholdReason] | None = None,
    income: str = "0",
    paid: date | None = None,
) -> None:
    with store.transaction() as s:
        open_case(
            s,
            make_request(requestId=ref, countryCode=country, policingArea=area, startDate=start),
            actor="intake",
        )
        if status is None:
            set_stage(s, ref, Stage.DELIVERY, actor="w", op_key=f"{ref}:stage")
        else:
            close_case(s, ref, status, actor="w", op_key=f"{ref}:close", withhold_reasons=withhold)
        if Decimal(income):
            record_income(
                s, ref, Decimal(income), on=paid or date.fromisoformat(start), op_key=f"{ref}:inc", actor="w"
            )


def test_report_honours_withhold_reasons(store: Store) -> None:
    case(
        store, "IPA-2025-0001", "BH", "INVESTIGATION", "2025-06-02", FinalStatus.COMPLETED, income="40000.00"
    )
    case(store, "IPA-2025-0002", "BH", "LEADERSHIP", "2025-07-07", FinalStatus.COMPLETED, income="10000.50")
    case(
        store,
        "IPA-2025-0003",
        "SA",
        "COUNTER_TERRORISM",
        "2025-09-01",
        FinalStatus.COMPLETED,
        [WithholdReason.COUNTER_TERRORISM, WithholdReason.STAFF_SAFETY],
        income="90000.00",
    )
    case(store, "IPA-2025-0004", "KE", "DIGITAL_CYBER", "2026-01-12", None)  # in delivery
    case(store, "IPA-2025-0005", "EG", "COMMAND", "2025-08-04", FinalStatus.DECLINED_HUMAN_RIGHTS)
    case(
        store, "IPA-2025-0006", "QA", "COMMAND", "2026-05-04", FinalStatus.COMPLETED, income="5000.00"
    )  # next FY
    # paid in FY 2025-26 for delivery in the previous year: income counts by the year it was received
    case(
        store,
        "IPA-2025-0007",
        "JM",
        "SENIOR_WOMEN",
        "2025-03-31",
        FinalStatus.COMPLETED,
        income="1.00",
        paid=date(2025, 4, 1),
    )

    report = transparency_report(store, "2025-26")

    assert report["financialYear"] == "2025-26"
    assert report["period"] == {"from": "2025-04-01", "to": "2026-03-31"}
    assert report["aggregateIncome"] == "140001.50"
    assert report["countriesAssisted"] == [
        {"countryCode": "BH", "country": "Bahrain", "subjectAreas": ["INVESTIGATION", "LEADERSHIP"]},
        {"countryCode": "KE", "country": "Kenya", "subjectAreas": ["DIGITAL_CYBER"]},
        {"countryCode": "SA", "country": "Saudi Arabia", "subjectAreas": []},
    ]
    assert report["casesAssisted"] == 4 and report["casesWithDetailsWithheld"] == 1
    assert "COUNTER_TERRORISM" not in str(report)  # neither the withheld subject nor the reason is published
    assert transparency_report(store, 2026)["countriesAssisted"][0]["countryCode"] == "QA"


def test_empty_year(store: Store) -> None:
    report = transparency_report(store, 2019)
    assert report["aggregateIncome"] == "0.00" and report["countriesAssisted"] == []
