"""Single sign-on end to end against a real OpenID provider: node-oidc-provider (`oidc/provider.mjs`, version pinned
in `oidc/package.json`), installed once into the repo's (gitignored) `.cache/oidc-provider/` and started per module.

httpx plays the browser: the web app is mounted in-process at http://testserver, the provider is a real server on
127.0.0.1. It follows the redirects and posts the provider's own sign-in and consent forms (its development
interactions: any login name, any password). The tests skip, saying why, when node or npm is missing or npm cannot
install the provider."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import itsdangerous
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey

from engine.testing import free_port
from tests.npm import NpmPackage
from tests.web.conftest import csrf, sign_in
from web.app import create_app
from web.auth import Accounts
from web.config import WebSettings
from web.oidc import Oidc, OidcFailed

HERE = Path(__file__).resolve().parent / "oidc"
PACKAGE = NpmPackage.pinned_in(HERE, "oidc-provider", "oidc-provider")
APP = "http://testserver"
CALLBACK = f"{APP}/auth/oidc/callback"
SECRET = "test-secret"
ROLE_MAP = {"IPA Casework": ["college-ipa", "force-international-liaison"], "IPA Managers": "ipa-manager"}


@pytest.fixture(scope="session")
def provider_package() -> Path:
    """node-oidc-provider at the pinned version in `.cache/oidc-provider/` (installed from npm once); the folder."""
    return PACKAGE.install("the OpenID provider")


@dataclass
class Provider:
    issuer: str
    metadata: dict[str, Any]


@pytest.fixture(scope="module")
def provider(provider_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """`node oidc/provider.mjs` on a free port, until the module's tests are done."""
    port = free_port()
    log = tmp_path_factory.mktemp("oidc-provider") / "provider.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), str(port), CALLBACK, f"{APP}/login"],
            env={**os.environ, "OIDC_PROVIDER_DIR": str(provider_package)},
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        issuer = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"the provider stopped: {log.read_text()}"
            try:
                metadata = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"the provider never answered: {log.read_text()}"
                time.sleep(0.1)
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        assert started == {"issuer": issuer, "version": PACKAGE.pinned_version}
        yield Provider(issuer, metadata)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def start(tmp_path: Path, provider: Provider) -> Iterator[Callable[..., FastAPI]]:
    apps: list[FastAPI] = []

    def make(**overrides: Any) -> FastAPI:
        settings: dict[str, Any] = {
            "camunda_rest_address": "http://127.0.0.1:9",  # these pages do not need the engine
            "database_url": f"sqlite:///{tmp_path / 'casework.db'}",
            "secret_key": SECRET,
            "fast_password_hashing": True,
            "oidc_issuer": provider.issuer,
            "oidc_client_id": "ipa-web",
            "oidc_client_secret": "ipa-web-secret",
            "oidc_scopes": "openid profile groups",
            "oidc_role_map": ROLE_MAP,
            "oidc_provider_name": "Test IdP",
        }
        app = create_app(WebSettings(**{**settings, **overrides}))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.accounts.store.dispose()


@asynccontextmanager
async def browser(app: FastAPI | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """One browser: the app at http://testserver, everything else (the provider) over the network."""
    mounts = {APP: httpx.ASGITransport(app=app)} if app is not None else {}
    async with httpx.AsyncClient(mounts=mounts, base_url=APP, follow_redirects=False, timeout=15) as c:
        yield c


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1].fields[a["name"]] = a.get("value", "")


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


async def walk(c: httpx.AsyncClient, r: httpx.Response, stop_at: str | None = None) -> httpx.Response:
    """Follow redirects like a browser; stop at a page, or at a redirect to a URL starting with `stop_at`."""
    for _ in range(20):
        if not r.is_redirect:
            return r
        url = str(r.url.join(r.headers["location"]))
        if stop_at and url.startswith(stop_at):
            return r
        r = await c.get(url)
    raise AssertionError("too many redirects")


async def submit(c: httpx.AsyncClient, page: httpx.Response, **fields: str) -> httpx.Response:
    (form,) = forms(page.text)
    return await c.post(str(page.url.join(form.action)), data={**form.fields, **fields})


async def at_provider(
    c: httpx.AsyncClient, r: httpx.Response, login: str, stop_at: str | None
) -> httpx.Response:
    """The provider's sign-in page (any password) and its consent page; then back towards the relying party."""
    page = await walk(c, r)
    assert page.url.host == "127.0.0.1" and forms(page.text)[0].fields["prompt"] == "login", page.text
    page = await walk(c, await submit(c, page, login=login, password="any password"))
    assert forms(page.text)[0].fields["prompt"] == "consent", page.text
    return await walk(c, await submit(c, page), stop_at=stop_at)


async def sso(c: httpx.AsyncClient, login: str, next: str = "/intake", stop: bool = False) -> httpx.Response:
    """Sign in through the provider from the app's button; the app's last answer (or the redirect to the callback)."""
    start = await c.get(f"/auth/oidc/login?{urlencode({'next': next})}")
    assert start.status_code == 302, start.text
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["response_type"] == ["code"]
    assert all(asked[k][0] for k in ("state", "nonce", "code_challenge"))
    return await at_provider(c, start, login, CALLBACK if stop else None)


def session_of(c: httpx.AsyncClient) -> dict[str, Any]:
    """What the signed session cookie holds (checked with the app's key); an empty session has no cookie."""
    if "ipa_session" not in c.cookies:
        return {}
    data = itsdangerous.TimestampSigner(SECRET).unsign(c.cookies["ipa_session"])
    session: dict[str, Any] = json.loads(base64.b64decode(data))
    return session


# -- sign-in --------------------------------------------------------------------------------------------------------
async def test_sign_in_with_the_provider_gives_the_mapped_roles(start: Callable[..., FastAPI]) -> None:
    app = start()
    async with browser(app) as c:
        page = await c.get("/login")
        assert "Sign in with Test IdP" in page.text and 'href="/auth/oidc/login?next=/"' in page.text
        assert 'name="password"' in page.text  # local passwords stay on unless switched off
        landed = await sso(c, "alice")
        assert landed.status_code == 200 and landed.url == f"{APP}/intake", landed.text
        assert "Alice Able" in landed.text
        session = session_of(c)
        assert session["user"] == "alice" and session["via"] == "oidc"
        assert not [k for k in session if k.startswith("_state_")], (
            "the flow's state is gone from the session"
        )
        accounts: Accounts = app.state.accounts
        alice = accounts.get("alice")
        assert alice is not None and alice.name == "Alice Able"
        assert alice.roles == {"college-ipa", "force-international-liaison"}  # "All staff" is ignored
        assert (await c.get("/intake")).status_code == 200  # a caseworker's page
        assert (await c.get("/dashboard")).status_code == 403  # a manager's page
    (row,) = [a for a in accounts.listing() if a.username == "alice"]
    assert row.source == "oidc" and row.last_sign_in_at is not None


async def test_a_group_named_like_a_role_needs_no_mapping(start: Callable[..., FastAPI]) -> None:
    app = start()
    async with browser(app) as c:
        landed = await sso(c, "fin", next="/")
        assert landed.url == f"{APP}/inbox"  # the home of a non-manager (the inbox itself needs the engine)
        fin = app.state.accounts.get("fin")
        assert fin is not None and fin.roles == {"finance-commercial"}
        assert (await c.get("/intake")).status_code == 403
    async with browser(app) as c:
        landed = await sso(c, "maya", next="/")
        assert landed.url == f"{APP}/dashboard"  # a manager's home
        assert session_of(c)["user"] == "maya"
        assert (await c.get("/intake")).status_code == 200


async def test_a_public_client_signs_in_with_pkce_alone(start: Callable[..., FastAPI]) -> None:
    app = start(oidc_client_id="ipa-web-public", oidc_client_secret=None)
    async with browser(app) as c:
        landed = await sso(c, "alice")
        assert landed.url == f"{APP}/intake" and session_of(c)["user"] == "alice"


async def test_no_known_role_gets_a_polite_403(start: Callable[..., FastAPI]) -> None:
    app = start()
    async with browser(app) as c:
        answer = await sso(c, "zed")
        assert answer.status_code == 403, answer.text
        assert "none of your groups there gives you a role in this service" in answer.text
        assert "Not allowed" in answer.text  # the site's own error page, not a crash
        assert "user" not in session_of(c)
        assert (await c.get("/intake")).status_code == 303
    assert app.state.accounts.get("zed") is None and not app.state.accounts.exists("zed")


async def test_the_provider_cannot_take_over_a_local_account(start: Callable[..., FastAPI]) -> None:
    app = start()
    accounts: Accounts = app.state.accounts
    accounts.add("casey", "Casey Worker", ["college-ipa"], "casey's own passphrase")
    async with browser(app) as c:
        answer = await sso(c, "casey")
        assert answer.status_code == 403 and "already taken here by another account" in answer.text
        assert (await c.get("/dashboard")).status_code == 303
    casey = accounts.get("casey")
    assert casey is not None and casey.roles == {"college-ipa"} and casey.name == "Casey Worker"
    async with browser(app) as c:
        assert (await sign_in(c, "casey", "casey's own passphrase")).status_code == 303


async def test_a_disabled_single_sign_on_account_is_refused(start: Callable[..., FastAPI]) -> None:
    app = start()
    async with browser(app) as c:
        await sso(c, "alice")
        app.state.accounts.set_disabled("alice")
        assert (await c.get("/intake")).status_code == 303  # signed out at the next request
    async with browser(app) as c:
        answer = await sso(c, "alice")
        assert answer.status_code == 403 and "disabled" in answer.text


# -- the state, the code and the ID token -------------------------------------------------------------------------
async def test_tampered_foreign_and_replayed_state_is_refused(start: Callable[..., FastAPI]) -> None:
    app = start()
    async with browser(app) as c, browser(app) as other:
        back = await sso(c, "alice", stop=True)  # the provider's redirect to our callback, not yet followed
        callback = str(back.url.join(back.headers["location"]))
        query = parse_qs(urlsplit(callback).query)
        assert set(query) >= {"code", "state"}

        tampered = callback.replace(f"state={query['state'][0]}", "state=forged")
        refused = await c.get(tampered)
        assert refused.status_code == 400 and "Single sign-on did not complete" in refused.text
        assert (await c.get("/intake")).status_code == 303

        # the right code and state, in another browser (login CSRF, a stolen callback): not its state
        foreign = await other.get(callback)
        assert foreign.status_code == 400 and "Single sign-on did not complete" in foreign.text
        assert "user" not in session_of(other)
        assert (await other.get("/intake")).status_code == 303

        # the browser that started it still completes it, once
        done = await c.get(callback)
        assert done.status_code == 303 and done.headers["location"] == "/intake"
        assert session_of(c)["user"] == "alice"
        again = await c.get(callback)
        assert again.status_code == 400
        assert (await c.get("/intake")).status_code == 303, "a refused callback signs nobody in"


async def test_cancelling_at_the_provider_comes_back_to_the_sign_in_page(
    start: Callable[..., FastAPI],
) -> None:
    app = start()
    async with browser(app) as c:
        page = await walk(c, await c.get("/auth/oidc/login?next=/intake"))
        cancel = re.search(r'<a href="([^"]+)">\[ Cancel \]</a>', page.text)
        assert cancel is not None, page.text
        back = await walk(c, await c.get(str(page.url.join(cancel[1]))))
        assert back.url.path == "/auth/oidc/callback" and back.status_code == 400
        assert "Single sign-on did not complete: End-User aborted interaction" in back.text
        assert "Sign in with Test IdP" in back.text and "user" not in session_of(c)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def tokens_for(
    provider: Provider, client_id: str, secret: str, redirect_uri: str, nonce: str
) -> dict[str, Any]:
    """A genuine token response of the provider for `client_id` (the test as that relying party)."""
    verifier, challenge = _pkce()
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid profile groups",
        "state": secrets.token_urlsafe(8),
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    async with browser() as c:
        back = await at_provider(
            c,
            await c.get(f"{provider.metadata['authorization_endpoint']}?{urlencode(params)}"),
            "alice",
            redirect_uri,
        )
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        r = await c.post(
            provider.metadata["token_endpoint"],
            auth=(client_id, secret),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        assert r.status_code == 200, r.text
        token: dict[str, Any] = r.json()
        return token


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _part(token: str, index: int) -> dict[str, Any]:
    piece = token.split(".")[index]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
    return result


async def test_id_tokens_are_checked(start: Callable[..., FastAPI], provider: Provider) -> None:
    oidc: Oidc = start().state.oidc
    nonce = secrets.token_urlsafe(16)
    ours = await tokens_for(provider, "ipa-web", "ipa-web-secret", CALLBACK, nonce)
    claims = await oidc.verify_id_token(ours, nonce)  # the genuine article passes
    assert claims["sub"] == "alice" and claims["aud"] == "ipa-web" and claims["iss"] == provider.issuer
    # this provider releases scope claims at userinfo only (code flow): the sign-ins above read the groups there
    assert "groups" not in claims

    with pytest.raises(OidcFailed, match="nonce"):
        await oidc.verify_id_token(ours, "another nonce")

    # signed by the provider, but for another relying party
    theirs = await tokens_for(
        provider, "other-app", "other-app-secret", "http://other-app.invalid/callback", nonce
    )
    with pytest.raises(OidcFailed, match="aud"):
        await oidc.verify_id_token(theirs, nonce)

    # the provider's signature over other claims
    header, payload, signature = ours["id_token"].split(".")
    forged_payload = _b64({**_part(ours["id_token"], 1), "sub": "maya"})
    with pytest.raises(OidcFailed, match="refused"):
        await oidc.verify_id_token({**ours, "id_token": f"{header}.{forged_payload}.{signature}"}, nonce)

    # the same claims and key id, signed with a key that is not the provider's; and expired, or from elsewhere
    stranger = RSAKey.generate_key(2048, parameters={"kid": _part(ours["id_token"], 0)["kid"]})
    genuine = _part(ours["id_token"], 1)
    now = int(time.time())
    for change in ({}, {"exp": now - 3600, "iat": now - 7200}, {"iss": "http://127.0.0.1:1"}):
        forged = jwt.encode({"alg": "RS256", "kid": stranger.kid}, {**genuine, **change}, stranger)
        with pytest.raises(OidcFailed, match="refused"):
            await oidc.verify_id_token({**ours, "id_token": forged}, nonce)

    with pytest.raises(OidcFailed, match="no ID token"):
        await oidc.verify_id_token({"access_token": ours["access_token"]}, nonce)


# -- sign-out, local passwords off, security headers, a provider that is down ---------------------------------------
async def test_sign_out_ends_the_session_here_and_at_the_provider(
    start: Callable[..., FastAPI], provider: Provider
) -> None:
    app = start()
    async with browser(app) as c:
        await sso(c, "alice")
        out = await c.post("/logout", data={"csrf_token": await csrf(c, "/intake")})
        assert out.status_code == 303
        location = urlsplit(out.headers["location"])
        assert (
            f"{location.scheme}://{location.netloc}{location.path}"
            == provider.metadata["end_session_endpoint"]
        )
        query = parse_qs(location.query)
        assert query["client_id"] == ["ipa-web"] and query["post_logout_redirect_uri"] == [f"{APP}/login"]
        assert "user" not in session_of(c)
        assert (await c.get("/intake")).status_code == 303

        confirm = await walk(c, await c.get(out.headers["location"]))  # the provider asks "sign me out?"
        back = await walk(c, await submit(c, confirm, logout="yes"))
        assert back.url == f"{APP}/login" and back.status_code == 200

        # the provider forgot the user too: the next single sign-on asks for the login again
        again = await walk(c, await c.get("/auth/oidc/login"))
        assert forms(again.text)[0].fields["prompt"] == "login"


async def test_password_sign_out_stays_here(start: Callable[..., FastAPI]) -> None:
    app = start()
    app.state.accounts.add("hal", "Hal", ["pcc"], "hal's long passphrase")
    async with browser(app) as c:
        await sign_in(c, "hal", "hal's long passphrase")
        out = await c.post("/logout", data={"csrf_token": await csrf(c, "/login")})
        assert out.status_code == 303 and out.headers["location"] == "/login"


async def test_local_passwords_can_be_switched_off(start: Callable[..., FastAPI]) -> None:
    with_passwords = start()
    with_passwords.state.accounts.add("hal", "Hal", ["college-ipa"], "hal's long passphrase")
    sso_only = start(local_passwords=False)
    async with browser(with_passwords) as c:
        await sign_in(c, "hal", "hal's long passphrase")
        cookie = c.cookies["ipa_session"]
    async with browser(sso_only) as c:
        page = await c.get("/login")
        assert "Sign in with Test IdP" in page.text and 'name="password"' not in page.text
        token = re.search(r'data-csrf="([^"]+)"', page.text)  # no password form: the page's own token
        assert token is not None
        r = await c.post(
            "/login", data={"username": "hal", "password": "hal's long passphrase", "csrf_token": token[1]}
        )
        assert r.status_code == 403 and "single sign-on" in r.text
        c.cookies.set("ipa_session", cookie)  # a password session from before the switch no longer counts
        assert (await c.get("/intake")).status_code == 303
    async with browser(sso_only) as c:
        assert (await sso(c, "alice")).url == f"{APP}/intake"


async def test_forms_may_lead_to_the_provider_and_nowhere_else(
    start: Callable[..., FastAPI], provider: Provider
) -> None:
    async with browser(start()) as c:
        csp = (await c.get("/login")).headers["content-security-policy"]
    assert f"form-action 'self' {provider.issuer};" in csp and "script-src 'self';" in csp


async def test_a_provider_that_is_down_is_reported_not_crashed_on(start: Callable[..., FastAPI]) -> None:
    app = start(oidc_issuer=f"http://127.0.0.1:{free_port()}")
    async with browser(app) as c:
        r = await c.get("/auth/oidc/login")
        assert r.status_code == 502 and "Single sign-on is not available" in r.text
        assert 'name="password"' in r.text  # the password form is still there


async def test_without_oidc_settings_there_is_no_button_and_no_route(tmp_path: Path) -> None:
    app = create_app(
        WebSettings(
            camunda_rest_address="http://127.0.0.1:9",
            database_url=f"sqlite:///{tmp_path / 'c.db'}",
            secret_key=SECRET,
            fast_password_hashing=True,
        )
    )
    try:
        async with browser(app) as c:
            page = await c.get("/login")
            assert (
                "Sign in with" not in page.text
                and "form-action 'self';" in page.headers["content-security-policy"]
            )
            assert (await c.get("/auth/oidc/login")).status_code == 404
            assert (await c.get("/auth/oidc/callback?code=x&state=y")).status_code == 404
    finally:
        app.state.accounts.store.dispose()
