"""Single sign-on with OpenID Connect (Authlib): authorization code flow with state, nonce and PKCE (S256).

The provider's metadata comes from `<IPA_OIDC_ISSUER>/.well-known/openid-configuration`, read at the first sign-in
(the web side starts while the provider is down). The ID token is checked for its signature (the provider's JWKS,
only the algorithms it advertises), `iss` (the issuer the metadata names, which must be the configured one), `aud`
(our client id), `azp`, `exp`/`iat` (2 minutes' leeway) and the nonce kept in the session; the state is checked
against the session before the code is exchanged. Claims the ID token lacks (many providers put groups only in
userinfo) are read from the userinfo endpoint with the access token, when its `sub` is the ID token's.

Roles come from one claim (`IPA_OIDC_ROLES_CLAIM`, default `groups`), mapped through `IPA_OIDC_ROLE_MAP`; only
roles this system knows count. The tokens are not kept: the session only names the account (web/auth.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from web.auth import ROLES
from web.config import WebSettings

#: the session key that remembers where to go after the provider sends the user back
NEXT = "oidc_next"
#: what Authlib's StarletteIntegration calls its session keys (`_state_<name>_<state>`)
NAME = "oidc"


class OidcFailed(Exception):
    """The sign-in did not complete (refused at the provider, state or token wrong, provider unreachable)."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    issuer: str
    subject: str
    username: str
    name: str
    groups: tuple[str, ...]
    roles: frozenset[str]


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class Oidc:
    def __init__(self, settings: WebSettings) -> None:
        assert settings.oidc_issuer is not None and settings.oidc_client_id is not None
        self.settings = settings
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        client_kwargs: dict[str, Any] = {
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "timeout": 10,
        }
        if settings.oidc_client_secret is None:
            client_kwargs["token_endpoint_auth_method"] = "none"  # a public client: PKCE is its proof
        self.client: Any = OAuth().register(
            NAME,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=self.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )

    @property
    def provider_name(self) -> str:
        return self.settings.oidc_provider_name or urlsplit(self.issuer).hostname or self.issuer

    @property
    def origin(self) -> str:
        """The provider's origin: forms here may lead there (sign-out redirects to its end-session endpoint)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    async def metadata(self) -> dict[str, Any]:
        """The provider's metadata (read once); OidcFailed if it cannot be read or names another issuer."""
        try:
            metadata: dict[str, Any] = await self.client.load_server_metadata()
        except Exception as e:  # httpx errors, a non-JSON answer: the provider is not there
            raise OidcFailed(f"the identity provider cannot be reached ({type(e).__name__})") from e
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
            self.client.server_metadata.pop("_loaded_at", None)  # read it again next time
            raise OidcFailed(
                f"the identity provider's metadata names the issuer {metadata.get('issuer')!r}, "
                f"not {self.issuer!r} (IPA_OIDC_ISSUER)"
            )
        return metadata

    def redirect_uri(self, request: Request) -> str:
        return self.settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))

    def post_logout_uri(self, request: Request) -> str:
        if self.settings.oidc_redirect_uri:
            return urljoin(self.settings.oidc_redirect_uri, "/login")
        return str(request.url_for("login_page"))

    async def start(self, request: Request, next_path: str) -> Response:
        """The redirect to the provider's authorization endpoint; state, nonce and PKCE verifier go in the session."""
        await self.metadata()
        request.session[NEXT] = next_path
        try:
            response: Response = await self.client.authorize_redirect(request, self.redirect_uri(request))
        except Exception as e:
            raise OidcFailed(f"the sign-in could not start ({type(e).__name__})") from e
        return response

    def _claims_options(self, metadata: dict[str, Any]) -> dict[str, Any]:
        # Authlib checks only `iss` unless told more: the audience must be us, and these claims must be there
        return {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
        }

    async def verify_id_token(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The ID token's claims after every check (signature, iss, aud, azp, exp, iat, nonce, at_hash)."""
        if "id_token" not in token:
            raise OidcFailed("the identity provider sent no ID token")
        metadata = await self.metadata()
        try:
            claims = await self.client.parse_id_token(
                token, nonce, claims_options=self._claims_options(metadata)
            )
        except (JoseError, ValueError) as e:
            raise OidcFailed(f"the identity provider's ID token was refused ({e})") from e
        return dict(claims)

    async def finish(self, request: Request) -> tuple[Identity, str]:
        """The callback: state from the session, code for tokens (with the PKCE verifier), the ID token checked.
        The identity, and where to go next."""
        metadata = await self.metadata()
        sent_iss = request.query_params.get("iss")  # RFC 9207: the answer names the provider that gave it
        if sent_iss is not None and sent_iss != metadata["issuer"]:
            raise OidcFailed("the answer came from another identity provider")
        try:
            token = await self.client.authorize_access_token(
                request, claims_options=self._claims_options(metadata)
            )
        except OAuthError as e:  # the provider refused, or the state is not the one this session started
            raise OidcFailed(e.description or e.error or "refused") from e
        except JoseError as e:
            raise OidcFailed(f"the identity provider's ID token was refused ({e})") from e
        except Exception as e:  # the token endpoint or the JWKS cannot be reached
            raise OidcFailed(f"the identity provider cannot be reached ({type(e).__name__})") from e
        next_path = str(request.session.pop(NEXT, "/"))  # kept until now: a forged callback must not lose it
        if "userinfo" not in token:  # no ID token: Authlib did not check anything
            raise OidcFailed("the identity provider sent no ID token")
        claims: dict[str, Any] = dict(token["userinfo"])
        wanted = (self.settings.oidc_roles_claim, self.settings.oidc_username_claim, "name")
        if any(claim(claims, c) is None for c in wanted) and metadata.get("userinfo_endpoint"):
            try:
                info = dict(await self.client.userinfo(token=token))
            except Exception as e:
                raise OidcFailed(
                    f"the identity provider's userinfo cannot be read ({type(e).__name__})"
                ) from e
            if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: anything else must not be used
                claims = {**info, **claims}
        return self.identity(claims), next_path

    def identity(self, claims: dict[str, Any]) -> Identity:
        groups = claim(claims, self.settings.oidc_roles_claim)
        if isinstance(groups, str):
            groups = [groups]
        groups = tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else ()
        username = claim(claims, self.settings.oidc_username_claim)
        if not isinstance(username, str) or not username.strip():
            username = str(claims["sub"])
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        return Identity(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            username=username,
            name=name or username,
            groups=groups,
            roles=self.roles_for(groups),
        )

    def roles_for(self, groups: tuple[str, ...]) -> frozenset[str]:
        """Our roles for the provider's groups: mapped by IPA_OIDC_ROLE_MAP, else a group named like a role; the
        rest is ignored."""
        roles: set[str] = set()
        for group in groups:
            mapped = self.settings.oidc_role_map.get(group, group)
            roles.update([mapped] if isinstance(mapped, str) else mapped)
        return frozenset(roles & set(ROLES))

    async def logout_url(self, request: Request) -> str | None:
        """The provider's end-session endpoint (RP-initiated logout, back to our sign-in page), if it has one."""
        try:
            endpoint = (await self.metadata()).get("end_session_endpoint")
        except OidcFailed:  # signing out here must not depend on the provider being up
            return None
        if not isinstance(endpoint, str) or not endpoint:
            return None
        # no id_token_hint (the tokens are not kept): client_id names us; the provider may ask the user to confirm
        query = urlencode(
            {"client_id": self.client_id, "post_logout_redirect_uri": self.post_logout_uri(request)}
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
