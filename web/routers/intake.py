"""Intake: a new request, checked like `ipa submit` (`ipa.models.check_request`), its case opened and the process
started with the `RequestReceived` message, as `ipa.runner.submit` does (here through the REST API)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ipa import vocab
from ipa.models import check_request, parse_request
from web.auth import Caseworker, Csrf
from web.camunda import CamundaError, duplicate_message
from web.deps import CamundaDep, CasesDep, blocking, render

router = APIRouter(tags=["intake"])

INTEGERS = ("durationDays", "ukStaffCount", "recipientCount")
CHOICES: dict[str, list[str]] = {
    "receivedVia": [v.value for v in vocab.ReceivedVia],
    "requesterType": [v.value for v in vocab.RequesterType],
    "deliveringBody": [v.value for v in vocab.DeliveringBody],
    "purpose": [v.value for v in vocab.Purpose],
    "assistanceType": [v.value for v in vocab.AssistanceType],
    "policingArea": [v.value for v in vocab.PolicingArea],
    "deliveryLocation": [v.value for v in vocab.DeliveryLocation],
    "fundingSource": [v.value for v in vocab.FundingSource],
}
#: the form's fields, in order, with their labels (the IPAB brief, domain.md §3.2)
FIELDS: list[tuple[str, str]] = [
    ("receivedVia", "Received via"),
    ("receivedOn", "Received on"),
    ("requesterType", "Requester type"),
    ("requesterOrg", "Requesting organisation"),
    ("contactEmail", "Contact email"),
    ("countryCode", "Country (ISO code, e.g. JM)"),
    ("deliveringBody", "Delivering body"),
    ("purpose", "Purpose"),
    ("assistanceType", "Type of assistance"),
    ("title", "Title"),
    ("policingArea", "Policing area"),
    ("deliveryLocation", "Delivery location"),
    ("startDate", "Start date"),
    ("durationDays", "Duration (days)"),
    ("ukStaffCount", "UK staff"),
    ("ukStaffRanks", "UK staff ranks (comma-separated)"),
    ("recipientCount", "Recipients"),
    ("fundingSource", "Funding source"),
    ("funderName", "Funder"),
    ("contractValue", "Contract value (£)"),
]
DATES = ("receivedOn", "startDate")


def request_data(form: dict[str, str]) -> dict[str, Any]:
    """The form's strings as the request's JSON: blanks left out, numbers as numbers where they read as such
    (a non-number stays a string, so check_request names the field), ranks as a list."""
    data: dict[str, Any] = {}
    for name, _ in FIELDS:
        value = (form.get(name) or "").strip()
        if not value:
            continue
        if name in INTEGERS:
            data[name] = int(value) if value.lstrip("-").isdigit() else value
        elif name == "ukStaffRanks":
            data[name] = [r.strip() for r in value.split(",") if r.strip()]
        else:
            data[name] = value
    return data


def _page(
    request: Request, values: dict[str, str], problems: dict[str, list[str]], status: int = 200
) -> Response:
    return render(
        request,
        "intake.html",
        status_code=status,
        fields=FIELDS,
        choices=CHOICES,
        dates=DATES,
        values=values,
        problems=problems,
        submission=values.get("submission") or secrets.token_urlsafe(16),
    )


@router.get("/intake")
async def intake_page(request: Request, user: Caseworker) -> Response:
    return _page(request, {}, {})


@router.post("/intake", dependencies=[Csrf])
async def intake(request: Request, user: Caseworker, cases: CasesDep, cm: CamundaDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    data = request_data(form)
    found = check_request(data)
    if found:
        problems: dict[str, list[str]] = {}
        for p in found:
            problems.setdefault(p.field or "request", []).append(p.message)
        return _page(request, form, problems, status=422)
    parsed = parse_request(data)
    # keyed by the form's one-time submission id: a double click or a retried POST opens one case
    op_key = "intake:" + (form.get("submission") or secrets.token_urlsafe(16))[:80]
    request_id = await blocking(cases.open_case, parsed, actor=f"web:{user.username}", op_key=op_key)
    variables = parsed.model_copy(update={"request_id": request_id}).variables()
    try:
        await cm.publish_message("RequestReceived", request_id, variables, message_id=op_key)
    except CamundaError as e:
        if not duplicate_message(e):  # the same submission already published (message-id idempotency)
            raise
    return RedirectResponse(f"/cases/{request_id}", status_code=303)
