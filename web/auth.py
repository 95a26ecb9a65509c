"""Sign-in: accounts in the casework store (argon2 hashes, or single sign-on through OIDC, web/oidc.py), roles =
the candidate groups of domain.md §10.4, CSRF tokens.

The session is Starlette's signed cookie (itsdangerous); it holds the user name and the CSRF token only (and,
during a single sign-on, the state, nonce and PKCE verifier). Every request reads the account again, so disabling
it or changing its roles takes effect at once. Camunda 8.8 does not restrict user tasks by candidate group
(Tasklist V2), so every check happens here.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipa.store import Account, Store
from ipa.store.types import utcnow

#: every candidate group of the process (domain.md §10.4, as the BPMN names them)
CANDIDATE_GROUPS = (
    "college-ipa",
    "force-international-liaison",
    "finance-commercial",
    "finance-director",
    "osja-lead",
    "head-of-department",
    "hmg-senior-official",
    "fcdo-post",
    "minister-private-office",
    "jiph-triage",
    "ipab-board",
    "chief-constable",
    "college-ceo-delegate",
    "pcc",
    "home-office-policing",
    "legal-commercial",
    "health-safety-deployment",
    "chief-officer",
    "trainer-lead",
)
#: not a candidate group: sees the dashboard and every case, retries incidents
MANAGER = "ipa-manager"
#: not a candidate group: edits and deploys the models in the modeler
PROCESS_OWNER = "process-owner"
#: every role an account may hold
ROLES = (*CANDIDATE_GROUPS, MANAGER, PROCESS_OWNER)
#: where an account comes from (accounts.source)
LOCAL, DEMO, OIDC = "local", "demo", "oidc"
#: groups that take requests in (intake) and see the whole of every case file
CASEWORK = frozenset({"college-ipa", "force-international-liaison"})

#: the demo accounts: user name -> (display name, roles)
DEMO_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "manager": ("Maya Manager", (MANAGER,)),
    "caseworker": ("Casey Worker", ("college-ipa", "force-international-liaison")),
    "finance": ("Fin Ance", ("finance-commercial", "finance-director")),
    "osja": ("Olu Sja", ("osja-lead",)),
    "hod": ("Hannah HoD", ("head-of-department",)),
    "senior": ("Sam Senior", ("hmg-senior-official",)),
    "post": ("Pat Post", ("fcdo-post",)),
    "minister": ("Min Office", ("minister-private-office",)),
    "chief": ("Chris Chief", ("chief-constable", "college-ceo-delegate", "chief-officer")),
    "pcc": ("Pam PCC", ("pcc",)),
    "legal": ("Lee Legal", ("legal-commercial",)),
    "safety": ("Sid Safety", ("health-safety-deployment",)),
    "trainer": ("Tia Trainer", ("trainer-lead",)),
    # process owners edit and deploy bpmn/, dmn/ and forms/ in the modeler
    "owner": ("Olive Owner", (PROCESS_OWNER,)),
}


@dataclass(frozen=True)
class User:
    username: str
    name: str
    roles: frozenset[str]

    @property
    def is_manager(self) -> bool:
        return MANAGER in self.roles

    @property
    def is_casework(self) -> bool:
        return bool(self.roles & CASEWORK)

    def may_work_on(self, candidate_groups: list[str] | None) -> bool:
        """A task is for whoever holds one of its candidate groups; a task without groups is for nobody here."""
        return bool(self.roles & set(candidate_groups or ()))


class UnknownRole(ValueError):
    """A role that is none of ROLES."""


class AccountConflict(RuntimeError):
    """The name is taken by another account (a local one, or another person at the identity provider)."""


def unknown_roles_message(unknown: Iterable[str]) -> str:
    return f"unknown role(s) {', '.join(sorted(unknown))}; the valid roles are: {', '.join(ROLES)}"


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """The roles, sorted and without duplicates; UnknownRole (naming the valid ones) for any that is not ours."""
    given = {r.strip() for r in roles}
    if unknown := given - set(ROLES):
        raise UnknownRole(unknown_roles_message(unknown))
    return tuple(sorted(given))


def normalise_username(username: str) -> str:
    """User names are case-insensitive: kept in lower case. No spaces or control characters; at most 120."""
    name = username.strip().lower()
    if not name or len(name) > 120 or not name.isprintable() or any(c.isspace() for c in name):
        raise ValueError(f"not a user name: {username!r} (1-120 characters, no spaces)")
    return name


@dataclass(frozen=True)
class AccountInfo:
    """An account as `ipa users list` shows it (never its hash)."""

    username: str
    name: str
    roles: tuple[str, ...]
    source: str
    disabled: bool
    created_at: datetime
    updated_at: datetime
    last_sign_in_at: datetime | None


class Accounts:
    """The accounts in the casework store (table `accounts`). Every call is one short transaction, so the web
    side's replicas and the `ipa users` command line see each other's changes at once: a disabled account is
    signed out on its next request."""

    def __init__(self, store: Store, hasher: PasswordHasher) -> None:
        self.store = store
        self.hasher = hasher
        #: verifying against this for unknown names keeps the answer time the same (no user enumeration)
        self._dummy = hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def create(cls, store: Store, fast: bool = False) -> Accounts:
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if fast else PasswordHasher()
        return cls(store, hasher)

    @staticmethod
    def _row(s: Session, username: str) -> Account | None:
        return s.scalar(select(Account).where(Account.username == username))

    @staticmethod
    def _user(row: Account) -> User:
        return User(row.username, row.display_name, frozenset(row.roles))

    # -- local accounts -------------------------------------------------------------------------------------
    def add(
        self, username: str, name: str, roles: Iterable[str], password: str, *, source: str = LOCAL
    ) -> User:
        """Create the account, or replace the name, roles and password of the one there (it stays enabled or
        disabled as it was). `exists` first where replacing is not meant."""
        username, roles = normalise_username(username), check_roles(roles)
        password_hash = self.hasher.hash(password)
        with self.store.transaction() as s:
            row = self._row(s, username)
            if row is None:
                row = Account(username=username, disabled=False)
                s.add(row)
            row.display_name, row.roles, row.password_hash = name or username, list(roles), password_hash
            row.source, row.issuer, row.subject = source, None, None
            return self._user(row)

    def exists(self, username: str) -> bool:
        with self.store.reader() as s:
            return self._row(s, normalise_username(username)) is not None

    def authenticate(self, username: str, password: str) -> User | None:
        """The user, if the name and password match an enabled account with a local password. Unknown names,
        disabled and single sign-on accounts cost the same argon2 verification as a wrong password. A hash made
        with weaker parameters than the current ones is replaced after a successful check."""
        try:
            username = normalise_username(username)
        except ValueError:
            username = ""
        with self.store.reader() as s:
            row = self._row(s, username) if username else None
            stored = row.password_hash if row is not None else None
            user = self._user(row) if row is not None and not row.disabled and stored else None
        try:
            self.hasher.verify(stored or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or stored is None:
            return None
        with self.store.transaction() as s:
            row = self._row(s, username)
            if row is None or row.password_hash != stored or row.disabled:  # changed meanwhile: not this one
                return None
            if self.hasher.check_needs_rehash(stored):
                row.password_hash = self.hasher.hash(password)
            row.last_sign_in_at = utcnow()
        return user

    def get(self, username: str | None) -> User | None:
        """The enabled account of that name (what a session names), or None."""
        if not username:
            return None
        with self.store.reader() as s:
            row = self._row(s, username)
            return self._user(row) if row is not None and not row.disabled else None

    def source_of(self, username: str | None) -> str | None:
        with self.store.reader() as s:
            row = self._row(s, username or "")
            return row.source if row is not None else None

    def set_password(self, username: str, password: str) -> None:
        """A new local password. A demo account becomes an ordinary local one: restarts no longer reset it."""
        password_hash = self.hasher.hash(password)
        with self.store.transaction() as s:
            row = self._existing(s, username)
            if row.source == OIDC:
                raise AccountConflict(
                    f"{row.username} signs in through single sign-on and has no password here"
                )
            row.password_hash, row.source = password_hash, LOCAL

    def set_roles(self, username: str, roles: Iterable[str]) -> None:
        roles = check_roles(roles)
        with self.store.transaction() as s:
            row = self._existing(s, username)
            if row.source == OIDC:
                raise AccountConflict(
                    f"{row.username}'s roles come from the identity provider at each sign-in"
                )
            row.roles = list(roles)

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        with self.store.transaction() as s:
            self._existing(s, username).disabled = disabled

    def _existing(self, s: Session, username: str) -> Account:
        row = self._row(s, normalise_username(username))
        if row is None:
            raise KeyError(f"no account {username!r}")
        return row

    def listing(self) -> list[AccountInfo]:
        with self.store.reader() as s:
            return [
                AccountInfo(
                    r.username,
                    r.display_name,
                    tuple(r.roles),
                    r.source,
                    r.disabled,
                    r.created_at,
                    r.updated_at,
                    r.last_sign_in_at,
                )
                for r in s.scalars(select(Account).order_by(Account.username))
            ]

    # -- single sign-on ---------------------------------------------------------------------------------------
    def sign_in_external(
        self, username: str, name: str, roles: Iterable[str], *, issuer: str, subject: str
    ) -> User | None:
        """Create or update the account of the person `subject` at `issuer`, with the roles the provider gave
        (at every sign-in: removing a group at the provider removes the role here). None if it is disabled.
        AccountConflict if the name belongs to a local account or to someone else at the provider: a provider
        must never be able to take over an account it did not create."""
        username, roles = normalise_username(username), check_roles(roles)
        with self.store.transaction() as s:
            row = s.scalar(select(Account).where(Account.issuer == issuer, Account.subject == subject))
            taken = self._row(s, username)
            if taken is not None and taken is not row:
                raise AccountConflict(
                    f"the user name {username} is already taken here by another account; "
                    "ask an administrator to resolve it"
                )
            if row is None:
                row = Account(username=username, source=OIDC, issuer=issuer, subject=subject, disabled=False)
                s.add(row)
            row.username, row.display_name, row.roles, row.password_hash = (
                username,
                name or username,
                list(roles),
                None,
            )
            row.last_sign_in_at = utcnow()
            return None if row.disabled else self._user(row)

    def revoke_external(self, issuer: str, subject: str) -> None:
        """The provider gave this person none of our roles: their account here (if any) loses its roles too, so
        other sessions of theirs lose them at once."""
        with self.store.transaction() as s:
            row = s.scalar(select(Account).where(Account.issuer == issuer, Account.subject == subject))
            if row is not None and row.roles:
                row.roles = []

    # -- demo accounts ------------------------------------------------------------------------------------------
    def seed_demo(self, password: str) -> list[tuple[str, str, tuple[str, ...], str]]:
        """Create the demo accounts, or reset those still demo accounts to `password` (the one printed at start-up,
        new at every start unless IPA_WEB_DEMO_PASSWORD), with their demo name and roles. An account an operator
        has made their own (`ipa users add` or `passwd` on that name) is left alone, and so is a disabled one's
        flag. Returns (user name, name, roles, "seeded" | "kept" | "disabled") for the start-up listing."""
        password_hash = self.hasher.hash(password)  # one hash for all: they share the password anyway
        out = []
        with self.store.transaction() as s:
            for username, (name, roles) in DEMO_ACCOUNTS.items():
                row = self._row(s, username)
                if row is None:
                    row = Account(username=username, source=DEMO, disabled=False)
                    s.add(row)
                if row.source != DEMO:
                    out.append((username, row.display_name, tuple(row.roles), "kept"))
                    continue
                row.display_name, row.roles, row.password_hash = name, sorted(roles), password_hash
                out.append((username, name, roles, "disabled" if row.disabled else "seeded"))
        return out


def seed_demo(accounts: Accounts, password: str) -> list[tuple[str, str, tuple[str, ...], str]]:
    return accounts.seed_demo(password)


def demo_listing(seeded: list[tuple[str, str, tuple[str, ...], str]], password: str) -> list[str]:
    """The start-up lines about the demo accounts (`ipa up`, `ipa web`)."""
    lines = [f"demo accounts         password {password}"]
    for username, name, roles, status in seeded:
        note = {"kept": "  (its own password: not reset)", "disabled": "  (disabled)"}.get(status, "")
        lines.append(f"                      {username:<11} {name:<14} {', '.join(roles)}{note}")
    return lines


# -- CSRF: a per-session token, sent back in a form field or the X-CSRF-Token header ----------------------------
def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Dependency of every state-changing route: the session's token must come back with the request."""
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get("csrf_token") or "")
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise HTTPException(
            403, "The form expired or did not come from this site. Reload the page and try again."
        )


Csrf = Depends(check_csrf)


# -- who is signed in ---------------------------------------------------------------------------------------------
class SignInRequired(Exception):
    """Raised by `require_user`; the app answers pages with a redirect to the sign-in page."""


def current_user(request: Request) -> User | None:
    """The signed-in user: the enabled account the session names (read once per request)."""
    if "user" in request.scope.setdefault("state", {}):
        found: User | None = request.state.user
        return found
    accounts: Accounts = request.app.state.accounts
    user = accounts.get(request.session.get("user"))
    if (
        user is not None
        and not request.app.state.settings.local_passwords
        and request.session.get("via") != OIDC
    ):
        user = None  # local passwords are switched off: a session from before that no longer counts
    request.state.user = user
    return user


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise SignInRequired()
    return user


CurrentUser = Annotated[User, Depends(require_user)]
MaybeUser = Annotated[User | None, Depends(current_user)]


def require_manager(user: CurrentUser) -> User:
    if not user.is_manager:
        raise HTTPException(403, "This page is for managers.")
    return user


def require_casework(user: CurrentUser) -> User:
    if not (user.is_casework or user.is_manager):
        raise HTTPException(403, "Intake is for the international assistance team.")
    return user


Manager = Annotated[User, Depends(require_manager)]
Caseworker = Annotated[User, Depends(require_casework)]
