"""The gRPC channel to Zeebe: plaintext, TLS, self-managed OAuth or Camunda SaaS, chosen by the settings."""

from __future__ import annotations

import grpc
from pyzeebe import (
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
    create_secure_channel,
)

from workers.config import WorkerSettings


def _credentials(settings: WorkerSettings) -> grpc.ChannelCredentials | None:
    """TLS trusting the configured CA, or None for the system's roots (and GRPC_DEFAULT_SSL_ROOTS_FILE_PATH)."""
    if settings.ca_certificate_path is None:
        return None
    try:
        return grpc.ssl_channel_credentials(root_certificates=settings.ca_certificate_path.read_bytes())
    except OSError as e:
        raise ValueError(f"ZEEBE_CA_CERTIFICATE_PATH: cannot read {settings.ca_certificate_path}: {e}") from e


def channel_for(settings: WorkerSettings) -> grpc.aio.Channel:
    if settings.cluster_id and settings.client_id and settings.client_secret:
        return create_camunda_cloud_channel(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            cluster_id=settings.cluster_id,
            region=settings.cluster_region or "bru-2",
        )
    if settings.client_id and settings.client_secret and settings.oauth_url:
        return create_oauth2_client_credentials_channel(
            grpc_address=settings.zeebe_address,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            authorization_server=settings.oauth_url,
            audience=settings.token_audience,
            channel_credentials=_credentials(settings),
        )
    if settings.insecure:
        return create_insecure_channel(grpc_address=settings.zeebe_address)
    return create_secure_channel(grpc_address=settings.zeebe_address, channel_credentials=_credentials(settings))
