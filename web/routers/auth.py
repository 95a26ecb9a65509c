"""Sign in and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from web.auth import Accounts, Csrf, MaybeUser, csrf_token
from web.deps import blocking, render

router = APIRouter(tags=["sign-in"])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our sign-in page."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def home_for(roles: frozenset[str]) -> str:
    return "/dashboard" if "ipa-manager" in roles else "/inbox"


@router.get("/")
async def home(user: MaybeUser) -> Response:
    return RedirectResponse(home_for(user.roles) if user else "/login", status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Csrf])
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    accounts: Accounts = request.app.state.accounts
    # argon2 takes its time (on purpose): off the event loop, which the embedded engine may share
    user = await blocking(accounts.authenticate, username, password)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error="Unknown user name or wrong password.",
        )
    # a fresh session (and CSRF token) at sign-in: nothing set before it carries over
    request.session.clear()
    request.session["user"] = user.username
    csrf_token(request)
    target = _safe_next(next)
    return RedirectResponse(target if target != "/" else home_for(user.roles), status_code=303)


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
