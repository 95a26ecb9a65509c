"""Intake validation names every problem, each with its field and a stable code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ipa.models import (
    Approval,
    AssistanceRequest,
    OsjaAssessment,
    RequestInvalid,
    check_request,
    parse_request,
    working_days_between,
)

from .conftest import TODAY, request_data


def codes(data: dict[str, object]) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in check_request(data, today=TODAY)}


def test_a_good_request_has_no_problems() -> None:
    assert check_request(request_data(), today=TODAY) == []
    req = parse_request(request_data(), today=TODAY)
    assert req.country_code == "IQ"
    assert req.contract_value == Decimal("40000.00")
    assert req.last_day == date(2025, 6, 6)
    assert req.variables()["countryCode"] == "IQ" and req.variables()["startDate"] == "2025-06-02"


def test_missing_fields_are_each_named() -> None:
    data = request_data(requesterOrg=..., title=..., startDate=None)
    problems = codes(data)
    assert {("requesterOrg", "missing"), ("title", "missing"), ("startDate", "missing")} <= problems
    messages = {p.message for p in check_request(data, today=TODAY)}
    assert "requesterOrg is required" in messages and "title is required" in messages


def test_unknown_country_code() -> None:
    problems = check_request(request_data(countryCode="XQ"), today=TODAY)
    assert [(p.field, p.code) for p in problems] == [("countryCode", "unknown_country")]
    assert "'XQ'" in problems[0].message


def test_alpha3_is_accepted_and_normalised() -> None:
    assert parse_request(request_data(countryCode="irq"), today=TODAY).country_code == "IQ"


def test_start_in_the_past() -> None:
    assert codes(request_data(startDate="2025-03-01")) == {("startDate", "start_in_past")}


def test_end_before_start() -> None:
    assert ("endDate", "end_before_start") in codes(request_data(endDate="2025-06-01"))


def test_lead_time_shorter_than_the_minimum() -> None:
    # 2025-03-28 is 19 working days after Monday 3 March; 2025-03-31 is 20
    problems = check_request(request_data(startDate="2025-03-28"), today=TODAY)
    assert [(p.field, p.code) for p in problems] == [("startDate", "lead_time_too_short")]
    assert "19 working days" in problems[0].message and "20" in problems[0].message
    assert check_request(request_data(startDate="2025-03-31"), today=TODAY) == []


def test_all_problems_reported_together() -> None:
    data = request_data(
        countryCode="ZZ", startDate="2025-03-10", endDate="2025-03-01", title=..., funderName=""
    )
    assert codes(data) == {
        ("countryCode", "unknown_country"),
        ("title", "missing"),
        ("endDate", "end_before_start"),
        ("funderName", "missing"),
        ("startDate", "lead_time_too_short"),
    }


def test_duration_and_staff_consistency() -> None:
    assert ("durationDays", "duration_mismatch") in codes(request_data(endDate="2025-06-10"))
    assert ("ukStaffRanks", "ranks_count_mismatch") in codes(request_data(ukStaffRanks=["SERGEANT"]))
    assert ("ukStaffRanks", "unknown_rank") in codes(request_data(ukStaffRanks=["SERGEANT", "ADMIRAL"]))
    assert ("durationDays", "greater_than_equal") in codes(request_data(durationDays=0))


def test_money_and_enums_and_extras() -> None:
    assert ("contractValue", "greater_than_equal") in codes(request_data(contractValue="-1"))
    assert ("contractValue", "decimal_max_places") in codes(request_data(contractValue="10.001"))
    assert ("purpose", "enum") in codes(request_data(purpose="SIGHTSEEING"))
    assert ("colour", "extra_forbidden") in codes(request_data(colour="blue"))
    assert ("requestId", "string_pattern_mismatch") in codes(request_data(requestId="IPA-25-1"))


def test_parse_request_raises_with_every_problem() -> None:
    with pytest.raises(RequestInvalid) as info:
        parse_request(request_data(countryCode="ZZ", title=...), today=TODAY)
    assert {p.field for p in info.value.problems} == {"countryCode", "title"}


def test_a_stored_request_still_loads_after_its_start_date() -> None:
    # date-relative checks belong to intake, not to the model
    old = AssistanceRequest.model_validate(request_data(startDate="2020-01-06"))
    assert old.start_date == date(2020, 1, 6)
    with pytest.raises(ValidationError, match="endDate"):
        AssistanceRequest.model_validate(request_data(endDate="2025-05-01"))


def test_working_days() -> None:
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 10)) == 5
    assert working_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 1  # Fri -> Mon
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 3)) == 0


def test_osja_and_approval_rules() -> None:
    risk = {"type": "TORTURE_CIDT", "likelihood": "HIGH", "seriousness": "GRAVE", "contribution": "INDIRECT"}
    with pytest.raises(ValidationError, match="TORTURE_CIDT"):
        OsjaAssessment.model_validate({"risks": [risk, risk], "reputationalRisk": "LOW", "assessedBy": "IPA"})
    with pytest.raises(ValidationError, match="must list them"):
        Approval.model_validate(
            {
                "role": "MINISTER",
                "name": "Minister",
                "decision": "APPROVE_WITH_CONDITIONS",
                "timestamp": "2025-01-01T10:00:00Z",
            }
        )
