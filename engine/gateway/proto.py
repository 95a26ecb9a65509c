"""The one place that imports pyzeebe's generated gateway modules.

Their `.pyi` stubs declare synchronous servicer methods, which async overrides cannot satisfy, so the
modules are re-exported as `Any`: the protobuf boundary stays untyped here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from pyzeebe.proto import gateway_pb2 as _gateway_pb2
from pyzeebe.proto import gateway_pb2_grpc as _gateway_pb2_grpc

#: message classes (`pb.ActivatedJob`, `pb.TopologyResponse`, ...)
pb: Any = _gateway_pb2
#: the generated servicer base class and `add_GatewayServicer_to_server`
pb_grpc: Any = _gateway_pb2_grpc

SERVICE_NAME = "gateway_protocol.Gateway"
