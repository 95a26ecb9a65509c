"""The gateway with TLS (IPA_ENGINE_TLS_CERT / IPA_ENGINE_TLS_KEY): a client verifying the certificate works,
a plaintext client does not get through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest

from engine.config import EngineSettings
from engine.server import running_engine


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "gateway.pem", folder / "gateway.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def test_the_gateway_speaks_tls(tmp_path: Path) -> None:
    from pyzeebe import ZeebeClient, create_secure_channel
    from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

    cert, key = _self_signed(tmp_path)
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
