"""Views over the engine's REST API that several pages share: element counts, waits against SLA, a case's instance.

Everything here reads `/v2` only, so it works against the embedded engine and a Camunda 8.8 cluster alike.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ipa.models import working_days_between
from web.camunda import JSON, Camunda

#: targets in working days (domain.md §8, [M] assumptions). Where §8 names no figure (funding, subsidy, senior
#: official, contract, quality review) the target is ours and marked "assumed".
SLA_TARGETS: dict[str, tuple[str, int, bool]] = {
    "CorrectRequest": ("Correct an invalid request", 5, True),
    "ScopeCapabilityReview": ("Intake / triage", 5, False),
    "ConfirmFunding": ("Confirm funding", 5, True),
    "ApproveSubsidy": ("Approve subsidy", 5, True),
    "PostStage1Received": ("Post Stage 1 reply", 10, False),
    "PostConsultation": ("Post / FCDO consultation", 10, False),
    "OsjaQualityReview": ("OSJA quality review", 5, True),
    "JiphDecision": ("IPAB / JIPH decision", 10, False),
    "HodApproval": ("HoD approval", 5, False),
    "SeniorOfficialApproval": ("Senior official approval", 10, True),
    "MinisterialDecisionTask": ("Ministerial decision", 20, False),
    "MinisterialDecision": ("Ministerial decision", 20, False),
    "PccDecision": ("PCC decision", 10, False),
    "HomeOfficeConsent": ("Home Office s.26 consent", 10, False),
    "AgreeContract": ("Agree contract / MOU", 10, True),
}


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Wait:
    request_id: str | None
    element_id: str
    label: str
    since: datetime
    age_days: int
    target_days: int
    assumed: bool
    process_instance_key: str

    @property
    def breached(self) -> bool:
        return self.age_days > self.target_days

    @property
    def ratio(self) -> float:
        return self.age_days / self.target_days if self.target_days else 0.0


@dataclass
class SlaOverview:
    """Waiting approvals against their targets: exact totals, and the waits most overdue to list."""

    waits: list[Wait]  # the most overdue first, at most `shown` of them
    waiting: int
    breaches: int


def breach_cutoff(today: date, target_days: int) -> date:
    """The latest start day whose wait is past `target_days` working days today (ages only grow further back)."""
    day = today - timedelta(days=target_days)
    while working_days_between(day, today) <= target_days:
        day -= timedelta(days=1)
    return day


async def request_ids(cm: Camunda, instance_keys: list[str]) -> dict[str, str]:
    """processInstanceKey -> requestId for these instances (call activities copy the variable into the child)."""
    if not instance_keys:
        return {}
    found = await cm.search(
        "variables",
        {"name": "requestId", "processInstanceKey": {"$in": instance_keys}},
        limit=len(instance_keys) * 2,
    )
    out: dict[str, str] = {}
    for v in found:
        try:
            out[str(v["processInstanceKey"])] = str(json.loads(v["value"]))
        except (ValueError, KeyError):
            continue
    return out


async def sla_overview(cm: Camunda, today: date | None = None, shown: int = 50) -> SlaOverview:
    """Each waiting approval (user task or awaited message) with its age against its target; breaches first.

    Per element with a target, one search for its oldest waits (and how many wait); a second counts the breaches
    only when every one of those is past its target. The work is the same for ten cases or ten thousand."""
    today = today or datetime.now(UTC).date()

    async def element(element_id: str, days: int) -> tuple[list[JSON], int, int]:
        active = {"elementId": element_id, "state": "ACTIVE"}
        cutoff = datetime.combine(breach_cutoff(today, days) + timedelta(days=1), time.min, UTC)
        items, waiting = await cm.first_page(
            "element-instances", active, [{"field": "startDate", "order": "ASC"}], limit=shown
        )
        late = [ei for ei in items if (parse_time(ei.get("startDate")) or cutoff) < cutoff]
        if len(late) < len(items) or len(items) == waiting:
            return items, waiting, len(late)  # the oldest waits hold every breach: counted here
        _, breached = await cm.first_page(
            "element-instances", {**active, "startDate": {"$lt": cutoff.isoformat()}}, limit=1
        )
        return items, waiting, breached

    found = await asyncio.gather(*(element(e, days) for e, (_, days, _) in SLA_TARGETS.items()))
    waits: list[Wait] = []
    for element_id, (items, _, _) in zip(SLA_TARGETS, found, strict=True):
        label, days, assumed = SLA_TARGETS[element_id]
        for ei in items:
            since = parse_time(ei.get("startDate"))
            if since is None:
                continue
            age = working_days_between(since.date(), today)
            waits.append(
                Wait(None, element_id, label, since, age, days, assumed, str(ei["processInstanceKey"]))
            )
    waits.sort(key=lambda w: (not w.breached, -w.ratio, w.since))
    waits = waits[:shown]
    ids = await request_ids(cm, sorted({w.process_instance_key for w in waits}))
    return SlaOverview(
        [replace(w, request_id=ids.get(w.process_instance_key)) for w in waits],
        waiting=sum(n for _, n, _ in found),
        breaches=sum(n for _, _, n in found),
    )


async def element_counts(
    cm: Camunda, definition_key: str, filter: JSON | None = None
) -> tuple[list[JSON], str]:
    """Operate's badges per element, and where they came from: the statistics endpoint, or (where the engine
    lacks it) our own count over the element-instance search."""
    instance = (filter or {}).get("processInstanceKey")
    if instance:
        stats = await cm.instance_statistics(str(instance))
    else:
        stats = await cm.element_statistics(definition_key, filter)
    if stats is not None:
        return stats, "statistics"
    search: JSON = {"processDefinitionKey": definition_key}
    if filter and filter.get("processInstanceKey"):
        search = {"processInstanceKey": filter["processInstanceKey"]}
    counts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"active": 0, "canceled": 0, "incidents": 0, "completed": 0}
    )
    for ei in await cm.search("element-instances", search, limit=20000):
        c = counts[ei["elementId"]]
        state = ei.get("state")
        if ei.get("hasIncident"):
            c["incidents"] += 1
        elif state == "ACTIVE":
            c["active"] += 1
        elif state == "COMPLETED":
            c["completed"] += 1
        elif state == "TERMINATED":
            c["canceled"] += 1
    return [{"elementId": k, **v} for k, v in sorted(counts.items())], "element-instance search"


async def instance_of(
    cm: Camunda, request_id: str, process_id: str, known_key: int | None = None
) -> JSON | None:
    """The main process instance of a case: the key the case recorded, else the one whose requestId matches."""
    if known_key is not None:
        found = await cm.process_instance(str(known_key))
        if found is not None:
            return found
    items = await cm.search(
        "process-instances",
        {
            "processDefinitionId": process_id,
            "variables": [{"name": "requestId", "value": json.dumps(request_id)}],
        },
        [{"field": "startDate", "order": "DESC"}],
        limit=5,
    )
    return items[0] if items else None
