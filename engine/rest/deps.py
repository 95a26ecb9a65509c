"""Dependencies of the routes: the engine, and reads of its store off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from engine.runtime.engine import Engine

T = TypeVar("T")


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def read(engine: Engine, query: Callable[[Connection], T]) -> T:
    """Run a query on a store connection in a worker thread: the engine's loop keeps processing commands.

    The store commits a batch before the engine answers its command, so a read sees everything the client
    was told (SQLite WAL lets readers run beside the writer).
    """

    def run() -> T:
        with engine.store.engine.connect() as conn:
            return query(conn)

    return await run_in_threadpool(run)
