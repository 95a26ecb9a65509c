"""Whole flows in Chromium: an approver completes a task through form-js while a manager's dashboard badge moves,
and the embassy's one-time reply link reaches the engine once.

The models are deployed over REST and the job workers are played by this module (as tests/web/conftest.py's
`World` does, but over the engine's REST API: the engine runs in the stack's own thread). The manager's page is
served on http://localhost:<port> and the approver's on http://127.0.0.1:<port>, so each keeps its own session
cookie in the one browser context.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.web.browser.conftest import MANAGER, ROOT, Stack, screenshot
from tests.web.conftest import MODELS, WORKERS, csrf_of, intake_form, job_types

PROCESS = "international-assistance-request"
CASEWORKER = "caseworker"
REPLY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="M" name="PostConcurrence">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=requestId" /></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="await-post-reply" isExecutable="true">
    <bpmn:startEvent id="S"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="AwaitReply" />
    <bpmn:receiveTask id="AwaitReply" messageRef="M"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:receiveTask>
    <bpmn:sequenceFlow id="f2" sourceRef="AwaitReply" targetRef="ReplyRead" />
    <bpmn:userTask id="ReplyRead"><bpmn:incoming>f2</bpmn:incoming></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def deployed(stack: Stack) -> Stack:
    with stack.rest() as rest:
        files = [("resources", (p.name, p.read_bytes())) for p in MODELS]
        rest.post("/deployments", files=files).raise_for_status()
    return stack


def _web(stack: Stack, username: str) -> httpx.Client:
    cookie = stack.session_cookie(username)
    return httpx.Client(base_url=stack.web, cookies={cookie["name"]: cookie["value"]}, timeout=15)


def _submit_request(stack: Stack) -> str:
    with _web(stack, CASEWORKER) as c:
        token = csrf_of(c.get("/intake").text)
        r = c.post("/intake", data={**intake_form(), "csrf_token": token, "submission": "s-" + token[:12]})
        assert r.status_code == 303, r.text
        return r.headers["location"].rsplit("/", 1)[-1]


def _work(stack: Stack, rounds: int = 40) -> None:
    """Play the workers over REST: complete every job there is until none is left."""
    with stack.rest() as rest:
        for _ in range(rounds):
            did = False
            for job_type in job_types():
                r = rest.post(
                    "/jobs/activation",
                    json={
                        "type": job_type,
                        "maxJobsToActivate": 50,
                        "timeout": 60000,
                        "worker": "browser",
                        "requestTimeout": -1,
                    },
                )
                r.raise_for_status()
                for job in r.json()["jobs"]:
                    body = {"variables": WORKERS.get(job_type, {})}
                    rest.post(f"/jobs/{job['jobKey']}/completion", json=body).raise_for_status()
                    did = True
            if not did:
                return


def _open_task(stack: Stack, element_id: str, instance: str | None = None) -> dict[str, Any] | None:
    with stack.rest() as rest:
        flt: dict[str, Any] = {"elementId": element_id}
        if instance:
            flt["processInstanceKey"] = instance
        r = rest.post("/user-tasks/search", json={"filter": flt})
        r.raise_for_status()
        return next(iter(r.json()["items"]), None)


def _wait(what: str, check: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, what
            return found
        time.sleep(0.2)


def _page(browser_context: Any, stack: Stack, username: str, host: str) -> Any:
    """A tab signed in as `username` on `host` (127.0.0.1 or localhost): one session cookie per host."""
    base = stack.web.replace("127.0.0.1", host)
    cookie = {**stack.session_cookie(username), "url": base}
    browser_context.add_cookies([cookie])
    page = browser_context.new_page()
    page.base = base
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


@pytest.fixture
def pages(browser_context: Any, stack: Stack) -> Iterator[Any]:
    opened: list[Any] = []
    browser_context.clear_cookies()

    def open_page(username: str, host: str = "127.0.0.1") -> Any:
        page = _page(browser_context, stack, username, host)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.close()


def _badge(page: Any, element_id: str) -> Any:
    return page.locator(f'#diagram .djs-overlays[data-container-id="{element_id}"] .badge.active')


def test_approver_completes_a_form_while_the_dashboard_badge_moves(deployed: Stack, pages: Any) -> None:
    stack = deployed
    rid = _submit_request(stack)
    _work(stack)
    task = _wait("the scope review task", lambda: _open_task(stack, "ScopeCapabilityReview"))
    key = str(task["userTaskKey"])

    # the manager watches the dashboard (on localhost, its own session)
    boss = pages(MANAGER, "localhost")
    boss.goto(boss.base + "/dashboard")
    assert rid in boss.inner_text("#cases")
    boss.locator('#diagram[data-drawn="true"]').wait_for(timeout=20_000)
    _badge(boss, "ScopeCapabilityReview").first.wait_for()
    screenshot(boss, "dashboard")

    # the approver: inbox, the task, claim, the form-js form, complete
    page = pages(CASEWORKER)
    page.goto(page.base + "/inbox")
    link = page.locator(f'a[href="/inbox/{key}"]')
    assert link.count() >= 1, page.content()
    assert rid in page.inner_text("main")
    screenshot(page, "inbox")
    link.first.click()
    page.wait_for_url(f"**/inbox/{key}")
    page.locator("#task-form .fjs-form-field").first.wait_for()
    page.click("button:has-text('Claim')")
    page.wait_for_selector("text=Assigned to you")
    page.locator("#task-form .fjs-form-field").first.wait_for()
    answers = {
        "capabilityAvailable": True,
        "policingAreaInCatalogue": True,
        "trainersAvailable": True,
        "codeOfEthicsConcern": False,
        "ukDeliveryPossible": True,
    }
    radios = page.locator("#task-form .fjs-form-field-radio")
    assert radios.count() == len(answers)
    for i, value in enumerate(answers.values()):
        radios.nth(i).locator("input[type=radio]").nth(0 if value else 1).check()
    page.locator("#task-form .fjs-form-field-number input").fill("2")
    page.locator("#task-form textarea").fill("Checked in the browser test.")
    page.click("#complete-task")
    page.wait_for_url("**/inbox")
    assert not page.errors, page.errors
    assert page.locator(f'a[href="/inbox/{key}"]').count() == 0

    with stack.rest() as rest:
        r = rest.get(f"/user-tasks/{key}")
        r.raise_for_status()
        assert r.json()["state"] == "COMPLETED"
        r = rest.post(
            "/variables/search", json={"filter": {"processInstanceKey": task["processInstanceKey"]}}
        )
        variables = {v["name"]: v["value"] for v in r.json()["items"]}
        assert variables.get("ukStaffCount") == "2" and variables.get("codeOfEthicsConcern") == "false"
    _work(stack)
    nxt = _wait(
        "the next user task", lambda: _open_task(stack, "ConfirmFunding", str(task["processInstanceKey"]))
    )
    assert nxt["state"] == "CREATED"

    # the manager's dashboard polls: the active badge moves to the funding task without a reload
    _badge(boss, "ConfirmFunding").first.wait_for(timeout=20_000)
    assert boss.evaluate("performance.getEntriesByType('navigation').length") == 1, "no reload happened"

    boss.goto(boss.base + f"/cases/{rid}")
    boss.wait_for_load_state("networkidle")
    assert rid in boss.inner_text("main")
    boss.locator('#diagram[data-drawn="true"]').wait_for(timeout=20_000)
    # the decision table drawn by dmn-js with the rule the scope check matched highlighted
    boss.locator(".dmn .matched").first.wait_for(timeout=20_000)
    screenshot(boss, "case")


def test_embassy_reply_link_reaches_the_engine_once(deployed: Stack, pages: Any) -> None:
    from ipa.store import Store, open_consultation

    stack = deployed
    rid = _submit_request(stack)
    with stack.rest() as rest:
        xml = REPLY_BPMN.encode()
        rest.post("/deployments", files=[("resources", ("await-post-reply.bpmn", xml))]).raise_for_status()
        r = rest.post(
            "/process-instances",
            json={"processDefinitionId": "await-post-reply", "variables": {"requestId": rid}},
        )
        r.raise_for_status()
        instance = str(r.json()["processInstanceKey"])
    store = Store(stack.app.state.settings.database_url)
    try:
        with store.transaction() as s:
            _, token = open_consultation(
                s,
                rid,
                kind="CONCURRENCE",
                consultee="British High Commission Kingston",
                recipient="post@example.org",
                op_key="browser:CONCURRENCE",
                actor="test",
                valid_for=timedelta(days=10),
            )
    finally:
        store.dispose()
    assert token

    browser_page = pages("nobody")  # the reply page needs no sign-in
    page = browser_page
    page.goto(page.base + f"/reply/{token}")
    assert rid in page.inner_text("main")
    page.check("input[name=concurrence][value=CONCUR_WITH_COMMENTS]")
    page.fill("textarea[name=comments]", "Content with the plan; please brief the Defence Attaché.")
    page.fill("input[name=officer]", "Second Secretary (Political)")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "reply" in page.inner_text("main").lower()
    assert not page.errors, page.errors

    # the message reached the engine: the waiting receive task moved on
    def moved_on() -> list[str]:
        with stack.rest() as rest:
            r = rest.post("/element-instances/search", json={"filter": {"processInstanceKey": instance}})
            r.raise_for_status()
            return [f"{e['elementId']}:{e['state']}" for e in r.json()["items"]]

    try:
        _wait("the receive task completed", lambda: "AwaitReply:COMPLETED" in moved_on())
    except AssertionError:
        raise AssertionError(moved_on()) from None

    # the link again: refused, politely
    response = page.goto(page.base + f"/reply/{token}")
    assert response is not None and response.status == 410
    assert "already been used" in page.inner_text("main")
    assert page.locator("form textarea[name=comments]").count() == 0


assert (ROOT / "bpmn" / f"{PROCESS}.bpmn").is_file()


def test_a_caseworker_corrects_an_invalid_request_through_its_form(deployed: Stack, pages: Any) -> None:
    """A request from elsewhere fails validation: the caseworker sees every problem in the form, corrects the
    fields, and the request is validated again."""
    request = {**intake_form(countryCode="XQ", durationDays="0"), "requestId": "IPA-2026-0777"}
    variables: dict[str, Any] = {**request, "durationDays": 0, "ukStaffCount": 2, "recipientCount": 12}
    variables.update(contractValue=42000, ukStaffRanks=["SERGEANT", "INSPECTOR"])
    with deployed.rest() as rest:
        rest.post(
            "/messages/publication",
            json={"name": "RequestReceived", "correlationKey": "IPA-2026-0777", "variables": variables},
        ).raise_for_status()
        # the validate-request worker's answer (tests/process/test_paths.py runs the real one); the other
        # cases' jobs in the shared stack are worked as `_work` does
        job: dict[str, Any] = {}
        while not job:
            jobs = rest.post(
                "/jobs/activation",
                json={
                    "type": "validate-request",
                    "maxJobsToActivate": 50,
                    "timeout": 60000,
                    "requestTimeout": 5000,
                },
            ).json()["jobs"]
            assert jobs, "no validate-request job for the new request"
            for j in jobs:
                if j["variables"].get("requestId") == "IPA-2026-0777":
                    job = j
                else:
                    rest.post(f"/jobs/{j['jobKey']}/completion", json={"variables": {}}).raise_for_status()
        problems = [
            {"field": "countryCode", "message": "'XQ' is not an ISO 3166-1 country code"},
            {"field": "durationDays", "message": "must be at least 1"},
        ]
        rest.post(
            f"/jobs/{job['jobKey']}/error",
            json={
                "errorCode": "REQUEST_INVALID",
                "errorMessage": "2 problems",
                "variables": {"requestProblems": problems},
            },
        ).raise_for_status()
    task = _wait(
        "the correction task", lambda: _open_task(deployed, "CorrectRequest", str(job["processInstanceKey"]))
    )
    key = str(task["userTaskKey"])

    page = pages(CASEWORKER)
    page.goto(page.base + f"/inbox/{key}")
    page.locator("#task-form .fjs-form-field").first.wait_for()
    page.click("button:has-text('Claim')")
    page.wait_for_selector("text=Assigned to you")
    form = page.locator("#task-form")
    form.locator(".fjs-form-field").first.wait_for()
    text = form.inner_text()
    assert "'XQ' is not an ISO 3166-1 country code" in text and "must be at least 1" in text, text
    country = form.locator("input[name='countryCode'], .fjs-form-field:has-text('Country') input").first
    assert country.input_value() == "XQ", "the request's fields come prefilled"
    screenshot(page, "correct-request")
    country.fill("JM")
    form.locator(".fjs-form-field:has-text('Duration') input").first.fill("5")
    page.click("#complete-task")
    page.wait_for_url("**/inbox")
    assert not page.errors, page.errors

    with deployed.rest() as rest:
        assert rest.get(f"/user-tasks/{key}").json()["state"] == "COMPLETED"
        found = rest.post(
            "/variables/search", json={"filter": {"processInstanceKey": job["processInstanceKey"]}}
        ).json()["items"]
        root = str(job["processInstanceKey"])
        values = {v["name"]: v["value"] for v in found if v["scopeKey"] == root}
        assert values["countryCode"] == '"JM"' and values["durationDays"] == "5", found
        again = rest.post(
            "/jobs/search",
            json={"filter": {"processInstanceKey": job["processInstanceKey"], "type": "validate-request"}},
        ).json()["items"]
        assert len(again) == 2, "validated again after the correction"
