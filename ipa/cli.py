"""The `ipa` command line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from web.accounts_cli import users_app

app = typer.Typer(
    help="Approvals for international police assistance.", no_args_is_help=True, pretty_exceptions_show_locals=False
)


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


@app.command()
def up(
    data_dir: Annotated[Path | None, typer.Option(envvar="IPA_DATA_DIR", help="where engine and casework keep their state")] = None,
    web_port: Annotated[int, typer.Option(envvar="IPA_WEB_PORT", help="port of the web side")] = 8000,
) -> None:
    """Start the whole system on one machine: embedded engine, workers, the deployed models, the web side."""
    from ipa.runner import up as run_up

    _run(run_up(data_dir, web_port))


@app.command()
def deploy() -> None:
    """Deploy bpmn/, dmn/ and forms/ to the configured engine (ZEEBE_ADDRESS)."""
    from ipa.runner import deploy as run_deploy

    address = os.environ.get("ZEEBE_ADDRESS", "127.0.0.1:26500")
    for line in _run(run_deploy(address)):
        typer.echo(line)


@app.command()
def submit(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the request, as JSON (IPAB brief fields)")],
) -> None:
    """Validate a request and start its approval (the RequestReceived message); every problem is listed."""
    import json as json_module

    from ipa.models import Problem, check_request
    from ipa.runner import engine_target
    from ipa.runner import submit as run_submit

    try:
        problems = check_request(json_module.loads(file.read_bytes()))
    except ValueError as e:
        problems = [Problem("", "invalid_json", f"not JSON: {e}")]
    if problems:  # refused before anything starts: every problem at once
        typer.echo(f"{file}: the request cannot be accepted:", err=True)
        for p in problems:
            typer.echo(f"  - {p.field or 'request'}: {p.message}", err=True)
        raise typer.Exit(1)

    async def go() -> str:
        async with engine_target() as target:
            return await run_submit(target.grpc_address, file)

    typer.echo(f"submitted {_run(go())}")


report_app = typer.Typer(help="Published reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(users_app, name="users")
audit_app = typer.Typer(help="The casework audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the whole hash-chained audit trail (IPA_DATABASE_URL); exit 1 naming the first entry that is wrong.

    Case pages check each case's own entries; run this on a schedule for the trail as a whole."""
    from ipa.store import Store, verify_chain

    store = Store()
    try:
        with store.reader() as s:
            report = verify_chain(s)
    finally:
        store.dispose()
    if not report.ok:
        typer.echo(f"audit trail BROKEN after {report.entries} entries: {report.reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit trail verified: {report.entries} entries, none altered, removed or reordered")


@report_app.command("transparency")
def transparency(
    year: Annotated[str, typer.Option(help="financial year, e.g. 2025-26 (or 2025)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Aggregate income by financial year and the countries assisted, honouring withhold reasons."""
    import json as json_module

    from rich.console import Console
    from rich.table import Table

    from ipa.report import transparency_report
    from ipa.store import Store

    store = Store()
    store.migrate()  # a first run on a new machine finds an empty, current schema
    report = transparency_report(store, year)
    if as_json:
        typer.echo(json_module.dumps(report, indent=2, default=str))
        return
    table = Table(title=f"International police assistance, financial year {report['financialYear']}")
    table.add_column("country")
    table.add_column("subject areas (withheld details are left out)")
    for row in report["countriesAssisted"]:
        table.add_row(row["country"], ", ".join(row["subjectAreas"]) or "-")
    console = Console()
    console.print(table)
    console.print(
        f"{report['casesAssisted']} cases ({report['casesWithDetailsWithheld']} with details withheld); "
        f"aggregate income £{report['aggregateIncome']}"
    )


def _run(coro: Any) -> Any:
    from engine.server import run_on_uvloop

    return run_on_uvloop(coro)


@app.command()
def web(
    host: Annotated[str, typer.Option(envvar="IPA_WEB_HOST", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="IPA_WEB_PORT", help="port")] = 8000,
) -> None:
    """Serve the web side (dashboard, inbox, intake, post reply, modeler) on CAMUNDA_REST_ADDRESS."""
    from web.cli import serve

    serve(host, port)


@app.command()
def simulate(
    requests: Annotated[int, typer.Option(help="how many requests arrive over the simulated year")] = 100,
    seed: Annotated[int, typer.Option(help="the same seed gives the same run")] = 1,
    data_dir: Annotated[Path | None, typer.Option(help="keep the run's engine and casework state here")] = None,
) -> None:
    """Run realistic requests (domain.md §8) through the process: people, outside parties and time simulated."""
    from rich.console import Console
    from rich.progress import Progress

    from ipa.simulate import render
    from ipa.simulate import simulate as run_simulation

    console = Console()
    with Progress(console=console) as bar:
        task = bar.add_task("simulated days", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = _run(run_simulation(requests, seed, progress=progress, data_dir=data_dir))
    console.print(render(report))
    if not report.ok:  # something stuck, or an incident nobody can explain
        raise typer.Exit(1)
