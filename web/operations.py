"""Views over the engine's REST API that several pages share: element counts, waits against SLA, a case's instance.

Everything here reads `/v2` only, so it works against the embedded engine and a Camunda 8.8 cluster alike.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ipa.models import working_days_between
from web.camunda import JSON, Camunda

#: targets in working days (domain.md §8, [M] assumptions). Where §8 names no figure (funding, subsidy, senior
#: official, contract, quality review) the target is ours and marked "assumed".
SLA_TARGETS: dict[str, tuple[str, int, bool]] = {
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


async def request_ids(cm: Camunda) -> dict[str, str]:
    """processInstanceKey -> requestId, for every instance (call activities copy the variable into the child)."""
    found = await cm.search("variables", {"name": "requestId"}, limit=5000)
    out: dict[str, str] = {}
    for v in found:
        try:
            out[str(v["processInstanceKey"])] = str(json.loads(v["value"]))
        except (ValueError, KeyError):
            continue
    return out


async def sla_waits(cm: Camunda, today: date | None = None) -> list[Wait]:
    """Each waiting approval (user task or awaited message) with its age against its target; breaches first."""
    today = today or datetime.now(UTC).date()
    active = await cm.search("element-instances", {"state": "ACTIVE"}, limit=5000)
    ids = await request_ids(cm)
    waits: list[Wait] = []
    for ei in active:
        target = SLA_TARGETS.get(ei.get("elementId", ""))
        since = parse_time(ei.get("startDate"))
        if target is None or since is None:
            continue
        label, days, assumed = target
        pi = str(ei["processInstanceKey"])
        waits.append(
            Wait(
                ids.get(pi),
                ei["elementId"],
                label,
                since,
                working_days_between(since.date(), today),
                days,
                assumed,
                pi,
            )
        )
    waits.sort(key=lambda w: (not w.breached, -w.ratio, w.since))
    return waits


async def element_counts(
    cm: Camunda, definition_key: str, filter: JSON | None = None
) -> tuple[list[JSON], str]:
    """Operate's badges per element, and where they came from: the statistics endpoint, or (where the engine
    lacks it) our own count over the element-instance search."""
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
