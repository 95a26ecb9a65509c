"""Stage F, duty of care: `recheck-travel-advice` at T-72 h and T-24 h (domain.md §6, §10.1 step 27).

The baseline is the FCDO advice the deployment was approved on: the process variable `fcdoAdvice` (set by
`enrich-country-profile`, updated when a `TravelAdviceChanged` reassessment resumes the delivery). When the
current advice is worse, the job publishes `TravelAdviceChanged` for the request; the delivery sub-process's
interrupting event sub-process suspends it for reassessment. The advice source is the reference snapshot by
default (never live); the service can plug in a live feed with `use_advice_source`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from ipa import reference
from ipa.reference import TravelAdvice
from ipa.store import append_audit, set_stage
from ipa.vocab import DeliveryLocation, Stage
from workers.jobs_shared import Vars, publisher, write
from workers.registry import JobContext, job

MESSAGE = "TravelAdviceChanged"
SEVERITY = {
    TravelAdvice.NOT_APPLICABLE: 0,
    TravelAdvice.NO_ADVICE_AGAINST: 1,
    TravelAdvice.AGAINST_ALL_BUT_ESSENTIAL: 2,
    TravelAdvice.AGAINST_ALL: 3,
}
TRAVELLING = frozenset({DeliveryLocation.IN_COUNTRY, DeliveryLocation.THIRD_COUNTRY})


def _snapshot(country_code: str) -> TravelAdvice:
    return reference.country(country_code).fcdo_advice


_advice_source: Callable[[str], TravelAdvice] = _snapshot


def use_advice_source(source: Callable[[str], TravelAdvice] | None) -> None:
    """Where current advice comes from (a country code in, the advice level out); None restores the snapshot."""
    global _advice_source
    _advice_source = source or _snapshot


def worse(current: TravelAdvice, baseline: TravelAdvice) -> bool:
    return SEVERITY[current] > SEVERITY[baseline]


class RecheckInput(Vars):
    request_id: str
    country_code: str
    #: the approved baseline
    fcdo_advice: TravelAdvice
    delivery_location: DeliveryLocation | None = None


class AdviceCheck(Vars):
    checkpoint: str
    baseline: TravelAdvice
    current: TravelAdvice
    worse: bool


class RecheckResult(Vars):
    travel_advice_worsened: bool
    travel_advice_check: AdviceCheck


@job("recheck-travel-advice", RecheckInput)
async def recheck_travel_advice(ctx: JobContext, given: RecheckInput) -> RecheckResult:
    """Compare the current advice with the baseline; audit the check; publish `TravelAdviceChanged` if worse.

    The message goes out before the job completes (at-least-once): it interrupts the delivery sub-process and so
    cancels this job, whose completion then finds it gone, which is expected. Time to live 0: the subscription is
    open while this job runs inside the sub-process, and a message that found none must not suspend a later
    delivery round.
    """
    checkpoint = ctx.headers.get("checkpoint", ctx.element_id)
    current = _advice_source(given.country_code)
    travelling = given.delivery_location is None or given.delivery_location in TRAVELLING
    is_worse = travelling and worse(current, given.fcdo_advice)
    check = AdviceCheck(checkpoint=checkpoint, baseline=given.fcdo_advice, current=current, worse=is_worse)

    def audit(s: Session) -> None:
        set_stage(
            s, given.request_id, Stage.PREPARATION, actor="recheck-travel-advice", op_key=f"{ctx.key}:stage"
        )
        append_audit(
            s,
            action="travel_advice.checked",
            actor="recheck-travel-advice",
            request_id=given.request_id,
            op_key=f"{ctx.key}:check",
            detail=check.model_dump(by_alias=True, mode="json"),
        )

    await write(audit)
    if is_worse:
        country = reference.country(given.country_code).name
        await publisher().publish_message(
            MESSAGE,
            given.request_id,
            variables={
                "fcdoAdvice": current.value,
                "previousFcdoAdvice": given.fcdo_advice.value,
                "travelAdviceSummary": f"FCDO advice for {country} is now {current.value} "
                f"(approved on {given.fcdo_advice.value}); found at the {checkpoint} re-check",
            },
            time_to_live_in_milliseconds=0,
            message_id=f"{MESSAGE}:{given.request_id}:{ctx.key}",
        )
    return RecheckResult(travel_advice_worsened=is_worse, travel_advice_check=check)
