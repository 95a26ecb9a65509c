"""Topology."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Partition(BaseModel):
    partitionId: int
    role: Literal["leader", "follower", "inactive"]
    health: Literal["healthy", "unhealthy", "dead"]
    state: Literal["unknown", "joining", "active", "leaving", "recovering"]


class BrokerInfo(BaseModel):
    nodeId: int
    brokerId: str
    host: str
    port: int
    partitions: list[Partition]
    version: str


class TopologyResponse(BaseModel):
    brokers: list[BrokerInfo]
    clusterId: str | None
    clusterSize: int
    partitionsCount: int
    replicationFactor: int
    gatewayVersion: str
    lastCompletedChangeId: str
