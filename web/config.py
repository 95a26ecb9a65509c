"""Settings of the web application, from the environment with Camunda's own variable names."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
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
    #: cookies only over HTTPS (set behind TLS)
    https_only: bool = Field(False, validation_alias=AliasChoices("IPA_WEB_HTTPS_ONLY", "https_only"))
    #: cheap argon2 parameters: for tests only, where every test builds its accounts
    fast_password_hashing: bool = False
    #: how often the dashboard and the case page poll, in seconds
    poll_seconds: int = 10
    process_id: str = "international-assistance-request"

    @property
    def seeds_demo_accounts(self) -> bool:
        return self.demo_accounts or self.demo_password is not None
