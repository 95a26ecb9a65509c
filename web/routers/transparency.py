"""The public transparency page (`ipa.report.transparency_report`): no sign-in, nothing withheld shown."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from ipa.store import financial_year
from web.deps import CasesDep, blocking, render

router = APIRouter(tags=["transparency"])


def _year(year: str | None) -> str:
    if not year:
        return financial_year(date.today())
    if len(year) > 9 or not all(ch.isdigit() or ch == "-" for ch in year):
        raise HTTPException(400, "A financial year looks like 2025-26.")
    return year


@router.get("/transparency")
async def transparency(request: Request, cases: CasesDep, year: str | None = None) -> Response:
    try:
        report = await blocking(cases.transparency, _year(year))
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    return render(request, "transparency.html", report=report)


@router.get("/transparency.json")
async def transparency_json(cases: CasesDep, year: str | None = None) -> Response:
    try:
        return JSONResponse(await blocking(cases.transparency, _year(year)))
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
