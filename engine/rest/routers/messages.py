"""Messages (publication, correlation) and signals (broadcast)."""

from __future__ import annotations

from engine.rest.deps import EngineDep
from engine.rest.models.messages import (
    MessageCorrelationRequest,
    MessageCorrelationResult,
    MessagePublicationRequest,
    MessagePublicationResult,
    SignalBroadcastRequest,
    SignalBroadcastResult,
)
from engine.rest.routers.base import make_router
from engine.runtime.documents import DEFAULT_TENANT, check_document, check_tenant

router = make_router("Message")
signals = make_router("Signal")


@router.post("/messages/publication", operation_id="publishMessage")
async def publish_message(engine: EngineDep, body: MessagePublicationRequest) -> MessagePublicationResult:
    """Correlate now and buffer for `timeToLive` ms; a repeated `messageId` is refused while buffered."""
    check_tenant(body.tenantId, "PublishMessage")
    key = await engine.publish_message(
        body.name, body.correlationKey, body.timeToLive, body.messageId or "", check_document(body.variables)
    )
    return MessagePublicationResult(messageKey=str(key), tenantId=DEFAULT_TENANT)


@router.post("/messages/correlation", operation_id="correlateMessage")
async def correlate_message(engine: EngineDep, body: MessageCorrelationRequest) -> MessageCorrelationResult:
    """Correlate now or answer 404: no buffering."""
    check_tenant(body.tenantId, "CorrelateMessage")
    result = await engine.correlate_message(body.name, body.correlationKey, check_document(body.variables))
    pi_key = result.get("processInstanceKey")
    return MessageCorrelationResult(
        messageKey=str(result["messageKey"]),
        processInstanceKey=str(pi_key if pi_key is not None else -1),
        tenantId=DEFAULT_TENANT,
    )


@signals.post("/signals/broadcast", operation_id="broadcastSignal")
async def broadcast_signal(engine: EngineDep, body: SignalBroadcastRequest) -> SignalBroadcastResult:
    check_tenant(body.tenantId, "BroadcastSignal")
    key = await engine.broadcast_signal(body.signalName, check_document(body.variables))
    return SignalBroadcastResult(signalKey=str(key), tenantId=DEFAULT_TENANT)
