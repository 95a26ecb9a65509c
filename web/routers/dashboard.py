"""The managers' dashboard: cases in flight by business name, filters in the URL, CSV, stage counts, the
diagram with per-element badges, waits against SLA, cycle time per stage."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from ipa.vocab import Purpose
from web.auth import Manager
from web.charts import line_chart
from web.deps import CamundaDep, CasesDep, SettingsDep, blocking, render
from web.operations import element_counts, sla_waits
from web.readmodel import STAGES, CaseFilter, csv_rows

router = APIRouter(tags=["dashboard"])


def _filter(request: Request) -> CaseFilter:
    return CaseFilter.from_query(dict(request.query_params))


@router.get("/dashboard")
async def dashboard(
    request: Request, user: Manager, cases: CasesDep, cm: CamundaDep, settings: SettingsDep
) -> Response:
    f = _filter(request)
    rows = await blocking(cases.list_cases, f)
    everything = await blocking(cases.list_cases, CaseFilter())
    waits = await sla_waits(cm)
    cycle = await blocking(cases.stage_cycle_times)
    return render(
        request,
        "dashboard.html",
        rows=rows,
        f=f,
        query=request.url.query,
        stages=STAGES,
        purposes=[p.value for p in Purpose],
        stage_counts=Counter(r.stage for r in everything),
        waits=waits,
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
    everything = await blocking(cases.list_cases, CaseFilter())
    waits = await sla_waits(cm)
    body: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(),
        "stageCounts": dict(Counter(r.stage for r in everything)),
        "casesInFlight": len(everything),
        "waiting": len(waits),
        "breaches": sum(1 for w in waits if w.breached),
    }
    return JSONResponse(body)


@router.get("/api/process/diagram")
async def process_diagram(user: Manager, cm: CamundaDep, settings: SettingsDep) -> Response:
    """The latest definition's XML and per-element counts for the bpmn-js overlays."""
    definition = await cm.latest_process_definition(settings.process_id)
    if definition is None:
        return JSONResponse({"detail": f"{settings.process_id} is not deployed"}, status_code=404)
    key = str(definition["processDefinitionKey"])
    counts, source = await element_counts(cm, key, {"state": "ACTIVE"})
    return JSONResponse(
        {
            "processDefinitionKey": key,
            "version": definition.get("version"),
            "xml": await cm.process_xml(key),
            "elements": counts,
            "source": source,
        }
    )
