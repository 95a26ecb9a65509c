"""The dashboard at scale: paged case table, exact SLA totals, the diagram's XML sent once, cycle times kept up."""

from __future__ import annotations

import re
import time
from datetime import date

from ipa.models import AssistanceRequest
from ipa.store import open_case, set_stage
from ipa.vocab import Stage
from tests.web.conftest import MAIN, World, intake_form, sign_in
from tests.web.test_pages import case_table


def seed_cases(world: World, n: int, country: str = "JM") -> list[str]:
    """`n` cases through the store's own API (no process behind them: the table is what is under test)."""
    form = intake_form(countryCode=country)
    fields = {**form, "ukStaffRanks": ["SERGEANT", "INSPECTOR"]}
    ids = []
    with world.store.transaction() as s:
        for i in range(1, n + 1):
            request = AssistanceRequest.model_validate({**fields, "requestId": f"IPA-2026-{i:04d}"})
            ids.append(open_case(s, request, actor="test").request_id)
    return ids


async def test_the_case_table_pages_through_every_case_keeping_the_filters(world: World) -> None:
    ids = seed_cases(world, 105)
    async with world.client() as c:
        await sign_in(c, "manager")
        first = await c.get("/dashboard?country=JM")
        table = case_table(first.text)
        assert ids[0] in table and ids[99] in table and ids[100] not in table
        assert "Cases 1–100 of 105" in first.text
        next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text)
        assert next_link, "a second page is offered"
        href = next_link.group(1).replace("&amp;", "&")
        assert "country=JM" in href and "page=2" in href, "the filters travel with the page"
        second = await c.get(href)
        table = case_table(second.text)
        assert ids[100] in table and ids[104] in table and ids[0] not in table
        assert "Cases 101–105 of 105" in second.text
        assert 'rel="next"' not in second.text
        assert '<strong data-stage="INTAKE">105</strong>' in second.text, "stage counts cover every case"
        exported = await c.get("/dashboard.csv?country=JM")
        assert len(exported.text.strip().splitlines()) == 106, "the CSV holds every case, not one page"
        nothing = await c.get("/dashboard?country=KE")
        assert "No cases" in nothing.text and "No case matches." in nothing.text


async def test_waits_past_their_target_are_counted_exactly_and_listed_first(world: World) -> None:
    engine = world.running.engine
    now_ms = int(time.time() * 1000)

    async def waiting_at_hod_approval(request_id: str, days_ago: int) -> None:
        await engine.set_clock(now_ms - days_ago * 86_400_000)
        await engine.create_process_instance(
            bpmn_process_id=MAIN,
            variables={"requestId": request_id},
            start_instructions=["HodApproval"],
        )

    try:
        await waiting_at_hod_approval("IPA-2026-0901", 30)  # 20+ working days: past the 5-day target
        await waiting_at_hod_approval("IPA-2026-0902", 0)
        await waiting_at_hod_approval("IPA-2026-0903", 1)
    finally:
        await engine.set_clock(None)
    async with world.client() as c:
        await sign_in(c, "manager")
        summary = (await c.get("/api/dashboard/summary")).json()
        assert summary["waiting"] == 3 and summary["breaches"] == 1
        page = (await c.get("/dashboard")).text
        sla = page[page.index('id="sla"') :]
        assert "1 of 3 past their target" in sla
        rows = re.findall(r"<tr class=\"(breach)?\">\s*<td>(?:<a [^>]+>)?(IPA-2026-09\d\d)", sla)
        assert [r[1] for r in rows][0] == "IPA-2026-0901" and rows[0][0] == "breach"
        assert sorted(r[1] for r in rows) == ["IPA-2026-0901", "IPA-2026-0902", "IPA-2026-0903"]


async def test_the_polled_diagram_sends_its_xml_only_when_the_definition_changes(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "manager")
        first = (await c.get("/api/process/diagram")).json()
        assert first["xml"] and first["processDefinitionKey"]
        again = (await c.get(f"/api/process/diagram?known={first['processDefinitionKey']}")).json()
        assert again["xml"] is None and again["elements"] == first["elements"]
        stale = (await c.get("/api/process/diagram?known=1")).json()
        assert stale["xml"] == first["xml"], "a page showing another version gets the XML again"


async def test_cycle_times_take_in_stage_changes_made_after_the_first_look(world: World) -> None:
    (request_id,) = seed_cases(world, 1)
    cases = world.app.state.cases
    assert cases.stage_cycle_times() == {}, "nothing has left a stage yet"
    with world.store.transaction() as s:
        set_stage(s, request_id, Stage.COSTING, actor="test", op_key="t:costing")
    month = date.today().strftime("%Y-%m")
    assert set(cases.stage_cycle_times()[month]) == {"INTAKE"}
    with world.store.transaction() as s:
        set_stage(s, request_id, Stage.OSJA, actor="test", op_key="t:osja")
    times = cases.stage_cycle_times()[month]
    assert set(times) == {"INTAKE", "COSTING"} and all(0 <= d < 1 for d in times.values())
