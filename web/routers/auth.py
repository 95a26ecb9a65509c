"""Sign in and out: a local password, or single sign-on through OpenID Connect (web/oidc.py)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from web.auth import OIDC, AccountConflict, Accounts, Csrf, MaybeUser, User, csrf_token
from web.deps import blocking, render
from web.oidc import Oidc, OidcFailed

router = APIRouter(tags=["sign-in"])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our sign-in page."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def home_for(roles: frozenset[str]) -> str:
    return "/dashboard" if "ipa-manager" in roles else "/inbox"


def _oidc(request: Request) -> Oidc | None:
    oidc: Oidc | None = request.app.state.oidc
    return oidc


def _login_page(
    request: Request, next: str | None, error: str | None = None, status_code: int = 200
) -> Response:
    oidc = _oidc(request)
    return render(
        request,
        "login.html",
        status_code=status_code,
        next=_safe_next(next),
        error=error,
        local_passwords=request.app.state.settings.local_passwords,
        oidc_provider=oidc.provider_name if oidc else None,
    )


def _signed_in(request: Request, user: User, via: str, next: str | None) -> Response:
    # a fresh session (and CSRF token) at sign-in: nothing set before it carries over
    request.session.clear()
    request.session["user"] = user.username
    request.session["via"] = via
    csrf_token(request)
    request.state.user = user
    target = _safe_next(next)
    return RedirectResponse(target if target != "/" else home_for(user.roles), status_code=303)


@router.get("/")
async def home(user: MaybeUser) -> Response:
    return RedirectResponse(home_for(user.roles) if user else "/login", status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next)


@router.post("/login", dependencies=[Csrf])
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    if not request.app.state.settings.local_passwords:
        raise HTTPException(403, "Sign-in with a password is switched off here: use single sign-on.")
    accounts: Accounts = request.app.state.accounts
    # argon2 takes its time (on purpose): off the event loop, which the embedded engine may share
    user = await blocking(accounts.authenticate, username, password)
    if user is None:
        return _login_page(request, next, "Unknown user name or wrong password.", status_code=401)
    return _signed_in(request, user, "password", next)


@router.get("/auth/oidc/login")
async def oidc_login(request: Request, next: str | None = None) -> Response:
    """To the identity provider, with state, nonce and a PKCE challenge (their secrets stay in the session)."""
    oidc = _oidc(request)
    if oidc is None:
        raise HTTPException(404, "Single sign-on is not set up here.")
    try:
        return await oidc.start(request, _safe_next(next))
    except OidcFailed as e:
        return _login_page(request, next, f"Single sign-on is not available: {e}.", status_code=502)


@router.get("/auth/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    """Back from the identity provider: the account is created or updated with the roles the provider gives."""
    oidc = _oidc(request)
    if oidc is None:
        raise HTTPException(404, "Single sign-on is not set up here.")
    # whoever this session named before, it names nobody until this sign-in has succeeded
    request.session.pop("user", None)
    request.session.pop("via", None)
    try:
        identity, next_path = await oidc.finish(request)
    except OidcFailed as e:
        return _login_page(
            request, None, f"Single sign-on did not complete: {e}. Try again.", status_code=400
        )
    accounts: Accounts = request.app.state.accounts
    if not identity.roles:
        await blocking(accounts.revoke_external, identity.issuer, identity.subject)
        raise HTTPException(
            403,
            f"You signed in at {oidc.provider_name} as {identity.username}, but none of your groups there gives "
            "you a role in this service. If you should have access, ask your administrator to add you to the "
            "right group.",
        )
    try:
        user = await blocking(
            accounts.sign_in_external,
            identity.username,
            identity.name,
            identity.roles,
            issuer=identity.issuer,
            subject=identity.subject,
        )
    except (AccountConflict, ValueError) as e:
        raise HTTPException(403, f"You cannot be signed in with {oidc.provider_name}: {e}.") from e
    if user is None:
        raise HTTPException(403, "Your account here is disabled. Ask your administrator.")
    return _signed_in(request, user, OIDC, next_path)


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request) -> Response:
    via = request.session.get("via")
    request.session.clear()
    oidc = _oidc(request)
    if via == OIDC and oidc is not None and (url := await oidc.logout_url(request)):
        return RedirectResponse(url, status_code=303)  # and the provider sends the user back to /login
    return RedirectResponse("/login", status_code=303)
