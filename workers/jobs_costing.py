"""Stage B, cost recovery: `compute-costing` (domain.md §5, §10.1 step 6).

Money is Decimal throughout, rounded to pennies per line (half up), never float. The rate card is the one the DMN
`charging_basis` chose by funding source; its figures and percentages are reference data (rate_cards.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from ipa import reference
from ipa.reference import RateCard
from ipa.store import CostLines, record_costing, set_stage
from ipa.vocab import DeliveryLocation, FundingSource, Stage
from workers.jobs_shared import Money, Vars, as_numbers, pennies, write
from workers.registry import BusinessOutcome, JobContext, job

#: the error the model catches on the Approval sub-process (End "Declined: cost not recovered")
DECLINED_COST = "DECLINED_COST"
#: charging bases that are commercial services: HM Treasury MPM §6.6 allows no cross-subsidy, so a shortfall
#: cannot be approved as a subsidy
NO_SUBSIDY_BASES = frozenset({"COMMERCIAL_RATE"})
OVERSEAS = frozenset({DeliveryLocation.IN_COUNTRY, DeliveryLocation.THIRD_COUNTRY})
HUNDRED = Decimal(100)


class CostingInput(Vars):
    request_id: str
    rate_card: str
    charging_basis: str | None = None
    subsidy_approval_required: bool = False
    funding_source: FundingSource
    delivery_location: DeliveryLocation
    duration_days: int = Field(ge=1)
    uk_staff_count: int = Field(ge=1)
    uk_staff_ranks: list[str] = Field(default_factory=list)
    contract_value: Decimal | None = Field(default=None, ge=0)


class StaffLine(Vars):
    rank: str
    day_rate: Money
    days: int
    cost: Money


class CostingResult(Vars):
    costing_ref: str
    rate_card: str
    #: the full cost to the force or College (staff, T&S, overhead, contingency): what must be recovered
    cost_to_delivering_body: Money
    #: the price quoted: the cost plus the card's margin (commercial / full-cost-plus cards)
    price: Money
    contract_value: Money
    recovery_shortfall: Money
    subsidy_approval_required: bool
    costing: dict[str, Any]


@dataclass(frozen=True)
class Costed:
    lines: CostLines
    staff: list[StaffLine]
    trainer_days: int

    @property
    def cost(self) -> Decimal:
        return self.lines.total - self.lines.margin


def staff_grades(ranks: list[str], count: int, default_grade: str) -> list[str]:
    """One grade per person: the ranks given, cut to the staff count the scope review settled on, and any
    person without a rank costed at the default grade (the review may add trainers before ranks are known)."""
    grades = [r.upper() for r in ranks[:count]]
    return grades + [default_grade.upper()] * (count - len(grades))


def compute(
    card: RateCard,
    grades: list[str],
    duration_days: int,
    location: DeliveryLocation,
    travel_days: int,
    charging_basis: str | None,
) -> Costed:
    """Trainer days by rank, T&S for overseas delivery, overhead on pay, contingency on the lot, then margin."""
    overseas = location in OVERSEAS
    days = duration_days + (travel_days if overseas else 0)
    staff = [
        StaffLine(rank=g, day_rate=card.day_rate(g), days=days, cost=pennies(card.day_rate(g) * days))
        for g in grades
    ]
    staff_cost = sum((s.cost for s in staff), Decimal("0.00"))
    people = len(grades)
    if overseas:
        per_person = (
            card.subsistence_per_day * days
            + card.accommodation_per_night * max(days - 1, 0)
            + card.flight_per_return_trip
            + card.insurance_per_person_per_trip
        )
        travel = pennies(per_person * people)
    else:
        travel = Decimal("0.00")  # in the UK or remote: the delivering body pays no travel
    overhead = pennies(staff_cost * card.overhead_pct / HUNDRED)
    contingency = pennies((staff_cost + travel + overhead) * card.contingency_pct / HUNDRED)
    margin = pennies((staff_cost + travel + overhead + contingency) * card.margin_pct / HUNDRED)
    breakdown = {
        "staff": [s.model_dump(by_alias=True, mode="json") for s in staff],
        "trainerDays": days * people,
        "travelDaysEach": travel_days if overseas else 0,
        "overheadPct": card.overhead_pct,
        "contingencyPct": card.contingency_pct,
        "marginPct": card.margin_pct,
        "rateCardEffectiveFrom": card.effective_from.isoformat(),
    }
    lines = CostLines(
        rate_card=card.name,
        staff_cost=staff_cost,
        travel_subsistence=travel,
        overhead=overhead,
        contingency=contingency,
        margin=margin,
        breakdown=breakdown,
        charging_basis=charging_basis,
    )
    return Costed(lines, staff, days * people)


@job("compute-costing", CostingInput)
async def compute_costing(ctx: JobContext, given: CostingInput) -> CostingResult:
    """Cost the request on the chosen rate card and check that the contract value recovers the cost.

    A shortfall is a subsidy: it needs documented approval (`subsidyApprovalRequired`), except on a commercial
    basis, where it is refused outright (`DECLINED_COST`). Without a contract value yet, the price becomes the
    proposed contract value for Confirm funding. Headers: `defaultGrade` (rank of staff without one, default
    INSPECTOR), `travelDays` (travel days per overseas trip, default 2).
    """
    try:
        card = reference.rate_card(given.rate_card)
    except reference.UnknownRateCard as e:
        raise ValueError(str(e)) from None
    grades = staff_grades(
        given.uk_staff_ranks, given.uk_staff_count, ctx.headers.get("defaultGrade", "INSPECTOR")
    )
    costed = compute(
        card,
        grades,
        given.duration_days,
        given.delivery_location,
        int(ctx.headers.get("travelDays", "2")),
        given.charging_basis,
    )
    price = costed.lines.total
    proposed = given.contract_value is None or (
        given.contract_value == 0 and given.funding_source is not FundingSource.NONE
    )
    contract = price if proposed else pennies(given.contract_value or 0)
    shortfall = max(costed.cost - contract, Decimal("0.00"))

    def store(s: Session) -> int:
        row = record_costing(s, given.request_id, costed.lines, op_key=str(ctx.key), actor="compute-costing")
        set_stage(s, given.request_id, Stage.COSTING, actor="compute-costing", op_key=f"{ctx.key}:stage")
        return row.id

    costing_id = await write(store)
    if shortfall > 0 and given.charging_basis in NO_SUBSIDY_BASES:
        raise BusinessOutcome(
            DECLINED_COST,
            f"contract value £{contract} is £{shortfall} below the full cost £{costed.cost}; a commercial service "
            "(MPM §6.6) cannot be subsidised",
        )
    return CostingResult(
        costing_ref=f"COST-{costing_id}",
        rate_card=card.name,
        cost_to_delivering_body=costed.cost,
        price=price,
        contract_value=contract,
        recovery_shortfall=shortfall,
        subsidy_approval_required=given.subsidy_approval_required or shortfall > 0,
        costing=as_numbers(
            {
                "staffCost": costed.lines.staff_cost,
                "travelSubsistence": costed.lines.travel_subsistence,
                "overhead": costed.lines.overhead,
                "contingency": costed.lines.contingency,
                "margin": costed.lines.margin,
                **costed.lines.breakdown,
            }
        ),
    )
