"""The `ipa` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Approvals for international police assistance.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Approvals for international police assistance."""


@app.command()
def engine(
    grpc_port: Annotated[int | None, typer.Option(help="Zeebe gateway port [env IPA_ENGINE_GRPC_PORT, 26500]")] = None,
    http_port: Annotated[int | None, typer.Option(help="Camunda REST API port [env IPA_ENGINE_HTTP_PORT, 8080]")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="where the engine keeps its state [env IPA_DATA_DIR]")] = None,
    host: Annotated[str | None, typer.Option(help="address to listen on [env IPA_ENGINE_HOST, 127.0.0.1]")] = None,
) -> None:
    """Start the embedded Zeebe-compatible engine (gRPC gateway + Camunda 8 REST API)."""
    from engine.config import EngineSettings
    from engine.server import run

    overrides = {
        k: v
        for k, v in {"grpc_port": grpc_port, "http_port": http_port, "data_dir": data_dir, "host": host}.items()
        if v is not None
    }
    settings = EngineSettings().model_copy(update=overrides)
    run(settings)
