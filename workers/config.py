"""Worker settings, with Camunda's own variable names (the same .env works for zbctl and Camunda's SDKs)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    #: a private CA for the gateway's TLS certificate (PEM), as Camunda's clients read it
    ca_certificate_path: Path | None = Field(
        None, validation_alias=AliasChoices("ZEEBE_CA_CERTIFICATE_PATH", "CAMUNDA_CA_CERTIFICATE_PATH")
    )
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
    #: further handler modules to import (comma-separated), e.g. a site's own job types beside workers/jobs_*
    extra_modules: str = Field("", validation_alias="IPA_WORKER_MODULES")
    #: jobs pushed over a StreamActivatedJobs stream (Zeebe >= 8.4) as well as polled; polling stays the fallback
    stream: bool = Field(False, validation_alias="IPA_WORKER_STREAM")

    #: /healthz, /readyz and /metrics (the same port as Zeebe's management port: they never share a host)
    health_host: str = Field("0.0.0.0", validation_alias="IPA_WORKER_HEALTH_HOST")
    health_port: int = Field(9600, validation_alias="IPA_WORKER_HEALTH_PORT")
    #: seconds between the readiness checks (gateway Topology, casework store); ready while the last one passed
    #: less than three intervals ago
    ready_interval_s: float = Field(5.0, validation_alias="IPA_WORKER_READY_INTERVAL_S")
    #: on SIGTERM: how long the jobs in hand may take to finish before the service exits anyway (keep it below
    #: Kubernetes' terminationGracePeriodSeconds; a job cut off is handed out again after its timeout)
    shutdown_grace_s: float = Field(25.0, validation_alias="IPA_WORKER_SHUTDOWN_GRACE_S")
    #: `json` (one object per line, for log shippers) or `text` (for a terminal)
    log_format: Literal["json", "text"] = Field("json", validation_alias="IPA_LOG_FORMAT")
    log_level: str = Field("INFO", validation_alias="IPA_LOG_LEVEL")
