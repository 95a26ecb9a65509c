"""The embedded engine: commands in, records out, state in memory, every batch committed before answering.

Commands run one at a time on the event loop (like a Zeebe partition's stream processor): each mutates the
in-memory state and appends records and row changes to the pending batch. A flusher task writes pending
batches to the store in a worker thread (group commit) and only then releases the answers, so a client never
hears of anything that a crash could lose. Time-driven work (timers, job deadlines, retry back-offs, message
TTLs) comes from a scheduler task on the same loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar, cast

from engine.bpmn import Element
from engine.runtime.clock import Clock
from engine.runtime.context import Ctx
from engine.runtime.errors import EngineStopped
from engine.runtime.processor import Processor
from engine.runtime.state import (
    ProcessDefinition,
    State,
)
from engine.store.store import FIRST_KEY, Batch, Store

if TYPE_CHECKING:
    from engine.runtime.engine import Engine

log = logging.getLogger("engine")
T = TypeVar("T")
VERSION = "8.8.0"
#: epoch-millisecond times are int64 in Zeebe's protocol and in the store
MAX_TIME = 2**63 - 1


def later(now: int, ms: int) -> int:
    """`now + ms`, kept within int64 (a client may ask for a timeout of Long.MAX_VALUE)."""
    return min(now + max(ms, 0), MAX_TIME)


class EngineBase:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or Clock()
        self.state = State()
        self.next_key = FIRST_KEY
        self.position = 0
        self.pending = Batch()
        self._after_commit: list[Callable[[], None]] = []
        self._batch_done: asyncio.Future[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="engine-writer")
        self._job_events: dict[str, asyncio.Event] = {}
        self._schedule_changed: asyncio.Event | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._result_waiters: dict[int, list[asyncio.Future[dict[str, Any]]]] = {}
        #: message name -> (definition, start event) of the latest versions with a message start event
        self._message_starts: dict[str, list[tuple[ProcessDefinition, Element]]] = {}
        self._running = False
        self.recovery_seconds = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        #: set when the store could not be written: the server exits so a supervisor restarts it from disk
        self.broken: BaseException | None = None
        self.fatal = asyncio.Event()

    # -- life cycle ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        from engine.runtime.recovery import recover

        t0 = time.perf_counter()
        recover(cast("Engine", self))
        #: how long loading the live state took (printed at start-up; the recovery figure of bench/engine.py)
        self.recovery_seconds = time.perf_counter() - t0
        self._schedule_changed = asyncio.Event()
        self._running = True
        self._scheduler = asyncio.get_running_loop().create_task(self._run_scheduler())

    async def stop(self) -> None:
        self._running = False
        if self._scheduler is not None:
            self._scheduler.cancel()
        if self.pending or self._flusher is not None:
            await self._commit()
        self._writer.shutdown(wait=True)
        self.store.close()

    async def _run_scheduler(self) -> None:  # pragma: no cover - engine.runtime.commands.time provides it
        raise NotImplementedError

    # -- running commands ------------------------------------------------------------------------------------
    def run(self, command: Callable[[Ctx, Processor], T]) -> T:
        """Run a command and its follow-ups to the end, synchronously; the caller then awaits `_commit`."""
        if self.broken is not None:
            raise EngineStopped(f"the engine stopped: its store could not be written ({self.broken})")
        ctx = Ctx(cast("Engine", self))
        result = command(ctx, Processor(ctx))
        ctx.drain()
        for job_type in ctx.woken:
            event = self._job_events.pop(job_type, None)
            if event is not None:
                event.set()
        return result

    async def execute(self, command: Callable[[Ctx, Processor], T]) -> T:
        result = self.run(command)
        await self._commit()
        return result

    def _commit(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        if self._batch_done is None:
            self._batch_done = loop.create_future()
        done = self._batch_done
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush())
        # shielded: one caller giving up (a cancelled gRPC call) must not cancel the batch for the others
        return asyncio.shield(done)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                batch, done, after = self.pending, self._batch_done, self._after_commit
                self.pending, self._batch_done, self._after_commit = Batch(), None, []
                batch.meta["next_key"] = str(self.next_key)
                batch.materialize()
                try:
                    await loop.run_in_executor(self._writer, self.store.write, batch)
                except Exception as e:  # the store is gone: memory is ahead of disk, stop answering
                    log.critical("could not write to the store, stopping: %s", e)
                    self.broken = e
                    if done is not None and not done.done():
                        done.set_exception(EngineStopped(f"the engine stopped: its store could not be written ({e})"))
                    self.fatal.set()
                    return
                if done is not None and not done.done():
                    done.set_result(None)
                for callback in after:
                    callback()
            if self._batch_done is not None and not self._batch_done.done():
                self._batch_done.set_result(None)
                self._batch_done = None
        finally:
            self._flusher = None

    def _background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def schedule_changed(self) -> None:
        if self._schedule_changed is not None:
            self._schedule_changed.set()
