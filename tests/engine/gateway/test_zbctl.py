"""zbctl 8.x (the Go CLI, from the npm package `zbctl`) against the gateway, over plaintext gRPC."""

from __future__ import annotations

import asyncio
import json
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.engine.gateway.conftest import DIAGRAMS, Gateway
from tests.engine.gateway.helpers import eventually, incidents

CACHE = Path(__file__).resolve().parents[3] / ".cache" / "zbctl"
_BINARIES = {"Linux": "zbctl-cli.linux", "Darwin": "zbctl-cli.darwin"}


@pytest.fixture(scope="session")
def zbctl_binary() -> Path:
    """The Go binary shipped in the npm package, installed once into the repo's (gitignored) `.cache/`."""
    name = _BINARIES.get(platform.system())
    if name is None or platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip(f"the zbctl npm package ships no binary for {platform.system()}/{platform.machine()}")
    binary = CACHE / "node_modules" / "zbctl" / "bin" / name
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, so zbctl cannot be fetched")
        CACHE.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "zbctl@8"],
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as e:
            pytest.skip(f"could not install zbctl from npm: {e}")
        if not binary.exists():
            pytest.skip(f"the zbctl npm package did not contain {binary.name}")
    return binary


class Zbctl:
    def __init__(self, binary: Path, address: str) -> None:
        self.binary, self.address = binary, address

    async def run(self, *args: str) -> tuple[int, str, str]:
        """Run zbctl without blocking the event loop, which also serves the gateway."""
        proc = await asyncio.create_subprocess_exec(
            str(self.binary),
            "--insecure",
            "--address",
            self.address,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

    async def ok(self, *args: str) -> str:
        code, out, err = await self.run(*args)
        assert code == 0, f"zbctl {' '.join(args)} failed: {err}"
        return out

    async def json(self, *args: str) -> Any:
        return json.loads(await self.ok(*args))


@pytest.fixture
def zbctl(zbctl_binary: Path, gateway: Gateway) -> Zbctl:
    return Zbctl(zbctl_binary, gateway.address)


def finished(gateway: Gateway, process_instance_key: int) -> bool:
    return process_instance_key not in gateway.engine.state.element_instances


async def test_status(zbctl: Zbctl) -> None:
    out = await zbctl.ok("status")
    assert "Cluster size: 1" in out
    assert "Partitions count: 1" in out
    assert "Gateway version: 8.8.0" in out
    assert "Partition 1 : Leader, Healthy" in out


async def test_deploy_uses_deploy_process_and_deploy_resource(zbctl: Zbctl) -> None:
    deployed = await zbctl.json("deploy", str(DIAGRAMS / "zbctl-task.bpmn"))
    [process] = deployed["processes"]
    assert process["bpmnProcessId"] == "zbctl-task" and process["version"] == 1
    deployed = await zbctl.json("deploy", "resource", str(DIAGRAMS / "order.bpmn"))
    [entry] = deployed["deployments"]
    assert entry["process"]["bpmnProcessId"] == "order"
    assert deployed["tenantId"] == "<default>"
    code, _, err = await zbctl.run("deploy", "resource", str(DIAGRAMS / "invalid.bpmn"))
    assert code != 0
    assert "code = InvalidArgument" in err and "Task_charge" in err


async def test_create_activate_and_complete(zbctl: Zbctl, gateway: Gateway) -> None:
    await zbctl.ok("deploy", str(DIAGRAMS / "zbctl-task.bpmn"))
    created = await zbctl.json("create", "instance", "zbctl-task", "--variables", '{"case": "C-1"}')
    pi = int(created["processInstanceKey"])
    activated = await zbctl.json("activate", "jobs", "zbctl-task", "--requestTimeout", "3s")
    [job] = activated["jobs"]
    assert int(job["processInstanceKey"]) == pi
    assert job["worker"] == "zbctl" and job["retries"] == 3
    assert json.loads(job["variables"]) == {"case": "C-1"}
    assert json.loads(job["customHeaders"]) == {}
    out = await zbctl.ok("complete", "job", job["key"], "--variables", '{"result": "done"}')
    assert f"Completed job with key '{job['key']}'" in out
    await eventually(lambda: finished(gateway, pi))
    # completing it again is Zeebe's NOT_FOUND, which zbctl reports as a failure
    code, _, err = await zbctl.run("complete", "job", job["key"])
    assert code != 0
    assert "code = NotFound" in err
    assert f"Expected to complete job with key '{job['key']}', but no such job was found" in err


async def test_activate_without_jobs_ends_empty_before_the_cli_times_out(zbctl: Zbctl) -> None:
    activated = await zbctl.json("activate", "jobs", "nobody-makes-these", "--requestTimeout", "2s")
    assert activated == {"jobs": []}


async def test_publish_message_correlates(zbctl: Zbctl, gateway: Gateway) -> None:
    await zbctl.ok("deploy", "resource", str(DIAGRAMS / "approval-message.bpmn"))
    created = await zbctl.json("create", "instance", "await-approval", "--variables", '{"requestId": "R-9"}')
    pi = int(created["processInstanceKey"])
    published = await zbctl.json(
        "publish", "message", "approved", "--correlationKey", "R-9", "--variables", '{"by": "ana"}'
    )
    assert int(published["key"]) > pi
    await eventually(lambda: finished(gateway, pi))


async def test_fail_job_then_resolve_the_incident(zbctl: Zbctl, gateway: Gateway) -> None:
    await zbctl.ok("deploy", str(DIAGRAMS / "zbctl-task.bpmn"))
    pi = int((await zbctl.json("create", "instance", "zbctl-task"))["processInstanceKey"])
    [job] = (await zbctl.json("activate", "jobs", "zbctl-task", "--requestTimeout", "3s"))["jobs"]
    await zbctl.ok("fail", "job", job["key"], "--retries", "0", "--errorMessage", "printer jammed")
    [incident] = await eventually(lambda: incidents(gateway.engine, pi))
    assert incident.error_message == "printer jammed"

    # no retries left: Zeebe refuses to resolve until the retries are raised
    code, _, err = await zbctl.run("resolve", "incident", str(incident.key))
    assert code != 0 and "has no retries left" in err
    await zbctl.ok("update", "retries", job["key"], "--retries", "2")
    await zbctl.ok("resolve", "incident", str(incident.key))
    assert incidents(gateway.engine, pi) == []

    [again] = (await zbctl.json("activate", "jobs", "zbctl-task", "--requestTimeout", "3s"))["jobs"]
    assert again["key"] == job["key"] and again["retries"] == 2
    await zbctl.ok("complete", "job", again["key"])
    await eventually(lambda: finished(gateway, pi))
