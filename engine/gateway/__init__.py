"""The Zeebe gateway gRPC service (`gateway_protocol.Gateway`) in front of the embedded engine."""

from engine.gateway.server import add_gateway, server_options

__all__ = ["add_gateway", "server_options"]
