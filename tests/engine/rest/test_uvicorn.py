"""The app served by uvicorn on a localhost port, spoken to over real HTTP (and keep-alive connections)."""

from __future__ import annotations

import asyncio
import contextlib

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


async def test_a_worker_that_hangs_up_during_its_long_poll_gets_no_job(server: str) -> None:
    """The job created after the worker left goes to the next worker at once, not after the job timeout."""
    async with httpx.AsyncClient(base_url=server + "/v2", timeout=30) as client:
        r = await client.post("/deployments", files=[("resources", ("svc.bpmn", SERVICE))])
        assert r.status_code == 200, r.text
        long_poll = {"type": "work", "timeout": 600_000, "maxJobsToActivate": 1, "requestTimeout": 20_000}
        async with httpx.AsyncClient(base_url=server + "/v2", timeout=30) as leaving:
            poll = asyncio.create_task(leaving.post("/jobs/activation", json=long_poll))
            await asyncio.sleep(0.3)  # parked in the engine
            poll.cancel()  # the worker process dies: its connection closes
            with contextlib.suppress(asyncio.CancelledError):
                await poll
        await asyncio.sleep(0.3)  # the server notices the disconnect
        await client.post("/process-instances", json={"processDefinitionId": "svc", "variables": {}})
        jobs = await client.post("/jobs/activation", json={**long_poll, "requestTimeout": 5_000})
        assert len(jobs.json()["jobs"]) == 1, "the job was not handed to the worker that left"
