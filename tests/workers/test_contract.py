"""The workers serve exactly the job types of domain.md §10.3, which are the ones the BPMN uses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from workers.registry import load_all

ROOT = Path(__file__).resolve().parents[2]
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
SECTION_10_3 = {
    "validate-request",
    "enrich-country-profile",
    "compute-costing",
    "request-post-stage1",
    "notify-stakeholder",
    "prepare-ministerial-submission",
    "generate-ipab-form",
    "request-s26-consent",
    "recheck-travel-advice",
    "record-outcome",
    "update-aggregate-income",
    "schedule-osja-review",
}


def test_every_job_type_of_the_domain_is_served() -> None:
    assert set(load_all()) == SECTION_10_3


def test_every_job_type_the_process_uses_is_served() -> None:
    used = {
        el.get("type")
        for path in (ROOT / "bpmn").glob("*.bpmn")
        for el in ET.parse(path).getroot().iter(f"{ZEEBE}taskDefinition")
    }
    assert used and used <= set(load_all()), used - set(load_all())
