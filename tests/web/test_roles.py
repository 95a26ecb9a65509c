"""Every role tries every page and endpoint it must not use: the server refuses, whatever the page would show.

One case waits at the scope review (a task for the international assistance team only), so every other approver
is a stranger to it. The matrix names who may; everyone else must get the refusal.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import World, csrf, sign_in, submit_request
from web.auth import DEMO_ACCOUNTS

MANAGER, CASEWORK, OWNER = {"manager"}, {"caseworker"}, {"owner"}
EVERYONE = set(DEMO_ACCOUNTS)


async def test_every_role_is_refused_what_it_may_not_do(world: World) -> None:
    rid = await submit_request(world)
    await world.work()
    process = "international-assistance-request"
    # (method, path, who may, what the others get)
    matrix: list[tuple[str, str, set[str], int]] = [
        ("GET", "/dashboard", MANAGER, 403),
        ("GET", "/dashboard.csv", MANAGER, 403),
        ("GET", "/api/dashboard/summary", MANAGER, 403),
        ("GET", "/api/process/diagram", MANAGER, 403),
        ("GET", "/intake", MANAGER | CASEWORK, 403),
        ("POST", "/intake", MANAGER | CASEWORK, 403),
        ("GET", f"/cases/{rid}", MANAGER | CASEWORK, 404),  # a stranger learns nothing, not even that it exists
        ("GET", f"/api/cases/{rid}/diagram", MANAGER | CASEWORK, 404),
        ("POST", f"/cases/{rid}/incidents/1/retry", MANAGER, 403),
        ("GET", "/modeler", OWNER, 403),
        ("GET", "/api/modeler/files", OWNER, 403),
        ("POST", "/api/modeler/deploy", OWNER, 403),
        ("GET", f"/api/modeler/versions/{process}", OWNER | MANAGER, 403),
        ("GET", "/inbox", EVERYONE, 0),
        ("GET", "/transparency", EVERYONE, 0),
    ]
    refused: list[str] = []
    for username in sorted(DEMO_ACCOUNTS):
        async with world.client() as c:
            assert (await sign_in(c, username)).status_code == 303, username
            token = await csrf(c, "/inbox")
            for method, path, allowed, refusal in matrix:
                if method == "GET":
                    r = await c.get(path)
                else:
                    r = await c.request(method, path, headers={"x-csrf-token": token}, json={})
                if username in allowed:
                    assert r.status_code not in (401, 403), f"{username} {method} {path}: {r.status_code}"
                elif r.status_code != refusal:
                    refused.append(f"{username} {method} {path}: {r.status_code}, expected {refusal}")
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize(
    "path", ["/dashboard", "/inbox", "/intake", "/modeler", "/cases/IPA-2026-0001", "/inbox/1"]
)
async def test_pages_send_strangers_to_sign_in(world: World, path: str) -> None:
    async with world.client() as c:
        r = await c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path", ["/api/dashboard/summary", "/api/process/diagram", "/api/modeler/files", "/api/cases/X/diagram"]
)
async def test_the_json_endpoints_answer_strangers_401(world: World, path: str) -> None:
    async with world.client() as c:
        assert (await c.get(path)).status_code == 401
