"""Wiring the gateway into a grpc.aio server."""

from __future__ import annotations

import grpc

from engine.gateway.health import add_health
from engine.gateway.jobs import MAX_MESSAGE_BYTES
from engine.gateway.proto import pb_grpc
from engine.gateway.servicer import BROKER_HOST, BROKER_PORT, GatewayServicer
from engine.runtime.engine import Engine


def server_options() -> list[tuple[str, int]]:
    """Channel options matching Zeebe's gateway (zeebe-protocol.md §12.10).

    Clients ping every 45 s on long-lived streams; grpc-core servers by default want 5 minutes between pings
    without data and send GOAWAY `too_many_pings`, so the tolerated interval is lowered to Zeebe's 30 s.
    """
    return [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", 30_000),
        ("grpc.keepalive_permit_without_calls", 1),
    ]


def add_gateway(
    server: grpc.aio.Server, engine: Engine, *, host: str = BROKER_HOST, port: int = BROKER_PORT
) -> None:
    """Serve `gateway_protocol.Gateway` for `engine` and a health service reporting it SERVING.

    `host`/`port` only feed the broker address that Topology (`zbctl status`) reports.
    """
    pb_grpc.add_GatewayServicer_to_server(GatewayServicer(engine, host, port), server)
    add_health(server)
