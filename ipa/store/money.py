"""Costings, funding and the income ledger (by UK financial year, April to March)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipa import reference
from ipa.store import audit
from ipa.store._once import case_by_ref, once
from ipa.store.schema import Costing, Funding, IncomeEntry
from ipa.store.types import pounds
from ipa.vocab import FundingSource

ZERO = Decimal("0.00")


def financial_year(on: date) -> str:
    """'2024-25' for any day from 1 April 2024 to 31 March 2025 (start taken from policy.toml)."""
    p = reference.policy()
    start = on.year if (on.month, on.day) >= (p.fy_start_month, p.fy_start_day) else on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_bounds(fy: str | int) -> tuple[date, date]:
    """First and last day of a financial year given as '2024-25' or its starting calendar year 2024."""
    start = int(str(fy)[:4])
    p = reference.policy()
    first = date(start, p.fy_start_month, p.fy_start_day)
    last = date.fromordinal(date(start + 1, p.fy_start_month, p.fy_start_day).toordinal() - 1)
    return first, last


@dataclass(frozen=True)
class CostLines:
    """A computed costing (compute-costing produces it from a rate card)."""

    rate_card: str
    staff_cost: Decimal
    travel_subsistence: Decimal
    overhead: Decimal
    contingency: Decimal
    margin: Decimal
    breakdown: dict[str, Any]
    charging_basis: str | None = None

    @property
    def total(self) -> Decimal:
        return self.staff_cost + self.travel_subsistence + self.overhead + self.contingency + self.margin


def record_costing(s: Session, request_id: str, lines: CostLines, *, op_key: str, actor: str) -> Costing:
    reference.rate_card(lines.rate_card)  # an unknown card is a bug upstream; refuse rather than store it
    for part in (lines.staff_cost, lines.travel_subsistence, lines.overhead, lines.contingency, lines.margin):
        pounds(part)
    case = case_by_ref(s, request_id)

    def build() -> Costing:
        return Costing(
            case_id=case.id,
            op_key=str(op_key),
            rate_card=lines.rate_card,
            charging_basis=lines.charging_basis,
            staff_cost=lines.staff_cost,
            travel_subsistence=lines.travel_subsistence,
            overhead=lines.overhead,
            contingency=lines.contingency,
            margin=lines.margin,
            total=lines.total,
            breakdown=audit.jsonable(lines.breakdown),
        )

    row, created = once(s, Costing, str(op_key), build)
    if created:
        audit.append(
            s,
            action="costing.recorded",
            actor=actor,
            request_id=request_id,
            detail={"rateCard": row.rate_card, "total": row.total},
        )
    return row


def record_funding(
    s: Session,
    request_id: str,
    *,
    source: FundingSource,
    amount: Decimal,
    op_key: str,
    actor: str,
    funder_name: str | None = None,
    subsidy: Decimal = ZERO,
    subsidy_approved_by: str | None = None,
    purchase_order: str | None = None,
    payment_schedule: list[dict[str, Any]] | None = None,
) -> Funding:
    amount, subsidy = pounds(amount), pounds(subsidy)
    if subsidy > 0 and not subsidy_approved_by:
        raise ValueError("a subsidy needs a documented approver (domain.md §5)")
    case = case_by_ref(s, request_id)

    def build() -> Funding:
        return Funding(
            case_id=case.id,
            op_key=str(op_key),
            funding_source=source.value,
            funder_name=funder_name,
            amount=amount,
            subsidy=subsidy,
            subsidy_approved_by=subsidy_approved_by,
            purchase_order=purchase_order,
            payment_schedule=audit.jsonable(payment_schedule or []),
        )

    row, created = once(s, Funding, str(op_key), build)
    if created:
        audit.append(
            s,
            action="funding.confirmed",
            actor=actor,
            request_id=request_id,
            detail={
                "source": source.value,
                "amount": amount,
                "subsidy": subsidy,
                "subsidyApprovedBy": subsidy_approved_by,
            },
        )
    return row


def record_income(
    s: Session, request_id: str, amount: Decimal, *, on: date, op_key: str, actor: str, kind: str = "RECEIVED"
) -> IncomeEntry:
    """Money received (negative for a refund), filed under the financial year of `on`."""
    amount = pounds(amount)
    case = case_by_ref(s, request_id)

    def build() -> IncomeEntry:
        return IncomeEntry(
            case_id=case.id,
            op_key=str(op_key),
            financial_year=financial_year(on),
            amount=amount,
            kind=kind,
            recorded_on=on,
        )

    row, created = once(s, IncomeEntry, str(op_key), build)
    if created:
        audit.append(
            s,
            action="income.recorded",
            actor=actor,
            request_id=request_id,
            detail={"amount": amount, "financialYear": row.financial_year, "kind": kind},
        )
    return row


def income_by_financial_year(s: Session) -> dict[str, Decimal]:
    rows = s.execute(
        select(IncomeEntry.financial_year, func.sum(IncomeEntry.amount))
        .group_by(IncomeEntry.financial_year)
        .order_by(IncomeEntry.financial_year)
    )
    return {fy: Decimal(total or 0) for fy, total in rows}
