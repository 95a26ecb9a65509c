"""The managers' dashboard: cases in flight by business name, filters in the URL, CSV, stage counts, the
diagram with per-element badges, waits against SLA, cycle time per stage."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from ipa.vocab import Purpose
from web.auth import Manager
from web.charts import line_chart
from web.deps import CamundaDep, CasesDep, SettingsDep, blocking, page_count, render
from web.operations import element_counts, sla_overview
from web.readmodel import STAGES, CaseFilter, csv_rows

router = APIRouter(tags=["dashboard"])


#: rows of the case table per page (the CSV export has them all)
PAGE_SIZE = 100


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


def _filter(request: Request) -> CaseFilter:
    return CaseFilter.from_query(dict(request.query_params))


@router.get("/dashboard")
async def dashboard(
    request: Request, user: Manager, cases: CasesDep, cm: CamundaDep, settings: SettingsDep
) -> Response:
    f = _filter(request)
    page = max(1, _int(request.query_params.get("page"), 1))
    rows, total, counts, cycle, sla = await asyncio.gather(
        blocking(cases.list_cases, f, PAGE_SIZE, (page - 1) * PAGE_SIZE),
        blocking(cases.count_cases, f),
        blocking(cases.stage_counts),
        blocking(cases.stage_cycle_times),
        sla_overview(cm),
    )
    return render(
        request,
        "dashboard.html",
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        first=(page - 1) * PAGE_SIZE + 1,
        page_url=lambda n: "/dashboard?" + urlencode({**dict(request.query_params), "page": n}),
        f=f,
        query=urlencode([(k, v) for k, v in request.query_params.items() if k != "page"]),
        stages=STAGES,
        purposes=[p.value for p in Purpose],
        stage_counts=counts,
        sla=sla,
        chart=line_chart(cycle),
        poll_seconds=settings.poll_seconds,
    )


@router.get("/dashboard.csv")
async def dashboard_csv(request: Request, user: Manager, cases: CasesDep) -> Response:
    rows = await blocking(cases.list_cases, _filter(request))
    out = io.StringIO()
    writer = csv.writer(out)
    for line in csv_rows(rows):
        # a cell starting = + - @ is a formula to a spreadsheet: quote it (CSV injection)
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in line])
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'},
    )


@router.get("/api/dashboard/summary")
async def summary(user: Manager, cases: CasesDep, cm: CamundaDep) -> Response:
    """What the dashboard polls: stage counts and SLA breaches (the badges come from /api/process/diagram)."""
    counts, sla = await asyncio.gather(blocking(cases.stage_counts), sla_overview(cm))
    body: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(),
        "stageCounts": counts,
        "casesInFlight": sum(counts.values()),
        "waiting": sla.waiting,
        "breaches": sla.breaches,
    }
    return JSONResponse(body)


@router.get("/api/process/diagram")
async def process_diagram(
    user: Manager, cm: CamundaDep, settings: SettingsDep, known: str | None = None
) -> Response:
    """The latest definition's XML and per-element counts for the bpmn-js overlays; `known` is the definition
    the page shows already: its XML (hundreds of KB) is then left out, the counts alone are sent."""
    definition = await cm.latest_process_definition(settings.process_id)
    if definition is None:
        return JSONResponse({"detail": f"{settings.process_id} is not deployed"}, status_code=404)
    key = str(definition["processDefinitionKey"])
    counts, source = await element_counts(cm, key, {"state": "ACTIVE"})
    return JSONResponse(
        {
            "processDefinitionKey": key,
            "version": definition.get("version"),
            "xml": None if known == key else await cm.process_xml(key),
            "elements": counts,
            "source": source,
        }
    )
