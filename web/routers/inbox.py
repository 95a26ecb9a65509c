"""The approvers' inbox: user tasks for the signed-in person's candidate groups; claim, unclaim, complete.

Camunda 8.8 (Tasklist V2) lets anyone with process access see, claim and complete any task, whatever its
candidate groups. So every route here checks the task's groups against the user's roles, on the server.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from web.auth import Csrf, CurrentUser, User
from web.camunda import JSON, Camunda
from web.deps import CamundaDep, page_count, render
from web.operations import parse_time, request_ids

router = APIRouter(tags=["inbox"])


class Completion(BaseModel):
    variables: dict[str, Any] = Field(default_factory=dict)


async def task_for(cm: Camunda, user: User, key: str) -> JSON:
    """The open task, if it is for one of the user's groups; 404 otherwise, so strangers learn nothing."""
    if not key.isdigit():
        raise HTTPException(404, "No such task.")
    task = await cm.user_task(key)
    if task is None or not user.may_work_on(task.get("candidateGroups")):
        raise HTTPException(404, "No such task in your inbox.")
    if task.get("state") != "CREATED":
        raise HTTPException(409, "This task is no longer open.")
    return task


def form_schema(form: JSON | None) -> JSON | None:
    """The form-js schema: the API sends it as JSON text."""
    if not form or not form.get("schema"):
        return None
    schema = form["schema"]
    parsed = json.loads(schema) if isinstance(schema, str) else schema
    return parsed if isinstance(parsed, dict) else None


def form_keys(components: list[JSON]) -> set[str]:
    """The variable names a form can submit (nested groups and dynamic lists included)."""
    keys: set[str] = set()
    for c in components:
        if c.get("key"):
            keys.add(str(c["key"]).split(".")[0])
        if c.get("path"):
            keys.add(str(c["path"]).split(".")[0])
        keys |= form_keys(c.get("components") or [])
    return keys


#: open tasks per page of the inbox (the ones assigned to you come first, up to this many too)
INBOX_PAGE = 50
_OLDEST_DUE_FIRST = [{"field": "dueDate", "order": "ASC"}, {"field": "creationDate", "order": "ASC"}]


@router.get("/inbox")
async def inbox(request: Request, user: CurrentUser, cm: CamundaDep, page: int = 1) -> Response:
    """Yours first, then the open tasks of your groups, a page at a time (the engine counts them)."""
    page = max(1, page)
    mine: list[JSON] = []
    others: list[JSON] = []
    total = 0
    if user.roles:
        # the engine narrows the search to the user's groups; `may_work_on` below is what enforces them
        groups = {"state": "CREATED", "candidateGroup": {"$in": sorted(user.roles)}}
        (mine, _), (others, total) = await asyncio.gather(
            cm.first_page("user-tasks", {**groups, "assignee": user.username}, _OLDEST_DUE_FIRST, INBOX_PAGE),
            cm.first_page(
                "user-tasks",
                {**groups, "assignee": {"$neq": user.username}},
                _OLDEST_DUE_FIRST,
                INBOX_PAGE,
                (page - 1) * INBOX_PAGE,
            ),
        )
    mine = [t for t in mine if user.may_work_on(t.get("candidateGroups"))]
    others = [t for t in others if user.may_work_on(t.get("candidateGroups"))]
    ids = await request_ids(cm, sorted({str(t["processInstanceKey"]) for t in [*mine, *others]}))
    for t in [*mine, *others]:
        t["requestId"] = ids.get(str(t["processInstanceKey"]))
        t["created"] = parse_time(t.get("creationDate"))
    return render(
        request,
        "inbox.html",
        tasks=[*mine, *others] if page == 1 else others,
        total=total,
        page=page,
        pages=page_count(total, INBOX_PAGE),
        page_url=lambda n: f"/inbox?page={n}",
        first=(page - 1) * INBOX_PAGE + 1,
        shown=len(others),
    )


@router.get("/inbox/{key}")
async def task_page(request: Request, key: str, user: CurrentUser, cm: CamundaDep) -> Response:
    task = await task_for(cm, user, key)
    form = await cm.user_task_form(key)
    data: dict[str, Any] = {}
    for v in await cm.user_task_variables(key):
        try:
            data.setdefault(v["name"], json.loads(v["value"]))
        except ValueError:
            continue
    ids = await request_ids(cm, [str(task["processInstanceKey"])])
    return render(
        request,
        "task.html",
        task=task,
        request_id=ids.get(str(task["processInstanceKey"])),
        schema=form_schema(form),
        data=data,
        mine=task.get("assignee") == user.username,
    )


@router.post("/inbox/{key}/claim", dependencies=[Csrf])
async def claim(key: str, user: CurrentUser, cm: CamundaDep) -> Response:
    task = await task_for(cm, user, key)
    if task.get("assignee") not in (None, user.username):
        raise HTTPException(409, f"{task['assignee']} is already working on this task.")
    await cm.assign(key, user.username)
    return RedirectResponse(f"/inbox/{key}", status_code=303)


@router.post("/inbox/{key}/unclaim", dependencies=[Csrf])
async def unclaim(key: str, user: CurrentUser, cm: CamundaDep) -> Response:
    task = await task_for(cm, user, key)
    if task.get("assignee") != user.username:
        raise HTTPException(403, "Only the person working on a task can hand it back.")
    await cm.unassign(key)
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/{key}/complete", dependencies=[Csrf])
async def complete(key: str, body: Completion, user: CurrentUser, cm: CamundaDep) -> Response:
    """Complete with the form's data. Only the form's own fields go to the process: an approver cannot set, say,
    `residualRisk` by adding it to the request."""
    task = await task_for(cm, user, key)
    if task.get("assignee") != user.username:
        raise HTTPException(403, "Claim the task before completing it.")
    schema = form_schema(await cm.user_task_form(key))
    allowed = form_keys(schema.get("components", [])) if schema else set()
    extra = sorted(set(body.variables) - allowed)
    if extra:
        raise HTTPException(400, f"Not fields of this task's form: {', '.join(extra)}.")
    await cm.complete(key, body.variables)
    return JSONResponse({"completed": key, "next": "/inbox"})
