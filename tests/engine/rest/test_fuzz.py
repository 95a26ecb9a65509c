"""The REST API's own OpenAPI document fuzzed with schemathesis: no 500s, every error an RFC 9457 problem.

The app runs under uvicorn in a thread (its own event loop, where the engine runs too) and schemathesis
talks real HTTP to it. Generation is bounded and derandomized, so the run is deterministic and quick.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from engine.rest import create_app
from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.rest.conftest import free_port
from tests.engine.rest.resources import DMN, FAILING, FORM, SERVICE, USER_TASK

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}
#: positive and negative examples per operation (about 700 requests, ~15 s)
EXAMPLES_PER_OPERATION = 15
#: schemathesis' coverage phase (boundary values, unexpected methods) adds ~70 s: opt in with REST_FUZZ_COVERAGE=1
COVERAGE = os.environ.get("REST_FUZZ_COVERAGE") == "1"

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION},
        "phases": {"coverage": {"enabled": COVERAGE}},
    }
)
# the document does not depend on the engine: an unstarted one (no store) is enough to render it
DOC = create_app(Engine.__new__(Engine)).openapi()
schema = schemathesis.openapi.from_dict(DOC, config=CONFIG)


class Server(threading.Thread):
    """uvicorn with the engine on one loop in a daemon thread."""

    def __init__(self, data: Path) -> None:
        super().__init__(daemon=True)
        self.port = free_port()
        # long polls capped: fuzzed requestTimeouts must not park the run
        app = create_app(Engine(Store(database_url(data))), manage_engine=True, max_long_poll_s=0.05)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )

    def run(self) -> None:
        asyncio.run(self.server.serve())

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = Server(tmp_path_factory.mktemp("fuzz"))
    server.start()
    while not server.server.started:
        server.join(0.01)
    url = f"http://127.0.0.1:{server.port}"
    _seed(url)
    yield url
    server.stop()


def _seed(url: str) -> None:
    """Some data for the searches to find: definitions, instances, a task, an incident, a decision instance."""
    with httpx.Client(base_url=url + "/v2") as c:
        files = [("resources", f) for f in (("s.bpmn", SERVICE), ("f.bpmn", FAILING), ("a.bpmn", USER_TASK))]
        files += [("resources", ("a.form", FORM)), ("resources", ("g.dmn", DMN))]
        assert c.post("/deployments", files=files).status_code == 200
        for pid in ("svc", "failing", "approve"):
            assert c.post(
                "/process-instances", json={"processDefinitionId": pid, "variables": {"x": 1}}
            ).is_success
        # a decision instance for the decision instance searches
        evaluation = {"decisionDefinitionId": "grade", "variables": {"score": 70}}
        assert c.post("/decision-definitions/evaluation", json=evaluation).is_success


def problem_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx: `application/problem+json` with all five RFC 9457 members."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), f"{response.status_code} as {content_type}"
    body = json.loads(response.content)
    assert set(body) >= PROBLEM_FIELDS, f"problem members missing: {PROBLEM_FIELDS - set(body)}"
    assert body["status"] == response.status_code and body["type"] == "about:blank"
    assert isinstance(body["title"], str) and isinstance(body["detail"], str) and body["detail"]
    return True


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_fuzz(case: schemathesis.Case, base_url: str) -> None:
    response = case.call(base_url=base_url, timeout=10)
    assert response.status_code != 422, "validation errors are 400, as Camunda answers"
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
            problem_body,
        ],
    )
