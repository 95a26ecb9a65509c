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
        )
    if settings.insecure:
        return create_insecure_channel(grpc_address=settings.zeebe_address)
    return create_secure_channel(grpc_address=settings.zeebe_address)
