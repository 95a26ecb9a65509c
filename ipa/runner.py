"""What the `ipa` commands do: deploy the models, submit requests, run the whole system on one machine."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: what `ipa deploy` sends: the process, its decisions and its forms
MODEL_FOLDERS = ("bpmn", "dmn", "forms")
MODEL_SUFFIXES = (".bpmn", ".dmn", ".form")


def model_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for folder in MODEL_FOLDERS:
        files.extend(sorted(p for p in (root / folder).glob("*") if p.suffix in MODEL_SUFFIXES))
    return files


@dataclass
class Target:
    """The engine to talk to: a configured cluster (ZEEBE_ADDRESS) or an embedded one started here."""

    grpc_address: str
    rest_address: str
    embedded: bool


@contextlib.asynccontextmanager
async def engine_target(data_dir: Path | None = None, *, free_ports: bool = True) -> AsyncIterator[Target]:
    """The configured engine, or an embedded one in this process when none is configured (on free ports, or
    on the usual 26500 / 8080 with `free_ports=False`)."""
    configured = os.environ.get("ZEEBE_ADDRESS")
    if configured:
        yield Target(configured, os.environ.get("CAMUNDA_REST_ADDRESS", "http://127.0.0.1:8080"), False)
        return
    from engine.config import EngineSettings
    from engine.server import running_engine

    overrides: dict[str, Any] = {"grpc_port": 0, "http_port": 0} if free_ports else {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    async with running_engine(EngineSettings().model_copy(update=overrides)) as running:
        yield Target(running.grpc_address, running.rest_address, True)


async def deploy(grpc_address: str, root: Path = ROOT) -> list[str]:
    """Deploy bpmn/, dmn/ and forms/ in one deployment; the lines Zeebe reports."""
    from pyzeebe import ZeebeClient, create_insecure_channel

    files = model_files(root)
    if not files:
        raise FileNotFoundError(f"nothing to deploy under {root}/{{{','.join(MODEL_FOLDERS)}}}")
    client = ZeebeClient(create_insecure_channel(grpc_address=grpc_address))
    response = await client.deploy_resource(*(str(f) for f in files))
    lines = []
    for d in response.deployments:
        if hasattr(d, "bpmn_process_id"):
            lines.append(f"process  {d.bpmn_process_id} v{d.version}")
        elif hasattr(d, "dmn_decision_id"):
            lines.append(f"decision {d.dmn_decision_id} v{d.version}")
        elif hasattr(d, "form_id"):
            lines.append(f"form     {d.form_id} v{d.version}")
    return lines


async def submit(grpc_address: str, path: Path, store_url: str | None = None) -> str:
    """Validate a request file, open its case and start the process with the `RequestReceived` message."""
    from pyzeebe import ZeebeClient, create_insecure_channel
    from pyzeebe.errors import MessageAlreadyExistsError

    from ipa.models import Problem, RequestInvalid, parse_request
    from ipa.store import Store, open_case

    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise RequestInvalid([Problem("", "invalid_json", f"{path.name} is not JSON: {e}")]) from None
    request = parse_request(data)
    store = Store(store_url)
    store.migrate()
    # keyed by the file's content: submitting the same file twice opens one case and starts one process
    op_key = "submit:" + hashlib.sha256(raw).hexdigest()
    with store.transaction() as s:
        case = open_case(s, request, actor="ipa submit", op_key=op_key)
        request_id = case.request_id
    variables = request.model_copy(update={"request_id": request_id}).variables()
    client = ZeebeClient(create_insecure_channel(grpc_address=grpc_address))
    # the same submission retried: Zeebe already has it (message-id idempotency)
    with contextlib.suppress(MessageAlreadyExistsError):
        await client.publish_message(
            "RequestReceived",
            correlation_key=request_id,
            variables=variables,
            message_id=op_key,
            time_to_live_in_milliseconds=60_000,
        )
    return request_id


async def start_web(rest_address: str, port: int) -> Any:
    """The web side in this loop, on the engine's REST API; prints its address and the demo accounts."""
    import uvicorn

    from engine.server import UvicornWithoutSignals
    from web.app import create_app
    from web.auth import demo_listing
    from web.config import WebSettings

    app = create_app(WebSettings(camunda_rest_address=rest_address, demo_accounts=True))
    # `up` owns SIGTERM/SIGINT and stops the parts in order
    server = UvicornWithoutSignals(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    asyncio.get_running_loop().create_task(server.serve())
    print(f"web                   http://127.0.0.1:{port}/", flush=True)
    for line in demo_listing(app.state.demo_seeded, app.state.demo_password):
        print(line, flush=True)
    return server


async def up(data_dir: Path | None, web_port: int = 8000) -> None:
    """Engine, workers and the deployed models, until SIGTERM/SIGINT."""
    from workers.config import WorkerSettings
    from workers.service import build_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if data_dir is not None:
        os.environ.setdefault("IPA_DATA_DIR", str(data_dir))
    async with engine_target(data_dir, free_ports=False) as target:
        deployed = await deploy(target.grpc_address) if model_files() else []
        worker = build_worker(WorkerSettings().model_copy(update={"zeebe_address": target.grpc_address}))
        work = asyncio.create_task(worker.work())
        print(f"Zeebe gateway (gRPC)  {target.grpc_address}", flush=True)
        print(f"Camunda REST API      {target.rest_address}/v2", flush=True)
        print(f"deployed              {len(deployed)} resources", flush=True)
        for line in deployed:
            print(f"                      {line}", flush=True)
        print("workers               running", flush=True)
        web = await start_web(target.rest_address, web_port)
        print("(Ctrl-C to stop)", flush=True)
        await stop.wait()
        web.should_exit = True
        await worker.stop()
        work.cancel()
