"""Messages and signals: publication, buffering, correlation, broadcast."""

from __future__ import annotations

import json
from typing import Any

from engine.bpmn import ElementType, EventType
from engine.runtime.base import EngineBase, later
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.errors import Rejection
from engine.runtime.processor import Processor
from engine.runtime.state import (
    Message,
    Subscription,
)


class MessageCommands(EngineBase):
    async def publish_message(
        self, name: str, correlation_key: str, ttl_ms: int, message_id: str, variables: dict[str, Any]
    ) -> int:
        return await self.execute(
            lambda ctx, p: self._publish(ctx, p, name, correlation_key, ttl_ms, message_id, variables)
        )

    def _publish(
        self,
        ctx: Ctx,
        p: Processor,
        name: str,
        correlation_key: str,
        ttl_ms: int,
        message_id: str,
        variables: dict[str, Any],
    ) -> int:
        if message_id:
            for m in self.state.messages_by_name.get((name, correlation_key), {}).values():
                if m.message_id == message_id:
                    raise Rejection(
                        "PUBLISH",
                        "ALREADY_EXISTS",
                        f"Expected to publish a new message with id '{message_id}', but a message with that id was already published",
                    )
        key = ctx.key()
        text = json.dumps(variables, separators=(",", ":"))
        value = {
            "name": name,
            "correlationKey": correlation_key,
            "timeToLive": ttl_ms,
            "messageId": message_id,
            "variables": variables,
            "deadline": later(ctx.now, ttl_ms),
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("MESSAGE", "PUBLISHED", key, value)
        correlated = self._correlate(ctx, p, name, correlation_key, variables, key)
        if ttl_ms > 0:
            msg = Message(
                key, name, correlation_key, message_id, variables, text, later(ctx.now, ttl_ms), correlated
            )
            self.state.messages[key] = msg
            self.state.messages_by_name[(name, correlation_key)][key] = msg
            self.state.schedule.add(msg.deadline, "message", key)
            self.schedule_changed()
            ctx.save_message(msg)
        else:
            ctx.record("MESSAGE", "EXPIRED", key, value)
        return key

    def _correlate(
        self,
        ctx: Ctx,
        p: Processor,
        name: str,
        correlation_key: str,
        variables: dict[str, Any],
        message_key: int,
    ) -> set[str]:
        """Correlate to open subscriptions (one per process id) and message start events; the process ids reached."""
        done: set[str] = set()
        for sub in list(self.state.subscriptions_by_message.get((name, correlation_key), {}).values()):
            pid = sub.element_instance.definition.bpmn_process_id
            if pid in done:
                continue
            self._deliver(ctx, p, sub, variables, message_key)
            done.add(pid)
        for d, start in self._message_starts.get(name, ()):
            if d.bpmn_process_id in done:
                continue
            if correlation_key and (d.bpmn_process_id, correlation_key) in self.state.message_started:
                continue
            pi = p.create_process_instance(d, {}, start_element=start, trigger=dict(variables), triggered_start=True)
            if correlation_key:
                p.hold_correlation_key(pi, correlation_key)
            done.add(d.bpmn_process_id)
        return done

    def _deliver(
        self, ctx: Ctx, p: Processor, sub: Subscription, variables: dict[str, Any], message_key: int
    ) -> None:
        ei = sub.element_instance
        ctx.record(
            "PROCESS_MESSAGE_SUBSCRIPTION",
            "CORRELATED",
            sub.key,
            {
                "messageName": sub.message_name,
                "correlationKey": sub.correlation_key,
                "messageKey": message_key,
                "elementId": sub.element.id,
                "elementInstanceKey": ei.key,
                "processInstanceKey": ei.process_instance.key,
                "variables": variables,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )
        keep_open = (
            not sub.interrupting
            and sub.element.attached_to_id is not None
            or (
                not sub.interrupting
                and sub.element.flow_scope_id != ei.element.id
                and sub.element.element_type.value == "START_EVENT"
            )
        )
        if not keep_open:
            p.close_subscription(sub)
        p.trigger_event(ei, sub.element, variables, sub.interrupting)

    def correlate_buffered(self, ctx: Ctx, sub: Subscription) -> None:
        """A subscription opened: it may take one buffered message not yet correlated to its process."""
        pid = sub.element_instance.definition.bpmn_process_id

        def deliver() -> None:
            if sub.key not in self.state.subscriptions:
                return
            for msg in list(
                self.state.messages_by_name.get((sub.message_name, sub.correlation_key), {}).values()
            ):
                if pid in msg.correlated or msg.deadline <= ctx.now:
                    continue
                msg.correlated.add(pid)
                ctx.save_message(msg)
                self._deliver(ctx, Processor(ctx), sub, msg.variables, msg.key)
                return

        if self.state.messages_by_name.get((sub.message_name, sub.correlation_key)):
            ctx.queue.append(deliver)

    async def correlate_message(
        self, name: str, correlation_key: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """REST `POST /v2/messages/correlation`: correlate now or fail with NOT_FOUND (no buffering)."""

        def command(ctx: Ctx, p: Processor) -> dict[str, Any]:
            subs = list(self.state.subscriptions_by_message.get((name, correlation_key), {}).values())
            starts = self._message_starts.get(name, [])
            if not subs and not starts:
                raise Rejection(
                    "CORRELATE",
                    "NOT_FOUND",
                    f"Expected to find subscription for message with name '{name}' and correlation key '{correlation_key}', but none was found.",
                )
            key = ctx.key()
            ctx.record(
                "MESSAGE_CORRELATION",
                "CORRELATED",
                key,
                {
                    "name": name,
                    "correlationKey": correlation_key,
                    "variables": variables,
                    "tenantId": DEFAULT_TENANT,
                },
            )
            pi_key = subs[0].element_instance.process_instance.key if subs else None
            before = set(self.state.element_instances)
            self._correlate(ctx, p, name, correlation_key, variables, key)
            if pi_key is None:
                created = [
                    k
                    for k in self.state.element_instances
                    if k not in before and self.state.element_instances[k].is_process
                ]
                pi_key = created[0] if created else None
            return {"messageKey": key, "processInstanceKey": pi_key, "tenantId": DEFAULT_TENANT}

        return await self.execute(command)

    async def broadcast_signal(self, name: str, variables: dict[str, Any]) -> int:
        return await self.execute(lambda ctx, p: self.broadcast(ctx, p, name, variables))

    def broadcast(self, ctx: Ctx, p: Processor, name: str, variables: dict[str, Any]) -> int:
        """Trigger every open subscription and signal start event of that name (signals are not buffered)."""
        key = ctx.key()
        ctx.record("SIGNAL", "BROADCASTED", key, {"signalName": name, "variables": variables, "tenantId": DEFAULT_TENANT})
        for sub in list(self.state.signal_subscriptions.get(name, {}).values()):
            if sub.key not in self.state.subscriptions:
                continue
            ei = sub.element_instance
            keep_open = not sub.interrupting and (
                sub.element.attached_to_id is not None or sub.element.element_type is ElementType.START_EVENT
            )
            if not keep_open:
                p.close_subscription(sub)
            p.trigger_event(ei, sub.element, variables, sub.interrupting)
        for pid in list(self.state.definitions_by_id):
            d = self.state.latest_process(pid)
            if d is None:
                continue
            for start in d.model.start_events(pid):
                if start.event_type is EventType.SIGNAL and start.signal is not None and start.signal.name.text == name:
                    p.create_process_instance(d, {}, start_element=start, trigger=dict(variables), triggered_start=True)
        return key
