"""Worker settings, with Camunda's own variable names (the same .env works for zbctl and Camunda's SDKs)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    #: host:port of the Zeebe gateway (the embedded engine or a Camunda 8 cluster)
    zeebe_address: str = Field("127.0.0.1:26500", validation_alias=AliasChoices("ZEEBE_ADDRESS", "ZEEBE_GRPC_ADDRESS", "CAMUNDA_GRPC_ADDRESS"))
    #: plaintext gRPC (the embedded engine, a local compose) rather than TLS
    insecure: bool = Field(True, validation_alias=AliasChoices("ZEEBE_INSECURE_CONNECTION", "CAMUNDA_INSECURE_CONNECTION"))
    client_id: str | None = Field(None, validation_alias=AliasChoices("CAMUNDA_CLIENT_ID", "ZEEBE_CLIENT_ID"))
    client_secret: str | None = Field(None, validation_alias=AliasChoices("CAMUNDA_CLIENT_SECRET", "ZEEBE_CLIENT_SECRET"))
    oauth_url: str | None = Field(None, validation_alias=AliasChoices("CAMUNDA_OAUTH_URL", "ZEEBE_AUTHORIZATION_SERVER_URL"))
    token_audience: str | None = Field(None, validation_alias=AliasChoices("CAMUNDA_TOKEN_AUDIENCE", "ZEEBE_TOKEN_AUDIENCE"))
    cluster_id: str | None = Field(None, validation_alias="CAMUNDA_CLUSTER_ID")
    cluster_region: str | None = Field(None, validation_alias="CAMUNDA_CLUSTER_REGION")
    rest_address: str = Field("http://127.0.0.1:8080", validation_alias="CAMUNDA_REST_ADDRESS")

    #: the casework store (SQLite file under IPA_DATA_DIR by default)
    database_url: str | None = Field(None, validation_alias="IPA_DATABASE_URL")
    #: jobs one worker activates per request, and holds at most at once
    max_jobs_to_activate: int = Field(32, validation_alias="IPA_WORKER_MAX_JOBS_TO_ACTIVATE")
    max_running_jobs: int = Field(64, validation_alias="IPA_WORKER_MAX_RUNNING_JOBS")
    #: how long a job stays locked to this worker before Zeebe hands it to another (ms)
    job_timeout_ms: int = Field(60_000, validation_alias="IPA_WORKER_JOB_TIMEOUT_MS")
    name: str = Field("ipa-workers", validation_alias="IPA_WORKER_NAME")
