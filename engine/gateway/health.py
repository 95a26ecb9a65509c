"""The gRPC health service (`grpc.health.v1.Health`): pyzeebe's `healthcheck()` asks it about the gateway.

A small asyncio implementation rather than grpc_health's reference one, whose status setter is a coroutine
and so cannot be used while wiring a server up synchronously.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from grpc_health.v1 import health_pb2 as _health_pb2
from grpc_health.v1 import health_pb2_grpc as _health_pb2_grpc

from engine.gateway.errors import Context
from engine.gateway.proto import SERVICE_NAME

health_pb2: Any = _health_pb2
health_pb2_grpc: Any = _health_pb2_grpc

#: the services this process answers for: the server as a whole ("") and the Zeebe gateway
SERVING = frozenset({"", SERVICE_NAME})


class HealthServicer(health_pb2_grpc.HealthServicer):
    async def Check(self, request: Any, context: Context) -> Any:
        if request.service not in SERVING:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service '{request.service}'")
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    async def Watch(self, request: Any, context: Context) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if request.service in SERVING
            else health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        )
        await context.write(health_pb2.HealthCheckResponse(status=status))
        # the status never changes while the server runs: hold the stream open until the client leaves
        await asyncio.Event().wait()


def add_health(server: grpc.aio.Server) -> None:
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(), server)
