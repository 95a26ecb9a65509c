"""How commands fail, in Zeebe's vocabulary (zeebe-protocol.md §2)."""

from __future__ import annotations


class Rejection(Exception):
    """The engine rejected a command: `Command '<INTENT>' rejected with code '<TYPE>': <reason>`.

    `rejection_type` is Zeebe's RejectionType: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, INVALID_STATE,
    PROCESSING_ERROR. The gateways map it to a gRPC status / HTTP problem.
    """

    def __init__(self, intent: str, rejection_type: str, reason: str) -> None:
        self.intent = intent
        self.rejection_type = rejection_type
        self.reason = reason
        super().__init__(f"Command '{intent}' rejected with code '{rejection_type}': {reason}")


class InvalidRequest(Exception):
    """A request the gateway refuses before it reaches the engine (bad JSON, a tenant id): INVALID_ARGUMENT."""


class DeadlineExceeded(Exception):
    """An awaited result (CreateProcessInstanceWithResult) did not come in time."""


class EngineStopped(Exception):
    """The engine can no longer persist what it does (its store failed): nothing more is accepted."""
