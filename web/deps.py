"""What the routers share: the REST client, the read model, the templates, rendering with the user and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from web.auth import csrf_token, current_user
from web.camunda import Camunda
from web.config import WebSettings
from web.readmodel import CaseReadModel

T = TypeVar("T")


def camunda(request: Request) -> Camunda:
    return request.app.state.camunda


def cases(request: Request) -> CaseReadModel:
    return request.app.state.cases


def settings(request: Request) -> WebSettings:
    return request.app.state.settings


CamundaDep = Annotated[Camunda, Depends(camunda)]
CasesDep = Annotated[CaseReadModel, Depends(cases)]
SettingsDep = Annotated[WebSettings, Depends(settings)]


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """The casework store is synchronous: run it off the event loop (the embedded engine may share the loop)."""
    return await run_in_threadpool(fn, *args, **kwargs)


def page_count(total: int, size: int) -> int:
    """Pages of `size` rows for `total` rows; one (empty) page for none."""
    return max(1, -(-total // size))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        template,
        {"user": current_user(request), "csrf": csrf_token(request), **context},
        status_code=status_code,
    )
