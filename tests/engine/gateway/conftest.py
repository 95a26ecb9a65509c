"""A real grpc.aio server on a free localhost port, in the test's event loop, over a fresh engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe import ZeebeClient, create_insecure_channel

from engine.gateway import add_gateway, server_options
from engine.gateway.proto import pb_grpc
from engine.runtime.engine import Engine
from engine.store.store import Store, database_url

DIAGRAMS = Path(__file__).parent / "diagrams"


@dataclass
class Gateway:
    engine: Engine
    address: str
    port: int
    channel: grpc.aio.Channel
    #: the raw generated stub, for requests pyzeebe cannot express (bad JSON, tenants, metadata)
    stub: Any
    client: ZeebeClient


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    engine = Engine(Store(database_url(tmp_path)))
    await engine.start()
    server = grpc.aio.server(options=server_options())
    add_gateway(server, engine)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    address = f"127.0.0.1:{port}"
    channel = create_insecure_channel(grpc_address=address)
    try:
        yield Gateway(engine, address, port, channel, pb_grpc.GatewayStub(channel), ZeebeClient(channel))
    finally:
        await channel.close()
        await server.stop(grace=None)
        await engine.stop()
