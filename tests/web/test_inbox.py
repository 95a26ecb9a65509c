"""The inbox: candidate groups enforced on the server; claim, hand back, complete with the form's fields only."""

from __future__ import annotations

import re

import httpx

from tests.process.answers import ANSWERS
from tests.web.conftest import MAIN, World, csrf, sign_in, submit_request

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


async def test_a_long_inbox_pages_with_the_tasks_you_claimed_on_top(world: World) -> None:
    engine = world.running.engine
    for i in range(55):
        await engine.create_process_instance(
            bpmn_process_id=MAIN,
            variables={"requestId": f"IPA-2026-{i + 1:04d}"},
            start_instructions=["ScopeCapabilityReview"],
        )
    async with world.client() as c:
        await sign_in(c, "caseworker")
        first = await c.get("/inbox")
        links = re.findall(r'href="/inbox/(\d+)"', first.text)
        assert len(links) == 50 and "Open tasks 1–50 of 55" in first.text
        assert 'href="/inbox?page=2" rel="next"' in first.text
        second = await c.get("/inbox?page=2")
        assert len(re.findall(r'href="/inbox/(\d+)"', second.text)) == 5
        assert "Open tasks 51–55 of 55" in second.text
        # the oldest of page 2, once claimed, is listed first on page 1, above the open ones
        claimed = re.findall(r'href="/inbox/(\d+)"', second.text)[0]
        token = await csrf(c)
        assert (await c.post(f"/inbox/{claimed}/claim", data={"csrf_token": token})).status_code == 303
        again = await c.get("/inbox")
        assert re.findall(r'href="/inbox/(\d+)"', again.text)[0] == claimed
        assert "Open tasks 1–50 of 54" in again.text
        # nobody outside the groups sees any of them
        assert (await sign_in(c, "finance")).status_code == 303
        theirs = await c.get("/inbox")
        assert theirs.status_code == 200 and "Fin Ance" in theirs.text
        assert re.findall(r'href="/inbox/(\d+)"', theirs.text) == []
