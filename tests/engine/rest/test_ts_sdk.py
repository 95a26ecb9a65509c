"""Camunda's official TypeScript SDK (`@camunda8/orchestration-cluster-api`, version pinned in `ts/package.json`) against
`python -m engine`: `ts/sdk_check.mjs` deploys a BPMN, creates an instance, searches and gets it, lets the SDK's own job
worker complete the service task's job and confirms by search that the instance COMPLETED, with the SDK validating
requests and responses in `strict` mode (a missing required field or a wrong type is an error).

Not `fanatical` (which also rejects fields the SDK does not know): SDK 9.1.5 has no `suspendedDate` in
`GET /v2/process-instances/{key}`, which Camunda's Python SDK 10 requires (the protocol notes, §10).

The SDK is installed once into the repo's (gitignored) `.cache/ts-sdk/`; the tests skip when node/npm or the registry is
unavailable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.testing import EngineProcess
from tests.npm import NpmPackage

TS = Path(__file__).resolve().parent / "ts"
SCRIPT = TS / "sdk_check.mjs"
PACKAGE = NpmPackage.pinned_in(TS, "@camunda8/orchestration-cluster-api", "ts-sdk")


@pytest.fixture(scope="session")
def ts_sdk() -> Path:
    """The SDK at the pinned version in `.cache/ts-sdk/` (installed from npm once); the folder."""
    return PACKAGE.install("the TypeScript SDK")


@pytest.fixture
def engine_process(tmp_path: Path) -> Iterator[EngineProcess]:
    engine = EngineProcess(tmp_path)
    engine.start()
    yield engine
    assert engine.stop() == 0, "".join(engine.output)


def run_check(sdk: Path, rest_address: str, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    """`node sdk_check.mjs <address>`: exit code, its JSON summary, stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMUNDA_", "ZEEBE_"))}
    env |= {"CAMUNDA_TS_SDK_DIR": str(sdk), "CAMUNDA_SDK_VALIDATION_CAPTURE_DIR": str(tmp_path / "captures")}
    proc = subprocess.run(
        ["node", str(SCRIPT), rest_address, "strict"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=45,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no summary (exit {proc.returncode}): {proc.stderr}"
    summary: dict[str, Any] = json.loads(lines[-1])
    return proc.returncode, summary, proc.stderr


def test_ts_sdk_worker_completes_a_job(ts_sdk: Path, engine_process: EngineProcess, tmp_path: Path) -> None:
    code, summary, stderr = run_check(ts_sdk, engine_process.rest_address, tmp_path)
    assert code == 0 and summary["ok"], json.dumps(summary, indent=2) + "\n" + stderr
    assert summary["sdkVersion"] == PACKAGE.pinned_version
    assert summary["validation"] == "strict"
    assert summary["steps"] == [
        "getTopology",
        "deployResourcesFromFiles",
        "createProcessInstance",
        "searchProcessInstances (ACTIVE)",
        "getProcessInstance",
        "job worker completed the job",
        "searchProcessInstances (COMPLETED)",
        "searchVariables",
    ]
    key = summary["processInstanceKey"]
    assert re.fullmatch(r"[0-9]+", key)
    assert (summary["searchedState"], summary["gotState"], summary["finalState"]) == (
        "ACTIVE",
        "ACTIVE",
        "COMPLETED",
    )
    job = summary["job"]
    assert job["processInstanceKey"] == key
    assert (job["type"], job["elementId"], job["retries"], job["worker"]) == (
        "ts-sdk-charge",
        "charge",
        3,
        "ts-sdk-check",
    )
    assert job["variables"] == {"orderId": "ORD-1", "amount": 42.5}
    assert job["customHeaders"] == {"currency": "EUR"}
    assert summary["variables"] == {
        "orderId": '"ORD-1"',
        "amount": "42.5",
        "charged": "true",
        "receipt": '"R-ORD-1"',
    }


class _DropField(BaseHTTPRequestHandler):
    """Forwards to the engine, but drops `field` from `GET /v2/process-instances/{key}`."""

    upstream = ""
    field = ""

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        response = httpx.request(
            self.command, self.upstream + self.path, content=body, headers=headers, timeout=30
        )
        content = response.content
        if self.command == "GET" and re.fullmatch(r"/v2/process-instances/[0-9]+", self.path):
            document = response.json()
            document.pop(self.field)
            content = json.dumps(document).encode()
        self.send_response(response.status_code)
        if "content-type" in response.headers:
            self.send_header("Content-Type", response.headers["content-type"])
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def test_ts_sdk_check_fails_on_a_missing_field(
    ts_sdk: Path, engine_process: EngineProcess, tmp_path: Path
) -> None:
    """The check can fail: with `endDate` missing from one response, the SDK's strict validation stops it there."""
    handler = type("Handler", (_DropField,), {"upstream": engine_process.rest_address, "field": "endDate"})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        code, summary, stderr = run_check(ts_sdk, f"http://127.0.0.1:{proxy.server_address[1]}", tmp_path)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert code == 1 and not summary["ok"], json.dumps(summary, indent=2) + "\n" + stderr
    assert summary["step"] == "getProcessInstance"
    error = summary["error"]
    assert error["message"] == "Invalid getProcessInstance response: validation failed", error
    assert any(issue.startswith("endDate:") for issue in error["issues"]), error
