"""The modeler's versions: which version each running case uses, counted by the engine however many run."""

from __future__ import annotations

from tests.web.conftest import MAIN, ROOT, World, sign_in


async def test_each_version_shows_how_many_cases_run_on_it(world: World) -> None:
    engine = world.running.engine

    async def start(n: int) -> None:
        for _ in range(n):
            await engine.create_process_instance(
                bpmn_process_id=MAIN, variables={"requestId": "IPA-2026-0001"}, start_instructions=["HodApproval"]
            )

    await start(3)
    bpmn = (ROOT / "bpmn" / f"{MAIN}.bpmn").read_text()
    changed = bpmn.replace('name="International police assistance request"', 'name="Assistance request (v2)"', 1)
    assert changed != bpmn
    await engine.deploy([(f"{MAIN}.bpmn", changed.encode())])
    await start(2)
    async with world.client() as c:
        await sign_in(c, "owner")
        body = (await c.get(f"/api/modeler/versions/{MAIN}")).json()
    assert body["latestVersion"] == 2
    assert {v["version"]: v["running"] for v in body["versions"]} == {2: 2, 1: 3}
    assert sorted(i["version"] for i in body["instances"]) == [1, 1, 1, 2, 2]
