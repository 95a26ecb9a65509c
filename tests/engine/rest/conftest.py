"""An engine on a temporary store, the REST app over it, and an HTTP client (ASGI, or real over uvicorn)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from engine.rest import create_app
from engine.runtime.engine import Engine
from engine.store.store import Store, database_url


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    e = Engine(Store(database_url(tmp_path)))
    await e.start()
    yield e
    await e.stop()


@pytest.fixture
async def client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/v2", timeout=30) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def server(engine: Engine) -> AsyncIterator[str]:
    """The app under uvicorn on a free localhost port, on the test's loop (where the engine runs)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    await task


async def deploy(client: httpx.AsyncClient, *files: tuple[str, bytes]) -> dict[str, Any]:
    response = await client.post("/deployments", files=[("resources", f) for f in files])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
