"""Settings of the embedded engine, from the environment (or a `.env` file) and the command line."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The user's data directory (XDG), as Zeebe keeps its data under its own home."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ipa"


class EngineSettings(BaseSettings):
    # populate_by_name: `EngineSettings(grpc_port=0)` in code, IPA_ENGINE_GRPC_PORT in the environment
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", validation_alias="IPA_ENGINE_HOST")
    grpc_port: int = Field(26500, validation_alias="IPA_ENGINE_GRPC_PORT")
    http_port: int = Field(8080, validation_alias="IPA_ENGINE_HTTP_PORT")
    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="IPA_DATA_DIR")
    #: PEM files: when both are set the gateway speaks TLS (as a Zeebe gateway with security enabled)
    tls_cert: Path | None = Field(None, validation_alias="IPA_ENGINE_TLS_CERT")
    tls_key: Path | None = Field(None, validation_alias="IPA_ENGINE_TLS_KEY")
    #: a SQLAlchemy URL (postgresql+psycopg://...) instead of SQLite in the data folder
    database_url: str | None = Field(None, validation_alias="IPA_ENGINE_DATABASE_URL")

    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        engine_dir = self.data_dir / "engine"
        engine_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{engine_dir / 'engine.db'}"
