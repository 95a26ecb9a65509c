"""RFC 9457 problem details, as Camunda's `RestErrorMapper` sends them (zeebe-protocol.md §2, §10).

Every 4xx/5xx leaves the API as `application/problem+json` with all five members: clients (the Camunda SDKs)
report errors from `title`/`detail` and fail on a body they cannot read. FastAPI's own validation errors become
400 (Camunda never answers 422).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.runtime.errors import DeadlineExceeded, EngineStopped, InvalidRequest, Rejection

log = logging.getLogger("engine.rest")
PROBLEM_JSON = "application/problem+json"

#: engine rejection type -> HTTP status (zeebe-protocol.md §2, RestErrorMapper)
REJECTION_STATUS = {
    "INVALID_ARGUMENT": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 400,
    "INVALID_STATE": 409,
    "PROCESSING_ERROR": 500,
}
_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
}


class ProblemDetail(BaseModel):
    """A problem detail object as described in RFC 9457."""

    type: str = Field(default="about:blank", description="A URI identifying the problem type.")
    title: str = Field(description="A summary of the problem type.")
    status: int = Field(description="The HTTP status code for this problem.", ge=400, le=599)
    detail: str = Field(description="An explanation of the problem in more detail.")
    instance: str = Field(description="The request path of the failed call.")


class ApiError(Exception):
    """A problem the REST layer itself detects (bad cursor, unknown key in a GET, ...)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def not_found(what: str, key: object) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} with key '{key}' not found")


def problem(request: Request, status: int, title: str, detail: str) -> JSONResponse:
    body = ProblemDetail(title=title, status=status, detail=detail, instance=request.url.path)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_JSON)


def validation_detail(errors: Sequence[Any]) -> str:
    """One line per pydantic error, located by the request property path (without the `body` prefix)."""
    parts = []
    for err in errors:
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body",)]
        where = ".".join(loc) or "body"
        parts.append(f"Request property [{where}] is invalid: {err.get('msg', 'invalid value')}")
    return "; ".join(parts) or "The request is invalid."


def to_problem(request: Request, exc: Exception) -> JSONResponse:
    """The problem response for any exception a route raised."""
    if isinstance(exc, Rejection):
        status = REJECTION_STATUS.get(exc.rejection_type, 500)
        return problem(request, status, exc.rejection_type, str(exc))
    if isinstance(exc, InvalidRequest):
        return problem(request, 400, "INVALID_ARGUMENT", str(exc))
    if isinstance(exc, ApiError):
        return problem(request, exc.status, exc.title, exc.detail)
    if isinstance(exc, RequestValidationError):
        return problem(request, 400, "Bad Request", validation_detail(exc.errors()))
    if isinstance(exc, DeadlineExceeded):
        return problem(request, 504, "DEADLINE_EXCEEDED", str(exc))
    if isinstance(exc, EngineStopped):
        return problem(request, 503, "UNAVAILABLE", str(exc))
    if isinstance(exc, UnicodeError):  # lone surrogates in JSON strings cannot be stored as UTF-8
        return problem(request, 400, "INVALID_ARGUMENT", f"Invalid text in request: {exc}")
    if isinstance(exc, StarletteHTTPException):
        title = _TITLES.get(exc.status_code, "Error")
        return problem(request, exc.status_code, title, str(exc.detail))
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        500,
        "INTERNAL",
        f"Unexpected error occurred during the request processing: {type(exc).__name__}: {exc}",
    )


class ProblemRoute(APIRoute):
    """Routes whose every failure, validation included, answers with a problem body.

    Mapping here rather than only in app-level handlers keeps unexpected exceptions from escaping the
    ASGI app (Starlette's error middleware would re-raise them after answering).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return to_problem(request, exc)

        return guarded


def install(app: FastAPI) -> None:
    """Problem bodies for what fails outside the routes: unknown paths, wrong methods."""

    async def handle(request: Request, exc: Exception) -> Response:
        return to_problem(request, exc)

    app.add_exception_handler(StarletteHTTPException, handle)
    app.add_exception_handler(RequestValidationError, handle)


#: documented on every operation, so the OpenAPI document shows the problem responses clients get
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
    }
    for status, text in (
        (400, "The provided data is not valid."),
        (404, "The resource was not found."),
        (409, "The resource is in a state that does not allow the operation."),
        (500, "An internal error occurred."),
    )
}
