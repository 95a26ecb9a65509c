"""The app served by uvicorn on a localhost port, spoken to over real HTTP (and keep-alive connections)."""

from __future__ import annotations

import asyncio

import httpx

from tests.engine.rest.resources import SERVICE


async def test_real_http_round_trip(server: str) -> None:
    async with httpx.AsyncClient(base_url=server + "/v2", timeout=30) as client:
        assert (await client.get("/status")).status_code == 204
        assert (await client.get("/topology")).json()["brokers"][0]["partitions"][0]["role"] == "leader"
        r = await client.post("/deployments", files=[("resources", ("svc.bpmn", SERVICE))])
        assert r.status_code == 200, r.text
        r = await client.post(
            "/process-instances", json={"processDefinitionId": "svc", "variables": {"a": 1}}
        )
        pi = r.json()["processInstanceKey"]

        # a parked long poll does not hold up other requests, and ends empty at its requestTimeout
        poll = asyncio.create_task(
            client.post(
                "/jobs/activation",
                json={"type": "other", "timeout": 5000, "maxJobsToActivate": 1, "requestTimeout": 200},
            )
        )
        jobs = await client.post(
            "/jobs/activation", json={"type": "work", "timeout": 5000, "maxJobsToActivate": 1}
        )
        [job] = jobs.json()["jobs"]
        assert (await poll).json() == {"jobs": []}
        assert (
            await client.post(f"/jobs/{job['jobKey']}/completion", json={"variables": {"b": 2}})
        ).status_code == 204
        assert (await client.get(f"/process-instances/{pi}")).json()["state"] == "COMPLETED"

        problem = await client.get("/process-instances/1")
        assert problem.status_code == 404 and problem.headers["content-type"] == "application/problem+json"
        assert (
            (await client.get(server + "/openapi.json"))
            .json()["info"]["title"]
            .startswith("Orchestration Cluster API")
        )
