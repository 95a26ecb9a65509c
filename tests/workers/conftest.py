"""Fixtures for the job handlers: a migrated SQLite casework store, a recording message publisher, and `deliver`,
which runs a job type exactly as the service does (variables validated, result dumped by wire name)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyzeebe import Job

from ipa.store import Store
from workers.jobs_shared import use_publisher, use_store
from workers.registry import load_all

TODAY = date(2025, 3, 3)  # a Monday; requests start three months later
PI = 2251799813685249
_keys = itertools.count(2251799813700000)


def request_data(**overrides: Any) -> dict[str, Any]:
    """A valid request as the start message brings it (camelCase process variables)."""
    data: dict[str, Any] = {
        "requestId": "IPA-2025-0042",
        "receivedVia": "JIPH",
        "receivedOn": TODAY.isoformat(),
        "requesterType": "FOREIGN_POLICE",
        "requesterOrg": "Ministry of Interior, Forensic Directorate",
        "countryCode": "IQ",
        "deliveringBody": "FORCE",
        "purpose": "TRAINING",
        "assistanceType": "TRAINING_COURSE",
        "title": "Crime scene forensics",
        "policingArea": "INVESTIGATION",
        "deliveryLocation": "IN_COUNTRY",
        "startDate": "2025-06-02",
        "durationDays": 5,
        "ukStaffCount": 2,
        "ukStaffRanks": ["SERGEANT", "INSPECTOR"],
        "recipientCount": 20,
        "recipientUnit": "Forensic Directorate",
        "fundingSource": "REQUESTING_STATE",
        "funderName": "Government of Iraq",
        "contractValue": 40000,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def new_key() -> int:
    return next(_keys)


async def deliver(
    job_type: str,
    variables: dict[str, Any],
    *,
    key: int | None = None,
    headers: dict[str, str] | None = None,
    pi: int = PI,
    element_id: str = "Task",
) -> dict[str, Any]:
    """Run one delivery of a job (the same `key` again is Zeebe redelivering it)."""
    job = Job(
        key=key if key is not None else new_key(),
        type=job_type,
        process_instance_key=pi,
        bpmn_process_id="international-assistance-request",
        process_definition_version=1,
        process_definition_key=1,
        element_id=element_id,
        element_instance_key=1,
        custom_headers=headers or {},
        worker="test",
        retries=3,
        deadline=0,
        variables=variables,
    )
    return await load_all()[job_type](job)


class Publisher:
    """Records what a handler publishes; `fail` makes the next publish raise (the gateway is down)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail = 0

    async def publish_message(
        self,
        name: str,
        correlation_key: str,
        variables: dict[str, Any] | None = None,
        time_to_live_in_milliseconds: int = 60000,
        message_id: str | None = None,
        tenant_id: str | None = None,
    ) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("gateway unavailable")
        self.messages.append(
            {
                "name": name,
                "correlationKey": correlation_key,
                "variables": variables or {},
                "ttl": time_to_live_in_milliseconds,
                "messageId": message_id,
            }
        )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'casework.db'}")
    s.migrate()
    use_store(s)
    try:
        yield s
    finally:
        use_store(None)
        s.dispose()


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    p = Publisher()
    use_publisher(p)
    try:
        yield p
    finally:
        use_publisher(None)


@pytest.fixture
async def case(store: Store) -> dict[str, Any]:
    """A validated request with its case open: the variables after validate-request."""
    data = request_data()
    return {**data, **await deliver("validate-request", data)}
