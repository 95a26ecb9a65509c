from __future__ import annotations

from tests.web.conftest import World, sign_in, submit_request


async def test_intake_runs_to_the_first_task(world: World) -> None:
    rid = await submit_request(world)
    await world.work()
    key = world.open_task("ScopeCapabilityReview")
    async with world.client() as c:
        await sign_in(c, "caseworker")
        r = await c.get("/inbox")
        assert str(key) in r.text, r.text
        r = await c.get(f"/cases/{rid}")
        assert r.status_code == 200, r.text
        print(r.text[:200])
