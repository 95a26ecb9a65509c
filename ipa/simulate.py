"""`ipa simulate`: a simulated year of requests driven through the real process, workers and decisions.

Requests are drawn from the [M] assumptions of domain.md §8 (volume mix, country mix by region with the HRPC flag
from the reference data, requester, assistance type, funding and values, OSJA residual risk). The process runs on
the configured engine or an embedded one; the worker service runs in this process on a throw-away casework store.
People are played by completing Camunda user tasks with what their forms submit, outside parties (Post, JIPH, the
Home Office, the requester paying) by publishing their messages, and time by pinning the engine clock.

Time: every instance shares one engine clock, so the simulation steps it a day at a time (noon UTC, after the
09:00 London timers of the model). Each day: pin the clock (due timers fire), let the workers finish, look at what
waits, answer what is due, let the workers finish, then publish the day's new requests (last, so intake reads every
earlier case's writes of the day: the Stage 1 date on file). The clock is pinned with `PUT /v2/clock` over httpx
rather than `engine.set_clock`: everything here goes through the Camunda 8 REST API (and gRPC for the workers),
so the same code drives the embedded engine and a Camunda 8 cluster with clock control enabled
(`zeebe.clock.controlled=true`); on such a cluster, mind that the clock is shared with everything else on it.

Determinism: every choice is drawn from a generator keyed by (seed, request, what is decided, occurrence), never
from the order in which things are seen, so the same seed gives the same end states.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from ipa import reference
from ipa.reference import TravelAdvice

MAIN = "international-assistance-request"
OSJA = "osja-assessment"
DAY_MS = 86_400_000
#: day 0: the first day of financial year 2025-26, at noon UTC (after every 09:00 London timer of the day)
EPOCH = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
#: a year of arrivals, then half a year for the last of them to run on
ARRIVAL_DAYS = 365
HORIZON_DAYS = 540

# -- the request mix (domain.md §8 [M]) -----------------------------------------------------------------------

#: region -> (share, {country: weight}, residual-risk mix low/medium/high). The risk mixes are tuned so the whole
#: flow comes out near §8's 55/35/10.
# fmt: off
REGIONS: dict[str, tuple[float, dict[str, float], tuple[float, float, float]]] = {
    "OT_COMMONWEALTH": (
        0.35,
        {"BM": 2, "KY": 2, "VG": 1, "TC": 1, "AI": 1, "MS": 1, "GI": 1, "FK": 1, "JM": 3, "BB": 2, "TT": 2,
         "BS": 2, "BZ": 1, "GY": 1, "AG": 1, "LC": 1, "GD": 1, "MT": 1, "CY": 1, "MU": 1, "SC": 1},
        (0.80, 0.18, 0.02),
    ),
    "GULF_MENA": (
        0.25,
        {"QA": 4, "SA": 3, "AE": 3, "BH": 2, "KW": 2, "OM": 2, "JO": 2, "EG": 1, "MA": 1, "IQ": 1, "LB": 1,
         "LY": 0.5, "TN": 1},
        (0.25, 0.50, 0.25),
    ),
    "AFRICA": (
        0.20,
        {"KE": 3, "NG": 3, "GH": 2, "UG": 2, "TZ": 1, "ZA": 2, "SL": 1, "RW": 1, "ET": 1, "SO": 0.5,
         "ZM": 1, "MW": 1, "SS": 0.5},
        (0.45, 0.45, 0.10),
    ),
    "ASIA_PACIFIC": (
        0.10,
        {"BD": 2, "PK": 2, "LK": 1, "MV": 1, "MY": 1, "SG": 1, "IN": 1, "ID": 1, "PH": 1, "VN": 1, "FJ": 1,
         "PG": 1, "NP": 1, "AF": 0.3},
        (0.55, 0.37, 0.08),
    ),
    "EUROPE_IO": (
        0.10,
        {"RO": 1, "BG": 1, "AL": 2, "BA": 1, "RS": 1, "MD": 1, "GE": 1, "MK": 1, "UA": 1, "PL": 1},
        (0.80, 0.18, 0.02),
    ),
}
# fmt: on
#: international organisations by the country of their seat
ORGANISATIONS = {
    "AT": "OSCE",
    "FR": "INTERPOL",
    "NL": "Europol",
    "US": "United Nations",
    "BE": "European Union",
    "CH": "UNODC Geneva",
}  # fmt: skip
POLICING_AREAS = {
    "INVESTIGATION": 4, "COMMAND": 2, "LEADERSHIP": 2, "SERIOUS_ORGANISED_CRIME": 2, "DIGITAL_CYBER": 2,
    "CHILD_ABUSE": 1, "COUNTER_TERRORISM": 1, "ANTI_MONEY_LAUNDERING": 1, "SENIOR_WOMEN": 1,
    "SEARCH_SECURITY_COORDINATION": 1,
}  # fmt: skip
RISK_TYPES = ("DEATH_PENALTY", "TORTURE_CIDT", "ARBITRARY_DETENTION", "UNFAIR_TRIAL", "UNLAWFUL_KILLING",
              "DISCRIMINATION_SGBV")  # fmt: skip

# -- stages, for time per stage (element ids of the main process) ---------------------------------------------

STAGES: dict[str, tuple[str, ...]] = {
    "A Intake and scope": ("ValidateRequest", "ScopeCapabilityReview", "EarlyScreen"),
    "B Costing and funding": ("ChargingBasis", "ComputeCosting", "ConfirmFunding", "ApproveSubsidy"),
    "C OSJA assessment": ("OsjaAssessment",),
    "D IPAB / JIPH": ("GenerateIpabForm", "SubmitToJiph", "JiphDecision", "RespondToJiphQuery"),
    "D2 Human-rights approval": ("HodApproval", "SeniorOfficialApproval", "PrepareMinisterialSubmission",
                                 "MinisterialDecisionTask", "ReviseMitigations"),
    "E s.26 authorisation": ("ChiefConstableRecommendation", "PccReferral", "PccDecision", "RequestS26Consent",
                             "HomeOfficeConsent"),
    "F Contract and payment": ("AgreeContract", "PaymentReceived", "PostponeOrCancel"),
    "F Preparation, to departure": ("DeploymentRiskAssessment", "TravelRisk", "ChiefOfficerTravelAuthorisation",
                                 "TimerT72", "RecheckT72", "TimerT24", "RecheckT24"),
    "G Delivery": ("DeliverAssistance",),
    "G Evaluation and close": ("EvaluationTimer", "EvaluationReview", "RecordOutcomeCompleted"),
}  # fmt: skip
#: where an instance may legitimately be found waiting at the horizon, and why
TIMER_WAITS = {
    "TimerT72": "72-hour travel re-check (start date ahead)",
    "TimerT24": "24-hour travel re-check (start date ahead)",
    "EvaluationTimer": "30 days after delivery, before evaluation",
}
LEAF_TYPES = ["USER_TASK", "RECEIVE_TASK", "INTERMEDIATE_CATCH_EVENT", "SERVICE_TASK", "SEND_TASK",
              "BUSINESS_RULE_TASK", "SCRIPT_TASK"]  # fmt: skip


# -- the report ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTime:
    count: int
    median_days: float
    p90_days: float


@dataclass(frozen=True)
class Incident:
    request_id: str
    element_id: str
    error_type: str
    message: str
    explanation: str


@dataclass
class SimulationReport:
    requests: int
    seed: int
    days: int
    first_day: date
    last_day: date
    end_states: dict[str, int]
    #: instances still running at the horizon, by where they wait (all expected by the model)
    waiting: dict[str, int]
    #: instances found waiting somewhere the simulation does not answer (must be empty)
    stuck: list[str]
    stage_times: dict[str, StageTime]
    incidents: list[Incident]
    #: what the simulation did: tasks completed, messages published (by name)
    actions: dict[str, int]
    wall_seconds: float = 0.0

    @property
    def ended(self) -> int:
        return sum(self.end_states.values())

    @property
    def ok(self) -> bool:
        """Every request ended or waits where the model says it waits, and no incident is unexplained."""
        return (
            not self.stuck
            and self.ended + sum(self.waiting.values()) == self.requests
            and all(i.explanation for i in self.incidents)
        )


def render(report: SimulationReport) -> Any:
    """The report as Rich tables: end states, time per stage, what still waits, incidents."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    title = (
        f"{report.requests} simulated requests, seed {report.seed}: {report.first_day} to {report.last_day} "
        f"({report.days} days, {report.wall_seconds:.0f} s)"
    )
    ends = Table(title="End states", title_justify="left")
    ends.add_column("finalStatus")
    ends.add_column("count", justify="right")
    ends.add_column("share", justify="right")
    for status, n in sorted(report.end_states.items(), key=lambda kv: (-kv[1], kv[0])):
        ends.add_row(status, str(n), f"{n / report.requests:.1%}")
    for where, n in sorted(report.waiting.items(), key=lambda kv: (-kv[1], kv[0])):
        ends.add_row(Text(f"(waiting) {where}", style="dim"), str(n), f"{n / report.requests:.1%}")
    stages = Table(title="Simulated days per stage (instances that finished the stage)", title_justify="left")
    stages.add_column("stage")
    stages.add_column("n", justify="right")
    stages.add_column("median", justify="right")
    stages.add_column("p90", justify="right")
    for name, t in report.stage_times.items():
        stages.add_row(name, str(t.count), f"{t.median_days:.1f}", f"{t.p90_days:.1f}")
    parts: list[Any] = [Text(title, style="bold"), ends, stages]
    if report.incidents:
        inc = Table(title="Incidents", title_justify="left")
        for col in ("request", "element", "type", "explanation"):
            inc.add_column(col)
        for i in report.incidents:
            inc.add_row(i.request_id, i.element_id, i.error_type, i.explanation or Text("UNEXPLAINED", "red"))
        parts.append(inc)
    else:
        parts.append(Text("Incidents: none", style="green"))
    if report.stuck:
        parts.append(Text("Stuck (no answer planned): " + "; ".join(report.stuck[:20]), style="red"))
    parts.append(Text("Actions: " + ", ".join(f"{k} {v}" for k, v in sorted(report.actions.items()))))
    return Group(*parts)


# -- drawing requests ------------------------------------------------------------------------------------------


#: requests that arrive with a field wrong (validation sends them to a caseworker to correct)
GARBLED_SHARE = 0.03


def _day(n: int) -> date:
    return (EPOCH + timedelta(days=n)).date()


def _add_working_days(d: int, n: int) -> int:
    """Day index `n` working days (Mon-Fri) after day index `d`."""
    while n > 0:
        d += 1
        if _day(d).weekday() < 5:
            n -= 1
    return d


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Plan:
    """One simulated request: what it asks for and the decisions fixed at the start."""

    request_id: str
    arrival: int
    variables: dict[str, Any]
    region: str
    residual: str  # the OSJA residual risk the assessor's answers lead to
    start: int  # day index of the (current) start date
    withdraw_on: int | None = None
    advice_change_on: int | None = None


class Draw:
    """Independent, reproducible random streams: one per (request, subject, occurrence)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, *key: object) -> random.Random:
        return random.Random(f"{self.seed}|" + "|".join(map(str, key)))


def _value(rng: random.Random, kind: str, months: int, officers: int) -> int:
    if months:  # secondment or peace support: per officer-year
        per_year = rng.uniform(60_000, 120_000)
        return int(round(per_year * officers * months / 12, -2))
    median = {"TRAINING_COURSE": 40_000, "ADVICE_CONSULTANCY": 20_000, "STRATEGIC_ENGAGEMENT": 10_000}[kind]
    # lognormal: 15k-150k is roughly the 5-95% band for training (sigma 0.8 around a 40k median)
    return int(round(min(max(rng.lognormvariate(math.log(median), 0.8), median * 0.3), median * 5), -2))


def _cost(variables: dict[str, Any], card: str) -> Decimal:
    """What `compute-costing` will charge, so a requester's budget can be negotiated up to it (the workers'
    own arithmetic on the reference rate card)."""
    from ipa.vocab import DeliveryLocation
    from workers.jobs_costing import compute

    costed = compute(
        reference.rate_card(card),
        variables["ukStaffRanks"],
        variables["durationDays"],
        DeliveryLocation(variables["deliveryLocation"]),
        2,
        None,
    )
    return costed.lines.total


def draw_request(draw: Draw, n: int, arrival: int) -> Plan:
    """Request number `n` (1-based), arriving on day `arrival`."""
    from ipa.models import check_request

    received = _day(arrival)
    request_id = f"IPA-{received.year}-{n:04d}"
    rng = draw(request_id, "request")
    region = rng.choices(list(REGIONS), weights=[r[0] for r in REGIONS.values()])[0]
    _, countries, risk_mix = REGIONS[region]
    # requesters: 70% police, 20% interior ministries, 10% international organisations (half of them in the
    # Europe/IO slice, seated there; the rest UN-style missions in the other regions)
    if region == "EUROPE_IO":
        requester = rng.choices(["INTL_ORG", "FOREIGN_POLICE", "FOREIGN_GOVT"], [0.5, 0.35, 0.15])[0]
    else:
        requester = rng.choices(["FOREIGN_POLICE", "FOREIGN_GOVT", "INTL_ORG"], [0.735, 0.21, 0.055])[0]
    if requester == "INTL_ORG" and region == "EUROPE_IO":
        code = rng.choice(sorted(ORGANISATIONS))
    else:
        code = _pick(rng, countries)
    country = reference.country(code)
    org = {
        "FOREIGN_POLICE": f"{country.name} Police",
        "FOREIGN_GOVT": f"Ministry of Interior, {country.name}",
        "INTL_ORG": ORGANISATIONS.get(code, f"UN mission in {country.name}"),
    }[requester]
    kind = rng.choices(
        ["TRAINING_COURSE", "ADVICE_CONSULTANCY", "SECONDMENT", "STRATEGIC_ENGAGEMENT"],
        [0.70, 0.15, 0.10, 0.05],
    )[0]
    months = 0
    if kind == "TRAINING_COURSE":
        purpose, duration, staff, recipients = (
            "TRAINING",
            rng.randint(3, 10),
            rng.randint(1, 4),
            rng.randint(8, 25),
        )
        ranks = rng.choices(["SERGEANT", "INSPECTOR", "CHIEF_INSPECTOR"], [3, 4, 2], k=staff)
    elif kind == "ADVICE_CONSULTANCY":
        purpose, staff, recipients = "ADVICE", rng.randint(1, 2), rng.randint(3, 12)
        duration = 5 * rng.randint(1, 3)  # 1-3 visits of 5 days
        ranks = rng.choices(["INSPECTOR", "CHIEF_INSPECTOR", "SUPERINTENDENT"], k=staff)
    elif kind == "SECONDMENT":
        purpose = rng.choice(["SECONDMENT", "PEACE_SUPPORT"])
        kind = "SECONDMENT" if purpose == "SECONDMENT" else "PEACE_SUPPORT_DEPLOYMENT"
        months, staff, recipients = rng.choice([6, 12]), rng.randint(1, 2), rng.randint(10, 60)
        duration = 30 * months if months == 6 else 365
        ranks = rng.choices(["CONSTABLE", "SERGEANT", "INSPECTOR"], k=staff)
    else:
        purpose, duration, staff, recipients = "STRATEGIC_ENGAGEMENT", rng.randint(1, 3), rng.randint(1, 2), 0
        ranks = rng.choices(["SUPERINTENDENT", "CHIEF_SUPERINTENDENT", "CHIEF_OFFICER"], k=staff)
    # volume: the College's flow plus a few force-level requests; a few are not for this process at all
    body = rng.choices(
        ["COLLEGE", "FORCE", "PSNI", "POLICE_SCOTLAND", "NCA"], [0.83, 0.15, 0.007, 0.007, 0.006]
    )[0]
    if rng.random() < 0.02:
        purpose = "UK_INVESTIGATION"  # travel for a UK enquiry: ordinary travel authorisation instead
    advice = country.fcdo_advice
    if kind in ("SECONDMENT", "PEACE_SUPPORT_DEPLOYMENT"):
        location = "IN_COUNTRY"
    elif advice is TravelAdvice.AGAINST_ALL:
        location = rng.choices(["UK", "IN_COUNTRY", "REMOTE"], [0.6, 0.3, 0.1])[0]
    else:
        location = rng.choices(["IN_COUNTRY", "UK", "REMOTE", "THIRD_COUNTRY"], [0.6, 0.3, 0.05, 0.05])[0]
    if requester == "INTL_ORG":
        funding = rng.choices(["INTL_ORG", "HMG_PROGRAMME", "MIXED"], [0.9, 0.07, 0.03])[0]
    else:
        funding = rng.choices(["REQUESTING_STATE", "HMG_PROGRAMME", "MIXED"], [0.61, 0.33, 0.06])[0]
    funder = {
        "REQUESTING_STATE": f"Government of {country.name}",
        "INTL_ORG": org,
        "HMG_PROGRAMME": rng.choice(["CSSF", "UKISF", "FCDO programme", "Home Office"]),
        "MIXED": f"CSSF and Government of {country.name}",
    }[funding]
    # requests come three to nine months ahead (deployments a little more); one in ten at short notice
    if rng.random() < 0.1:
        lead = rng.randint(35, 90)
    else:
        lead = rng.randint(120, 300) if months else rng.randint(90, 270)
    start = arrival + lead
    while _day(start).weekday() >= 5:
        start += 1
    variables: dict[str, Any] = {
        "requestId": request_id,
        "receivedVia": rng.choices(["JIPH", "POST", "DIRECT"], [0.5, 0.3, 0.2])[0],
        "receivedOn": received.isoformat(),
        "requesterType": requester,
        "requesterOrg": org,
        "countryCode": country.alpha2,
        "deliveringBody": body,
        "purpose": purpose,
        "assistanceType": kind,
        "title": f"{_pick(rng, POLICING_AREAS).replace('_', ' ').title()} {kind.replace('_', ' ').lower()}",
        "policingArea": _pick(rng, POLICING_AREAS),
        "deliveryLocation": location,
        "startDate": _day(start).isoformat(),
        "durationDays": duration,
        "ukStaffCount": staff,
        "ukStaffRanks": ranks,
        "recipientCount": recipients,
        "fundingSource": funding,
        "funderName": funder,
        "contractValue": 0,
        # intake's sanctions/embargo screen (the reference data has no list): rare, more often for an HRPC
        "sanctionsOrEmbargo": rng.random() < (0.06 if country.is_hrpc else 0.01),
    }
    value = _value(rng, kind, months, staff)
    if funding in ("REQUESTING_STATE", "INTL_ORG"):
        card = "MPM_6_6_COMMERCIAL" if body == "COLLEGE" else "NPCC_S26"
        price = _cost(variables, card)
        # most requesters whose budget falls short agree the quoted price; the rest stay below cost (declined
        # outright on the College's commercial basis, a subsidy question for a force)
        if value < price and rng.random() < 0.92:
            value = int(math.ceil(price / 1000) * 1000)
        variables["contractValue"] = value
    elif funding == "MIXED":
        variables["contractValue"] = int(value * rng.uniform(0.4, 0.8))  # a partial contribution: a subsidy
    # HMG programmes pay the full cost: contractValue 0 lets costing propose the price
    problems = check_request(
        {k: v for k, v in variables.items() if k != "sanctionsOrEmbargo"}, today=received
    )
    if problems:  # a generator bug, not a simulated outcome
        raise ValueError(f"simulated request {request_id} is invalid: {problems}")
    residual = rng.choices(["LOW", "MEDIUM", "HIGH"], risk_mix)[0]
    plan = Plan(request_id, arrival, variables, region, residual, start)
    if rng.random() < 0.03:  # the requester withdraws, somewhere before the start date
        plan.withdraw_on = arrival + rng.randint(3, max(4, lead - 3))
    if location in ("IN_COUNTRY", "THIRD_COUNTRY") and rng.random() < 0.04:
        plan.advice_change_on = start - rng.randint(4, 20)  # the country's advice worsens before departure
    return plan


def _risks(rng: random.Random, residual: str, country: reference.Country) -> list[dict[str, Any]]:
    """Risk answers the DMN `osja_risk_rating` grades to `residual` (its maximum over the risks)."""
    types = rng.sample(RISK_TYPES, rng.randint(1, 3))
    if country.retains_death_penalty and "DEATH_PENALTY" not in types and rng.random() < 0.5:
        types[0] = "DEATH_PENALTY"
    low = {
        "likelihood": "LOW",
        "seriousness": "SERIOUS",
        "contribution": "INDIRECT",
        "mitigationEffective": True,
    }
    risks = [{"type": t, **low} for t in types]
    if residual == "MEDIUM":
        risks[0].update(
            rng.choice(
                [
                    {"likelihood": "MEDIUM", "seriousness": "GRAVE", "contribution": "INDIRECT"},
                    {"likelihood": "HIGH", "seriousness": "SERIOUS", "contribution": "DIRECT_OR_SIGNIFICANT",
                     "mitigationEffective": True},
                ]
            )
        )  # fmt: skip
    elif residual == "HIGH":
        risks[0].update(
            {"likelihood": "HIGH", "seriousness": "GRAVE", "contribution": "DIRECT_OR_SIGNIFICANT",
             "mitigationEffective": False}
        )  # fmt: skip
    elif rng.random() < 0.3:
        risks[0]["contribution"] = "NONE"
    return risks


# -- answers: what people submit and when ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """Due on day `due` (None: the party stays silent; the model's timers decide). `message`: answered by a
    message (name) rather than by completing the task."""

    due: int | None
    variables: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    withdraw: bool = False


def _sla(rng: random.Random, created: int, target: int, late_share: float, floor: int = 1) -> int:
    """A reply within `target` working days, or late (up to twice the target) for `late_share` of them."""
    if rng.random() < late_share:
        n = rng.randint(target + 1, 2 * target)
    else:
        n = max(floor, round(rng.triangular(floor, target, target * 0.6)))
    return _add_working_days(created, n)


def answer(draw: Draw, plan: Plan, element: str, occurrence: int, created: int) -> Answer | None:
    """What the person or party behind `element` does about its `occurrence`-th instance, created on day
    `created`; None for an element the simulation does not know (reported as stuck)."""
    v = plan.variables
    rng = draw(plan.request_id, element, occurrence)
    country = reference.country(v["countryCode"])
    sla = lambda target, late=0.1: _sla(rng, created, target, late)  # noqa: E731
    if element == "CorrectRequest":
        # the caseworker checks the requester's papers and puts the missing duration back
        return Answer(sla(3), {"durationDays": v["durationDays"]})
    if element == "ScopeCapabilityReview":
        # with the out-of-scope and sanctions cases, about a quarter are screened out at intake (§8)
        capability = rng.random() > 0.12
        ethics = rng.random() < (0.12 if country.is_hrpc else 0.04)
        against_all = country.fcdo_advice is TravelAdvice.AGAINST_ALL
        uk_possible = not (against_all and v["deliveryLocation"] == "IN_COUNTRY" and rng.random() < 0.5)
        return Answer(
            sla(5),
            {
                "capabilityAvailable": capability,
                "policingAreaInCatalogue": capability,
                "trainersAvailable": capability,
                "codeOfEthicsConcern": ethics,
                "ukDeliveryPossible": uk_possible,
                "ukStaffCount": v["ukStaffCount"],
                "scopeReviewNotes": "simulated",
            },
        )
    if element == "ConfirmFunding":
        return Answer(
            sla(5),
            {
                "funderName": v["funderName"],
                "purchaseOrderRef": f"PO-{plan.request_id}",
                "paymentSchedule": "PROGRAMME_DRAWDOWN"
                if v["fundingSource"] == "HMG_PROGRAMME"
                else rng.choice(["IN_ADVANCE", "DEPOSIT_AND_BALANCE"]),
            },
        )
    if element == "ApproveSubsidy":
        ok = rng.random() < 0.7
        return Answer(
            sla(10),
            {
                "subsidyDecision": "APPROVE" if ok else "REFUSE",
                "subsidyAmount": 1000,
                "subsidyJustification": "Programme priority" if ok else "Not affordable",
                "decidedBy": "Finance Director",
            },
        )
    if element == "ProjectOsjaAssessment":
        high = plan.residual == "HIGH"
        return Answer(
            sla(10),
            {
                "recipientUnit": "Recipient unit",
                "recipientCount": v["recipientCount"],
                "natureOfTransfer": v["title"],
                "risks": _risks(draw(plan.request_id, "risks"), plan.residual, country),
                "reputationalRisk": "HIGH" if high else rng.choice(["LOW", "MEDIUM"]),
                "caseSpecificDeathPenalty": False,
            },
        )
    if element == "DefineMitigations":
        return Answer(
            sla(5),
            {
                "mitigations": rng.sample(
                    [
                        "CURRICULUM_HUMAN_RIGHTS",
                        "PARTICIPANT_VETTING",
                        "MOU_HUMAN_RIGHTS_CLAUSE",
                        "WRITTEN_ASSURANCE_OF_PURPOSE",
                        "MONITORING_PLAN",
                    ],
                    rng.randint(1, 3) + (occurrence - 1),
                ),  # fmt: skip
                "mitigationNotes": "conditions added" if occurrence > 1 else "simulated",
            },
        )
    if element == "PostConsultation":  # Post replies through its link: the PostConcurrence message
        concur = rng.choices(["CONCUR", "CONCUR_WITH_COMMENTS", "DO_NOT_CONCUR"], [0.75, 0.2, 0.05])[0]
        return Answer(
            sla(10, 0.15), {"postConcurrence": concur, "postOfficer": "Second Secretary"}, "PostConcurrence"
        )
    if element == "OsjaQualityReview":
        rework = occurrence == 1 and rng.random() < 0.08
        return Answer(
            sla(5), {"osjaReviewOutcome": "REWORK" if rework else "COMPLETE", "osjaReviewNotes": "ok"}
        )
    if element == "RespondToJiphQuery":
        return Answer(sla(5), {"jiphQueryResponse": "Further detail supplied"})
    if element in ("HodApproval", "SeniorOfficialApproval", "MinisterialDecisionTask"):
        if occurrence > 1:  # the conditions are in the mitigations now
            weights = [0.95, 0.0, 0.05]
        else:
            weights = {"HodApproval": [0.92, 0.05, 0.03], "SeniorOfficialApproval": [0.75, 0.18, 0.07],
                       "MinisterialDecisionTask": [0.0, 0.70, 0.24]}[element]  # fmt: skip
        target = {"HodApproval": 5, "SeniorOfficialApproval": 10, "MinisterialDecisionTask": 20}[element]
        if element == "MinisterialDecisionTask" and occurrence == 1 and rng.random() < 0.06:
            # about 30% of high-risk cases are refused or withdrawn: the requester withdraws on hearing the risk
            return Answer(sla(target, 0.15), withdraw=True)
        decision = rng.choices(["APPROVE", "APPROVE_WITH_CONDITIONS", "REFUSE"], weights)[0]
        return Answer(
            sla(target, 0.15),
            {
                "hrDecision": decision,
                "hrConditions": "Human-rights module; vetting of participants; monitoring visit",
                "hrRationale": "simulated",
                "decidedBy": {
                    "HodApproval": "Head of International",
                    "SeniorOfficialApproval": "FCDO SCS1",
                    "MinisterialDecisionTask": "Minister of State",
                }[element],  # fmt: skip
            },
        )
    if element == "ChiefConstableRecommendation":
        recommend = rng.random() < 0.97
        return Answer(
            sla(5),
            {
                "ccRecommendation": "RECOMMEND" if recommend else "DO_NOT_RECOMMEND",
                "ccConsidered": ["PURPOSE", "RESOURCING", "COST_RECOVERY", "OSJA_GRADE", "SAFETY"],
                "sensitive": plan.residual != "LOW",
                "contentious": plan.residual == "HIGH",
                "ccComments": "simulated",
                "decidedBy": "Chief Constable" if v["deliveringBody"] == "FORCE" else "CEO delegate",
            },
        )
    if element == "PccDecision":
        ok = rng.random() < 0.95
        return Answer(
            sla(10, 0.15),
            {"pccDecision": "APPROVE" if ok else "REFUSE", "pccDecisionRecordRef": f"DR-{plan.request_id}",
             "pccRationale": "simulated", "decidedBy": "PCC"},
        )  # fmt: skip
    if element == "AgreeContract":
        return Answer(
            sla(10),
            {"contractRef": f"C-{plan.request_id}", "humanRightsClauseIncluded": True,
             "purposeAssuranceReceived": True, "paymentTerms": "30 days", "contractSignedOn": _day(created).isoformat()},
        )  # fmt: skip
    if element == "PostponeOrCancel":
        postpone = rng.random() < 0.5
        new_start = plan.start + 7 * rng.randint(6, 10)
        while _day(new_start).weekday() >= 5:
            new_start += 1
        return Answer(
            sla(3),
            {"paymentAction": "POSTPONE" if postpone else "CANCEL", "startDate": _day(new_start).isoformat(),
             "paymentActionReason": "payment not received"},
        )  # fmt: skip
    if element == "DeploymentRiskAssessment":
        hostile = country.is_hrpc or country.fcdo_advice is not TravelAdvice.NO_ADVICE_AGAINST
        return Answer(
            sla(5),
            {"deliveryLocation": v["deliveryLocation"], "hostileEnvironment": hostile and rng.random() < 0.5,
             "itinerary": "simulated", "securityBriefingDone": True, "medicalCleared": True,
             "insuranceConfirmed": True, "deploymentRiskNotes": "simulated"},
        )  # fmt: skip
    if element == "ChiefOfficerTravelAuthorisation":
        return Answer(sla(3), {"travelAuthorised": rng.random() < 0.93, "decidedBy": "DCC"})
    if element == "DeliverAssistance":  # done when the delivery is over
        end = max(plan.start + v["durationDays"] - 1, created + 1)
        return Answer(
            end,
            {"deliveryCompletedOn": _day(end).isoformat(), "participantsTrained": v["recipientCount"],
             "deliveryDays": v["durationDays"], "deliveryNotes": "simulated"},
        )  # fmt: skip
    if element == "EvaluationReview":
        return Answer(
            sla(10),
            {"evaluationSummary": "Delivered as planned", "humanRightsImpactConcern": rng.random() < 0.03,
             "exposesVulnerability": rng.random() < 0.03, "riskToDeployedStaff": rng.random() < 0.03,
             "confidentialityDuty": rng.random() < 0.05,
             "ctLink": v["policingArea"] == "COUNTER_TERRORISM"},
        )  # fmt: skip
    if element in ("ReassessTravelAdviceChanged", "ReassessSeriousIncident"):
        resume = rng.random() < 0.5
        return Answer(
            sla(2),
            {"deliveryOutcome": "RESUME" if resume else "TERMINATE", "reassessmentNotes": "simulated",
             "decidedBy": "OSJA Lead"},
        )  # fmt: skip
    # outside parties, by message
    if element == "PostStage1Received":
        due = sla(10, 0.15)
        return Answer(due, {"stage1Date": _day(due).isoformat()}, "PostStage1Received")
    if element == "JiphDecision":
        weights = [0.85, 0.10, 0.05] if occurrence == 1 else [0.92, 0.0, 0.08]
        decision = rng.choices(["APPROVE", "REQUEST_INFO", "REJECT"], weights)[0]
        return Answer(sla(10, 0.15), {"jiphDecision": decision}, "JIPHDecision")
    if element == "HomeOfficeConsent":
        consent = rng.choices(["CONSENT", "CONSENT_WITH_CONDITIONS", "REFUSE"], [0.90, 0.07, 0.03])[0]
        return Answer(
            sla(10, 0.15),
            {"s26Consent": consent, "s26ConsentRef": f"HO-S26-{plan.request_id}"},
            "HomeOfficeS26Consent",
        )
    if element == "PaymentReceived":
        if occurrence == 1 and rng.random() < 0.08:
            return Answer(None)  # never pays: the deadline timer 10 working days before the start decides
        return Answer(
            sla(10), {"amountReceived": v["contractValue"], "paymentRef": f"PAY-{plan.request_id}"},
            "PaymentOrDepositReceived",
        )  # fmt: skip
    return None


# -- the driver ------------------------------------------------------------------------------------------------


@dataclass
class Pending:
    request_id: str
    element: str
    name: str
    key: str  # user task key, or element instance key of a message wait
    user_task: bool
    answer: Answer | None


class Simulation:
    def __init__(self, http: httpx.AsyncClient, requests: int, seed: int, horizon: int) -> None:
        self.http = http
        self.draw = Draw(seed)
        self.horizon = horizon
        rng = random.Random(f"{seed}|arrivals")
        arrivals = sorted(rng.randrange(ARRIVAL_DAYS) for _ in range(requests))
        self.plans = {
            p.request_id: p for p in (draw_request(self.draw, i + 1, a) for i, a in enumerate(arrivals))
        }
        self.arrivals: dict[int, list[Plan]] = defaultdict(list)
        for p in self.plans.values():
            self.arrivals[p.arrival].append(p)
        self.day = 0
        self.pi_request: dict[str, str] = {}  # process instance key -> request id (the OSJA child's too)
        self.pending: dict[str, Pending] = {}  # by task / element instance key
        self.occurrences: Counter[tuple[str, str]] = Counter()
        self.actions: Counter[str] = Counter()

    # -- REST ---------------------------------------------------------------------------------------------------

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = await self.http.request(method, path, json=body)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    async def search(self, resource: str, filter_: dict[str, Any], limit: int = 1000) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page: dict[str, Any] = {"limit": limit}
        while True:
            body = await self.call("POST", f"/{resource}/search", {"filter": filter_, "page": page})
            items.extend(body["items"])
            if len(body["items"]) < limit or not body["page"].get("endCursor"):
                return items
            page = {"limit": limit, "after": body["page"]["endCursor"]}

    async def publish(self, name: str, request_id: str, variables: dict[str, Any], message_id: str) -> None:
        await self.call(
            "POST",
            "/messages/publication",
            {"name": name, "correlationKey": request_id, "timeToLive": 0, "messageId": message_id,
             "variables": variables},
        )  # fmt: skip
        self.actions[f"message {name}"] += 1

    async def settle(self) -> None:
        """Until no job waits for (or is held by) a worker: the instances wait on people, parties or time."""
        # One look suffices: the engine answers a command (a completion, a message, the clock) after processing
        # everything it causes, and a job a worker holds stays CREATED until its completion has made the next.
        while True:
            body = await self.call(
                "POST", "/jobs/search", {"filter": {"state": "CREATED"}, "page": {"limit": 1}}
            )
            if body["page"]["totalItems"] == 0:
                return
            await asyncio.sleep(0.005)

    async def pin(self, day: int) -> None:
        self.day = day
        await self.call("PUT", "/clock", {"timestamp": int((EPOCH + timedelta(days=day)).timestamp() * 1000)})

    # -- who is who ---------------------------------------------------------------------------------------------

    async def requests_of(self, keys: Iterable[str]) -> None:
        unknown = sorted({k for k in keys if k not in self.pi_request})
        for chunk in _chunks(unknown, 200):
            for var in await self.search(
                "variables", {"name": "requestId", "processInstanceKey": {"$in": chunk}}
            ):
                self.pi_request[var["processInstanceKey"]] = json.loads(var["value"])

    # -- a day --------------------------------------------------------------------------------------------------

    async def observe(self) -> None:
        """Note every new user task and message wait, and decide when and how it is answered."""
        tasks = await self.search("user-tasks", {"state": "CREATED"})
        waits = await self.search("element-instances", {"type": "RECEIVE_TASK", "state": "ACTIVE"})
        await self.requests_of(
            [t["processInstanceKey"] for t in tasks] + [w["processInstanceKey"] for w in waits]
        )
        seen: set[str] = set()
        for item, user_task in [(t, True) for t in tasks] + [(w, False) for w in waits]:
            key = item["userTaskKey"] if user_task else item["elementInstanceKey"]
            seen.add(key)
            request_id = self.pi_request.get(item["processInstanceKey"])
            if key in self.pending or request_id not in self.plans:
                continue  # known, or not one of ours (a shared cluster)
            element = item["elementId"]
            self.occurrences[(request_id, element)] += 1
            created = _day_of(item["creationDate"] if user_task else item["startDate"])
            plan = self.plans[request_id]
            ans = answer(self.draw, plan, element, self.occurrences[(request_id, element)], created)
            name = item.get("name") or item.get("elementName") or element
            self.pending[key] = Pending(request_id, element, name, key, user_task, ans)
        for gone in set(self.pending) - seen:  # answered, or cancelled by the model (withdrawal, a boundary)
            del self.pending[gone]

    async def act(self) -> None:
        due = sorted(
            (
                p
                for p in self.pending.values()
                if p.answer and p.answer.due is not None and p.answer.due <= self.day
            ),
            key=lambda p: (p.request_id, p.element),
        )
        withdrawals = [p for p in due if p.answer and p.answer.withdraw]
        withdrawals += [
            Pending(p.request_id, "RequestWithdrawn", "", "", False, None)
            for p in self.plans.values()
            if p.withdraw_on == self.day
        ]
        gate = asyncio.Semaphore(8)

        async def one(p: Pending) -> None:
            assert p.answer is not None
            async with gate:
                if p.answer.message:
                    await self.publish(p.answer.message, p.request_id, p.answer.variables, f"sim:{p.key}")
                else:
                    r = await self.http.post(
                        f"/user-tasks/{p.key}/completion", json={"variables": p.answer.variables}
                    )
                    # 404/409: the task went while we decided (a boundary event, a withdrawal): nothing to do
                    if r.status_code not in (204, 404, 409):
                        raise RuntimeError(
                            f"completing {p.element} of {p.request_id}: {r.status_code} {r.text}"
                        )
                    self.actions[f"task {p.element}"] += 1
            self.pending.pop(p.key, None)
            if p.element == "PostponeOrCancel" and p.answer.variables.get("paymentAction") == "POSTPONE":
                plan = self.plans[p.request_id]
                plan.start = (date.fromisoformat(p.answer.variables["startDate"]) - EPOCH.date()).days

        await asyncio.gather(*(one(p) for p in due if not p.answer or not p.answer.withdraw))
        acted = bool(due or withdrawals)
        for p in withdrawals:  # after the day's answers: a withdrawal ends the instance
            await self.publish(
                "RequestWithdrawn", p.request_id, {"reason": "no longer needed"}, f"sim:wd:{p.request_id}"
            )
            self.pending.pop(p.key, None)
        # a serious incident now and then while a long deployment is under way
        for p in list(self.pending.values()):
            if p.element == "DeliverAssistance" and self.plans[p.request_id].variables["durationDays"] > 100:
                rng = self.draw(p.request_id, "incident", self.day)
                if rng.random() < 0.0005:
                    acted = True
                    await self.publish(
                        "SeriousIncident",
                        p.request_id,
                        {"incidentSummary": "simulated"},
                        f"sim:si:{p.key}:{self.day}",
                    )
        if acted:
            await self.settle()

    async def arrive(self) -> None:
        arriving = self.arrivals.get(self.day, [])
        for plan in arriving:
            variables = plan.variables
            if self.draw(plan.request_id, "garbled").random() < GARBLED_SHARE:
                # a request typed in at Post with the duration missing: validation stops it for correction
                variables = {**variables, "durationDays": 0}
            await self.publish("RequestReceived", plan.request_id, variables, f"sim:start:{plan.request_id}")
        if arriving:
            await self.settle()

    def advice(self, code: str) -> TravelAdvice:
        """The FCDO advice the travel re-check sees today: the snapshot, worsened while a simulated change for the
        country lasts (40 days)."""
        level = reference.country(code).fcdo_advice
        order = [
            TravelAdvice.NO_ADVICE_AGAINST,
            TravelAdvice.AGAINST_ALL_BUT_ESSENTIAL,
            TravelAdvice.AGAINST_ALL,
        ]
        for p in self.plans.values():
            on = p.advice_change_on
            active = p.variables["countryCode"] == code and on is not None and on <= self.day < on + 40
            if active and level in order[:-1]:
                level = order[order.index(level) + 1]
        return level

    async def run(self, progress: Callable[[int, int], None] | None) -> None:
        for day in range(self.horizon + 1):
            await self.pin(day)
            await self.settle()
            await self.observe()
            await self.act()
            await self.arrive()
            if progress:
                progress(day + 1, self.horizon + 1)

    # -- the report ---------------------------------------------------------------------------------------------

    async def report(self, seed: int) -> SimulationReport:
        roots = [pi for pi in await self.search("process-instances", {"processDefinitionId": MAIN})]
        await self.requests_of(pi["processInstanceKey"] for pi in roots)
        ours = {
            pi["processInstanceKey"]: pi
            for pi in roots
            if self.pi_request.get(pi["processInstanceKey"]) in self.plans
        }
        status: dict[str, str] = {}
        for chunk in _chunks(sorted(ours), 200):
            for var in await self.search(
                "variables", {"name": "finalStatus", "processInstanceKey": {"$in": chunk}}
            ):
                status[var["processInstanceKey"]] = json.loads(var["value"])
        end_states: Counter[str] = Counter()
        active: set[str] = set()
        for key, pi in ours.items():
            if pi["state"] == "ACTIVE":
                active.add(self.pi_request[key])
            else:
                end_states[status.get(key) or pi["state"]] += 1
        waiting: Counter[str] = Counter()
        stuck: list[str] = []
        leaves = await self.search("element-instances", {"state": "ACTIVE", "type": {"$in": LEAF_TYPES}})
        await self.requests_of(e["processInstanceKey"] for e in leaves)
        by_request: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in leaves:
            by_request[self.pi_request.get(e["processInstanceKey"], "?")].append(e)
        pending = {p.key: p for p in self.pending.values()}
        for request_id in sorted(active):
            reasons = []
            for e in by_request.get(request_id, []):
                element = e["elementId"]
                p = pending.get(e["elementInstanceKey"]) or next(
                    (q for q in pending.values() if q.request_id == request_id and q.element == element), None
                )
                if element in TIMER_WAITS:
                    reasons.append(TIMER_WAITS[element])
                elif (
                    p is not None
                    and p.answer is not None
                    and (p.answer.due is None or p.answer.due > self.day)
                ):
                    reasons.append(
                        "delivery under way"
                        if element == "DeliverAssistance"
                        else f"{e['elementName'] or element}"
                        + (
                            " (no reply; the deadline timer decides)"
                            if p.answer.due is None
                            else " (answer due later)"
                        )
                    )
                else:
                    stuck.append(f"{request_id} at {element}")
            if reasons:
                waiting["; ".join(sorted(set(reasons)))] += 1
            elif not any(s.startswith(request_id) for s in stuck):
                stuck.append(f"{request_id}: active, waiting nowhere")
        incidents = [
            Incident(
                self.pi_request.get(i["processInstanceKey"], "?"),
                i.get("elementId") or "",
                i.get("errorType") or "",
                i.get("errorMessage") or "",
                "",
            )
            for i in await self.search("incidents", {"state": "ACTIVE"})
            if self.pi_request.get(i["processInstanceKey"], "?") in self.plans
            or i["processInstanceKey"] in ours
        ]
        return SimulationReport(
            requests=len(self.plans),
            seed=seed,
            days=self.horizon + 1,
            first_day=_day(0),
            last_day=_day(self.horizon),
            end_states=dict(end_states),
            waiting=dict(waiting),
            stuck=stuck,
            stage_times=await self.stage_times(set(ours)),
            incidents=incidents,
            actions=dict(self.actions),
        )

    async def stage_times(self, ours: set[str]) -> dict[str, StageTime]:
        elements = [e for ids in STAGES.values() for e in ids]
        rows = await self.search(
            "element-instances", {"processDefinitionId": MAIN, "elementId": {"$in": elements}}
        )
        spans: dict[tuple[str, str], list[tuple[datetime, datetime | None]]] = defaultdict(list)
        stage_of = {e: s for s, ids in STAGES.items() for e in ids}
        for r in rows:
            if r["processInstanceKey"] in ours and r["state"] != "TERMINATED":
                end = _instant(r["endDate"]) if r.get("endDate") else None
                spans[(r["processInstanceKey"], stage_of[r["elementId"]])].append(
                    (_instant(r["startDate"]), end)
                )
        days: dict[str, list[float]] = defaultdict(list)
        for (_, stage), span in spans.items():
            ends = [e for _, e in span]
            if None in ends:
                continue  # still in the stage
            first = min(s for s, _ in span)
            last = max(e for e in ends if e is not None)
            days[stage].append((last - first).total_seconds() / 86_400)
        out: dict[str, StageTime] = {}
        for stage in STAGES:
            values = sorted(days.get(stage, []))
            if values:
                p90 = values[min(len(values) - 1, math.ceil(0.9 * len(values)) - 1)]
                out[stage] = StageTime(len(values), statistics.median(values), p90)
        return out


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _day_of(text: str) -> int:
    """The day index of an engine timestamp (the clock is pinned at noon, so any time that day)."""
    return math.floor((_instant(text) - EPOCH.replace(hour=0)).total_seconds() / 86_400)


# -- the entry point -------------------------------------------------------------------------------------------


async def simulate(
    requests: int,
    seed: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    data_dir: Path | None = None,
    horizon_days: int = HORIZON_DAYS,
) -> SimulationReport:
    """Simulate `requests` requests arriving over a year and run the clock to `horizon_days` (day 0 is
    2025-04-01). Engine: the configured one (ZEEBE_ADDRESS, CAMUNDA_REST_ADDRESS) or an embedded one under
    `data_dir` (a temporary directory by default); the casework store is a fresh SQLite file there."""
    from ipa.runner import deploy, engine_target
    from ipa.store import Store
    from workers.config import WorkerSettings
    from workers.jobs_shared import use_publisher, use_store
    from workers.jobs_travel import use_advice_source
    from workers.service import build_worker

    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ipa-simulate-")))
        data_dir.mkdir(parents=True, exist_ok=True)
        # pyzeebe logs a traceback for every job whose scope the model cancelled before it completed (the travel
        # re-check that the message it publishes interrupts): expected here, and it would tear the progress bar.
        # Anything that matters surfaces as an incident in the report.
        quiet = [logging.getLogger(n) for n in ("pyzeebe", "workers", "engine")]
        levels = [lg.level for lg in quiet]
        for lg in quiet:
            lg.setLevel(logging.CRITICAL)
        store = Store(f"sqlite:///{data_dir / 'casework.db'}")
        store.migrate()
        use_store(store)
        try:
            async with engine_target(data_dir) as target:
                await deploy(target.grpc_address)
                # a fresh connection per request: on a kept-alive one the embedded engine's answers wait ~40 ms
                # each (Nagle against delayed ACK on loopback), which over thousands of calls is most of the run
                fresh = httpx.Limits(max_keepalive_connections=0)
                base = target.rest_address.rstrip("/") + "/v2"
                async with httpx.AsyncClient(base_url=base, timeout=60, limits=fresh) as http:
                    sim = Simulation(http, requests, seed, horizon_days)
                    use_advice_source(sim.advice)
                    worker = build_worker(
                        WorkerSettings(
                            zeebe_address=target.grpc_address,
                            insecure=True,
                            job_timeout_ms=300_000,
                            name="ipa-simulate",
                            max_jobs_to_activate=64,
                            max_running_jobs=128,
                        )
                    )
                    work = asyncio.create_task(worker.work())
                    try:
                        await sim.pin(0)
                        await sim.run(progress)
                        report = await sim.report(seed)
                    finally:
                        await worker.stop()
                        work.cancel()
                        with contextlib.suppress(BaseException):
                            await work
                        with contextlib.suppress(httpx.HTTPError):
                            await http.post("/clock/reset")
        finally:
            use_store(None)
            use_publisher(None)
            use_advice_source(None)
            store.dispose()
            for lg, level in zip(quiet, levels, strict=True):
                lg.setLevel(level)
    report.wall_seconds = time.monotonic() - began
    return report
