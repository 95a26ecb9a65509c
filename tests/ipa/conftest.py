from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ipa.models import AssistanceRequest, parse_request
from ipa.store import Store

TODAY = date(2025, 3, 3)  # a Monday


def request_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "receivedVia": "JIPH",
        "receivedOn": TODAY.isoformat(),
        "requesterType": "FOREIGN_POLICE",
        "requesterOrg": "Ministry of Interior, Forensic Directorate",
        "countryCode": "IQ",
        "deliveringBody": "COLLEGE",
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
        "fundingSource": "REQUESTING_STATE",
        "funderName": "Government of Iraq",
        "contractValue": "40000.00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def make_request(**overrides: Any) -> AssistanceRequest:
    return parse_request(request_data(**overrides), today=TODAY)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The casework store on SQLite (the default) and on PostgreSQL (production): every test runs on both."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'casework.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_database")
    st = Store(url)
    st.migrate()
    yield st
    st.dispose()
