"""compute-costing: exact money, rate cards by charging basis, recovery check, idempotency, crash mid-job."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from ipa.store import Costing, Store
from tests.workers.conftest import deliver, new_key
from workers import jobs_costing
from workers.registry import BusinessOutcome


def costing_vars(case: dict[str, Any], **over: Any) -> dict[str, Any]:
    # what the charging_basis decision adds for a force funded by the requesting state
    return {
        **case,
        "chargingBasis": "FULL_COST_PLUS",
        "rateCard": "NPCC_S26",
        "subsidyApprovalRequired": False,
        **over,
    }


def costings(store: Store) -> list[Costing]:
    with store.reader() as s:
        return list(s.scalars(select(Costing)))


async def test_an_overseas_course_costed_line_by_line(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("compute-costing", costing_vars(case))
    # NPCC_S26: sergeant 510 + inspector 600 a day, 5 days + 2 travel days each
    staff = Decimal(510 * 7 + 600 * 7)  # 7770
    # T&S per person: subsistence 75 x 7, accommodation 160 x 6 nights, one flight 1100, insurance 90
    travel = Decimal(2 * (75 * 7 + 160 * 6 + 1100 + 90))  # 5350
    overhead = staff * Decimal("0.25")  # 1942.50 on pay
    contingency = (staff + travel + overhead) * Decimal("0.10")  # 1506.25
    cost = staff + travel + overhead + contingency
    assert out["costToDeliveringBody"] == float(cost) == 16568.75
    assert out["price"] == 17397.19, "5% margin on cost, rounded half up to the penny (828.4375 -> 828.44)"
    assert out["contractValue"] == 40000 and out["recoveryShortfall"] == 0
    assert out["subsidyApprovalRequired"] is False
    assert out["costing"]["staff"] == [
        {"rank": "SERGEANT", "dayRate": 510, "days": 7, "cost": 3570},
        {"rank": "INSPECTOR", "dayRate": 600, "days": 7, "cost": 4200},
    ]
    assert isinstance(out["costToDeliveringBody"], float), "a JSON number: FEEL compares it with 4000"
    [row] = costings(store)
    assert (row.staff_cost, row.travel_subsistence, row.overhead, row.contingency, row.margin) == (
        Decimal("7770.00"),
        Decimal("5350.00"),
        Decimal("1942.50"),
        Decimal("1506.25"),
        Decimal("828.44"),
    )
    assert (
        row.rate_card == "NPCC_S26"
        and row.charging_basis == "FULL_COST_PLUS"
        and row.total == Decimal("17397.19")
    )
    assert out["costingRef"] == f"COST-{row.id}"


async def test_uk_delivery_has_no_travel_and_no_travel_days(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("compute-costing", costing_vars(case, deliveryLocation="UK"))
    assert out["costing"]["travelSubsistence"] == 0 and out["costing"]["trainerDays"] == 10
    assert out["costing"]["staffCost"] == 510 * 5 + 600 * 5


async def test_staff_without_a_rank_are_costed_at_the_default_grade(
    store: Store, case: dict[str, Any]
) -> None:
    more = await deliver(
        "compute-costing",
        costing_vars(case, ukStaffCount=3, deliveryLocation="REMOTE"),
        headers={"defaultGrade": "CONSTABLE"},
    )
    assert [s["rank"] for s in more["costing"]["staff"]] == ["SERGEANT", "INSPECTOR", "CONSTABLE"]
    fewer = await deliver("compute-costing", costing_vars(case, ukStaffCount=1, deliveryLocation="REMOTE"))
    assert [s["rank"] for s in fewer["costing"]["staff"]] == ["SERGEANT"]


async def test_a_shortfall_needs_subsidy_approval(store: Store, case: dict[str, Any]) -> None:
    out = await deliver(
        "compute-costing",
        costing_vars(
            case,
            fundingSource="HMG_PROGRAMME",
            chargingBasis="FULL_COST_RECOVERY",
            rateCard="NPCC_FULL_COST",
            contractValue=10000,
        ),
    )
    assert out["subsidyApprovalRequired"] is True
    assert out["recoveryShortfall"] == round(out["costToDeliveringBody"] - 10000, 2)


async def test_a_commercial_service_below_cost_is_declined(store: Store, case: dict[str, Any]) -> None:
    variables = costing_vars(
        case,
        deliveringBody="COLLEGE",
        chargingBasis="COMMERCIAL_RATE",
        rateCard="MPM_6_6_COMMERCIAL",
        contractValue=5000,
    )
    with pytest.raises(BusinessOutcome) as caught:
        await deliver("compute-costing", variables)
    assert caught.value.error_code == "DECLINED_COST" and "cannot be subsidised" in str(caught.value)
    assert len(costings(store)) == 1, "the costing that shows why is kept"


async def test_without_a_contract_value_the_price_is_proposed(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("compute-costing", costing_vars(case, contractValue=0))
    assert out["contractValue"] == out["price"] and out["recoveryShortfall"] == 0


async def test_nothing_charged_when_nobody_funds_it(store: Store, case: dict[str, Any]) -> None:
    out = await deliver(
        "compute-costing",
        costing_vars(
            case,
            fundingSource="NONE",
            chargingBasis="SUBSIDISED",
            rateCard="NPCC_FULL_COST",
            subsidyApprovalRequired=True,
            contractValue=0,
        ),
    )
    assert out["contractValue"] == 0 and out["recoveryShortfall"] == out["costToDeliveringBody"]


async def test_the_same_job_twice_records_one_costing(store: Store, case: dict[str, Any]) -> None:
    key = new_key()
    assert await deliver("compute-costing", costing_vars(case), key=key) == await deliver(
        "compute-costing", costing_vars(case), key=key
    )
    assert len(costings(store)) == 1


async def test_a_crash_mid_job_leaves_nothing_and_the_redelivery_writes_once(
    store: Store, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs_costing.set_stage

    def crash(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("worker killed between the costing and the stage change")

    monkeypatch.setattr(jobs_costing, "set_stage", crash)
    key = new_key()
    with pytest.raises(RuntimeError):
        await deliver("compute-costing", costing_vars(case), key=key)
    assert costings(store) == [], "one transaction per job: the costing went with the crash"
    monkeypatch.setattr(jobs_costing, "set_stage", real)
    await deliver("compute-costing", costing_vars(case), key=key)
    await deliver("compute-costing", costing_vars(case), key=key)
    assert len(costings(store)) == 1


async def test_an_unknown_rate_card_names_the_known_ones(store: Store, case: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="no rate card 'NPCC_2019'; known: MPM_6_6_COMMERCIAL"):
        await deliver("compute-costing", costing_vars(case, rateCard="NPCC_2019"))
