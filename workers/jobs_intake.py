"""Stage A, intake: `validate-request` (and open the case) and `enrich-country-profile` (reference data)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipa import reference
from ipa.models import AssistanceRequest, check_request
from ipa.store import Case, OsjaRecord, append_audit, link_process_instance, open_case
from workers.jobs_shared import Vars, read, write
from workers.registry import BusinessOutcome, JobContext, job

#: the error code of an invalid request (the model needs a catch for it; see the handler)
REQUEST_INVALID = "REQUEST_INVALID"

#: the wire names of the request's fields: only these are checked (the process may carry others)
REQUEST_FIELDS = frozenset(f.alias or n for n, f in AssistanceRequest.model_fields.items())


class RequestVariables(Vars):
    """Everything the start message brought; validated field by field by `check_request`."""

    model_config = ConfigDict(extra="allow")

    request_id: str | None = None
    received_on: date | None = None


class ValidatedRequest(Vars):
    request_id: str
    received_on: date
    end_date: date
    request_valid: bool = True


@job("validate-request", RequestVariables)
async def validate_request(ctx: JobContext, given: RequestVariables) -> dict[str, Any]:
    """Check the request (every problem named at once), open its case and bind it to this process instance.

    An invalid request is a business outcome (`REQUEST_INVALID`), not a technical failure: retrying cannot fix it.
    Lead times are measured from `receivedOn` (set here on first delivery), so a redelivered job decides the same.
    """
    raw = {k: v for k, v in given.model_dump(by_alias=True, mode="json").items() if k in REQUEST_FIELDS}
    raw.update({k: v for k, v in (given.model_extra or {}).items() if k in REQUEST_FIELDS})
    received = given.received_on or date.today()
    raw["receivedOn"] = received.isoformat()
    problems = check_request(raw, today=received)
    if problems:
        raise BusinessOutcome(
            REQUEST_INVALID,
            "; ".join(f"{p.field}: {p.message}" for p in problems),
            # the caseworker's correction task lists them (the model maps them out of the catch event)
            {"requestProblems": [{"field": p.field, "message": p.message} for p in problems]},
        )
    request = AssistanceRequest.model_validate(raw)

    def store_case(s: Session) -> str:
        # without a requestId the case number is allocated here, keyed by the process instance
        case = open_case(s, request, actor="validate-request", op_key=f"pi:{ctx.process_instance_key}")
        link_process_instance(s, case.request_id, ctx.process_instance_key, actor="validate-request")
        return case.request_id

    request_id = await write(store_case)
    # the request as the model normalised it (alpha-3 country codes become alpha-2, ranks upper case ...)
    normalised = request.model_copy(update={"request_id": request_id}).variables()
    out = ValidatedRequest(request_id=request_id, received_on=received, end_date=request.last_day)
    return {**normalised, **out.model_dump(by_alias=True, mode="json")}


# -- enrich-country-profile ------------------------------------------------------------------------------------


class ProfileInput(Vars):
    request_id: str
    country_code: str
    #: set by intake where a sanctions or embargo screen was done; reference data has no list (yet)
    sanctions_or_embargo: bool | None = None
    stage1_date: date | None = None


class CountryProfile(Vars):
    country_code: str
    country_name: str
    is_hrpc: bool = Field(alias="isHRPC")
    hrpc_year: str
    retains_death_penalty: bool
    death_penalty_status: str
    fcdo_advice: str
    fcdo_advice_scope: str
    fcdo_advice_as_of: str
    fcdo_advice_live: bool
    post: str | None
    post_type: str
    sanctions_or_embargo: bool
    #: the latest Post Stage 1 assessment on file for the country (the OSJA skips asking Post when it is recent)
    stage1_date: date | None


def latest_stage1(s: Session, country_code: str) -> date | None:
    found = s.scalar(
        select(func.max(OsjaRecord.stage1_date))
        .join(Case, Case.id == OsjaRecord.case_id)
        .where(Case.country_code == country_code)
    )
    return found if isinstance(found, date) or found is None else date.fromisoformat(str(found))


@job("enrich-country-profile", ProfileInput)
async def enrich_country_profile(ctx: JobContext, given: ProfileInput) -> CountryProfile:
    """HRPC, death penalty, FCDO advice (a seeded snapshot, never live) and Post from reference data; the
    latest Stage 1 date from earlier cases in the same country. The snapshot is written to the audit trail: it
    is the baseline the travel-advice re-checks compare with."""
    try:
        country = reference.country(given.country_code)
    except reference.UnknownCountry:
        raise ValueError(f"countryCode {given.country_code!r} is not an ISO 3166-1 code") from None
    on_file = await read(lambda s: latest_stage1(s, country.alpha2))
    stage1 = max((d for d in (on_file, given.stage1_date) if d is not None), default=None)
    profile = CountryProfile.model_validate(
        {
            **country.profile(),
            "sanctionsOrEmbargo": bool(given.sanctions_or_embargo),
            "stage1Date": stage1,
        }
    )
    snapshot = profile.model_dump(by_alias=True, mode="json")

    def audit(s: Session) -> None:
        append_audit(
            s,
            action="country.profiled",
            actor="enrich-country-profile",
            request_id=given.request_id,
            op_key=f"{ctx.key}:profile",
            detail=snapshot,
        )

    await write(audit)
    return profile
