"""The web app against the real embedded engine (REST on a free port) and a casework store on a tmp SQLite file.

The web app talks to the engine only over HTTP, like to a real cluster. The tests themselves play the job
workers by driving the engine object directly (they are not what is under test here).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from engine.config import EngineSettings
from engine.server import RunningEngine, running_engine
from ipa.store import Store
from web.app import create_app
from web.config import WebSettings

ROOT = Path(__file__).resolve().parents[2]
MODELS = [
    p
    for folder in ("bpmn", "dmn", "forms")
    for p in sorted((ROOT / folder).iterdir())
    if p.suffix in (".bpmn", ".dmn", ".form")
]
PASSWORD = "correct horse battery staple"
MAIN = "international-assistance-request"
#: what the (played) workers answer, by job type
WORKERS: dict[str, dict[str, Any]] = {
    "enrich-country-profile": {
        "isHRPC": False,
        "retainsDeathPenalty": False,
        "fcdoAdvice": "NO_ADVICE_AGAINST",
        "sanctionsOrEmbargo": False,
        "stage1Date": None,
    },
    "compute-costing": {"costToDeliveringBody": 3000, "contractValue": 42000},
}


def job_types() -> list[str]:
    found: set[str] = set()
    for p in (ROOT / "bpmn").glob("*.bpmn"):
        for el in ET.parse(p).iter("{http://camunda.org/schema/zeebe/1.0}taskDefinition"):
            found.add(el.get("type", ""))
    return sorted(found - {""})


def intake_form(**overrides: str) -> dict[str, str]:
    start = date.today() + timedelta(days=120)
    form = {
        "receivedVia": "JIPH",
        "requesterType": "FOREIGN_POLICE",
        "requesterOrg": "Jamaica Constabulary Force",
        "countryCode": "JM",
        "deliveringBody": "COLLEGE",
        "purpose": "TRAINING",
        "assistanceType": "TRAINING_COURSE",
        "title": "Investigative interviewing",
        "policingArea": "INVESTIGATION",
        "deliveryLocation": "IN_COUNTRY",
        "startDate": start.isoformat(),
        "durationDays": "5",
        "ukStaffCount": "2",
        "ukStaffRanks": "SERGEANT, INSPECTOR",
        "recipientCount": "12",
        "fundingSource": "HMG_PROGRAMME",
        "funderName": "CSSF",
        "contractValue": "42000.00",
    }
    form.update(overrides)
    return form


@dataclass
class World:
    running: RunningEngine
    app: FastAPI
    store: Store

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver", follow_redirects=False
        )

    async def work(self, rounds: int = 40) -> None:
        """Play the workers: complete every job there is, until none is left."""
        engine = self.running.engine
        for _ in range(rounds):
            did = False
            for job_type in job_types():
                for job in await engine.activate_jobs(
                    job_type, "tests", 60_000, 50, None, request_timeout_ms=-1
                ):
                    await engine.complete_job(job["key"], WORKERS.get(job_type, {}))
                    did = True
            if not did:
                return

    def open_task(self, element_id: str) -> int:
        for t in self.running.engine.state.user_tasks.values():
            if t.element_instance.element.id == element_id:
                return int(t.key)
        raise AssertionError(f"no open task {element_id}")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = EngineSettings().model_copy(
        update={"grpc_port": 0, "http_port": 0, "data_dir": tmp_path / "engine"}
    )
    async with running_engine(settings) as running:
        await running.engine.deploy([(p.name, p.read_bytes()) for p in MODELS])
        db = f"sqlite:///{tmp_path / 'casework.db'}"
        app = create_app(
            WebSettings(
                camunda_rest_address=running.rest_address,
                database_url=db,
                secret_key="test-secret",
                demo_password=PASSWORD,
                fast_password_hashing=True,
            )
        )
        store = Store(db)
        try:
            yield World(running, app, store)
        finally:
            await app.state.camunda.aclose()
            store.dispose()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )


async def csrf(client: httpx.AsyncClient, path: str = "/inbox") -> str:
    return csrf_of((await client.get(path)).text)


async def submit_request(world: World, **overrides: str) -> str:
    """Intake through the web page as the caseworker; the new case's request id."""
    async with world.client() as c:
        await sign_in(c, "caseworker")
        token = csrf_of((await c.get("/intake")).text)
        r = await c.post(
            "/intake", data={**intake_form(**overrides), "csrf_token": token, "submission": "s-" + token[:12]}
        )
        assert r.status_code == 303, r.text
        return r.headers["location"].rsplit("/", 1)[-1]
