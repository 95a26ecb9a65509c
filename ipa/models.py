"""Pydantic models of an assistance request and its assessments (domain.md §3.2, §10.8).

Field names are snake_case in Python and camelCase on the wire (the Zeebe process variables), so
`model_dump(by_alias=True, mode="json")` yields the variables the BPMN and DMN read.

Intake validation names every problem at once (`check_request`), because a requester fixing a form one error
at a time is the failure we want to avoid. The model itself enforces only facts that hold forever (end not
before start); checks against today's date (start in the past, lead time) belong to intake, since a stored
request must still load after its start date has passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ipa import reference
from ipa.vocab import (
    ApproverRole,
    AssistanceType,
    Contribution,
    Decision,
    DeliveringBody,
    DeliveryLocation,
    FundingSource,
    Likelihood,
    MitigationKind,
    PolicingArea,
    Purpose,
    ReceivedVia,
    RequesterType,
    RiskLevel,
    RiskType,
    Seriousness,
    WithholdReason,
)

REQUEST_ID = re.compile(r"^IPA-\d{4}-\d{4}$")
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: the field (camelCase, as the form and the process name it), a stable
    code a page can key on, and a sentence for a person."""

    field: str
    code: str
    message: str


class RequestInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


class AssistanceRequest(_Model):
    """A request for international police assistance: the IPAB brief fields (domain.md §3.2)."""

    request_id: str | None = Field(default=None, pattern=REQUEST_ID.pattern)
    received_via: ReceivedVia
    received_on: date | None = None
    requester_type: RequesterType
    requester_org: Text
    requester_unit: str | None = None
    contact_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    country_code: str
    delivering_body: DeliveringBody
    lead_officer: str | None = None
    purpose: Purpose
    assistance_type: AssistanceType
    title: Text
    policing_area: PolicingArea
    delivery_location: DeliveryLocation
    start_date: date
    duration_days: int = Field(ge=1)
    end_date: date | None = None
    uk_staff_count: int = Field(ge=1)
    uk_staff_ranks: list[str] = Field(default_factory=list)
    recipient_count: int = Field(ge=0)
    recipient_unit: str | None = None
    funding_source: FundingSource
    funder_name: str | None = None
    contract_value: Money
    cost_to_delivering_body: Money | None = None
    uk_priority_alignment: str | None = None

    @field_validator("country_code")
    @classmethod
    def _known_country(cls, value: str) -> str:
        try:
            return reference.country(value).alpha2
        except reference.UnknownCountry:
            raise PydanticCustomError(
                "unknown_country", "'{code}' is not an ISO 3166-1 country code", {"code": value}
            ) from None

    @field_validator("uk_staff_ranks")
    @classmethod
    def _known_ranks(cls, value: list[str]) -> list[str]:
        grades = _grades()
        unknown = [r for r in value if r.upper() not in grades]
        if unknown:
            raise PydanticCustomError(
                "unknown_rank",
                "unknown rank or grade {unknown}; known: {known}",
                {"unknown": ", ".join(unknown), "known": ", ".join(sorted(grades))},
            )
        return [r.upper() for r in value]

    @model_validator(mode="after")
    def _consistent(self) -> AssistanceRequest:
        problems = list(
            _intrinsic_problems(
                self.start_date,
                self.end_date,
                self.duration_days,
                self.uk_staff_count,
                self.uk_staff_ranks,
                self.funding_source,
                self.funder_name,
            )
        )
        if problems:
            raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
        return self

    @property
    def last_day(self) -> date:
        return self.end_date or self.start_date + timedelta(days=self.duration_days - 1)

    def variables(self) -> dict[str, Any]:
        """The Zeebe process variables (domain.md §10.8)."""
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


def _grades() -> frozenset[str]:
    return frozenset(g for card in reference.rate_cards().values() for g in card.day_rates)


def working_days_between(start: date, end: date) -> int:
    """Mon-Fri days after `start` up to and including `end` (bank holidays are not known here)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (start + timedelta(days=i)).weekday() < 5:
            count += 1
    return count


def _intrinsic_problems(
    start: date | None,
    end: date | None,
    duration: int | None,
    staff: int | None,
    ranks: list[str] | None,
    funding: FundingSource | None,
    funder: str | None,
) -> Iterator[Problem]:
    if start and end and end < start:
        yield Problem("endDate", "end_before_start", f"endDate {end} is before startDate {start}")
    elif start and end and duration and (end - start).days + 1 != duration:
        yield Problem(
            "durationDays",
            "duration_mismatch",
            f"durationDays is {duration} but {start} to {end} is {(end - start).days + 1} days",
        )
    if duration and duration > reference.policy().max_duration_days:
        yield Problem(
            "durationDays",
            "duration_too_long",
            f"durationDays {duration} exceeds {reference.policy().max_duration_days}; split the programme into phases",
        )
    if ranks and staff and len(ranks) != staff:
        yield Problem(
            "ukStaffRanks", "ranks_count_mismatch", f"{len(ranks)} ranks given for ukStaffCount {staff}"
        )
    if funding is not None and funding is not FundingSource.NONE and not funder:
        yield Problem(
            "funderName", "missing", f"funderName is required when fundingSource is {funding.value}"
        )


def _intake_problems(start: date | None, today: date) -> Iterator[Problem]:
    if start is None:
        return
    if start < today:
        yield Problem("startDate", "start_in_past", f"startDate {start} is in the past (today is {today})")
        return
    minimum = reference.policy().min_lead_working_days
    lead = working_days_between(today, start)
    if lead < minimum:
        yield Problem(
            "startDate",
            "lead_time_too_short",
            f"startDate {start} is {lead} working days away; the minimum lead time is {minimum} working days",
        )


def _lenient(data: Mapping[str, Any], field: str, kind: Any) -> Any:
    # Cross-field checks run even when other fields are broken, so every problem is named in one pass.
    alias = to_camel(field)
    raw = data.get(alias, data.get(field))
    if raw is None:
        return None
    try:
        return TypeAdapter(kind).validate_python(raw)
    except ValidationError:
        return None


_MESSAGES = {"missing": "{field} is required", "extra_forbidden": "{field} is not a field of a request"}


def _field_problems(err: ValidationError) -> Iterator[Problem]:
    for e in err.errors():
        loc = [str(x) for x in e["loc"]]
        if not loc:  # the model-level consistency check; check_request recomputes those one by one
            continue
        name = to_camel(loc[0]) + "".join(f"[{x}]" if x.isdigit() else f".{x}" for x in loc[1:])
        # an explicit null is a missing answer, not a type error, to the person filling in the form
        code = "missing" if e.get("input", ...) is None and e["type"].endswith("_type") else e["type"]
        template = _MESSAGES.get(code)
        yield Problem(name, code, template.format(field=name) if template else f"{name}: {e['msg']}")


def check_request(data: Mapping[str, Any], *, today: date | None = None) -> list[Problem]:
    """Every problem with a request as submitted, or [] if it may proceed. `today` defaults to the local date."""
    today = today or date.today()
    problems: list[Problem] = []
    try:
        AssistanceRequest.model_validate(data)
    except ValidationError as err:
        problems.extend(_field_problems(err))
    start = _lenient(data, "start_date", date)
    problems.extend(
        _intrinsic_problems(
            start,
            _lenient(data, "end_date", date),
            _lenient(data, "duration_days", int),
            _lenient(data, "uk_staff_count", int),
            _lenient(data, "uk_staff_ranks", list[str]),
            _lenient(data, "funding_source", FundingSource),
            _lenient(data, "funder_name", str),
        )
    )
    problems.extend(_intake_problems(start, today))
    return problems


def parse_request(data: Mapping[str, Any], *, today: date | None = None) -> AssistanceRequest:
    """The validated request, or RequestInvalid listing every problem."""
    problems = check_request(data, today=today)
    if problems:
        raise RequestInvalid(problems)
    return AssistanceRequest.model_validate(data)


# --- OSJA and decisions ------------------------------------------------------------------------------------


class Risk(_Model):
    type: RiskType
    likelihood: Likelihood
    seriousness: Seriousness
    contribution: Contribution
    mitigation_effective: bool = False


class Mitigation(_Model):
    kind: MitigationKind
    description: Text


class OsjaAssessment(_Model):
    """The project-specific OSJA record (domain.md §4.3 stage 2-4). It is a record of consideration, separate
    from the approval of the activity (§4.2)."""

    risks: list[Risk] = Field(min_length=1)
    mitigations: list[Mitigation] = Field(default_factory=list)
    reputational_risk: RiskLevel
    residual_risk: RiskLevel | None = None  # from DMN osja_risk_rating
    serious_risk: bool | None = None
    approver_role: ApproverRole | None = None  # from DMN osja_approval_level
    stage1_date: date | None = None
    assessed_by: Text

    @field_validator("risks")
    @classmethod
    def _one_per_type(cls, risks: list[Risk]) -> list[Risk]:
        seen = [r.type for r in risks]
        dupes = sorted({t.value for t in seen if seen.count(t) > 1})
        if dupes:
            raise PydanticCustomError(
                "duplicate_risk", "risk types assessed twice: {d}", {"d": ", ".join(dupes)}
            )
        return risks


class Approval(_Model):
    role: ApproverRole
    name: Text
    decision: Decision
    conditions: list[Text] = Field(default_factory=list)
    timestamp: datetime

    @model_validator(mode="after")
    def _conditions_match(self) -> Approval:
        if self.decision is Decision.APPROVE_WITH_CONDITIONS and not self.conditions:
            raise ValueError("conditions: an approval with conditions must list them")
        if self.decision is not Decision.APPROVE_WITH_CONDITIONS and self.conditions:
            raise ValueError(f"conditions: a decision of {self.decision.value} carries no conditions")
        return self


class Disclosure(_Model):
    withhold_reasons: list[WithholdReason] = Field(default_factory=list)
