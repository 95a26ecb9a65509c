"""Settings of the web application, from the environment with Camunda's own variable names."""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    #: the Orchestration Cluster REST API without `/v2` (the JS SDK's name; Zeebe's is accepted too)
    camunda_rest_address: str = Field(
        "http://127.0.0.1:8080",
        validation_alias=AliasChoices("CAMUNDA_REST_ADDRESS", "ZEEBE_REST_ADDRESS", "camunda_rest_address"),
    )
    camunda_auth_strategy: Literal["NONE", "BASIC", "OAUTH"] = Field(
        "NONE", validation_alias=AliasChoices("CAMUNDA_AUTH_STRATEGY", "camunda_auth_strategy")
    )
    camunda_basic_auth_username: str | None = Field(None, validation_alias="CAMUNDA_BASIC_AUTH_USERNAME")
    camunda_basic_auth_password: str | None = Field(None, validation_alias="CAMUNDA_BASIC_AUTH_PASSWORD")
    camunda_client_id: str | None = Field(
        None, validation_alias=AliasChoices("CAMUNDA_CLIENT_ID", "ZEEBE_CLIENT_ID")
    )
    camunda_client_secret: str | None = Field(
        None, validation_alias=AliasChoices("CAMUNDA_CLIENT_SECRET", "ZEEBE_CLIENT_SECRET")
    )
    camunda_oauth_url: str | None = Field(
        None, validation_alias=AliasChoices("CAMUNDA_OAUTH_URL", "ZEEBE_AUTHORIZATION_SERVER_URL")
    )
    camunda_token_audience: str = Field(
        "orchestration-api", validation_alias=AliasChoices("CAMUNDA_TOKEN_AUDIENCE", "ZEEBE_TOKEN_AUDIENCE")
    )
    #: the casework store (None: IPA_DATABASE_URL or $IPA_DATA_DIR/casework.db, as `ipa.store` decides)
    database_url: str | None = Field(None, validation_alias=AliasChoices("IPA_DATABASE_URL", "database_url"))
    #: signs the session cookie; None makes a random one per start (sessions then end with the process)
    secret_key: str | None = Field(None, validation_alias=AliasChoices("IPA_WEB_SECRET", "secret_key"))
    #: seed the demo accounts at start-up and print them (`ipa up` does); setting a demo password seeds them too
    demo_accounts: bool = Field(
        False, validation_alias=AliasChoices("IPA_WEB_DEMO_ACCOUNTS", "demo_accounts")
    )
    #: the demo accounts' password; None makes a random one, printed at start-up
    demo_password: str | None = Field(
        None, validation_alias=AliasChoices("IPA_WEB_DEMO_PASSWORD", "demo_password")
    )
    #: false: no sign-in with a local password at all, single sign-on only (needs IPA_OIDC_ISSUER)
    local_passwords: bool = Field(
        True, validation_alias=AliasChoices("IPA_WEB_LOCAL_PASSWORDS", "local_passwords")
    )
    #: cookies only over HTTPS (set behind TLS)
    https_only: bool = Field(False, validation_alias=AliasChoices("IPA_WEB_HTTPS_ONLY", "https_only"))
    #: cheap argon2 parameters: for tests only, where every test builds its accounts
    fast_password_hashing: bool = False
    #: how often the dashboard and the case page poll, in seconds
    poll_seconds: int = 10
    process_id: str = "international-assistance-request"

    # -- single sign-on (OpenID Connect, authorization code flow with PKCE); off while oidc_issuer is None ---------
    #: the provider's issuer URL; its metadata is read from <issuer>/.well-known/openid-configuration
    oidc_issuer: str | None = Field(None, validation_alias=AliasChoices("IPA_OIDC_ISSUER", "oidc_issuer"))
    oidc_client_id: str | None = Field(
        None, validation_alias=AliasChoices("IPA_OIDC_CLIENT_ID", "oidc_client_id")
    )
    #: None: a public client (PKCE only, no client authentication at the token endpoint)
    oidc_client_secret: str | None = Field(
        None, validation_alias=AliasChoices("IPA_OIDC_CLIENT_SECRET", "oidc_client_secret")
    )
    oidc_scopes: str = Field(
        "openid profile email", validation_alias=AliasChoices("IPA_OIDC_SCOPES", "oidc_scopes")
    )
    #: the claim (ID token, else userinfo) with the user's groups; a dotted path reaches in (realm_access.roles)
    oidc_roles_claim: str = Field(
        "groups", validation_alias=AliasChoices("IPA_OIDC_ROLES_CLAIM", "oidc_roles_claim")
    )
    #: JSON: the provider's group name -> one of our roles or a list of them; a group named like a role needs none
    oidc_role_map: dict[str, str | list[str]] = Field(
        default_factory=dict, validation_alias=AliasChoices("IPA_OIDC_ROLE_MAP", "oidc_role_map")
    )
    #: the claim that names the user here (the Camunda assignee); `sub` when the provider does not send it
    oidc_username_claim: str = Field(
        "preferred_username", validation_alias=AliasChoices("IPA_OIDC_USERNAME_CLAIM", "oidc_username_claim")
    )
    #: what the sign-in button says ("Sign in with ..."); None: the issuer's host name
    oidc_provider_name: str | None = Field(
        None, validation_alias=AliasChoices("IPA_OIDC_PROVIDER_NAME", "oidc_provider_name")
    )
    #: the callback URL registered at the provider; None: <this site>/auth/oidc/callback as the request reached us
    oidc_redirect_uri: str | None = Field(
        None, validation_alias=AliasChoices("IPA_OIDC_REDIRECT_URI", "oidc_redirect_uri")
    )

    @field_validator(
        "oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_redirect_uri", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("oidc_role_map")
    @classmethod
    def _known_roles(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        from web.auth import ROLES, unknown_roles_message

        unknown = sorted({r for v in value.values() for r in ([v] if isinstance(v, str) else v)} - set(ROLES))
        if unknown:
            raise ValueError(f"IPA_OIDC_ROLE_MAP: {unknown_roles_message(unknown)}")
        return value

    @model_validator(mode="after")
    def _sign_in_possible(self) -> Self:
        if self.oidc_issuer is not None:
            if (
                not urlsplit(self.oidc_issuer).scheme.startswith("http")
                or not urlsplit(self.oidc_issuer).netloc
            ):
                raise ValueError(f"IPA_OIDC_ISSUER must be an http(s) URL, got {self.oidc_issuer!r}")
            if not self.oidc_client_id:
                raise ValueError("IPA_OIDC_ISSUER is set but IPA_OIDC_CLIENT_ID is not")
            if "openid" not in self.oidc_scopes.split():
                raise ValueError("IPA_OIDC_SCOPES must include openid")
        elif not self.local_passwords:
            raise ValueError(
                "IPA_WEB_LOCAL_PASSWORDS=false leaves no way to sign in: set IPA_OIDC_ISSUER too"
            )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @property
    def seeds_demo_accounts(self) -> bool:
        return self.demo_accounts or self.demo_password is not None
