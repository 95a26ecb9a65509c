"""`python -m workers` over the secure channels: TLS with a verified certificate, and OAuth client credentials
(a token from a local HTTPS endpoint) over TLS; both work a job to completion against the embedded engine."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from pyzeebe import ZeebeClient, create_secure_channel

from engine.testing import EngineProcess, free_port
from tests.certs import self_signed
from tests.deploy.service import BPMN, PROCESS_ID, WorkerProcess

pytest.importorskip("cryptography", reason="cryptography is needed to make the self-signed certificate")


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "tls"
    folder.mkdir()
    return self_signed(folder)


@pytest.fixture
def engine(tmp_path: Path, tls: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineProcess]:
    cert, key = tls
    # EngineProcess passes os.environ through to the engine subprocess
    monkeypatch.setenv("IPA_ENGINE_TLS_CERT", str(cert))
    monkeypatch.setenv("IPA_ENGINE_TLS_KEY", str(key))
    proc = EngineProcess(tmp_path / "engine-data")
    proc.start()
    monkeypatch.delenv("IPA_ENGINE_TLS_CERT")
    monkeypatch.delenv("IPA_ENGINE_TLS_KEY")
    try:
        yield proc
    finally:
        proc.stop()


def _client(engine: EngineProcess, cert: Path) -> ZeebeClient:
    channel = create_secure_channel(
        grpc_address=f"localhost:{engine.grpc_port}",
        channel_credentials=grpc.ssl_channel_credentials(cert.read_bytes()),
    )
    return ZeebeClient(channel)


async def _deploy_and_start(engine: EngineProcess, cert: Path, folder: Path) -> int:
    (folder / "deploy-test.bpmn").write_text(BPMN)
    client = _client(engine, cert)
    await client.deploy_resource(str(folder / "deploy-test.bpmn"))
    response = await client.run_process(PROCESS_ID, {"sleep": 0})
    return int(response.process_instance_key)


def _state(engine: EngineProcess, key: int) -> str:
    r = httpx.get(f"{engine.rest_address}/v2/process-instances/{key}", timeout=5)
    r.raise_for_status()
    return str(r.json()["state"])


class TokenServer:
    """`POST /oauth/token` over HTTPS on a free localhost port; records each request's form."""

    def __init__(self, cert: Path, key: Path) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        self.requests: list[dict[str, Any]] = []

        async def token(request: Request) -> JSONResponse:
            form = await request.form()
            self.requests.append({"form": dict(form), "authorization": request.headers.get("authorization")})
            return JSONResponse({"access_token": "test-token", "token_type": "Bearer", "expires_in": 3600})

        self.port = free_port()
        config = uvicorn.Config(
            Starlette(routes=[Route("/oauth/token", token, methods=["POST"])]),
            host="127.0.0.1",
            port=self.port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/oauth/token"

    def __enter__(self) -> TokenServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the token endpoint did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def _secure_env(engine: EngineProcess, cert: Path) -> dict[str, str]:
    return {
        "ZEEBE_ADDRESS": f"localhost:{engine.grpc_port}",
        "ZEEBE_INSECURE_CONNECTION": "false",
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(cert),
        "REQUESTS_CA_BUNDLE": str(cert),
    }


async def _works_a_job(engine: EngineProcess, cert: Path, tmp_path: Path, env: dict[str, str]) -> WorkerProcess:
    folder = tmp_path / "worker"
    folder.mkdir()
    worker = WorkerProcess(folder, env)
    worker.start()
    try:
        worker.wait_for("/readyz 200", worker.ready, timeout=20)
        key = await _deploy_and_start(engine, cert, tmp_path)
        worker.wait_for("the instance to complete", lambda: _state(engine, key) == "COMPLETED", timeout=15)
        assert worker.log_line("woke", processInstanceKey=key)() is not None
    finally:
        worker.kill()
    return worker


async def test_worker_over_tls_verifies_the_certificate(
    engine: EngineProcess, tls: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, _ = tls
    await _works_a_job(engine, cert, tmp_path, _secure_env(engine, cert))


async def test_worker_trusts_the_ca_named_as_camunda_clients_name_it(
    engine: EngineProcess, tls: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, _ = tls
    env = {**_secure_env(engine, cert), "ZEEBE_CA_CERTIFICATE_PATH": str(cert)}
    del env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
    await _works_a_job(engine, cert, tmp_path, env)


async def test_worker_with_oauth_over_tls(engine: EngineProcess, tls: tuple[Path, Path], tmp_path: Path) -> None:
    cert, key = tls
    with TokenServer(cert, key) as tokens:
        env = {
            **_secure_env(engine, cert),
            "CAMUNDA_CLIENT_ID": "approvals-worker",
            "CAMUNDA_CLIENT_SECRET": "s3cret",
            "CAMUNDA_OAUTH_URL": tokens.url,
            "CAMUNDA_TOKEN_AUDIENCE": "zeebe-api",
        }
        await _works_a_job(engine, cert, tmp_path, env)
    assert tokens.requests, "the worker never asked the token endpoint"
    first = tokens.requests[0]
    form = first["form"]
    assert form.get("grant_type") == "client_credentials"
    assert form.get("audience") == "zeebe-api"
    # client credentials either in the body or as HTTP Basic
    if "client_id" in form:
        assert form["client_id"] == "approvals-worker" and form.get("client_secret") == "s3cret"
    else:
        import base64

        auth = first["authorization"] or ""
        assert auth.startswith("Basic ")
        assert base64.b64decode(auth[6:]).decode() == "approvals-worker:s3cret"
