"""The clock and the scheduler: timers, job deadlines, retry back-offs, message TTLs."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from engine.runtime import timers as timer_math
from engine.runtime.base import EngineBase
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.processor import Processor
from engine.store import schema

log = logging.getLogger("engine")

class TimeCommands(EngineBase):
    async def set_clock(self, epoch_ms: int | None) -> None:
        if epoch_ms is None:
            self.clock.reset()
        else:
            self.clock.pin(epoch_ms)
        self.schedule_changed()
        await self.fire_due()

    async def fire_due(self) -> None:
        due = self.state.schedule.pop_due(self.clock.now())
        if due:
            await self.execute(lambda ctx, p: self._fire(ctx, p, due))

    async def _run_scheduler(self) -> None:
        assert self._schedule_changed is not None
        changed = self._schedule_changed
        while self._running:
            try:
                next_due = self.state.schedule.next_due()
                now = self.clock.now()
                if next_due is not None and next_due <= now:
                    await self.fire_due()
                    continue
                changed.clear()
                timeout = None
                if next_due is not None and self.clock.pinned is None:
                    timeout = (next_due - now) / 1000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failing trigger must not stop time
                log.exception("scheduler step failed")
                await asyncio.sleep(0.1)

    def _fire(self, ctx: Ctx, p: Processor, due: list[tuple[str, int, int]]) -> None:
        for kind, key, when in due:
            if kind == "timer":
                self._fire_timer(ctx, p, key, when)
            elif kind == "deadline":
                job = self.state.jobs.get(key)
                if job is not None and job.state == "ACTIVATED" and job.deadline == when:
                    job.state = "ACTIVATABLE"
                    job.deadline = None
                    job.worker = ""
                    self.state.activatable[job.type][job.key] = job
                    ctx.woken.add(job.type)
                    p.job_record(job, "TIMED_OUT")
                    ctx.save_job(job)
            elif kind == "recur":
                job = self.state.jobs.get(key)
                if job is not None and job.state == "FAILED" and job.recur_at == when:
                    job.state = "ACTIVATABLE"
                    job.recur_at = None
                    self.state.activatable[job.type][job.key] = job
                    ctx.woken.add(job.type)
                    p.job_record(job, "RECURRED_AFTER_BACKOFF")
                    ctx.save_job(job)
            elif kind == "message":
                msg = self.state.messages.pop(key, None)
                if msg is not None:
                    self.state.messages_by_name.get((msg.name, msg.correlation_key), {}).pop(key, None)
                    ctx.record(
                        "MESSAGE",
                        "EXPIRED",
                        key,
                        {
                            "name": msg.name,
                            "correlationKey": msg.correlation_key,
                            "messageId": msg.message_id,
                            "tenantId": DEFAULT_TENANT,
                        },
                    )
                    ctx.batch.delete(schema.messages, key)

    def _fire_timer(self, ctx: Ctx, p: Processor, key: int, when: int) -> None:
        timer = self.state.timers.get(key)
        if timer is None or timer.due_date != when:
            return
        event = timer.element
        holder = timer.element_instance
        p.timer_record(timer, "TRIGGERED")
        repeat = timer.interval is not None and timer.repetitions != 0
        interrupting = event.interrupting
        if repeat and (holder is None or not interrupting):
            nxt = timer_math.next_due(timer.due_date, timer.interval or "")
            if nxt is not None:
                timer.due_date = nxt
                if timer.repetitions > 0:
                    timer.repetitions -= 1
                self.state.schedule.add(nxt, "timer", timer.key)
                ctx.save_timer(timer)
            else:
                p.close_timer(timer, "TRIGGERED")
        else:
            self.state.timers.pop(timer.key, None)
            if holder is not None and timer.key in holder.timer_keys:
                holder.timer_keys.remove(timer.key)
            ctx.batch.delete(schema.timers, timer.key)
        if holder is None:
            p.create_process_instance(timer.definition, {}, start_element=event, triggered_start=True)
        else:
            p.trigger_event(holder, event, {}, interrupting)
