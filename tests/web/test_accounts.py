"""Accounts in the casework store: they survive a restart, disabled ones cannot sign in, hashes are upgraded,
demo accounts are seeded only when asked, and `ipa users` manages them (a real app on a real SQLite store; the
engine is not needed for these pages)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from ipa.cli import app as cli
from ipa.store import Account, Store
from tests.web.conftest import csrf, sign_in
from web.app import create_app
from web.auth import CANDIDATE_GROUPS, DEMO_ACCOUNTS, ROLES, Accounts, demo_listing
from web.config import WebSettings

STRONG = "a long enough passphrase"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'casework.db'}"
    monkeypatch.setenv("IPA_DATABASE_URL", url)  # what `ipa users` uses, like the web side
    for name in (
        "IPA_WEB_DEMO_ACCOUNTS",
        "IPA_WEB_DEMO_PASSWORD",
        "IPA_OIDC_ISSUER",
        "IPA_WEB_LOCAL_PASSWORDS",
    ):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture
def start(db: str) -> Iterator[Callable[..., FastAPI]]:
    """Starts the web side on the store (again and again: a restart is a new app on the same database)."""
    apps: list[FastAPI] = []

    def make(**settings: Any) -> FastAPI:
        app = create_app(
            WebSettings(
                camunda_rest_address="http://127.0.0.1:9",  # nothing here talks to the engine
                database_url=db,
                secret_key="test-secret",
                fast_password_hashing=True,
                **settings,
            )
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.accounts.store.dispose()


@asynccontextmanager
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", follow_redirects=False
    ) as c:
        yield c


def ipa(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def stored(db: str, username: str) -> Account:
    store = Store(db)
    try:
        with store.reader() as s:
            row = s.scalar(select(Account).where(Account.username == username))
            assert row is not None
            return row
    finally:
        store.dispose()


async def test_accounts_survive_a_restart(start: Callable[..., FastAPI]) -> None:
    first = start()
    first.state.accounts.add("Alice", "Alice Able", ["college-ipa"], STRONG)
    async with client(first) as c:
        assert (await sign_in(c, "alice", STRONG)).headers["location"] == "/inbox"
    restarted = start()
    async with client(restarted) as c:
        r = await sign_in(c, "ALICE", STRONG)  # user names are case-insensitive
        assert r.status_code == 303, r.text
        assert (await c.get("/intake")).status_code == 200  # a caseworker's page
        assert (await c.get("/dashboard")).status_code == 403  # a manager's
    assert stored(restarted.state.settings.database_url, "alice").last_sign_in_at is not None


async def test_no_demo_accounts_unless_asked(start: Callable[..., FastAPI]) -> None:
    app = start()
    assert app.state.demo_seeded == [] and app.state.accounts.listing() == []
    async with client(app) as c:
        assert (await sign_in(c, "manager", app.state.demo_password)).status_code == 401


async def test_demo_accounts_take_the_printed_password_at_every_start(start: Callable[..., FastAPI]) -> None:
    first = start(demo_accounts=True)
    async with client(first) as c:
        assert (await sign_in(c, "manager", first.state.demo_password)).headers["location"] == "/dashboard"
    second = start(demo_accounts=True)  # a new random password, printed again
    assert second.state.demo_password != first.state.demo_password
    async with client(second) as c:
        assert (await sign_in(c, "manager", first.state.demo_password)).status_code == 401
        assert (await sign_in(c, "manager", second.state.demo_password)).status_code == 303
    lines = demo_listing(second.state.demo_seeded, second.state.demo_password)
    assert lines[0].endswith(second.state.demo_password) and len(lines) == 1 + len(DEMO_ACCOUNTS)


async def test_an_account_made_ones_own_is_not_reset_by_a_restart(start: Callable[..., FastAPI]) -> None:
    start(demo_password="first demo password")
    result = ipa("users", "passwd", "manager", input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    ipa("users", "disable", "post")
    app = start(demo_password="second demo password")
    status = {username: state for username, _, _, state in app.state.demo_seeded}
    assert status["manager"] == "kept" and status["post"] == "disabled" and status["finance"] == "seeded"
    listing = "\n".join(demo_listing(app.state.demo_seeded, app.state.demo_password))
    assert "manager" in listing and "(its own password: not reset)" in listing and "(disabled)" in listing
    async with client(app) as c:
        assert (await sign_in(c, "manager", "second demo password")).status_code == 401
        assert (await sign_in(c, "manager", STRONG)).status_code == 303
    async with client(app) as c:
        assert (await sign_in(c, "post", "second demo password")).status_code == 401  # still disabled
        assert (await sign_in(c, "finance", "second demo password")).status_code == 303


async def test_disabled_account_cannot_sign_in_and_its_session_ends(start: Callable[..., FastAPI]) -> None:
    app = start()
    accounts: Accounts = app.state.accounts
    accounts.add("bob", "Bob", ["finance-commercial"], STRONG)
    async with client(app) as signed_in, client(app) as later:
        assert (await sign_in(signed_in, "bob", STRONG)).status_code == 303
        assert (await signed_in.get("/intake")).status_code == 403  # signed in (a finance role: not intake)
        assert ipa("users", "disable", "bob").exit_code == 0
        r = await sign_in(later, "bob", STRONG)
        assert r.status_code == 401 and "Unknown user name or wrong password." in r.text  # nothing more told
        assert (await signed_in.get("/intake")).headers["location"] == "/login?next=/intake"
        assert ipa("users", "enable", "bob").exit_code == 0
        assert (await sign_in(later, "bob", STRONG)).status_code == 303


async def test_wrong_password(start: Callable[..., FastAPI]) -> None:
    app = start()
    app.state.accounts.add("carol", "Carol", ["pcc"], STRONG)
    async with client(app) as c:
        r = await sign_in(c, "carol", STRONG + "!")
        assert r.status_code == 401 and "Unknown user name or wrong password." in r.text
        assert (await c.get("/intake")).status_code == 303


async def test_a_hash_with_old_parameters_is_replaced_at_sign_in(
    start: Callable[..., FastAPI], db: str
) -> None:
    app = start()
    accounts: Accounts = app.state.accounts
    accounts.add("dan", "Dan", ["osja-lead"], STRONG)
    old = argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(STRONG)
    with accounts.store.transaction() as s:
        row = s.scalar(select(Account).where(Account.username == "dan"))
        assert row is not None
        row.password_hash = old
    async with client(app) as c:
        assert (await sign_in(c, "dan", STRONG + "x")).status_code == 401
        assert stored(db, "dan").password_hash == old  # a failed attempt changes nothing
        assert (await sign_in(c, "dan", STRONG)).status_code == 303
    new = stored(db, "dan").password_hash
    assert new is not None and new != old
    assert argon2.extract_parameters(new) == argon2.extract_parameters(accounts.hasher.hash("x"))
    accounts.hasher.verify(new, STRONG)
    async with client(app) as c:  # current parameters: left as it is
        assert (await sign_in(c, "dan", STRONG)).status_code == 303
    assert stored(db, "dan").password_hash == new


def test_unknown_names_cost_a_full_verification(start: Callable[..., FastAPI]) -> None:
    accounts: Accounts = start().state.accounts
    assert argon2.extract_parameters(accounts._dummy) == argon2.extract_parameters(accounts.hasher.hash("x"))
    assert accounts.authenticate("nobody", "whatever") is None
    assert accounts.authenticate("", "whatever") is None and accounts.authenticate("a b", "x") is None


# -- ipa users ----------------------------------------------------------------------------------------------------
async def test_ipa_users_add_list_passwd_roles(start: Callable[..., FastAPI]) -> None:
    r = ipa("users", "add", "E.Smith", "--role", "finance-director", "-r", "pcc", "--name", "Eve Smith",
            input=f"{STRONG}\n{STRONG}\n")  # fmt: skip
    assert r.exit_code == 0 and "added e.smith (finance-director, pcc)" in r.output, r.output
    r = ipa("users", "list", "--json")
    assert r.exit_code == 0, r.output
    (eve,) = json.loads(r.output)
    assert eve["username"] == "e.smith" and eve["name"] == "Eve Smith"
    assert (
        eve["roles"] == ["finance-director", "pcc"] and eve["source"] == "local" and eve["disabled"] is False
    )
    assert "hash" not in r.output.lower() and "argon2" not in r.output
    table = ipa("users", "list")
    assert table.exit_code == 0 and "e.smith" in table.output and "enabled" in table.output

    app = start()
    async with client(app) as c:
        assert (await sign_in(c, "e.smith", STRONG)).status_code == 303
        assert (await c.get("/intake")).status_code == 403
    assert ipa("users", "roles", "e.smith", "--role", "college-ipa").exit_code == 0
    assert (
        ipa(
            "users", "passwd", "e.smith", input="another long passphrase\nanother long passphrase\n"
        ).exit_code
        == 0
    )
    async with client(app) as c:
        assert (await sign_in(c, "e.smith", STRONG)).status_code == 401
        assert (await sign_in(c, "e.smith", "another long passphrase")).status_code == 303
        assert (await c.get("/intake")).status_code == 200


def test_ipa_users_refuses_unknown_roles_naming_the_valid_ones(db: str) -> None:
    r = ipa(
        "users", "add", "frank", "--role", "college-ipa", "--role", "superuser", input=f"{STRONG}\n{STRONG}\n"
    )
    assert r.exit_code == 2
    assert "unknown role(s) superuser" in r.output and "the valid roles are:" in r.output
    # rich wraps the usage error's box: every valid role is named in it
    flat = "".join(r.output.split())
    for role in (*CANDIDATE_GROUPS, "ipa-manager", "process-owner"):
        assert role in flat
    assert set(ROLES) == {*CANDIDATE_GROUPS, "ipa-manager", "process-owner"}
    assert json.loads(ipa("users", "list", "--json").output) == []  # nothing was added
    assert ipa("users", "add", "frank", input=f"{STRONG}\n{STRONG}\n").exit_code == 2  # --role is required


def test_ipa_users_refusals(db: str) -> None:
    assert ipa("users", "add", "gail", "-r", "pcc", input=f"{STRONG}\nsomething else\n").exit_code != 0
    assert ipa("users", "add", "gail", "-r", "pcc", input="short\nshort\n").exit_code == 1
    assert ipa("users", "add", "gail", "-r", "pcc", input=f"{STRONG}\n{STRONG}\n").exit_code == 0
    again = ipa("users", "add", "GAIL", "-r", "pcc", input=f"{STRONG}\n{STRONG}\n")
    assert again.exit_code == 1 and "already exists" in again.output
    missing = ipa("users", "disable", "nobody")
    assert missing.exit_code == 1 and "no account nobody" in missing.output
    assert ipa("users", "passwd", "nobody").exit_code == 1
    assert ipa("users", "add", "with space", "-r", "pcc").exit_code == 2


async def test_csrf_and_sign_in_unchanged_for_stored_accounts(start: Callable[..., FastAPI]) -> None:
    app = start()
    app.state.accounts.add("hal", "Hal", ["ipa-manager"], STRONG)
    async with client(app) as c:
        await sign_in(c, "hal", STRONG)
        assert (await c.post("/logout", data={"csrf_token": "forged"})).status_code == 403
        assert (await c.post("/logout", data={"csrf_token": await csrf(c, "/login")})).status_code == 303
        assert (await c.get("/intake")).status_code == 303


def test_settings_refuse_a_configuration_nobody_can_sign_in_with(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IPA_OIDC_ISSUER", raising=False)
    with pytest.raises(ValueError, match="IPA_WEB_LOCAL_PASSWORDS=false leaves no way to sign in"):
        WebSettings(local_passwords=False)
    with pytest.raises(ValueError, match="IPA_OIDC_CLIENT_ID"):
        WebSettings(oidc_issuer="https://login.example.org")
    with pytest.raises(ValueError, match="unknown role"):
        WebSettings(oidc_issuer="https://login.example.org", oidc_client_id="x", oidc_role_map={"g": "root"})
    monkeypatch.setenv("IPA_OIDC_ROLE_MAP", '{"Finance": ["finance-commercial", "finance-director"]}')
    settings = WebSettings(oidc_issuer="https://login.example.org", oidc_client_id="x")
    assert settings.oidc_role_map == {"Finance": ["finance-commercial", "finance-director"]}
