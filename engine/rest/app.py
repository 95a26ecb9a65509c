"""The Camunda 8.8 REST API (`/v2`) subset over the embedded engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from engine.rest import problems
from engine.rest.problems import ProblemDetail
from engine.rest.routers import (
    clock,
    cluster,
    decision_instances,
    definitions,
    deployments,
    element_instances,
    evaluation,
    forms,
    incidents,
    jobs,
    messages,
    process_instances,
    user_tasks,
    variables,
)
from engine.runtime.engine import Engine

PREFIX = "/v2"


def create_app(
    engine: Engine, *, manage_engine: bool = False, max_long_poll_s: float | None = None
) -> FastAPI:
    """The REST app for `engine`; with `manage_engine` the app's lifespan starts and stops it.

    The engine must run on the event loop that serves the app (its commands and long polls use that loop).
    `max_long_poll_s` caps how long a job activation waits, whatever `requestTimeout` a client asks for.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if manage_engine:
            await engine.start()
        try:
            yield
        finally:
            if manage_engine:
                await engine.stop()

    app = FastAPI(
        title="Orchestration Cluster API (embedded engine)",
        version="8.8",
        description="The Camunda 8.8 REST API subset served by the embedded Zeebe-compatible engine.",
        lifespan=lifespan,
        servers=[{"url": "/"}],
    )
    app.state.engine = engine
    app.state.max_long_poll_s = max_long_poll_s
    problems.install(app)
    for module in (
        cluster,
        deployments,
        process_instances,
        element_instances,
        variables,
        incidents,
        user_tasks,
        jobs,
        messages,
        definitions,
        evaluation,
        decision_instances,
        forms,
        clock,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(messages.signals, prefix=PREFIX)
    app.include_router(definitions.decisions, prefix=PREFIX)
    app.include_router(definitions.requirements, prefix=PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the ProblemDetail schema every error response refers to."""
    if app.openapi_schema is None:
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            servers=app.servers,
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["ProblemDetail"] = ProblemDetail.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        app.openapi_schema = doc
    return app.openapi_schema
