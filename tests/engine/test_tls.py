"""The gateway with TLS (IPA_ENGINE_TLS_CERT / IPA_ENGINE_TLS_KEY): a client verifying the certificate works,
a plaintext client does not get through."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from engine.config import EngineSettings
from engine.server import running_engine
from tests.certs import self_signed


async def test_the_gateway_speaks_tls(tmp_path: Path) -> None:
    from pyzeebe import ZeebeClient, create_secure_channel
    from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

    cert, key = self_signed(tmp_path, "gateway")
    settings = EngineSettings(grpc_port=0, http_port=0, data_dir=tmp_path, tls_cert=cert, tls_key=key)
    async with running_engine(settings) as running:
        address = f"localhost:{running.grpc_port}"
        channel = create_secure_channel(
            grpc_address=address, channel_credentials=grpc.ssl_channel_credentials(cert.read_bytes())
        )
        topology = await ZeebeClient(channel).topology()
        assert topology.brokers[0].partitions[0].role == 0  # LEADER
        plain = gateway_pb2_grpc.GatewayStub(grpc.aio.insecure_channel(address))
        with pytest.raises(grpc.aio.AioRpcError):
            await plain.Topology(gateway_pb2.TopologyRequest(), timeout=3)
