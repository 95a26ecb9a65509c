"""Run the embedded engine: the Zeebe gateway (gRPC) and the Camunda 8 REST API in one process and loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Coroutine, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import uvicorn

from engine.config import EngineSettings
from engine.runtime.engine import Engine
from engine.store.store import Store

T = TypeVar("T")

log = logging.getLogger("engine")


class UvicornWithoutSignals(uvicorn.Server):
    """uvicorn without its own signal handling: the engine stops its servers in order on SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class RunningEngine:
    engine: Engine
    grpc_port: int
    http_port: int
    host: str

    @property
    def grpc_address(self) -> str:
        return f"{self.host}:{self.grpc_port}"

    @property
    def rest_address(self) -> str:
        return f"http://{self.host}:{self.http_port}"


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def running_engine(settings: EngineSettings) -> AsyncIterator[RunningEngine]:
    """Start store, engine, gRPC gateway and REST API (port 0 picks a free port); stop them in reverse."""
    from engine.gateway import add_gateway, server_options
    from engine.rest import create_app

    engine = Engine(Store(settings.store_url()))
    await engine.start()
    grpc_server = grpc.aio.server(options=server_options())
    add_gateway(grpc_server, engine)
    address = f"{settings.host}:{settings.grpc_port}"
    if settings.tls_cert and settings.tls_key:
        credentials = grpc.ssl_server_credentials([(settings.tls_key.read_bytes(), settings.tls_cert.read_bytes())])
        grpc_port = grpc_server.add_secure_port(address, credentials)
    else:
        grpc_port = grpc_server.add_insecure_port(address)
    await grpc_server.start()
    sock = _bind(settings.host, settings.http_port)
    http = UvicornWithoutSignals(uvicorn.Config(create_app(engine), log_level="warning", lifespan="off"))
    http_task = asyncio.get_running_loop().create_task(http.serve(sockets=[sock]))
    try:
        yield RunningEngine(engine, grpc_port, sock.getsockname()[1], settings.host)
    finally:
        http.should_exit = True
        with contextlib.suppress(Exception):
            await http_task
        await grpc_server.stop(grace=2)
        await engine.stop()


def run_on_uvloop(coro: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it is installed: grpc.aio and the engine run a fifth faster on it, and HTTP calls
    between parts sharing the loop (`ipa up`: the web side on the engine's REST API) take a few ms, not ~40."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux and macOS
        return asyncio.run(coro)
    return uvloop.run(coro)


def run(settings: EngineSettings) -> None:
    run_on_uvloop(serve(settings))


async def serve(settings: EngineSettings) -> None:
    """Run until SIGTERM or SIGINT, then finish in-flight requests and stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running_engine(settings) as running:
        tls = " (TLS)" if settings.tls_cert and settings.tls_key else ""
        print(f"Zeebe gateway (gRPC)  {running.grpc_address}{tls}", flush=True)
        print(f"data                  {settings.store_url()}", flush=True)
        state = running.engine.state
        print(
            f"recovered             {len(state.element_instances)} live element instances, {len(state.jobs)} jobs "
            f"in {running.engine.recovery_seconds * 1000:.0f} ms",
            flush=True,
        )
        # printed last: tools wait for this line to know the engine is ready
        print(f"Camunda REST API      {running.rest_address}/v2", flush=True)
        stopping = asyncio.ensure_future(stop.wait())
        failing = asyncio.ensure_future(running.engine.fatal.wait())
        await asyncio.wait([stopping, failing], return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stopping, failing):
            waiter.cancel()
        print("stopping ...", flush=True)
    if running.engine.broken is not None:
        # exit non-zero: a supervisor (systemd, Kubernetes) restarts the engine, which recovers from the store
        raise SystemExit(f"engine stopped: {running.engine.broken}")
