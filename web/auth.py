"""Sign-in: local accounts (argon2 hashes), roles = the candidate groups of domain.md §10.4, CSRF tokens.

The session is Starlette's signed cookie (itsdangerous); it holds the user name and the CSRF token only.
Camunda 8.8 does not restrict user tasks by candidate group (Tasklist V2), so every check happens here.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request

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
    "owner": ("Olive Owner", ("process-owner",)),
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


@dataclass
class Accounts:
    hasher: PasswordHasher
    users: dict[str, tuple[User, str]] = field(default_factory=dict)
    #: verifying against this for unknown names keeps the answer time the same (no user enumeration)
    _dummy: str = ""

    @classmethod
    def create(cls, fast: bool = False) -> Accounts:
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if fast else PasswordHasher()
        accounts = cls(hasher)
        accounts._dummy = hasher.hash(secrets.token_urlsafe(16))
        return accounts

    def add(self, username: str, name: str, roles: tuple[str, ...], password: str) -> User:
        user = User(username, name, frozenset(roles))
        self.users[username] = (user, self.hasher.hash(password))
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        found = self.users.get(username)
        try:
            self.hasher.verify(found[1] if found else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        return found[0] if found else None

    def get(self, username: str | None) -> User | None:
        found = self.users.get(username or "")
        return found[0] if found else None


def seed_demo(accounts: Accounts, password: str) -> None:
    for username, (name, roles) in DEMO_ACCOUNTS.items():
        accounts.add(username, name, roles, password)


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
    accounts: Accounts = request.app.state.accounts
    return accounts.get(request.session.get("user"))


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
