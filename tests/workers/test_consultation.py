"""request-post-stage1 and notify-stakeholder: outbox notices, one-time reply links, one notice per job."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from ipa.store import Consultation, Notice, Store, TokenRefused, peek, redeem
from tests.workers.conftest import deliver, new_key
from workers import jobs_consultation

STAGE1 = {"recipient": "POST", "template": "stage1-request"}


def notices(store: Store) -> list[Notice]:
    with store.reader() as s:
        return list(s.scalars(select(Notice).order_by(Notice.id)))


def consultations(store: Store) -> list[Consultation]:
    with store.reader() as s:
        return list(s.scalars(select(Consultation)))


def token_in(body: str) -> str:
    found = re.search(r"/reply/([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


async def test_post_is_asked_for_stage1_with_a_one_time_link(store: Store, case: dict[str, Any]) -> None:
    out = await deliver("request-post-stage1", dict(case), headers=STAGE1)
    [consultation] = consultations(store)
    [notice] = notices(store)
    assert consultation.kind == "STAGE1" and consultation.consultee == "British Embassy Baghdad"
    assert notice.recipient == "post-iq@mailbox.invalid" and notice.status == "PENDING"
    assert "Iraq" in notice.subject and "IPA-2025-0042" in notice.subject
    assert out == {
        "stage1ConsultationId": consultation.id,
        "stage1NoticeId": notice.id,
        "stage1ReplyBy": consultation.expires_at.date().isoformat(),
    }
    token = token_in(notice.body)
    with store.transaction() as s:
        assert peek(s, token).id == consultation.id
        redeem(s, token, {"stage1Date": "2025-02-20"}, actor="Second Secretary")
    with store.transaction() as s, pytest.raises(TokenRefused, match="used"):
        redeem(s, token, {"stage1Date": "2025-02-21"}, actor="replay")


async def test_a_redelivered_request_sends_nothing_twice_and_keeps_the_link_valid(
    store: Store, case: dict[str, Any]
) -> None:
    key = new_key()
    first = await deliver("request-post-stage1", dict(case), key=key, headers=STAGE1)
    second = await deliver("request-post-stage1", dict(case), key=key, headers=STAGE1)
    assert first == second
    assert len(consultations(store)) == 1 and len(notices(store)) == 1
    with store.reader() as s:
        peek(s, token_in(notices(store)[0].body))  # the link sent first still works


async def test_a_crash_after_commit_is_redelivered_without_a_second_consultation(
    store: Store, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs_consultation.write
    crashes = [1]

    async def write_then_crash(work: Any) -> Any:
        result = await real(work)
        if crashes:
            crashes.pop()
            raise ConnectionError("lost the gateway before completing the job")
        return result

    monkeypatch.setattr(jobs_consultation, "write", write_then_crash)
    key = new_key()
    with pytest.raises(ConnectionError):
        await deliver("request-post-stage1", dict(case), key=key, headers=STAGE1)
    out = await deliver("request-post-stage1", dict(case), key=key, headers=STAGE1)
    assert len(consultations(store)) == 1 and len(notices(store)) == 1
    assert out["stage1ConsultationId"] == consultations(store)[0].id


async def test_each_reminder_job_queues_its_own_notice(
    store: Store, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPA_MAILBOX_JIPH", "jiph.triage@example.org")
    headers = {"recipient": "JIPH", "template": "jiph-reminder"}
    variables = {**case, "ipabFormRef": "DOC-7"}
    out = await deliver("notify-stakeholder", variables, headers=headers)
    await deliver("notify-stakeholder", variables, headers=headers)
    first, second = notices(store)
    assert first.recipient == "jiph.triage@example.org" and "DOC-7" in first.body
    assert out["lastNotice"] == {"template": "jiph-reminder", "recipient": "JIPH", "noticeId": first.id}
    assert second.id != first.id, "two timers, two reminders"
    assert consultations(store) == [], "a reminder asks for no reply"


async def test_post_consultation_opens_a_concurrence_consultation(store: Store, case: dict[str, Any]) -> None:
    out = await deliver(
        "notify-stakeholder",
        {**case, "residualRisk": "HIGH", "approverRole": "MINISTER"},
        headers={"recipient": "POST", "template": "post-consultation"},
    )
    [consultation] = consultations(store)
    assert consultation.kind == "CONCURRENCE" and out["lastNotice"]["consultationId"] == consultation.id
    body = notices(store)[0].body
    assert "Residual risk HIGH; approval by MINISTER" in body and "/reply/" in body


async def test_missing_variables_show_as_not_recorded(store: Store, case: dict[str, Any]) -> None:
    await deliver(
        "notify-stakeholder", dict(case), headers={"recipient": "HOME_OFFICE", "template": "s26-reminder"}
    )
    assert "((not recorded))" in notices(store)[0].body


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"recipient": "JIPH", "template": "jiph-nudge"}, "no notice template 'jiph-nudge'; known:"),
        ({"template": "jiph-reminder"}, "needs the task headers 'template' and 'recipient'"),
    ],
)
async def test_a_model_naming_no_or_an_unknown_template_fails_the_job(
    store: Store, case: dict[str, Any], headers: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await deliver("notify-stakeholder", dict(case), headers=headers)
    assert notices(store) == []
