"""Dashboard (managers), case page (each role sees what it may), incidents' Retry, transparency."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from tests.web.conftest import World, csrf, sign_in, submit_request
from tests.web.test_inbox import SCOPE_REVIEW


def case_table(html: str) -> str:
    start = html.index('<table id="cases">')
    return html[start : html.index("</table>", start)]


async def test_dashboard_shows_cases_by_business_name_with_filters_and_csv(world: World) -> None:
    cheap = await submit_request(world, contractValue="9000.00", requesterOrg="=HYPERLINK(evil)")
    dear = await submit_request(
        world, contractValue="120000.00", countryCode="KE", requesterOrg="Kenya Police"
    )
    await world.work()
    async with world.client() as c:
        await sign_in(c, "manager")
        page = await c.get("/dashboard")
        assert (
            page.status_code == 200
            and cheap in page.text
            and dear in page.text
            and "Kenya Police" in page.text
        )
        assert '<strong data-stage="INTAKE">2</strong>' in page.text
        assert "Intake / triage" in page.text, "the waiting reviews appear against their SLA"
        ranged = await c.get("/dashboard?value_min=10000&value_max=200000")
        assert dear in case_table(ranged.text) and cheap not in case_table(ranged.text)
        by_country = await c.get("/dashboard?country=ke")
        assert dear in case_table(by_country.text) and cheap not in case_table(by_country.text)
        exported = await c.get("/dashboard.csv?value_max=10000")
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0][0] == "requestId" and [r[0] for r in rows[1:]] == [cheap]
        assert rows[1][2] == "'=HYPERLINK(evil)", "a formula is quoted for spreadsheets"
        summary = (await c.get("/api/dashboard/summary")).json()
        assert (
            summary["stageCounts"] == {"INTAKE": 2} and summary["waiting"] == 2 and summary["breaches"] == 0
        )
        diagram = (await c.get("/api/process/diagram")).json()
        assert diagram["xml"].startswith("<?xml") or "<bpmn:definitions" in diagram["xml"]
        counts = {e["elementId"]: e for e in diagram["elements"]}
        assert counts["ScopeCapabilityReview"]["active"] == 2
        assert diagram["source"] in ("statistics", "element-instance search")


async def test_dashboard_is_for_managers(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "caseworker")
        assert (await c.get("/dashboard")).status_code == 403
        assert (await c.get("/dashboard.csv")).status_code == 403
        assert (await c.get("/api/dashboard/summary")).status_code == 403
        assert (await c.get("/api/process/diagram")).status_code == 403


async def test_case_page_for_the_team_shows_history_decisions_and_a_verified_audit_trail(
    world: World,
) -> None:
    rid = await submit_request(world)
    await world.work()
    async with world.client() as c:
        await sign_in(c, "caseworker")
        page = await c.get(f"/cases/{rid}")
        assert page.status_code == 200
        for part in (
            "Scope and capability review",
            "Hash chain verified",
            "case.opened",
            "Variables",
            "scope_check",
        ):
            assert part in page.text, part
        assert "Matched rules: <span" in page.text, "the scope check's matched rule is listed"
        assert "evaluated again" not in page.text, "the evaluations come from the engine's record of them"
        assert "Result: <code>" in page.text and "(ScopeCheck)" in page.text
        diagram = (await c.get(f"/api/cases/{rid}/diagram")).json()
        states = {e["elementId"]: e for e in diagram["elements"]}
        assert states["ScopeCapabilityReview"]["active"] == 1 and states["ScopeCheck"]["completed"] == 1
        assert diagram["source"] == "statistics"
        assert "Flow_ValidateRequest_ScopeCheck" in diagram["flows"], "the path taken is highlighted"
        assert "Flow_ScopeGateway_ThrowOutOfScopeUk" not in diagram["flows"]


async def test_other_approvers_see_a_case_only_once_it_has_their_task_and_not_its_internals(
    world: World,
) -> None:
    rid = await submit_request(world)
    await world.work()
    async with world.client() as fin, world.client() as case:
        await sign_in(fin, "finance")
        assert (await fin.get(f"/cases/{rid}")).status_code == 404
        assert (await fin.get(f"/api/cases/{rid}/diagram")).status_code == 404
        assert (await fin.get("/cases/IPA-1999-0001")).status_code == 404
        await sign_in(case, "caseworker")
        key = world.open_task("ScopeCapabilityReview")
        token = await csrf(case)
        await case.post(f"/inbox/{key}/claim", data={"csrf_token": token})
        r = await case.post(
            f"/inbox/{key}/complete", json={"variables": SCOPE_REVIEW}, headers={"X-CSRF-Token": token}
        )
        assert r.status_code == 200
        await world.work()
        world.open_task("ConfirmFunding")
        page = await fin.get(f"/cases/{rid}")
        assert page.status_code == 200 and "Approvals" in page.text
        for hidden in ("Audit trail", "Variables", "Incidents", "case.opened"):
            assert hidden not in page.text, hidden


async def test_a_broken_audit_chain_is_shown(world: World) -> None:
    rid = await submit_request(world)
    with world.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_trail SET actor = 'someone else' WHERE seq = 1"))
    async with world.client() as c:
        await sign_in(c, "manager")
        page = await c.get(f"/cases/{rid}")
        assert "Hash chain BROKEN" in page.text and "was altered" in page.text


async def test_retry_resolves_an_incident_and_is_for_managers(world: World) -> None:
    rid = await submit_request(world)
    engine = world.running.engine
    [job] = await engine.activate_jobs("validate-request", "tests", 60_000, 1, None, request_timeout_ms=-1)
    await engine.fail_job(job["key"], 0, "casework store unreachable", 0, {})
    async with world.client() as boss, world.client() as case:
        await sign_in(boss, "manager")
        await sign_in(case, "caseworker")
        page = await case.get(f"/cases/{rid}")
        assert "casework store unreachable" in page.text and "/retry" not in page.text
        [incident] = [i for i in engine.state.incidents.values()]
        path = f"/cases/{rid}/incidents/{incident.key}/retry"
        assert (await case.post(path, data={"csrf_token": await csrf(case)})).status_code == 403
        assert (await boss.post(path)).status_code == 403, "no CSRF token"
        page = await boss.get(f"/cases/{rid}")
        assert path in page.text
        r = await boss.post(path, data={"csrf_token": await csrf(boss)})
        assert r.status_code == 303
        assert not engine.state.incidents
        await world.work()
        assert world.open_task("ScopeCapabilityReview")
        assert "casework store unreachable" not in (await boss.get(f"/cases/{rid}")).text


async def test_transparency_is_public(world: World) -> None:
    async with world.client() as c:
        page = await c.get("/transparency?year=2025-26")
        assert page.status_code == 200 and "financial year 2025-26" in page.text
        assert (await c.get("/transparency.json?year=2025")).json()["financialYear"] == "2025-26"
        assert (await c.get("/transparency?year=<script>")).status_code == 400
