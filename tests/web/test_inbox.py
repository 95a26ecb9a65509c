"""The inbox: candidate groups enforced on the server; claim, hand back, complete with the form's fields only."""

from __future__ import annotations

import httpx

from tests.process.answers import ANSWERS
from tests.web.conftest import World, csrf, sign_in, submit_request

#: what the scope review's form submits (the answers the process tests give it)
SCOPE_REVIEW = ANSWERS["ScopeCapabilityReview"]


async def at_scope_review(world: World) -> tuple[str, int]:
    rid = await submit_request(world)
    await world.work()
    return rid, world.open_task("ScopeCapabilityReview")


async def post_json(c: httpx.AsyncClient, path: str, body: object, token: str | None) -> httpx.Response:
    headers = {"Accept": "application/json", **({"X-CSRF-Token": token} if token else {})}
    return await c.post(path, json=body, headers=headers)


async def test_a_task_is_seen_claimed_and_completed_by_its_group_only(world: World) -> None:
    rid, key = await at_scope_review(world)
    async with world.client() as case, world.client() as fin, world.client() as boss:
        await sign_in(case, "caseworker")
        await sign_in(fin, "finance")
        await sign_in(boss, "manager")
        assert f"/inbox/{key}" in (await case.get("/inbox")).text
        assert rid in (await case.get("/inbox")).text
        for outsider in (fin, boss):
            assert f"/inbox/{key}" not in (await outsider.get("/inbox")).text
            assert (await outsider.get(f"/inbox/{key}")).status_code == 404
            token = await csrf(outsider)
            assert (await outsider.post(f"/inbox/{key}/claim", data={"csrf_token": token})).status_code == 404
            r = await post_json(outsider, f"/inbox/{key}/complete", {"variables": SCOPE_REVIEW}, token)
            assert r.status_code == 404
        assert world.running.engine.state.user_tasks[key].assignee in (None, ""), "nobody outside claimed it"

        token = await csrf(case)
        r = await post_json(case, f"/inbox/{key}/complete", {"variables": SCOPE_REVIEW}, token)
        assert r.status_code == 403, "claim first"
        r = await case.post(f"/inbox/{key}/claim", data={"csrf_token": token})
        assert r.status_code == 303
        page = await case.get(f"/inbox/{key}")
        assert (
            "Assigned to you" in page.text
            and 'id="task-schema"' in page.text
            and "capabilityAvailable" in page.text
        )
        r = await post_json(case, f"/inbox/{key}/complete", {"variables": SCOPE_REVIEW}, None)
        assert r.status_code == 403, "no CSRF token"
        r = await post_json(
            case, f"/inbox/{key}/complete", {"variables": {**SCOPE_REVIEW, "residualRisk": "LOW"}}, token
        )
        assert r.status_code == 400 and "residualRisk" in r.json()["detail"]
        r = await post_json(case, f"/inbox/{key}/complete", {"variables": SCOPE_REVIEW}, token)
        assert r.status_code == 200, r.text
    assert key not in world.running.engine.state.user_tasks
    await world.work()
    assert world.open_task("ConfirmFunding")


async def test_claim_and_hand_back(world: World) -> None:
    _, key = await at_scope_review(world)
    async with world.client() as c:
        await sign_in(c, "caseworker")
        token = await csrf(c)
        assert (await c.post(f"/inbox/{key}/unclaim", data={"csrf_token": token})).status_code == 403
        assert (await c.post(f"/inbox/{key}/claim", data={"csrf_token": token})).status_code == 303
        assert world.running.engine.state.user_tasks[key].assignee == "caseworker"
        assert (await c.post(f"/inbox/{key}/claim")).status_code == 403, "no CSRF token"
        assert (await c.post(f"/inbox/{key}/unclaim", data={"csrf_token": token})).status_code == 303
        assert world.running.engine.state.user_tasks[key].assignee in (None, "")


async def test_a_task_someone_else_claimed_cannot_be_taken_over(world: World) -> None:
    _, key = await at_scope_review(world)
    await world.running.engine.assign_user_task(key, "someone-else", True, "claim")
    async with world.client() as c:
        await sign_in(c, "caseworker")
        token = await csrf(c)
        assert (await c.post(f"/inbox/{key}/claim", data={"csrf_token": token})).status_code == 409
        assert (await c.post(f"/inbox/{key}/unclaim", data={"csrf_token": token})).status_code == 403
        r = await post_json(c, f"/inbox/{key}/complete", {"variables": SCOPE_REVIEW}, token)
        assert r.status_code == 403
    assert world.running.engine.state.user_tasks[key].assignee == "someone-else"


async def test_unknown_task_keys(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "caseworker")
        assert (await c.get("/inbox/123456789")).status_code == 404
        assert (await c.get("/inbox/not-a-key")).status_code == 404
