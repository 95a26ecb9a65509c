"""Engine failures as Zeebe's gateway reports them (zeebe-protocol.md §2, `GrpcErrorMapper`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

import grpc

from engine.runtime.errors import DeadlineExceeded, EngineStopped, InvalidRequest, Rejection

log = logging.getLogger("engine.gateway")

_REJECTION_CODES = {
    "INVALID_ARGUMENT": grpc.StatusCode.INVALID_ARGUMENT,
    "NOT_FOUND": grpc.StatusCode.NOT_FOUND,
    "ALREADY_EXISTS": grpc.StatusCode.ALREADY_EXISTS,
    "INVALID_STATE": grpc.StatusCode.FAILED_PRECONDITION,
    "PROCESSING_ERROR": grpc.StatusCode.INTERNAL,
}

R = TypeVar("R")
Context: TypeAlias = grpc.aio.ServicerContext
Handler = Callable[[Any, Any, Context], Awaitable[R]]


def status_of(error: Exception, rpc: str) -> tuple[grpc.StatusCode, str]:
    """The status code and details a client sees for `error`; unexpected errors are logged with their traceback."""
    if isinstance(error, Rejection):
        return _REJECTION_CODES.get(error.rejection_type, grpc.StatusCode.UNKNOWN), str(error)
    if isinstance(error, InvalidRequest):
        return grpc.StatusCode.INVALID_ARGUMENT, str(error)
    if isinstance(error, DeadlineExceeded):
        return grpc.StatusCode.DEADLINE_EXCEEDED, str(error)
    if isinstance(error, EngineStopped):  # clients retry UNAVAILABLE; the restarted engine recovers
        return grpc.StatusCode.UNAVAILABLE, str(error)
    log.exception("%s failed unexpectedly", rpc, exc_info=error)
    return grpc.StatusCode.INTERNAL, f"Unexpected error occurred during the request processing: {error}"


def mapped(method: Handler[R]) -> Handler[R]:
    """Turn engine exceptions raised by an RPC method into gRPC statuses.

    `context.abort` raises grpc's own AbortError, so it is called outside the `try`: aborting must not be
    mistaken for an unexpected error.
    """

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: Context) -> R:
        try:
            return await method(self, request, context)
        except Exception as e:  # every failure becomes a status; cancellation (BaseException) passes
            code, details = status_of(e, method.__name__)
        await context.abort(code, details)
        raise AssertionError("context.abort returned")  # pragma: no cover - abort always raises

    return wrapper
