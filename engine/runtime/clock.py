"""The engine clock: system time, or pinned (`PUT /v2/clock`) as Camunda Process Test does."""

from __future__ import annotations

import datetime as dt
import time


class Clock:
    def __init__(self) -> None:
        self.pinned: int | None = None

    def now(self) -> int:
        """Epoch milliseconds."""
        return self.pinned if self.pinned is not None else int(time.time() * 1000)

    def now_datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now() / 1000, dt.UTC).astimezone()

    def pin(self, epoch_ms: int) -> None:
        self.pinned = epoch_ms

    def reset(self) -> None:
        self.pinned = None
