"""The transparency report: income by financial year and the countries assisted (domain.md §7, §10.2 (8)).

Exact payments per country are never published (§7). A case with any withhold reason shows its country only;
otherwise its country and subject area (policing area). Every case's income counts in the year's aggregate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from ipa import reference
from ipa.store import Store
from ipa.store.money import financial_year_bounds
from ipa.store.schema import Case, IncomeEntry
from ipa.vocab import FinalStatus, Stage

# Delivered, or being delivered: what "assisted" means for the published list.
_ASSISTED_STAGES = (Stage.DELIVERY.value, Stage.EVALUATION.value)


def transparency_report(store: Store, year: str | int) -> dict[str, Any]:
    """The publishable report for financial year `year` ('2024-25' or 2024 for April 2024 to March 2025)."""
    first, last = financial_year_bounds(year)
    fy = f"{first.year}-{(first.year + 1) % 100:02d}"
    with store.reader() as s:
        income = s.scalar(select(func.sum(IncomeEntry.amount)).where(IncomeEntry.financial_year == fy))
        cases = s.scalars(
            select(Case).where(
                Case.start_date >= first,
                Case.start_date <= last,
                or_(
                    Case.final_status == FinalStatus.COMPLETED.value,
                    Case.final_status.is_(None) & Case.stage.in_(_ASSISTED_STAGES),
                ),
            )
        ).all()
        areas: dict[str, set[str]] = {}
        withheld = 0
        for case in cases:
            listed = areas.setdefault(
                case.country_code, set()
            )  # the country is shown even if nothing else is
            if case.withhold_reasons:
                withheld += 1
            else:
                listed.add(case.policing_area)
    return {
        "financialYear": fy,
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "aggregateIncome": str(Decimal(income or 0).quantize(Decimal("0.01"))),
        "currency": "GBP",
        "countriesAssisted": [
            {
                "countryCode": code,
                "country": reference.country(code).name,
                "subjectAreas": sorted(areas[code]),
            }
            for code in sorted(areas, key=lambda c: reference.country(c).name)
        ],
        "casesAssisted": len(cases),
        "casesWithDetailsWithheld": withheld,
    }
