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
    grpc_port: Annotated[int, typer.Option(envvar="IPA_ENGINE_GRPC_PORT", help="Zeebe gateway (gRPC) port")] = 26500,
    http_port: Annotated[int, typer.Option(envvar="IPA_ENGINE_HTTP_PORT", help="Camunda 8 REST API port")] = 8080,
    data_dir: Annotated[
        Path | None, typer.Option(envvar="IPA_DATA_DIR", help="where the engine keeps its state [default: ~/.local/share/ipa]")
    ] = None,
    host: Annotated[str, typer.Option(envvar="IPA_ENGINE_HOST", help="address to listen on")] = "127.0.0.1",
) -> None:
    """Start the embedded Zeebe-compatible engine (gRPC gateway + Camunda 8 REST API)."""
    from engine.config import EngineSettings
    from engine.server import run

    overrides: dict[str, object] = {"grpc_port": grpc_port, "http_port": http_port, "host": host}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = EngineSettings().model_copy(update=overrides)
    run(settings)
