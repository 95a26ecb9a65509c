"""`ipa users ...`: the operators' commands for the web side's accounts (in the casework store the web side uses:
IPA_DATABASE_URL, else $IPA_DATA_DIR/casework.db).

Imports stay inside the commands, so `ipa --help` does not load the web application."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from web.auth import Accounts

users_app = typer.Typer(
    help="Accounts that sign in to the web side (local passwords; single sign-on accounts appear here too).",
    no_args_is_help=True,
)
#: NCSC and NIST advise length over composition rules
MIN_PASSWORD = 12

RoleOption = Annotated[
    list[str],
    typer.Option(
        "--role", "-r", help="a role (a candidate group, ipa-manager or process-owner); repeat for more"
    ),
]


def _accounts() -> Accounts:
    from ipa.store import Store
    from web.auth import Accounts
    from web.config import WebSettings

    settings = WebSettings()
    store = Store(settings.database_url)
    store.migrate()  # a first run on a new machine finds an empty, current schema
    return Accounts.create(store, fast=settings.fast_password_hashing)


def _roles(roles: list[str]) -> tuple[str, ...]:
    from web.auth import UnknownRole, check_roles

    if not roles:
        raise typer.BadParameter("give at least one --role", param_hint="'--role'")
    try:
        return check_roles(roles)
    except UnknownRole as e:
        raise typer.BadParameter(str(e), param_hint="'--role'") from e


def _username(name: str) -> str:
    from web.auth import normalise_username

    try:
        return normalise_username(name)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="'NAME'") from e


def _new_password() -> str:
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        typer.echo(f"The password must have at least {MIN_PASSWORD} characters.", err=True)
        raise typer.Exit(1)
    return password


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="the user name (case-insensitive), e.g. j.smith")],
    role: RoleOption,
    display: Annotated[
        str | None, typer.Option("--name", help="the name shown on pages [default: NAME]")
    ] = None,
) -> None:
    """Add a local account; asks for its password twice."""
    username, roles = _username(name), _roles(role)
    accounts = _accounts()
    if accounts.exists(username):
        raise _fail(
            f"{username} already exists: `ipa users passwd`, `ipa users roles` or `ipa users enable` it"
        )
    accounts.add(username, display or username, roles, _new_password())
    typer.echo(f"added {username} ({', '.join(roles)})")


@users_app.command("list")
def list_users(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Every account: roles, where it comes from (local, demo, oidc), whether it is disabled."""
    rows = _accounts().listing()
    if as_json:
        out = [
            {
                "username": r.username,
                "name": r.name,
                "roles": list(r.roles),
                "source": r.source,
                "disabled": r.disabled,
                "created": r.created_at.isoformat(),
                "updated": r.updated_at.isoformat(),
                "lastSignIn": r.last_sign_in_at.isoformat() if r.last_sign_in_at else None,
            }
            for r in rows
        ]
        typer.echo(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Accounts")
    for column in ("user", "name", "roles", "source", "state", "last sign-in"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.username,
            r.name,
            ", ".join(r.roles) or "-",
            r.source,
            "disabled" if r.disabled else "enabled",
            r.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if r.last_sign_in_at else "-",
        )
    Console().print(table)


def _change(name: str, change: str, do: Callable[[], None]) -> None:
    from web.auth import AccountConflict

    try:
        do()
    except KeyError:
        raise _fail(f"no account {name}") from None
    except AccountConflict as e:
        raise _fail(str(e)) from None
    typer.echo(f"{change} {name}")


@users_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="the user name")]) -> None:
    """Stop an account signing in; its open sessions end at their next request."""
    username = _username(name)
    accounts = _accounts()
    _change(username, "disabled", lambda: accounts.set_disabled(username, True))


@users_app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="the user name")]) -> None:
    """Let a disabled account sign in again."""
    username = _username(name)
    accounts = _accounts()
    _change(username, "enabled", lambda: accounts.set_disabled(username, False))


@users_app.command("passwd")
def passwd(name: Annotated[str, typer.Argument(help="the user name")]) -> None:
    """Set a new password (asked twice). A demo account becomes an ordinary one: restarts no longer reset it."""
    username = _username(name)
    accounts = _accounts()
    if not accounts.exists(username):
        raise _fail(f"no account {username}")
    password = _new_password()
    _change(username, "new password for", lambda: accounts.set_password(username, password))


@users_app.command("roles")
def roles(name: Annotated[str, typer.Argument(help="the user name")], role: RoleOption) -> None:
    """Replace a local account's roles (single sign-on accounts take theirs from the identity provider)."""
    username, new = _username(name), _roles(role)
    accounts = _accounts()
    _change(username, f"roles {', '.join(new)} for", lambda: accounts.set_roles(username, new))
