"""The engine clock: pin it (timers, deadlines and TTLs follow) or reset it to system time."""

from __future__ import annotations

from fastapi import Response

from engine.rest.deps import EngineDep
from engine.rest.models.messages import ClockPinRequest
from engine.rest.routers.base import make_router, no_content

router = make_router("Clock")


@router.put("/clock", operation_id="pinClock", status_code=204, response_class=Response)
async def pin_clock(engine: EngineDep, body: ClockPinRequest) -> Response:
    """Due timers fire before the answer, so a test may assert their effect right after."""
    await engine.set_clock(body.timestamp)
    return no_content()


@router.post("/clock/reset", operation_id="resetClock", status_code=204, response_class=Response)
async def reset_clock(engine: EngineDep) -> Response:
    await engine.set_clock(None)
    return no_content()
