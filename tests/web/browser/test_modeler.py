"""The Modeler page in Chromium: open a BPMN from bpmn/, lint it against Camunda 8.8, deploy a new version; DMN
and form editors; the bpmn-js viewer's badges following a case; the JSON endpoints' role check.

Not covered here yet: an approver completing a task through the task page's form-js form (web/templates/task.html)
while a manager watches the dashboard's diagram badge move; that needs the whole model set deployed and the
workers played as tests/web/conftest.py's `World` does, on this module's session stack."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from tests.web.browser.conftest import MANAGER, OWNER, ROOT, Stack, screenshot

PROCESS = "international-assistance-request"
BPMN_FILE = f"bpmn/{PROCESS}.bpmn"
NS = {"b": "http://www.omg.org/spec/BPMN/20100524/MODEL", "z": "http://camunda.org/schema/zeebe/1.0"}


def _versions(stack: Stack, process_id: str) -> list[int]:
    with stack.rest() as rest:
        r = rest.post("/process-definitions/search", json={"filter": {"processDefinitionId": process_id}})
        r.raise_for_status()
        return sorted(int(d["version"]) for d in r.json()["items"])


def _open(page: Any, stack: Stack, url: str) -> None:
    page.goto(stack.web + url)
    page.wait_for_function("() => window.__ready === true")
    assert not page.errors, page.errors


def _task_ids(path: str) -> list[str]:
    root = ET.parse(ROOT / path).getroot()
    bpmn = "{" + NS["b"] + "}"
    return [e.get("id", "") for e in root.iter() if e.tag in (bpmn + "serviceTask", bpmn + "userTask")]


def test_modeler_opens_lints_and_deploys_a_bpmn(stack: Stack, page_as: Any) -> None:
    page = page_as(OWNER)
    _open(page, stack, f"/modeler?file={BPMN_FILE}")
    # the canvas shows the process: every task of the file is a shape, the palette and properties panel are there
    tasks = _task_ids(BPMN_FILE)
    assert len(tasks) > 10
    for task_id in tasks:
        assert page.locator(f'#canvas [data-element-id="{task_id}"]').count() == 1, task_id
    assert page.evaluate("window.__modeler.importWarnings") == 0
    assert page.locator(".djs-palette").is_visible()
    assert page.locator("#props .bio-properties-panel").count() == 1
    assert page.locator("#canvas .bjs-powered-by").is_visible()  # the bpmn.io licence's watermark

    page.click("#lint")
    page.wait_for_function("() => window.__modeler.lint !== null")
    assert page.evaluate("window.__modeler.lint.errors") == 0, page.evaluate("window.__modeler.lint.problems")
    assert "camunda-cloud-8-8: 0 error(s)" in page.inner_text("#lint-summary")

    before = _versions(stack, PROCESS)
    page.click("#deploy")
    page.wait_for_function("() => window.__modeler.lastDeploy !== undefined")
    after = _versions(stack, PROCESS)
    assert len(after) == len(before) + 1 and after[-1] == (before[-1] if before else 0) + 1
    assert f"{PROCESS} version {after[-1]}" in page.inner_text("#status")
    page.wait_for_selector(f'#versions .latest-version:text-is("{after[-1]}")')
    assert not page.offsite, page.offsite  # everything comes from this site
    screenshot(page, "modeler-bpmn")


def test_lint_errors_block_the_deployment(stack: Stack, page_as: Any) -> None:
    # a copy of the process whose service tasks lost their job type, under a new process id
    xml = (stack.models / BPMN_FILE).read_text()
    broken = re.sub(r"<zeebe:taskDefinition [^>]*/>", "", xml).replace(f'id="{PROCESS}"', 'id="broken-copy"')
    (stack.models / "bpmn" / "broken-copy.bpmn").write_text(broken)
    page = page_as(OWNER)
    _open(page, stack, "/modeler?file=bpmn/broken-copy.bpmn")
    page.click("#deploy")
    page.wait_for_function("() => window.__modeler.lint !== null")
    problems = page.evaluate("window.__modeler.lint.problems")
    assert any(p["rule"] == "camunda-compat/implementation" for p in problems), problems
    assert "Not deployed" in page.inner_text("#status")
    assert page.locator("#canvas .djs-element.lint-error").count() > 0
    assert page.locator("#problems li.error").count() == page.evaluate("window.__modeler.lint.errors")
    screenshot(page, "modeler-lint-errors")
    # the server lints too: a request that skips the page's check is refused
    csrf = stack.csrf[OWNER]
    r = page.request.post(
        stack.web + "/api/modeler/deploy",
        data={"paths": ["bpmn/broken-copy.bpmn"]},
        headers={"X-CSRF-Token": csrf},
    )
    if r.status == 422:
        assert "lint error" in r.json()["detail"]["message"]
    else:  # no node on this machine: the engine's own validation refuses it
        assert r.status >= 400, r.text()
    assert _versions(stack, "broken-copy") == []


def test_save_writes_the_file_and_refuses_a_stale_copy(stack: Stack, page_as: Any) -> None:
    page = page_as(OWNER)
    _open(page, stack, "/modeler?file=bpmn/osja-assessment.bpmn")
    page.evaluate(
        """() => { const m = window.__modeler.editor;
                   const start = m.get('elementRegistry').get('OsjaStart');
                   m.get('modeling').updateLabel(start, 'Assessment requested (edited)'); }"""
    )
    assert page.evaluate("window.__modeler.dirty") is True
    page.click("#save")
    page.wait_for_function("() => window.__modeler.dirty === false")
    saved = (stack.models / "bpmn" / "osja-assessment.bpmn").read_text()
    assert "Assessment requested (edited)" in saved and "zeebe:taskDefinition" in saved
    # someone else saves in between: the page's next save is refused, the file keeps the other change
    (stack.models / "bpmn" / "osja-assessment.bpmn").write_text(saved.replace("(edited)", "(other)"))
    page.evaluate("() => window.__modeler.editor.get('commandStack').undo()")
    page.click("#save")
    page.wait_for_selector("#status.error")
    assert "changed since you opened it" in page.inner_text("#status")
    assert "(other)" in (stack.models / "bpmn" / "osja-assessment.bpmn").read_text()


def test_dmn_and_form_editors_open(stack: Stack, page_as: Any) -> None:
    page = page_as(OWNER)
    _open(page, stack, "/modeler?file=dmn/scope_check.dmn")
    assert page.locator("#dmn .tjs-table, #dmn .djs-container").first.is_visible()
    assert page.locator("#dmn .bjs-powered-by, #dmn .powered-by").first.is_visible()
    screenshot(page, "modeler-dmn")
    _open(page, stack, "/modeler?file=forms/hod-approval.form")
    page.wait_for_selector("#form .fjs-editor-container")
    assert page.locator("#form .fjs-form-field").count() > 0
    page.click("#save")
    page.wait_for_selector("#status:has-text('Saved forms/hod-approval.form')")
    screenshot(page, "modeler-form")
    assert not page.errors, page.errors


def _deploy_and_start_viewer_case(stack: Stack) -> str:
    """A two-step process (service task, then a user task): start one case and return its key."""
    xml = (ROOT / "tests" / "web" / "browser" / "data" / "badge-move.bpmn").read_bytes()
    with stack.rest() as rest:
        rest.post("/deployments", files=[("resources", ("badge-move.bpmn", xml))]).raise_for_status()
        r = rest.post("/process-instances", json={"processDefinitionId": "badge-move", "variables": {"n": 1}})
        r.raise_for_status()
        return str(r.json()["processInstanceKey"])


def _complete_job(stack: Stack, job_type: str) -> None:
    with stack.rest() as rest:
        deadline = time.monotonic() + 10
        while True:
            r = rest.post(
                "/jobs/activation",
                json={"type": job_type, "maxJobsToActivate": 1, "timeout": 60000, "worker": "browser-test"},
            )
            r.raise_for_status()
            jobs = r.json()["jobs"]
            if jobs or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert jobs, f"no {job_type} job"
        rest.post(f"/jobs/{jobs[0]['jobKey']}/completion", json={"variables": {}}).raise_for_status()


def test_viewer_badge_follows_the_case(stack: Stack, page_as: Any) -> None:
    key = _deploy_and_start_viewer_case(stack)
    page = page_as(MANAGER)
    _open(page, stack, f"/modeler/diagram/badge-move?instance={key}")
    page.wait_for_selector('.djs-overlays[data-container-id="Check"] .badge.active')
    assert page.evaluate("window.__diagram.counts.Check.active") == 1
    assert page.locator("#canvas .bjs-powered-by").is_visible()
    _complete_job(stack, "badge-move-check")
    page.evaluate("window.__diagram.refresh()")
    page.wait_for_selector('.djs-overlays[data-container-id="Approve"] .badge.active')
    assert page.locator('.djs-overlays[data-container-id="Check"] .badge').count() == 0
    screenshot(page, "diagram-badges")
    # the real process renders in the viewer too (deployed by the modeler test or here)
    with stack.rest() as rest:
        xml = (ROOT / BPMN_FILE).read_bytes()
        rest.post("/deployments", files=[("resources", (f"{PROCESS}.bpmn", xml))]).raise_for_status()
    _open(page, stack, f"/modeler/diagram/{PROCESS}")
    for task_id in _task_ids(BPMN_FILE)[:5]:
        assert page.locator(f'#canvas [data-element-id="{task_id}"]').count() == 1


def test_modeler_endpoints_are_for_process_owners(stack: Stack) -> None:
    with httpx.Client(base_url=stack.web) as anonymous:
        assert anonymous.get("/api/modeler/files").status_code == 401
    cookie = stack.session_cookie(MANAGER)
    with httpx.Client(base_url=stack.web, cookies={cookie["name"]: cookie["value"]}) as manager:
        assert manager.get("/api/modeler/files").status_code == 403
        assert manager.get(f"/api/modeler/versions/{PROCESS}").status_code == 200  # managers see versions
    cookie = stack.session_cookie(OWNER)
    with httpx.Client(base_url=stack.web, cookies={cookie["name"]: cookie["value"]}) as owner:
        files = owner.get("/api/modeler/files").json()["files"]
        assert {f"bpmn/{PROCESS}.bpmn", "dmn/osja.dmn", "forms/hod-approval.form"} <= {f["path"] for f in files}
        assert owner.get("/api/modeler/files/bpmn/..%2Fpyproject.toml").status_code == 404
        assert owner.get("/api/modeler/files/engine/server.py").status_code == 404
        # state changes need the session's CSRF token
        r = owner.put("/api/modeler/files/forms/x.form", json={"content": '{"components": []}'})
        assert r.status_code == 403
        r = owner.put(
            "/api/modeler/files/forms/new.form",
            json={"content": "not json"},
            headers={"X-CSRF-Token": stack.csrf[OWNER]},
        )
        assert r.status_code == 422
