"""Messages, signals, the clock."""

from __future__ import annotations

from pydantic import BaseModel, Field

from engine.rest.models.common import Strict
from engine.rest.types import Duration, EpochMs, TenantId, Variables


class MessagePublicationRequest(Strict):
    name: str
    correlationKey: str = ""
    timeToLive: Duration = Field(0, ge=0, description="Milliseconds the message is buffered.")
    messageId: str | None = None
    variables: Variables | None = None
    tenantId: TenantId | None = None


class MessagePublicationResult(BaseModel):
    messageKey: str
    tenantId: str


class MessageCorrelationRequest(Strict):
    name: str
    correlationKey: str = ""
    variables: Variables | None = None
    tenantId: TenantId | None = None


class MessageCorrelationResult(BaseModel):
    messageKey: str
    processInstanceKey: str
    tenantId: str


class SignalBroadcastRequest(Strict):
    signalName: str
    variables: Variables | None = None
    tenantId: TenantId | None = None


class SignalBroadcastResult(BaseModel):
    signalKey: str
    tenantId: str


class ClockPinRequest(Strict):
    timestamp: EpochMs = Field(
        description="Epoch milliseconds the engine clock is pinned to (up to year 9999)."
    )
