"""validate-request and enrich-country-profile."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ipa.models import OsjaAssessment
from ipa.store import AuditEntry, Case, Store, get_case, record_assessment, trail
from tests.workers.conftest import PI, deliver, new_key, request_data
from workers.registry import BusinessOutcome, JobInputError


def count(store: Store, model: type, **where: object) -> int:
    with store.reader() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(s.scalar(q) or 0)


async def test_a_valid_request_opens_its_case_bound_to_the_process_instance(store: Store) -> None:
    out = await deliver(
        "validate-request", request_data(countryCode="IRQ", ukStaffRanks=["sergeant", "inspector"])
    )
    assert out["requestId"] == "IPA-2025-0042" and out["requestValid"] is True
    assert out["countryCode"] == "IQ", "alpha-3 normalised to the alpha-2 the DMN and reference data use"
    assert out["ukStaffRanks"] == ["SERGEANT", "INSPECTOR"]
    assert out["endDate"] == "2025-06-06" and out["receivedOn"] == "2025-03-03"
    with store.reader() as s:
        case = get_case(s, "IPA-2025-0042")
        assert case is not None
        assert case.process_instance_key == PI and case.country_code == "IQ" and case.stage == "INTAKE"
        assert [e.action for e in trail(s, "IPA-2025-0042")] == ["case.opened", "case.process_linked"]


async def test_the_same_job_delivered_twice_opens_one_case_and_answers_the_same(store: Store) -> None:
    key = new_key()
    first = await deliver("validate-request", request_data(), key=key)
    second = await deliver("validate-request", request_data(), key=key)
    assert first == second
    assert count(store, Case) == 1
    assert count(store, AuditEntry, request_id="IPA-2025-0042") == 2


async def test_without_a_request_id_one_is_allocated_per_process_instance(store: Store) -> None:
    data = request_data(requestId=...)
    key = new_key()
    first = await deliver("validate-request", data, key=key, pi=PI)
    again = await deliver("validate-request", data, key=key, pi=PI)
    other = await deliver("validate-request", data, pi=PI + 1)
    assert first["requestId"] == again["requestId"] == "IPA-2025-0001"
    assert other["requestId"] == "IPA-2025-0002"


async def test_an_invalid_request_is_a_business_outcome_naming_every_problem(store: Store) -> None:
    data = request_data(
        title=..., startDate="2025-02-01", ukStaffRanks=["SERGEANT", "ADMIRAL"], submittedBy="web"
    )
    with pytest.raises(BusinessOutcome) as caught:
        await deliver("validate-request", data)
    assert caught.value.error_code == "REQUEST_INVALID"
    message = str(caught.value)
    for problem in ("title: title is required", "startDate 2025-02-01 is in the past", "ADMIRAL"):
        assert problem in message
    assert "submittedBy" not in message, (
        "variables that are not request fields are not the requester's problem"
    )
    assert count(store, Case) == 0


async def test_a_lead_time_too_short_is_refused() -> None:
    with pytest.raises(BusinessOutcome, match="minimum lead time"):
        await deliver("validate-request", request_data(startDate="2025-03-10"))


async def test_variables_of_the_wrong_type_fail_the_job_technically(store: Store) -> None:
    with pytest.raises(JobInputError, match="receivedOn"):
        await deliver("validate-request", request_data(receivedOn="last Tuesday"))


async def test_a_second_process_for_the_same_request_is_refused(store: Store) -> None:
    await deliver("validate-request", request_data(), pi=PI)
    with pytest.raises(Exception, match="already bound to process instance"):
        await deliver("validate-request", request_data(), pi=PI + 7)


async def test_country_profile_from_reference_data(store: Store, case: dict[str, object]) -> None:
    out = await deliver("enrich-country-profile", dict(case))
    assert out["countryCode"] == "IQ" and out["countryName"] == "Iraq"
    assert out["isHRPC"] is True and out["retainsDeathPenalty"] is True
    assert out["fcdoAdvice"] == "AGAINST_ALL" and out["fcdoAdviceLive"] is False
    assert out["post"] == "British Embassy Baghdad"
    assert out["sanctionsOrEmbargo"] is False and "stage1Date" not in out


async def test_the_latest_stage1_on_file_for_the_country_is_reused(
    store: Store, case: dict[str, object]
) -> None:
    # an earlier Iraqi case's OSJA recorded the Post's Stage 1 date
    earlier = request_data(requestId="IPA-2025-0007")
    await deliver("validate-request", earlier, pi=PI + 3)
    with store.transaction() as s:
        record_assessment(
            s,
            "IPA-2025-0007",
            OsjaAssessment.model_validate(
                {
                    "risks": [
                        {
                            "type": "TORTURE_CIDT",
                            "likelihood": "LOW",
                            "seriousness": "SERIOUS",
                            "contribution": "INDIRECT",
                        }
                    ],
                    "reputationalRisk": "LOW",
                    "stage1Date": "2025-01-15",
                    "assessedBy": "IPA",
                }
            ),
            op_key="osja-1",
            actor="test",
        )
    out = await deliver("enrich-country-profile", dict(case))
    assert out["stage1Date"] == "2025-01-15"
    jamaica = await deliver("enrich-country-profile", {**case, "countryCode": "JM"})
    assert "stage1Date" not in jamaica, "a Stage 1 belongs to its country"


async def test_sanctions_flag_set_at_intake_is_kept(store: Store, case: dict[str, object]) -> None:
    out = await deliver("enrich-country-profile", {**case, "sanctionsOrEmbargo": True})
    assert out["sanctionsOrEmbargo"] is True


async def test_profile_snapshot_is_audited_once_per_job(store: Store, case: dict[str, object]) -> None:
    key = new_key()
    assert await deliver("enrich-country-profile", dict(case), key=key) == await deliver(
        "enrich-country-profile", dict(case), key=key
    )
    assert count(store, AuditEntry, action="country.profiled") == 1


async def test_an_unknown_country_fails_the_job_with_a_clear_message(store: Store) -> None:
    with pytest.raises(ValueError, match="'XX' is not an ISO 3166-1 code"):
        await deliver("enrich-country-profile", {"requestId": "IPA-2025-0042", "countryCode": "XX"})
