"""recheck-travel-advice: compare with the approved baseline, publish TravelAdviceChanged only when worse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from ipa.reference import TravelAdvice
from ipa.store import AuditEntry, Store
from tests.workers.conftest import Publisher, deliver, new_key
from workers.jobs_travel import use_advice_source, worse


@pytest.fixture
def advice() -> Iterator[dict[str, TravelAdvice]]:
    """Current advice by country, as a live feed would give it."""
    current: dict[str, TravelAdvice] = {}
    use_advice_source(lambda code: current[code])
    yield current
    use_advice_source(None)


def checks(store: Store) -> int:
    with store.reader() as s:
        return int(s.scalar(select(func.count()).where(AuditEntry.action == "travel_advice.checked")) or 0)


def approved(case: dict[str, Any], baseline: str = "NO_ADVICE_AGAINST") -> dict[str, Any]:
    return {**case, "countryCode": "JM", "fcdoAdvice": baseline}


async def test_worse_advice_suspends_the_delivery_by_message(
    store: Store, case: dict[str, Any], publisher: Publisher, advice: dict[str, TravelAdvice]
) -> None:
    advice["JM"] = TravelAdvice.AGAINST_ALL_BUT_ESSENTIAL
    key = new_key()
    out = await deliver("recheck-travel-advice", approved(case), key=key, headers={"checkpoint": "T-72h"})
    assert out["travelAdviceWorsened"] is True
    assert out["travelAdviceCheck"] == {
        "checkpoint": "T-72h",
        "baseline": "NO_ADVICE_AGAINST",
        "current": "AGAINST_ALL_BUT_ESSENTIAL",
        "worse": True,
    }
    [message] = publisher.messages
    assert message["name"] == "TravelAdviceChanged" and message["correlationKey"] == "IPA-2025-0042"
    assert message["variables"]["fcdoAdvice"] == "AGAINST_ALL_BUT_ESSENTIAL"
    assert "Jamaica" in message["variables"]["travelAdviceSummary"] and message["messageId"].endswith(
        str(key)
    )
    assert checks(store) == 1


@pytest.mark.parametrize(
    ("baseline", "current"),
    [
        ("NO_ADVICE_AGAINST", "NO_ADVICE_AGAINST"),
        ("AGAINST_ALL_BUT_ESSENTIAL", "NO_ADVICE_AGAINST"),
        ("AGAINST_ALL", "AGAINST_ALL"),
    ],
)
async def test_same_or_better_advice_publishes_nothing(
    store: Store,
    case: dict[str, Any],
    publisher: Publisher,
    advice: dict[str, TravelAdvice],
    baseline: str,
    current: str,
) -> None:
    advice["JM"] = TravelAdvice(current)
    out = await deliver("recheck-travel-advice", approved(case, baseline), headers={"checkpoint": "T-24h"})
    assert out["travelAdviceWorsened"] is False and publisher.messages == []


async def test_no_travel_no_suspension(
    store: Store, case: dict[str, Any], publisher: Publisher, advice: dict[str, TravelAdvice]
) -> None:
    advice["JM"] = TravelAdvice.AGAINST_ALL
    out = await deliver("recheck-travel-advice", {**approved(case), "deliveryLocation": "REMOTE"})
    assert out["travelAdviceWorsened"] is False and publisher.messages == []


async def test_the_snapshot_is_the_default_source(
    store: Store, case: dict[str, Any], publisher: Publisher
) -> None:
    out = await deliver("recheck-travel-advice", {**case, "fcdoAdvice": "AGAINST_ALL_BUT_ESSENTIAL"})
    assert out["travelAdviceCheck"]["current"] == "AGAINST_ALL" and len(publisher.messages) == 1  # Iraq


async def test_a_failed_publish_fails_the_job_and_the_retry_publishes_once(
    store: Store, case: dict[str, Any], publisher: Publisher, advice: dict[str, TravelAdvice]
) -> None:
    advice["JM"] = TravelAdvice.AGAINST_ALL
    publisher.fail = 1
    key = new_key()
    with pytest.raises(ConnectionError):
        await deliver("recheck-travel-advice", approved(case), key=key)
    await deliver("recheck-travel-advice", approved(case), key=key)
    assert len(publisher.messages) == 1 and checks(store) == 1


def test_severity_order() -> None:
    order = [
        TravelAdvice.NOT_APPLICABLE,
        TravelAdvice.NO_ADVICE_AGAINST,
        TravelAdvice.AGAINST_ALL_BUT_ESSENTIAL,
        TravelAdvice.AGAINST_ALL,
    ]
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            assert worse(a, b) is (i > j)
