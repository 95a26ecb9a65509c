"""Intake (check_request's messages, the case opened, the process started) and Post's one-time reply link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.runtime.errors import Rejection
from ipa.store import Consultation, get_case, open_consultation
from tests.web.conftest import MAIN, World, csrf, csrf_of, intake_form, sign_in, submit_request


async def test_intake_names_every_problem(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "caseworker")
        token = await csrf(c, "/intake")
        form = intake_form(countryCode="XX", durationDays="five", requesterOrg="")
        r = await c.post("/intake", data={**form, "csrf_token": token})
        assert r.status_code == 422
        assert "&#39;XX&#39; is not an ISO 3166-1 country code" in r.text
        assert 'id="f-requesterOrg"' in r.text and "requesterOrg" in r.text
        assert 'class="field invalid"' in r.text
        assert 'value="five"' in r.text, "what was typed is kept"
    with world.store.reader() as s:
        assert get_case(s, "IPA-2026-0001") is None and get_case(s, "IPA-2025-0001") is None


async def test_intake_opens_the_case_and_starts_the_process_once(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "caseworker")
        token = await csrf(c, "/intake")
        data = {**intake_form(), "csrf_token": token, "submission": "one-click"}
        first = await c.post("/intake", data=data)
        again = await c.post("/intake", data=data)
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"], "a double submit opens one case"
        rid = first.headers["location"].rsplit("/", 1)[-1]
        page = await c.get(first.headers["location"])
        assert page.status_code == 200 and "Investigative interviewing" in page.text
    started = [
        k
        for (pid, corr), k in world.running.engine.state.message_started.items()
        if pid == MAIN and corr == rid
    ]
    assert len(started) == 1


async def test_intake_is_for_the_international_team(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "finance")
        assert (await c.get("/intake")).status_code == 403
        r = await c.post("/intake", data={**intake_form(), "csrf_token": await csrf(c)})
        assert r.status_code == 403
        await sign_in(c, "caseworker")
        assert (await c.post("/intake", data=intake_form())).status_code == 403, "no CSRF token"


def consultation(world: World, rid: str, kind: str = "CONCURRENCE", days: int = 10) -> str:
    with world.store.transaction() as s:
        _, token = open_consultation(
            s,
            rid,
            kind=kind,
            consultee="British High Commission Kingston",
            recipient="post@example.org",
            op_key=f"test:{kind}:{days}",
            actor="test",
            valid_for=timedelta(days=days),
        )
    assert token is not None
    return token


async def test_a_reply_link_works_once(world: World) -> None:
    rid = await submit_request(world)
    token = consultation(world, rid)
    async with world.client() as c:
        page = await c.get(f"/reply/{token}")
        assert page.status_code == 200 and "Does the Post concur" in page.text and rid in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        reply = {"concurrence": "CONCUR", "comments": "", "officer": "Second Secretary"}
        assert (await c.post(f"/reply/{token}", data=reply)).status_code == 403, "no CSRF token"
        bad = await c.post(
            f"/reply/{token}",
            data={**reply, "concurrence": "DO_NOT_CONCUR", "csrf_token": csrf_of(page.text)},
        )
        assert bad.status_code == 422 and "Please add your comments." in bad.text
        done = await c.post(f"/reply/{token}", data={**reply, "csrf_token": csrf_of(page.text)})
        assert done.status_code == 200 and "has been received" in done.text
        again = await c.post(f"/reply/{token}", data={**reply, "csrf_token": csrf_of(page.text)})
        assert again.status_code == 410 and "already been used" in again.text
        assert (await c.get(f"/reply/{token}")).status_code == 410
    with world.store.reader() as s:
        row = s.query(Consultation).one()
        assert row.used_at is not None
        assert row.reply == {
            "postConcurrence": "CONCUR",
            "postComments": "",
            "postOfficer": "Second Secretary",
        }
    # the engine heard it: the same message id is refused while the message is buffered
    with pytest.raises(Rejection) as refused:
        await world.running.engine.publish_message(
            "PostConcurrence", rid, 60_000, f"reply:{rid}:CONCURRENCE", {}
        )
    assert refused.value.rejection_type == "ALREADY_EXISTS"


async def test_expired_and_unknown_links_are_refused_politely(world: World) -> None:
    rid = await submit_request(world)
    expired = consultation(world, rid, kind="STAGE1", days=-1)
    async with world.client() as c:
        r = await c.get(f"/reply/{expired}")
        assert r.status_code == 410 and "expired" in r.text
        r = await c.get("/reply/not-a-real-token")
        assert r.status_code == 404 and "not valid" in r.text


async def test_stage1_reply_asks_for_the_assessment_date(world: World) -> None:
    rid = await submit_request(world)
    token = consultation(world, rid, kind="STAGE1")
    async with world.client() as c:
        page = await c.get(f"/reply/{token}")
        assert "Stage 1" in page.text
        data = {"officer": "Attaché", "stage1Date": "yesterday", "csrf_token": csrf_of(page.text)}
        r = await c.post(f"/reply/{token}", data=data)
        assert r.status_code == 422 and "YYYY-MM-DD" in r.text
        r = await c.post(f"/reply/{token}", data={**data, "stage1Date": "2025-01-15"})
        assert r.status_code == 200
