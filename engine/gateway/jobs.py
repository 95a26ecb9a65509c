"""Job activation over gRPC: long polls bounded by the client's deadline, and jobs never lost in transit.

Jobs are activated by the engine before they reach the client. If the client goes away in between (it
cancelled, its deadline passed, the connection broke), the jobs are handed straight back with
`Engine.return_jobs`, as Zeebe's gateway does, so another worker gets them now rather than after `timeout`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

from engine.gateway import convert
from engine.gateway.errors import Context
from engine.gateway.proto import pb
from engine.runtime.engine import Engine

log = logging.getLogger("engine.gateway")

#: Zeebe's default max message size (zeebe-protocol.md §1); the server is configured with the same limit
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
#: room for the response envelope around the jobs
_ENVELOPE_BYTES = 1024
#: long polls end this long before the client's deadline, so it sees OK rather than DEADLINE_EXCEEDED
DEADLINE_MARGIN_S = 0.5
#: StreamActivatedJobs re-polls the engine in slices of this length while the stream stays open
STREAM_SLICE_MS = 10_000


def wait_limit(context: Context) -> float | None:
    """Seconds a long poll may wait and still answer before the client's deadline (None: no deadline)."""
    remaining = context.time_remaining()
    if remaining is None:
        return None
    return max(0.0, remaining - DEADLINE_MARGIN_S)


class JobDelivery:
    """Activates jobs for one servicer and makes sure undelivered ones go back to the engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # hand-backs run after the request's own task was cancelled; keep them referenced until done
        self._handbacks: set[asyncio.Task[None]] = set()

    async def activate(self, **kwargs: Any) -> list[dict[str, Any]]:
        """`Engine.activate_jobs` in its own task, so a client cancelling during the poll cannot lose jobs
        that were activated in the same instant: whatever the abandoned poll returns is handed back."""
        poll = asyncio.ensure_future(self.engine.activate_jobs(**kwargs))
        try:
            return await asyncio.shield(poll)
        except asyncio.CancelledError:
            poll.cancel()
            poll.add_done_callback(self._hand_back_result)
            raise

    async def write_batches(self, context: Context, jobs: list[dict[str, Any]]) -> None:
        """ActivateJobs: the jobs in as few responses as fit the message size limit."""
        messages = [convert.activated_job(job) for job in jobs]
        batches = list(_batches(messages))
        for i, batch in enumerate(batches):
            if len(batch) == 1 and batch[0].ByteSize() + _ENVELOPE_BYTES > MAX_MESSAGE_BYTES:
                log.warning("job %s does not fit in a gRPC message; handed back", batch[0].key)
                self.hand_back([batch[0].key])
                continue
            try:
                await context.write(pb.ActivateJobsResponse(jobs=batch))
            except BaseException:
                self.hand_back([m.key for b in batches[i:] for m in b])
                raise

    async def write_each(self, context: Context, jobs: list[dict[str, Any]]) -> None:
        """StreamActivatedJobs: each job as a bare ActivatedJob."""
        for i, job in enumerate(jobs):
            try:
                await context.write(convert.activated_job(job))
            except BaseException:
                self.hand_back([j["key"] for j in jobs[i:]])
                raise

    def hand_back(self, keys: list[int]) -> None:
        if not keys:
            return
        task = asyncio.ensure_future(self._return(keys))
        self._handbacks.add(task)
        task.add_done_callback(self._handbacks.discard)

    async def _return(self, keys: list[int]) -> None:
        try:
            await self.engine.return_jobs(keys)
        except Exception:  # nothing to answer to; the jobs still come back when they time out
            log.exception("could not hand back jobs %s", keys)

    def _hand_back_result(self, poll: asyncio.Future[list[dict[str, Any]]]) -> None:
        if poll.cancelled() or poll.exception() is not None:
            return
        self.hand_back([job["key"] for job in poll.result()])


def _batches(messages: list[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    size = _ENVELOPE_BYTES
    for m in messages:
        # a repeated field costs the message plus its tag and length prefix (at most 6 bytes here)
        cost = m.ByteSize() + 6
        if batch and size + cost > MAX_MESSAGE_BYTES:
            yield batch
            batch, size = [], _ENVELOPE_BYTES
        batch.append(m)
        size += cost
    if batch:
        yield batch
