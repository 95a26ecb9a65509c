"""Helpers for running `python -m workers` as the container runs it: a subprocess, its JSON log, its HTTP port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from engine.testing import ROOT, free_port

JOB_TYPE = "deploy-test-sleep"
PROCESS_ID = "deploy-test"

# one service task; retries 1 so a failing job becomes an incident at once rather than after three tries
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example.org/deploy-test">
  <bpmn:process id="{PROCESS_ID}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Sleep" name="Sleep">
      <bpmn:extensionElements><zeebe:taskDefinition type="{JOB_TYPE}" retries="1"/></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Sleep"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Sleep" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

# registered in the worker subprocess through IPA_WORKER_MODULES, as a site's own handlers would be
HANDLERS = f'''
import asyncio
import logging

from pydantic import BaseModel

from workers.registry import JobContext, job

log = logging.getLogger("workers.sleepy")


class SleepInput(BaseModel):
    sleep: float = 0
    fail: bool = False


@job("{JOB_TYPE}", SleepInput)
async def sleepy(ctx: JobContext, request: SleepInput) -> dict[str, float]:
    log.info("sleeping %s", request.sleep)
    await asyncio.sleep(request.sleep)
    if request.fail:
        raise RuntimeError("asked to fail")
    log.info("woke")
    return {{"slept": request.sleep}}
'''


class WorkerProcess:
    """`python -m workers` with the given environment; its output lines, parsed as JSON, collected in a thread."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        (folder / "sleepy_jobs.py").write_text(HANDLERS)
        self.health_port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
            "PYTHONUNBUFFERED": "1",
            "IPA_DATABASE_URL": f"sqlite:///{folder / 'casework.db'}",
            "IPA_WORKER_MODULES": "sleepy_jobs",
            "IPA_WORKER_HEALTH_HOST": "127.0.0.1",
            "IPA_WORKER_HEALTH_PORT": str(self.health_port),
            "IPA_WORKER_READY_INTERVAL_S": "0.5",
            "IPA_LOG_FORMAT": "json",
            **env,
        }
        self.lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        # cwd: a folder without .env, so only the environment given here configures the service
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workers"],
            cwd=self.env["PYTHONPATH"].split(os.pathsep)[0],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}"

    def records(self) -> list[dict[str, Any]]:
        """Every output line as JSON (a line that is not JSON fails the test: the log must stay machine-readable)."""
        out = []
        for line in list(self.lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"not a JSON log line: {line!r}\n{self.output()}") from None
        return out

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, what: str, test: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"the worker exited ({self.proc.returncode}) waiting for {what}:\n{self.output()}")
            found = test()
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")

    def log_line(self, message: str, **fields: Any) -> Callable[[], dict[str, Any] | None]:
        def find() -> dict[str, Any] | None:
            for r in self.records():
                if r.get("message", "").startswith(message) and all(r.get(k) == v for k, v in fields.items()):
                    return r
            return None

        return find

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
