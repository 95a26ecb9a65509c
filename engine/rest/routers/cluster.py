"""Topology and status."""

from __future__ import annotations

from fastapi import Request, Response

from engine.rest.deps import EngineDep
from engine.rest.models.cluster import BrokerInfo, Partition, TopologyResponse
from engine.rest.problems import PROBLEM_JSON, problem
from engine.rest.routers.base import make_router, no_content
from engine.runtime.engine import VERSION

router = make_router("Cluster")


@router.get("/topology", operation_id="getTopology")
async def get_topology(engine: EngineDep) -> TopologyResponse:
    """One broker with one partition: the embedded engine (zeebe-protocol.md §10)."""
    partition = Partition(partitionId=1, role="leader", health="healthy", state="active")
    broker = BrokerInfo(
        nodeId=0, brokerId="0", host="localhost", port=26501, partitions=[partition], version=VERSION
    )
    return TopologyResponse(
        brokers=[broker],
        clusterId=None,
        clusterSize=1,
        partitionsCount=1,
        replicationFactor=1,
        gatewayVersion=VERSION,
        lastCompletedChangeId="-1",
    )


@router.get(
    "/status",
    operation_id="getStatus",
    status_code=204,
    response_class=Response,
    responses={
        503: {
            "description": "The engine is not running.",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
        }
    },
)
async def get_status(request: Request, engine: EngineDep) -> Response:
    if engine._running:
        return no_content()
    return problem(request, 503, "UNAVAILABLE", "The engine is not running")
