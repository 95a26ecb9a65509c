"""Camunda user tasks (`zeebe:userTask`): search, get, form, assignment, update, completion, variables."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Response
from sqlalchemy import Connection, select

from engine.rest.deps import EngineDep, read
from engine.rest.models.common import SearchResult
from engine.rest.models.instances import UserTaskVariableSearchQuery, VariableSearchResult
from engine.rest.models.tasks import (
    FormResult,
    UserTaskAssignmentRequest,
    UserTaskCompletionRequest,
    UserTaskResult,
    UserTaskSearchQuery,
    UserTaskUpdateRequest,
)
from engine.rest.problems import PROBLEM_RESPONSES
from engine.rest.routers.base import KeyPath, Row, get_one, make_router, no_content, run_search
from engine.rest.routers.forms import form_result
from engine.rest.routers.variables import TruncateValues, search_variables_where
from engine.rest.search import parse_key
from engine.rest.types import iso
from engine.rest.views.instances import VARIABLES
from engine.rest.views.tasks import USER_TASKS
from engine.runtime.documents import check_document
from engine.store import schema

router = make_router("User task")


def task_item(row: Row) -> dict[str, Any]:
    return {**USER_TASKS.render(row), "tags": [], "businessId": None}


@router.post("/user-tasks/search", operation_id="searchUserTasks")
async def search_user_tasks(
    engine: EngineDep, query: Annotated[UserTaskSearchQuery | None, Body()] = None
) -> SearchResult[UserTaskResult]:
    return SearchResult[UserTaskResult].model_validate(await run_search(engine, USER_TASKS, query, task_item))


@router.get("/user-tasks/{userTaskKey}", operation_id="getUserTask")
async def get_user_task(engine: EngineDep, userTaskKey: KeyPath) -> UserTaskResult:
    return UserTaskResult.model_validate(
        task_item(await get_one(engine, USER_TASKS, userTaskKey, "User task"))
    )


@router.get(
    "/user-tasks/{userTaskKey}/form",
    operation_id="getUserTaskForm",
    response_model=FormResult,
    responses={204: {"description": "The task has no (Camunda) form."}, **PROBLEM_RESPONSES},
)
async def get_user_task_form(engine: EngineDep, userTaskKey: KeyPath) -> FormResult | Response:
    row = await get_one(engine, USER_TASKS, userTaskKey, "User task")
    form = engine.state.forms.get(row["formKey"]) if row["formKey"] is not None else None
    return form_result(form) if form is not None else no_content()


@router.post(
    "/user-tasks/{userTaskKey}/assignment",
    operation_id="assignUserTask",
    status_code=204,
    response_class=Response,
)
async def assign_user_task(
    engine: EngineDep, userTaskKey: KeyPath, body: UserTaskAssignmentRequest
) -> Response:
    """409 when the task has another assignee and `allowOverride` is false."""
    allow = True if body.allowOverride is None else body.allowOverride
    await engine.assign_user_task(parse_key(userTaskKey), body.assignee, allow, body.action)
    return no_content()


@router.delete(
    "/user-tasks/{userTaskKey}/assignee",
    operation_id="unassignUserTask",
    status_code=204,
    response_class=Response,
)
async def unassign_user_task(engine: EngineDep, userTaskKey: KeyPath) -> Response:
    await engine.assign_user_task(parse_key(userTaskKey), None)
    return no_content()


@router.patch(
    "/user-tasks/{userTaskKey}", operation_id="updateUserTask", status_code=204, response_class=Response
)
async def update_user_task(
    engine: EngineDep, userTaskKey: KeyPath, body: Annotated[UserTaskUpdateRequest | None, Body()] = None
) -> Response:
    changes: dict[str, Any] = {}
    cs = body.changeset if body is not None else None
    if cs is not None:
        for name in ("dueDate", "followUpDate"):
            moment = getattr(cs, name)
            if moment is not None:
                changes[name] = iso(int(moment.timestamp() * 1000)) if moment.tzinfo else moment.isoformat()
        for name in ("candidateUsers", "candidateGroups", "priority"):
            if getattr(cs, name) is not None:
                changes[name] = getattr(cs, name)
    await engine.update_user_task(parse_key(userTaskKey), changes, body.action if body else None)
    return no_content()


@router.post(
    "/user-tasks/{userTaskKey}/completion",
    operation_id="completeUserTask",
    status_code=204,
    response_class=Response,
)
async def complete_user_task(
    engine: EngineDep, userTaskKey: KeyPath, body: Annotated[UserTaskCompletionRequest | None, Body()] = None
) -> Response:
    variables = check_document(body.variables if body else None)
    await engine.complete_user_task(parse_key(userTaskKey), variables, body.action if body else None)
    return no_content()


@router.post("/user-tasks/{userTaskKey}/variables/search", operation_id="searchUserTaskVariables")
async def search_user_task_variables(
    engine: EngineDep,
    userTaskKey: KeyPath,
    query: Annotated[UserTaskVariableSearchQuery | None, Body()] = None,
    truncateValues: TruncateValues = True,
) -> SearchResult[VariableSearchResult]:
    """The variables the task sees: its own scope and every enclosing scope up to the process instance."""
    row = await get_one(engine, USER_TASKS, userTaskKey, "User task")
    scopes = await read(engine, lambda conn: _scope_chain(conn, row["elementInstanceKey"]))
    where = [VARIABLES.source.c.scopeKey.in_(scopes)]
    return await search_variables_where(engine, query, truncateValues, where)


def _scope_chain(conn: Connection, element_instance_key: int) -> list[int]:
    ei = schema.element_instances
    chain: list[int] = []
    key: int | None = element_instance_key
    while key is not None and key not in chain:
        chain.append(key)
        key = conn.execute(select(ei.c.flow_scope_key).where(ei.c.key == key)).scalar()
    return chain
