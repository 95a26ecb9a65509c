"""`create_app(settings)`: the FastAPI application with its routers, sessions, CSRF and security headers."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from ipa.store import Store
from web.auth import Accounts, SignInRequired, seed_demo
from web.camunda import Camunda, CamundaError
from web.config import WebSettings
from web.deps import render
from web.oidc import Oidc
from web.readmodel import CaseReadModel, StoreReadModel
from web.routers import auth, cases, dashboard, inbox, intake, post_reply, transparency

HERE = Path(__file__).parent
#: scripts only from this site (the vendored libraries too); bpmn-js and form-js set inline styles
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # the reply page's URL carries a one-time token: never send it on as a Referer
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _wants_html(request: Request) -> bool:
    """Pages get pages (and redirects); the JSON endpoints and scripts asking for JSON get JSON."""
    return not request.url.path.startswith("/api/") and "application/json" not in request.headers.get(
        "accept", ""
    )


def create_app(
    settings: WebSettings | None = None,
    *,
    read_model: CaseReadModel | None = None,
    camunda_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or WebSettings()
    store = Store(settings.database_url)
    store.migrate()  # a first start finds an empty, current schema (as `ipa report` does)
    if read_model is None:
        read_model = StoreReadModel(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the cycle-time chart folds the audit trail once, then only what is new: do the first fold now, not
        # in the first manager's request (a few hundred ms with 10,000 cases)
        warm = asyncio.ensure_future(run_in_threadpool(app.state.cases.stage_cycle_times))
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # the store closes below: let the fold finish first
                await warm
            await app.state.camunda.aclose()
            store.dispose()

    app = FastAPI(title="International police assistance", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.camunda = Camunda(settings, camunda_transport)
    app.state.cases = read_model
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.demo_password = settings.demo_password or secrets.token_urlsafe(9)
    accounts = Accounts.create(store, fast=settings.fast_password_hashing)
    # the demo accounts only when asked (`ipa up`, IPA_WEB_DEMO_ACCOUNTS or IPA_WEB_DEMO_PASSWORD)
    app.state.demo_seeded = (
        seed_demo(accounts, app.state.demo_password) if settings.seeds_demo_accounts else []
    )
    app.state.accounts = accounts
    app.state.oidc = Oidc(settings) if settings.oidc_enabled else None
    # sign-out may redirect to the identity provider's end-session endpoint: a form may lead there
    csp = (
        CSP.replace("form-action 'self'", f"form-action 'self' {app.state.oidc.origin}")
        if app.state.oidc
        else CSP
    )

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key or secrets.token_urlsafe(32),
        session_cookie="ipa_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=settings.https_only,
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, csp if name == "Content-Security-Policy" else value)
        if request.url.path.startswith(("/inbox", "/cases", "/reply", "/dashboard", "/api")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _: SignInRequired) -> Response:
        if not _wants_html(request) or request.method != "GET":
            return JSONResponse({"detail": "Sign in first."}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if not _wants_html(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(
            request, "error.html", status_code=exc.status_code, status=exc.status_code, message=exc.detail
        )

    @app.exception_handler(CamundaError)
    async def engine_error(request: Request, exc: CamundaError) -> Response:
        # the engine's own refusals (409 already assigned, 404 gone) keep their status; the rest is a bad gateway
        status = exc.status if exc.status in (400, 404, 409) else 502
        message = f"The process engine refused: {exc.detail}"
        if not _wants_html(request):
            return JSONResponse({"detail": message}, status_code=status)
        return render(request, "error.html", status_code=status, status=status, message=message)

    @app.exception_handler(httpx.TransportError)
    async def engine_down(request: Request, exc: httpx.TransportError) -> Response:
        message = "The process engine cannot be reached. Try again shortly."
        if not _wants_html(request):
            return JSONResponse({"detail": message}, status_code=503)
        return render(request, "error.html", status_code=503, status=503, message=message)

    app.mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static")
    for module in (auth, dashboard, cases, inbox, intake, post_reply, transparency):
        app.include_router(module.router)
    # the modeler page is another engineer's router: served when it is there
    if importlib.util.find_spec("web.routers.modeler") is not None:
        app.include_router(importlib.import_module("web.routers.modeler").router)
    return app
