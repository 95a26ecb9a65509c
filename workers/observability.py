"""What an operator sees of the worker service: JSON logs that carry the job, Prometheus metrics per job type,
and `/healthz`, `/readyz`, `/metrics` on one small HTTP port.

The HTTP side is a few lines over `asyncio.start_server` rather than a web framework: three GET routes, read by
kubelet and Prometheus only, do not justify another server in the worker image's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from pyzeebe import Job
from pyzeebe.errors import BusinessError

log = logging.getLogger("workers")

# -- metrics ------------------------------------------------------------------------------------------------
# Module-level: prometheus-client refuses a second registration of a name, and build_worker may run many times
# in one process (tests, `ipa simulate`).
JOBS = Counter("ipa_worker_jobs", "Jobs handled, by job type and outcome", ["job_type", "outcome"])
DURATION = Histogram(
    "ipa_worker_job_duration_seconds",
    "Handler time per job, by job type",
    ["job_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
IN_FLIGHT = Gauge("ipa_worker_jobs_in_flight", "Jobs whose handler is running, by job type", ["job_type"])

COMPLETED, FAILED, BPMN_ERROR = "completed", "failed", "bpmn_error"


# -- the job a log line belongs to ----------------------------------------------------------------------------
# A contextvar rather than a LoggerAdapter: handlers log through their own module loggers and run their store work
# via asyncio.to_thread, which copies the context, so every line written on behalf of a job carries its keys.
_job: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("ipa_job", default=None)


def job_fields(job: Job) -> dict[str, Any]:
    """The keys that join a log line with Operate and the dashboard (never the variables: they hold case data)."""
    return {
        "jobKey": job.key,
        "jobType": job.type,
        "processInstanceKey": job.process_instance_key,
        "elementId": job.element_id,
        "bpmnProcessId": job.bpmn_process_id,
    }


@contextlib.contextmanager
def job_context(job: Job) -> Iterator[None]:
    token = _job.set(job_fields(job))
    try:
        yield
    finally:
        _job.reset(token)


@contextlib.asynccontextmanager
async def observed(job: Job) -> AsyncIterator[None]:
    """Around one handler call: log context, in-flight gauge, duration, and the outcome counter."""
    started = time.perf_counter()
    with job_context(job):
        IN_FLIGHT.labels(job.type).inc()
        outcome = FAILED
        try:
            yield
            outcome = COMPLETED
        except BusinessError as e:
            outcome = BPMN_ERROR
            log.info("job ended with BPMN error %s", e.error_code)
            raise
        finally:
            elapsed = time.perf_counter() - started
            IN_FLIGHT.labels(job.type).dec()
            DURATION.labels(job.type).observe(elapsed)
            JOBS.labels(job.type, outcome).inc()
            if outcome == COMPLETED:
                log.info("job completed", extra={"durationMs": round(elapsed * 1000, 1)})


def in_flight() -> float:
    """Jobs whose handler runs now, over all job types (what the shutdown waits for)."""
    return sum(s.value for m in IN_FLIGHT.collect() for s in m.samples)


# -- logging -------------------------------------------------------------------------------------------------
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the job's keys, any `extra=` fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_job.get() or {})
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _TextJobFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        job = _job.get()
        return f"{line} [{' '.join(f'{k}={v}' for k, v in job.items())}]" if job else line


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Replace the root handlers (`python -m workers` may have set a text format before the settings were read)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_TextJobFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


# -- readiness ------------------------------------------------------------------------------------------------
@dataclass
class Readiness:
    """Ready while the last gateway and store checks both passed within `3 * interval` seconds."""

    interval: float
    gateway_ok_at: float | None = None
    store_ok_at: float | None = None
    problems: dict[str, str] = field(default_factory=dict)
    stopping: bool = False

    def _fresh(self, at: float | None) -> bool:
        return at is not None and time.monotonic() - at < 3 * self.interval

    def ready(self) -> bool:
        return not self.stopping and self._fresh(self.gateway_ok_at) and self._fresh(self.store_ok_at)

    def report(self) -> dict[str, Any]:
        return {
            "ready": self.ready(),
            "gateway": self._fresh(self.gateway_ok_at),
            "store": self._fresh(self.store_ok_at),
            "stopping": self.stopping,
            "problems": self.problems,
        }

    async def watch(self, gateway: Callable[[], Awaitable[Any]], store: Callable[[], None]) -> None:
        """Check both every `interval` seconds until cancelled; a check that hangs counts as failed."""
        while True:
            await self._check("gateway", gateway)
            await self._check("store", lambda: asyncio.to_thread(store))
            await asyncio.sleep(self.interval)

    async def _check(self, name: str, check: Callable[[], Awaitable[Any]]) -> None:
        try:
            await asyncio.wait_for(check(), timeout=max(self.interval, 1.0))
        except Exception as e:  # any failure means "not ready"; the reason goes to /readyz and the log
            if name not in self.problems:
                log.warning("readiness: %s check failed: %r", name, e)
            self.problems[name] = repr(e)
            return
        if self.problems.pop(name, None) is not None:
            log.info("readiness: %s check passes again", name)
        setattr(self, f"{name}_ok_at", time.monotonic())


# -- the HTTP port -------------------------------------------------------------------------------------------
async def serve_health(readiness: Readiness, host: str, port: int) -> asyncio.Server:
    """`/healthz` (the loop answers), `/readyz` (Readiness), `/metrics` (Prometheus text format)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            method, path, *_ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            path = path.split("?", 1)[0]
            status, ctype, body = _route(method, path, readiness)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode("latin-1")
                + (body if method != "HEAD" else b"")
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # a probe that hung up or sent nonsense gets no answer
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.start_server(handle, host, port)


def _route(method: str, path: str, readiness: Readiness) -> tuple[str, str, bytes]:
    if method not in ("GET", "HEAD"):
        return "405 Method Not Allowed", "text/plain", b"method not allowed\n"
    if path == "/healthz":
        return "200 OK", "application/json", b'{"status":"up"}\n'
    if path == "/readyz":
        status = "200 OK" if readiness.ready() else "503 Service Unavailable"
        return status, "application/json", json.dumps(readiness.report()).encode() + b"\n"
    if path == "/metrics":
        return "200 OK", CONTENT_TYPE_LATEST, generate_latest()
    return "404 Not Found", "text/plain", b"not found\n"
