"""The embedded engine: commands in, records out, state in memory, every batch committed before answering.

Commands run one at a time on the event loop (like a Zeebe partition's stream processor): each mutates the
in-memory state and appends records and row changes to the pending batch. A flusher task writes pending
batches to the store in a worker thread (group commit) and only then releases the answers, so a client never
hears of anything that a crash could lose. Time-driven work (timers, job deadlines, retry back-offs, message
TTLs) comes from a scheduler task on the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.bpmn import BpmnParseError, Element, ElementType, EventType, parse_bpmn
from engine.dmn import DmnParseError, evaluate_decision, parse_dmn
from engine.dmn.result import DecisionResult
from engine.runtime import timers as timer_math
from engine.runtime import variables as vars_
from engine.runtime.clock import Clock
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT, dumps
from engine.runtime.elements.tasks import user_task_record
from engine.runtime.errors import DeadlineExceeded, EngineStopped, Rejection
from engine.runtime.processor import Processor
from engine.runtime.state import (
    DecisionDefinition,
    DecisionRequirements,
    ElementInstance,
    FormDefinition,
    Job,
    Message,
    ProcessDefinition,
    State,
    Subscription,
)
from engine.store import schema
from engine.store.store import FIRST_KEY, Batch, Store

log = logging.getLogger("engine")
T = TypeVar("T")
VERSION = "8.8.0"
#: epoch-millisecond times are int64 in Zeebe's protocol and in the store
MAX_TIME = 2**63 - 1


def later(now: int, ms: int) -> int:
    """`now + ms`, kept within int64 (a client may ask for a timeout of Long.MAX_VALUE)."""
    return min(now + max(ms, 0), MAX_TIME)


@dataclass
class DeployedResource:
    kind: str  # process | decision | decisionRequirements | form
    data: dict[str, Any]


@dataclass
class Deployment:
    key: int
    resources: list[DeployedResource] = field(default_factory=list)


class Engine:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or Clock()
        self.state = State()
        self.next_key = FIRST_KEY
        self.position = 0
        self.pending = Batch()
        self._after_commit: list[Callable[[], None]] = []
        self._batch_done: asyncio.Future[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="engine-writer")
        self._job_events: dict[str, asyncio.Event] = {}
        self._schedule_changed: asyncio.Event | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._result_waiters: dict[int, list[asyncio.Future[dict[str, Any]]]] = {}
        #: message name -> (definition, start event) of the latest versions with a message start event
        self._message_starts: dict[str, list[tuple[ProcessDefinition, Element]]] = {}
        self._running = False
        self.recovery_seconds = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        #: set when the store could not be written: the server exits so a supervisor restarts it from disk
        self.broken: BaseException | None = None
        self.fatal = asyncio.Event()

    # -- life cycle ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        from engine.runtime.recovery import recover

        t0 = time.perf_counter()
        recover(self)
        #: how long loading the live state took (printed at start-up; the recovery figure of bench/engine.py)
        self.recovery_seconds = time.perf_counter() - t0
        self._schedule_changed = asyncio.Event()
        self._running = True
        self._scheduler = asyncio.get_running_loop().create_task(self._run_scheduler())

    async def stop(self) -> None:
        self._running = False
        if self._scheduler is not None:
            self._scheduler.cancel()
        if self.pending or self._flusher is not None:
            await self._commit()
        self._writer.shutdown(wait=True)
        self.store.close()

    # -- running commands ------------------------------------------------------------------------------------
    def run(self, command: Callable[[Ctx, Processor], T]) -> T:
        """Run a command and its follow-ups to the end, synchronously; the caller then awaits `_commit`."""
        if self.broken is not None:
            raise EngineStopped(f"the engine stopped: its store could not be written ({self.broken})")
        ctx = Ctx(self)
        result = command(ctx, Processor(ctx))
        ctx.drain()
        for job_type in ctx.woken:
            event = self._job_events.pop(job_type, None)
            if event is not None:
                event.set()
        return result

    async def execute(self, command: Callable[[Ctx, Processor], T]) -> T:
        result = self.run(command)
        await self._commit()
        return result

    def _commit(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        if self._batch_done is None:
            self._batch_done = loop.create_future()
        done = self._batch_done
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush())
        # shielded: one caller giving up (a cancelled gRPC call) must not cancel the batch for the others
        return asyncio.shield(done)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                batch, done, after = self.pending, self._batch_done, self._after_commit
                self.pending, self._batch_done, self._after_commit = Batch(), None, []
                batch.meta["next_key"] = str(self.next_key)
                batch.materialize()
                try:
                    await loop.run_in_executor(self._writer, self.store.write, batch)
                except Exception as e:  # the store is gone: memory is ahead of disk, stop answering
                    log.critical("could not write to the store, stopping: %s", e)
                    self.broken = e
                    if done is not None and not done.done():
                        done.set_exception(EngineStopped(f"the engine stopped: its store could not be written ({e})"))
                    self.fatal.set()
                    return
                if done is not None and not done.done():
                    done.set_result(None)
                for callback in after:
                    callback()
            if self._batch_done is not None and not self._batch_done.done():
                self._batch_done.set_result(None)
                self._batch_done = None
        finally:
            self._flusher = None

    def _background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def schedule_changed(self) -> None:
        if self._schedule_changed is not None:
            self._schedule_changed.set()

    # -- deployment ------------------------------------------------------------------------------------------
    async def deploy(self, resources: list[tuple[str, bytes]]) -> Deployment:
        return await self.execute(lambda ctx, p: self._deploy(ctx, p, resources))

    def _deploy(self, ctx: Ctx, p: Processor, resources: list[tuple[str, bytes]]) -> Deployment:
        if not resources:
            raise Rejection(
                "CREATE", "INVALID_ARGUMENT", "Expected to deploy at least one resource, but none given"
            )
        errors: list[str] = []
        parsed: list[tuple[str, str, bytes, Any]] = []
        for name, content in resources:
            try:
                if name.endswith((".bpmn", ".xml")):
                    parsed.append(("bpmn", name, content, parse_bpmn(content, name)))
                elif name.endswith(".dmn"):
                    parsed.append(("dmn", name, content, parse_dmn(content, name, dialect="camunda")))
                elif name.endswith(".form"):
                    form = json.loads(content)
                    if not isinstance(form, dict) or not isinstance(form.get("id"), str) or not form["id"]:
                        raise ValueError("Expected the form to have an 'id', but none found")
                    parsed.append(("form", name, content, form))
                else:
                    errors.append(f"'{name}': unknown resource type")
            except BpmnParseError as e:
                errors.append(str(e))
            except DmnParseError as e:
                errors.append(f"'{name}': {e}")
            except ValueError as e:
                errors.append(f"'{name}': {e}")
        if errors:
            raise Rejection(
                "CREATE",
                "INVALID_ARGUMENT",
                "Expected to deploy new resources, but encountered the following errors:\n"
                + "\n".join(errors),
            )
        deployment = Deployment(ctx.key())
        out = deployment.resources
        for kind, name, content, model in parsed:
            checksum = hashlib.md5(content).hexdigest()
            if kind == "bpmn":
                for process in model:
                    out.append(
                        DeployedResource(
                            "process", self._deploy_process(ctx, p, deployment, name, checksum, process)
                        )
                    )
            elif kind == "dmn":
                out.extend(self._deploy_dmn(ctx, deployment, name, checksum, content, model))
            else:
                out.append(
                    DeployedResource(
                        "form", self._deploy_form(ctx, deployment, name, checksum, content, model)
                    )
                )
        order = {"process": 0, "decision": 1, "decisionRequirements": 2, "form": 3}
        out.sort(key=lambda r: order[r.kind])
        ctx.record(
            "DEPLOYMENT",
            "CREATED",
            deployment.key,
            {"resources": [r.data for r in out], "tenantId": DEFAULT_TENANT},
        )
        return deployment

    def _resource_row(
        self,
        key: int,
        kind: str,
        rid: str,
        name: str | None,
        version: int,
        resource_name: str,
        checksum: str,
        deployment: Deployment,
        content: bytes,
        version_tag: str | None = None,
    ) -> dict[str, Any]:
        return {
            "key": key,
            "kind": kind,
            "resource_id": rid,
            "name": name,
            "version": version,
            "version_tag": version_tag,
            "resource_name": resource_name,
            "checksum": checksum,
            "deployment_key": deployment.key,
            "content": content,
            "deleted": False,
            "tenant_id": DEFAULT_TENANT,
        }

    def _deploy_process(
        self, ctx: Ctx, p: Processor, deployment: Deployment, name: str, checksum: str, model: Any
    ) -> dict[str, Any]:
        latest = self.state.latest_process(model.bpmn_process_id)
        if (
            latest is not None
            and latest.model.resource_name == name
            and latest.model.checksum == model.checksum
        ):
            d = latest
        else:
            version = (
                max(
                    (x.version for x in self.state.definitions_by_id.get(model.bpmn_process_id, ())),
                    default=0,
                )
                + 1
            )
            d = ProcessDefinition(ctx.key(), model, version, deployment.key, DEFAULT_TENANT)
            self.register_process(d)
            ctx.batch.upsert(
                schema.resources,
                self._resource_row(
                    d.key,
                    "PROCESS",
                    model.bpmn_process_id,
                    model.name,
                    version,
                    name,
                    checksum,
                    deployment,
                    model.xml,
                    model.version_tag,
                ),
            )
            self._start_events_changed(ctx, p, d, latest)
        data = {
            "bpmnProcessId": d.bpmn_process_id,
            "version": d.version,
            "processDefinitionKey": d.key,
            "resourceName": name,
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("PROCESS", "CREATED", d.key, data)
        return data

    def register_process(self, d: ProcessDefinition) -> None:
        self.state.definitions[d.key] = d
        self.state.definitions_by_id[d.bpmn_process_id].append(d)
        self._index_message_starts()

    def _index_message_starts(self) -> None:
        index: dict[str, list[tuple[ProcessDefinition, Element]]] = {}
        for pid in self.state.definitions_by_id:
            d = self.state.latest_process(pid)
            if d is None:
                continue
            for start in d.model.start_events(d.bpmn_process_id):
                if start.event_type is EventType.MESSAGE and start.message is not None:
                    index.setdefault(start.message.name.text, []).append((d, start))
        self._message_starts = index

    def _start_events_changed(
        self, ctx: Ctx, p: Processor, d: ProcessDefinition, previous: ProcessDefinition | None
    ) -> None:
        """A new version replaces the previous version's timer start events."""
        for timer in list(self.state.timers.values()):
            if timer.element_instance is None and previous is not None and timer.definition is previous:
                p.close_timer(timer)
        for start in d.model.start_events(d.bpmn_process_id):
            if start.event_type is EventType.TIMER and start.timer is not None:
                p.open_timer(None, start, d)
                self.schedule_changed()

    def _deploy_dmn(
        self, ctx: Ctx, deployment: Deployment, name: str, checksum: str, content: bytes, model: Any
    ) -> list[DeployedResource]:
        drg_id = model.id
        latest = next((g for g in reversed(self.state.drgs_by_id.get(drg_id, ())) if not g.deleted), None)
        if (
            latest is not None
            and latest.resource_name == name
            and hashlib.md5(latest.xml).hexdigest() == checksum
        ):
            drg = latest
            decisions = [d for d in self.state.decisions.values() if d.drg is drg]
        else:
            version = max((g.version for g in self.state.drgs_by_id.get(drg_id, ())), default=0) + 1
            drg = DecisionRequirements(ctx.key(), drg_id, model.name, version, name, model, content)
            ctx.batch.upsert(
                schema.resources,
                self._resource_row(
                    drg.key,
                    "DECISION_REQUIREMENTS",
                    drg_id,
                    model.name,
                    version,
                    name,
                    checksum,
                    deployment,
                    content,
                ),
            )
            decisions = []
            for decision in model.decisions.values():
                dv = max((x.version for x in self.state.decisions_by_id.get(decision.id, ())), default=0) + 1
                dd = DecisionDefinition(ctx.key(), decision.id, decision.name, dv, drg)
                decisions.append(dd)
                ctx.batch.upsert(
                    schema.decisions,
                    {
                        "key": dd.key,
                        "decision_id": dd.decision_id,
                        "name": dd.name,
                        "version": dv,
                        "decision_requirements_key": drg.key,
                        "decision_requirements_id": drg_id,
                        "deleted": False,
                        "tenant_id": DEFAULT_TENANT,
                    },
                )
            self.register_drg(drg, decisions)
        out = []
        for dd in decisions:
            data = {
                "dmnDecisionId": dd.decision_id,
                "dmnDecisionName": dd.name or "",
                "version": dd.version,
                "decisionKey": dd.key,
                "dmnDecisionRequirementsId": drg.drg_id,
                "decisionRequirementsKey": drg.key,
                "tenantId": DEFAULT_TENANT,
            }
            ctx.record("DECISION", "CREATED", dd.key, data)
            out.append(DeployedResource("decision", data))
        data = {
            "dmnDecisionRequirementsId": drg.drg_id,
            "dmnDecisionRequirementsName": drg.name or "",
            "version": drg.version,
            "decisionRequirementsKey": drg.key,
            "resourceName": name,
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("DECISION_REQUIREMENTS", "CREATED", drg.key, data)
        out.append(DeployedResource("decisionRequirements", data))
        return out

    def register_drg(self, drg: DecisionRequirements, decisions: list[DecisionDefinition]) -> None:
        self.state.drgs[drg.key] = drg
        self.state.drgs_by_id[drg.drg_id].append(drg)
        for dd in decisions:
            self.state.decisions[dd.key] = dd
            self.state.decisions_by_id[dd.decision_id].append(dd)

    def _deploy_form(
        self, ctx: Ctx, deployment: Deployment, name: str, checksum: str, content: bytes, form: dict[str, Any]
    ) -> dict[str, Any]:
        form_id = form["id"]
        latest = self.state.latest_form(form_id)
        if (
            latest is not None
            and latest.resource_name == name
            and hashlib.md5(latest.schema.encode()).hexdigest() == checksum
        ):
            f = latest
        else:
            version = max((x.version for x in self.state.forms_by_id.get(form_id, ())), default=0) + 1
            f = FormDefinition(ctx.key(), form_id, version, name, content.decode("utf-8"))
            self.register_form(f)
            ctx.batch.upsert(
                schema.resources,
                self._resource_row(
                    f.key, "FORM", form_id, None, version, name, checksum, deployment, content
                ),
            )
        data = {
            "formId": f.form_id,
            "version": f.version,
            "formKey": f.key,
            "resourceName": name,
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("FORM", "CREATED", f.key, data)
        return data

    def register_form(self, f: FormDefinition) -> None:
        self.state.forms[f.key] = f
        self.state.forms_by_id[f.form_id].append(f)

    # -- process instances -----------------------------------------------------------------------------------
    def find_process(
        self, bpmn_process_id: str | None, version: int, key: int | None, intent: str = "CREATE"
    ) -> ProcessDefinition:
        if bpmn_process_id:
            d = (
                self.state.latest_process(bpmn_process_id)
                if version < 0
                else self.state.process_version(bpmn_process_id, version)
            )
            if d is None:
                suffix = "" if version < 0 else f" and version '{version}'"
                raise Rejection(
                    intent,
                    "NOT_FOUND",
                    f"Expected to find process definition with process ID '{bpmn_process_id}'{suffix}, but none found",
                )
            return d
        if key is not None and key >= 0:
            d = self.state.definitions.get(key)
            if d is None or d.deleted:
                raise Rejection(
                    intent,
                    "NOT_FOUND",
                    f"Expected to find process definition with key '{key}', but none found",
                )
            return d
        raise Rejection(
            intent,
            "INVALID_ARGUMENT",
            "Expected at least a bpmnProcessId or a key greater than -1, but none given",
        )

    async def create_process_instance(
        self,
        *,
        bpmn_process_id: str | None = None,
        version: int = -1,
        key: int | None = None,
        variables: dict[str, Any] | None = None,
        start_instructions: list[str] | None = None,
        await_result: bool = False,
        fetch_variables: list[str] | None = None,
        request_timeout_ms: int = 0,
    ) -> dict[str, Any]:
        """Start an instance; with `await_result` answer when it completes (root variables, or `fetch_variables`)."""
        waiter: asyncio.Future[dict[str, Any]] | None = None

        def command(ctx: Ctx, p: Processor) -> tuple[ProcessDefinition, ElementInstance]:
            intent = "CREATE_WITH_AWAITING_RESULT" if await_result else "CREATE"
            d = self.find_process(bpmn_process_id, version, key, intent)
            starts = []
            for element_id in start_instructions or ():
                el = d.model.elements.get(element_id)
                if el is None:
                    raise Rejection(
                        intent,
                        "INVALID_ARGUMENT",
                        f"Expected to find element with id '{element_id}' in process with key '{d.key}', but no such element found",
                    )
                starts.append(el)
            if not starts and d.model.none_start_event is None:
                raise Rejection(
                    intent,
                    "INVALID_STATE",
                    "Expected to create instance of process with none start event, but there is no such event",
                )
            pi = p.create_process_instance(d, variables or {}, start_element=starts[0] if starts else None)
            for el in starts[1:]:
                p.activate(el, pi)
            ctx.record(
                "PROCESS_INSTANCE_CREATION",
                "CREATED",
                pi.key,
                {
                    "bpmnProcessId": d.bpmn_process_id,
                    "version": d.version,
                    "processDefinitionKey": d.key,
                    "processInstanceKey": pi.key,
                    "tenantId": DEFAULT_TENANT,
                },
                pi.key,
            )
            if await_result:
                nonlocal waiter
                waiter = asyncio.get_running_loop().create_future()
                self._result_waiters.setdefault(pi.key, []).append(waiter)
            return d, pi

        d, pi = self.run(command)
        await self._commit()
        created = {
            "processDefinitionKey": d.key,
            "bpmnProcessId": d.bpmn_process_id,
            "version": d.version,
            "processInstanceKey": pi.key,
            "tenantId": DEFAULT_TENANT,
        }
        if waiter is None:
            return created
        timeout = (request_timeout_ms or 15_000) / 1000
        try:
            async with asyncio.timeout(timeout):  # no extra task per call, unlike wait_for
                root = await waiter
        except TimeoutError:
            raise DeadlineExceeded(
                f"Expected to complete process instance '{pi.key}' within {timeout:.0f}s, but it did not"
            ) from None
        if fetch_variables:
            root = {k: v for k, v in root.items() if k in fetch_variables}
        return {**created, "variables": root}

    def on_process_ended(self, ctx: Ctx, pi: ElementInstance, completed: bool) -> None:
        for k, v in list(self.state.message_started.items()):
            if v == pi.key:
                del self.state.message_started[k]
        waiters = self._result_waiters.pop(pi.key, None)
        if waiters:
            root = {name: var.value for name, var in pi.variables.items()}

            def release() -> None:
                for w in waiters:
                    if w.done():
                        continue
                    if completed:
                        w.set_result(root)
                    else:
                        w.set_exception(
                            Rejection(
                                "CREATE_WITH_AWAITING_RESULT",
                                "INVALID_STATE",
                                f"Expected to complete process instance '{pi.key}', but it was terminated",
                            )
                        )

            self.after_commit(release)

    async def cancel_process_instance(self, key: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            pi = self.state.element_instances.get(key)
            if pi is None or not pi.is_process:
                raise Rejection(
                    "CANCEL",
                    "NOT_FOUND",
                    f"Expected to cancel a process instance with key '{key}', but no such process was found",
                )
            if pi.parent_pi_key is not None:
                root = pi.runtime.get("root", pi.parent_pi_key)
                raise Rejection(
                    "CANCEL",
                    "INVALID_STATE",
                    f"Expected to cancel a process instance with key '{key}', but it is created by a parent process instance. Cancel the root process instance '{root}' instead.",
                )
            p.terminate(pi)

        await self.execute(command)

    # -- jobs ------------------------------------------------------------------------------------------------
    async def activate_jobs(
        self,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch_variables: list[str] | None = None,
        request_timeout_ms: int = 0,
        wait_limit_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Activate up to `max_jobs` jobs; with none, long-poll until one exists or the request times out."""
        if not job_type.strip():
            raise Rejection(
                "ACTIVATE",
                "INVALID_ARGUMENT",
                "Expected to activate job batch with type to be present, but it was blank",
            )
        if max_jobs <= 0:
            raise Rejection(
                "ACTIVATE",
                "INVALID_ARGUMENT",
                f"Expected to activate job batch with max jobs to activate to be greater than zero, but it was '{max_jobs}'",
            )
        if timeout_ms <= 0:
            raise Rejection(
                "ACTIVATE",
                "INVALID_ARGUMENT",
                f"Expected to activate job batch with timeout to be greater than zero, but it was '{timeout_ms}'",
            )
        loop = asyncio.get_running_loop()
        wait = None if request_timeout_ms < 0 else (request_timeout_ms or 10_000) / 1000
        if wait is not None and wait_limit_s is not None:
            wait = max(0.0, min(wait, wait_limit_s))
        end = loop.time() + (wait or 0)
        while True:
            event = self._job_events.get(job_type)
            if event is None:
                event = self._job_events[job_type] = asyncio.Event()
            jobs = self.run(
                lambda ctx, p: self._activate(ctx, p, job_type, worker, timeout_ms, max_jobs, fetch_variables)
            )
            if jobs:
                try:
                    await self._commit()
                except asyncio.CancelledError:
                    # the caller went away while its jobs were being committed: hand them back at once
                    keys = [j["key"] for j in jobs]
                    self._background(self.return_jobs(keys))
                    raise
                return jobs
            remaining = end - loop.time()
            if wait is None or remaining <= 0:
                return []
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []

    def _activate(
        self,
        ctx: Ctx,
        p: Processor,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        fetch: list[str] | None,
    ) -> list[dict[str, Any]]:
        bucket = self.state.activatable.get(job_type)
        if not bucket:
            return []
        taken: list[Job] = []
        for job in list(bucket.values())[:max_jobs]:
            del bucket[job.key]
            job.state = "ACTIVATED"
            job.worker = worker
            job.deadline = later(ctx.now, timeout_ms)
            self.state.schedule.add(job.deadline, "deadline", job.key)
            ctx.save_job(job)
            taken.append(job)
        self.schedule_changed()
        ctx.record(
            "JOB_BATCH",
            "ACTIVATED",
            ctx.key(),
            {
                "type": job_type,
                "worker": worker,
                "timeout": timeout_ms,
                "maxJobsToActivate": max_jobs,
                "jobKeys": [j.key for j in taken],
                "tenantId": DEFAULT_TENANT,
            },
        )
        return [self.job_view(job, fetch) for job in taken]

    def job_view(self, job: Job, fetch: list[str] | None = None) -> dict[str, Any]:
        ei = job.element_instance
        d = ei.definition
        visible = vars_.visible(ei)
        if fetch:
            visible = {k: v for k, v in visible.items() if k in fetch}
        return {
            "key": job.key,
            "type": job.type,
            "processInstanceKey": ei.process_instance.key,
            "bpmnProcessId": d.bpmn_process_id,
            "processDefinitionVersion": d.version,
            "processDefinitionKey": d.key,
            "elementId": ei.element.id,
            "elementInstanceKey": ei.key,
            "customHeaders": job.custom_headers,
            "worker": job.worker,
            "retries": job.retries,
            "deadline": job.deadline or 0,
            "variables": {k: v.value for k, v in visible.items()},
            "variablesText": "{" + ",".join(f"{json.dumps(k)}:{v.text}" for k, v in visible.items()) + "}",
            "tenantId": DEFAULT_TENANT,
            "kind": job.kind,
        }

    def _job(self, key: int, intent: str, verb: str) -> Job:
        job = self.state.jobs.get(key)
        if job is None:
            raise Rejection(
                intent, "NOT_FOUND", f"Expected to {verb} job with key '{key}', but no such job was found"
            )
        if job.state in ("FAILED", "ERROR_THROWN"):
            raise Rejection(
                intent,
                "INVALID_STATE",
                f"Expected to {verb} job with key '{key}', but it is in state '{job.state}'",
            )
        return job

    def _release_job(self, job: Job) -> None:
        self.state.jobs.pop(job.key, None)
        self.state.activatable.get(job.type, {}).pop(job.key, None)
        if job.element_instance.job_key == job.key:
            job.element_instance.job_key = None

    async def complete_job(self, key: int, variables: dict[str, Any]) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self._job(key, "COMPLETE", "complete")
            self._release_job(job)
            job.state = "COMPLETED"
            p.job_record(job, "COMPLETED", variables)
            ctx.save_job(job, live=False)
            ei = job.element_instance
            ei.trigger = {**(ei.trigger or {}), **variables}
            p.complete(ei)

        await self.execute(command)

    async def fail_job(
        self, key: int, retries: int, error_message: str, retry_backoff_ms: int, variables: dict[str, Any]
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self._job(key, "FAIL", "fail")
            job.retries = retries
            job.error_message = error_message
            job.deadline = None
            job.worker = ""
            ei = job.element_instance
            if variables:
                vars_.merge_local(ctx, ei, variables)
            if retries > 0 and retry_backoff_ms > 0:
                job.state = "FAILED"
                job.recur_at = later(ctx.now, retry_backoff_ms)
                self.state.schedule.add(job.recur_at, "recur", job.key)
                self.schedule_changed()
            elif retries > 0:
                job.state = "ACTIVATABLE"
                self.state.activatable[job.type][job.key] = job
                ctx.woken.add(job.type)
            else:
                job.state = "FAILED"
            p.job_record(job, "FAILED", variables)
            ctx.save_job(job)
            if retries <= 0:
                p.incident(ei, "JOB_NO_RETRIES", error_message or "No more retries left.", "job", job)

        await self.execute(command)

    async def throw_error(
        self, key: int, error_code: str, error_message: str, variables: dict[str, Any]
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self._job(key, "THROW_ERROR", "throw an error for")
            job.state = "ERROR_THROWN"
            job.error_code = error_code
            job.error_message = error_message
            p.job_record(job, "ERROR_THROWN", variables)
            self.state.activatable.get(job.type, {}).pop(job.key, None)
            ei = job.element_instance
            if p.throw_error(ei, error_code, error_message, variables):
                self._release_job(job)
                ctx.save_job(job, live=False)
                return
            from engine.runtime.elements.events import unhandled_message

            ctx.save_job(job)
            p.incident(
                ei, "UNHANDLED_ERROR_EVENT", unhandled_message(p, ei, error_code, error_message), "error", job
            )

        await self.execute(command)

    async def update_job_retries(self, key: int, retries: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self.state.jobs.get(key)
            if job is None:
                raise Rejection(
                    "UPDATE_RETRIES",
                    "NOT_FOUND",
                    f"Expected to update retries for job with key '{key}', but no such job was found",
                )
            if retries <= 0:
                raise Rejection(
                    "UPDATE_RETRIES",
                    "INVALID_ARGUMENT",
                    f"Expected to update retries for job with key '{key}' with a positive amount of retries, but the amount given was '{retries}'",
                )
            job.retries = retries
            p.job_record(job, "RETRIES_UPDATED")
            ctx.save_job(job)

        await self.execute(command)

    async def update_job_timeout(self, key: int, timeout_ms: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            job = self.state.jobs.get(key)
            if job is None:
                raise Rejection(
                    "UPDATE_TIMEOUT",
                    "NOT_FOUND",
                    f"Expected to update job deadline with key '{key}', but no such job was found",
                )
            if job.state != "ACTIVATED":
                raise Rejection(
                    "UPDATE_TIMEOUT",
                    "INVALID_STATE",
                    f"Expected to update the timeout of job with key '{key}', but it is not active",
                )
            job.deadline = later(ctx.now, timeout_ms)
            self.state.schedule.add(job.deadline, "deadline", job.key)
            self.schedule_changed()
            p.job_record(job, "TIMEOUT_UPDATED")
            ctx.save_job(job)

        await self.execute(command)

    async def return_jobs(self, keys: list[int]) -> None:
        """Jobs activated for a client that went away before the answer reached it: back to the queue at once."""

        def command(ctx: Ctx, p: Processor) -> None:
            for key in keys:
                job = self.state.jobs.get(key)
                if job is not None and job.state == "ACTIVATED":
                    job.state = "ACTIVATABLE"
                    job.deadline = None
                    job.worker = ""
                    self.state.activatable[job.type][job.key] = job
                    ctx.woken.add(job.type)
                    p.job_record(job, "YIELDED")
                    ctx.save_job(job)

        await self.execute(command)

    # -- messages --------------------------------------------------------------------------------------------
    async def publish_message(
        self, name: str, correlation_key: str, ttl_ms: int, message_id: str, variables: dict[str, Any]
    ) -> int:
        return await self.execute(
            lambda ctx, p: self._publish(ctx, p, name, correlation_key, ttl_ms, message_id, variables)
        )

    def _publish(
        self,
        ctx: Ctx,
        p: Processor,
        name: str,
        correlation_key: str,
        ttl_ms: int,
        message_id: str,
        variables: dict[str, Any],
    ) -> int:
        if message_id:
            for m in self.state.messages_by_name.get((name, correlation_key), {}).values():
                if m.message_id == message_id:
                    raise Rejection(
                        "PUBLISH",
                        "ALREADY_EXISTS",
                        f"Expected to publish a new message with id '{message_id}', but a message with that id was already published",
                    )
        key = ctx.key()
        text = json.dumps(variables, separators=(",", ":"))
        value = {
            "name": name,
            "correlationKey": correlation_key,
            "timeToLive": ttl_ms,
            "messageId": message_id,
            "variables": variables,
            "deadline": later(ctx.now, ttl_ms),
            "tenantId": DEFAULT_TENANT,
        }
        ctx.record("MESSAGE", "PUBLISHED", key, value)
        correlated = self._correlate(ctx, p, name, correlation_key, variables, key)
        if ttl_ms > 0:
            msg = Message(
                key, name, correlation_key, message_id, variables, text, later(ctx.now, ttl_ms), correlated
            )
            self.state.messages[key] = msg
            self.state.messages_by_name[(name, correlation_key)][key] = msg
            self.state.schedule.add(msg.deadline, "message", key)
            self.schedule_changed()
            ctx.save_message(msg)
        else:
            ctx.record("MESSAGE", "EXPIRED", key, value)
        return key

    def _correlate(
        self,
        ctx: Ctx,
        p: Processor,
        name: str,
        correlation_key: str,
        variables: dict[str, Any],
        message_key: int,
    ) -> set[str]:
        """Correlate to open subscriptions (one per process id) and message start events; the process ids reached."""
        done: set[str] = set()
        for sub in list(self.state.subscriptions_by_message.get((name, correlation_key), {}).values()):
            pid = sub.element_instance.definition.bpmn_process_id
            if pid in done:
                continue
            self._deliver(ctx, p, sub, variables, message_key)
            done.add(pid)
        for d, start in self._message_starts.get(name, ()):
            if d.bpmn_process_id in done:
                continue
            if correlation_key and (d.bpmn_process_id, correlation_key) in self.state.message_started:
                continue
            pi = p.create_process_instance(d, {}, start_element=start, trigger=dict(variables))
            if correlation_key:
                p.hold_correlation_key(pi, correlation_key)
            done.add(d.bpmn_process_id)
        return done

    def _deliver(
        self, ctx: Ctx, p: Processor, sub: Subscription, variables: dict[str, Any], message_key: int
    ) -> None:
        ei = sub.element_instance
        ctx.record(
            "PROCESS_MESSAGE_SUBSCRIPTION",
            "CORRELATED",
            sub.key,
            {
                "messageName": sub.message_name,
                "correlationKey": sub.correlation_key,
                "messageKey": message_key,
                "elementId": sub.element.id,
                "elementInstanceKey": ei.key,
                "processInstanceKey": ei.process_instance.key,
                "variables": variables,
                "tenantId": DEFAULT_TENANT,
            },
            ei.process_instance.key,
        )
        keep_open = (
            not sub.interrupting
            and sub.element.attached_to_id is not None
            or (
                not sub.interrupting
                and sub.element.flow_scope_id != ei.element.id
                and sub.element.element_type.value == "START_EVENT"
            )
        )
        if not keep_open:
            p.close_subscription(sub)
        p.trigger_event(ei, sub.element, variables, sub.interrupting)

    def correlate_buffered(self, ctx: Ctx, sub: Subscription) -> None:
        """A subscription opened: it may take one buffered message not yet correlated to its process."""
        pid = sub.element_instance.definition.bpmn_process_id

        def deliver() -> None:
            if sub.key not in self.state.subscriptions:
                return
            for msg in list(
                self.state.messages_by_name.get((sub.message_name, sub.correlation_key), {}).values()
            ):
                if pid in msg.correlated or msg.deadline <= ctx.now:
                    continue
                msg.correlated.add(pid)
                ctx.save_message(msg)
                self._deliver(ctx, Processor(ctx), sub, msg.variables, msg.key)
                return

        if self.state.messages_by_name.get((sub.message_name, sub.correlation_key)):
            ctx.queue.append(deliver)

    async def correlate_message(
        self, name: str, correlation_key: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """REST `POST /v2/messages/correlation`: correlate now or fail with NOT_FOUND (no buffering)."""

        def command(ctx: Ctx, p: Processor) -> dict[str, Any]:
            subs = list(self.state.subscriptions_by_message.get((name, correlation_key), {}).values())
            starts = self._message_starts.get(name, [])
            if not subs and not starts:
                raise Rejection(
                    "CORRELATE",
                    "NOT_FOUND",
                    f"Expected to find subscription for message with name '{name}' and correlation key '{correlation_key}', but none was found.",
                )
            key = ctx.key()
            ctx.record(
                "MESSAGE_CORRELATION",
                "CORRELATED",
                key,
                {
                    "name": name,
                    "correlationKey": correlation_key,
                    "variables": variables,
                    "tenantId": DEFAULT_TENANT,
                },
            )
            pi_key = subs[0].element_instance.process_instance.key if subs else None
            before = set(self.state.element_instances)
            self._correlate(ctx, p, name, correlation_key, variables, key)
            if pi_key is None:
                created = [
                    k
                    for k in self.state.element_instances
                    if k not in before and self.state.element_instances[k].is_process
                ]
                pi_key = created[0] if created else None
            return {"messageKey": key, "processInstanceKey": pi_key, "tenantId": DEFAULT_TENANT}

        return await self.execute(command)

    async def broadcast_signal(self, name: str, variables: dict[str, Any]) -> int:
        return await self.execute(lambda ctx, p: self.broadcast(ctx, p, name, variables))

    def broadcast(self, ctx: Ctx, p: Processor, name: str, variables: dict[str, Any]) -> int:
        """Trigger every open subscription and signal start event of that name (signals are not buffered)."""
        key = ctx.key()
        ctx.record("SIGNAL", "BROADCASTED", key, {"signalName": name, "variables": variables, "tenantId": DEFAULT_TENANT})
        for sub in list(self.state.signal_subscriptions.get(name, {}).values()):
            if sub.key not in self.state.subscriptions:
                continue
            ei = sub.element_instance
            keep_open = not sub.interrupting and (
                sub.element.attached_to_id is not None or sub.element.element_type is ElementType.START_EVENT
            )
            if not keep_open:
                p.close_subscription(sub)
            p.trigger_event(ei, sub.element, variables, sub.interrupting)
        for pid in list(self.state.definitions_by_id):
            d = self.state.latest_process(pid)
            if d is None:
                continue
            for start in d.model.start_events(pid):
                if start.event_type is EventType.SIGNAL and start.signal is not None and start.signal.name.text == name:
                    p.create_process_instance(d, {}, start_element=start, trigger=dict(variables))
        return key

    # -- variables, incidents --------------------------------------------------------------------------------
    async def set_variables(self, element_instance_key: int, variables: dict[str, Any], local: bool) -> int:
        def command(ctx: Ctx, p: Processor) -> int:
            ei = self.state.element_instances.get(element_instance_key)
            if ei is None:
                raise Rejection(
                    "UPDATE",
                    "NOT_FOUND",
                    f"Expected to update variables for element with key '{element_instance_key}', but no such element was found",
                )
            key = ctx.key()
            if local:
                vars_.merge_local(ctx, ei, variables)
            else:
                vars_.merge_document(ctx, ei, variables)
            ctx.record(
                "VARIABLE_DOCUMENT",
                "UPDATED",
                key,
                {
                    "scopeKey": element_instance_key,
                    "updateSemantics": "LOCAL" if local else "PROPAGATE",
                    "variables": variables,
                    "tenantId": DEFAULT_TENANT,
                },
                ei.process_instance.key,
            )
            return key

        return await self.execute(command)

    async def resolve_incident(self, key: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            inc = self.state.incidents.get(key)
            if inc is None:
                raise Rejection(
                    "RESOLVE",
                    "NOT_FOUND",
                    f"Expected to resolve incident with key '{key}', but no such incident was found",
                )
            job = self.state.jobs.get(inc.job_key) if inc.job_key is not None else None
            if job is not None and inc.step == "job" and job.retries <= 0:
                raise Rejection(
                    "RESOLVE",
                    "NOT_FOUND",
                    f"Expected to resolve incident with key '{key}', but job with key '{job.key}' has no retries left. Please update the job retries and retry resolving the incident",
                )
            p.resolve_incident_record(inc)
            ei = inc.element_instance
            if job is not None and inc.step in ("job", "error"):
                job.state = "ACTIVATABLE"
                job.error_code = ""
                self.state.activatable[job.type][job.key] = job
                ctx.woken.add(job.type)
                ctx.save_job(job)
            elif inc.step == "activate":
                p.run_activation(ei)
            elif inc.step == "complete":
                p.run_completion(ei)
            elif inc.step == "error":
                code = ""
                if ei.element.error is not None and ei.element.error.code is not None:
                    code = str(vars_.evaluate(ctx, ei.element.error.code, ei))
                if not p.throw_error(ei, code, "", {}):
                    from engine.runtime.elements.events import unhandled_message

                    p.incident(ei, "UNHANDLED_ERROR_EVENT", unhandled_message(p, ei, code, ""), "error")

        await self.execute(command)

    # -- user tasks ------------------------------------------------------------------------------------------
    def _user_task(self, key: int, intent: str, verb: str) -> Any:
        task = self.state.user_tasks.get(key)
        if task is None:
            raise Rejection(
                intent,
                "NOT_FOUND",
                f"Expected to {verb} user task with key '{key}', but no such user task was found",
            )
        if task.state != "CREATED":
            raise Rejection(
                intent,
                "INVALID_STATE",
                f"Expected to {verb} user task with key '{key}', but it is in state '{task.state}'",
            )
        return task

    async def complete_user_task(
        self, key: int, variables: dict[str, Any], action: str | None = None
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            task = self._user_task(key, "COMPLETE", "complete")
            del self.state.user_tasks[key]
            task.state = "COMPLETED"
            task.completion_date = ctx.now
            user_task_record(p, task, "COMPLETING", variables)
            user_task_record(p, task, "COMPLETED", variables)
            ctx.save_user_task(task, live=False)
            ei = task.element_instance
            ei.user_task_key = None
            ei.trigger = {**(ei.trigger or {}), **variables}
            p.complete(ei)

        await self.execute(command)

    async def assign_user_task(
        self, key: int, assignee: str | None, allow_override: bool = True, action: str | None = None
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            intent, verb = ("ASSIGN", "assign") if assignee else ("ASSIGN", "unassign")
            task = self._user_task(key, intent, verb)
            if assignee and task.assignee and not allow_override and task.assignee != assignee:
                raise Rejection(
                    "ASSIGN",
                    "INVALID_STATE",
                    f"Expected to assign user task with key '{key}', but it is already assigned",
                )
            task.assignee = assignee or None
            user_task_record(p, task, "ASSIGNING")
            user_task_record(p, task, "ASSIGNED")
            ctx.save_user_task(task)

        await self.execute(command)

    async def update_user_task(self, key: int, changeset: dict[str, Any], action: str | None = None) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            task = self._user_task(key, "UPDATE", "update")
            for field_name, attr in (
                ("dueDate", "due_date"),
                ("followUpDate", "follow_up_date"),
                ("candidateGroups", "candidate_groups"),
                ("candidateUsers", "candidate_users"),
                ("priority", "priority"),
            ):
                if field_name in changeset and changeset[field_name] is not None:
                    setattr(task, attr, changeset[field_name])
            user_task_record(p, task, "UPDATING")
            user_task_record(p, task, "UPDATED")
            ctx.save_user_task(task)

        await self.execute(command)

    # -- decisions -------------------------------------------------------------------------------------------
    async def evaluate_decision(
        self, decision_id: str | None, decision_key: int | None, variables: dict[str, Any]
    ) -> dict[str, Any]:
        def command(ctx: Ctx, p: Processor) -> dict[str, Any]:
            if decision_id:
                decision = self.state.latest_decision(decision_id)
                if decision is None:
                    raise Rejection(
                        "EVALUATE",
                        "INVALID_ARGUMENT",
                        f"Expected to evaluate decision '{decision_id}', but no decision found for id '{decision_id}'",
                    )
            else:
                decision = self.state.decisions.get(decision_key or -1)
                if decision is None or decision.deleted:
                    raise Rejection(
                        "EVALUATE",
                        "INVALID_ARGUMENT",
                        f"Expected to evaluate decision with key '{decision_key}', but no decision found for key '{decision_key}'",
                    )
            result = evaluate_decision(
                decision.drg.model,
                decision.decision_id,
                variables,
                dialect="camunda",
                clock=self.clock.now_datetime,
            )
            key = self.decision_evaluated(ctx, decision, result, None)
            return self.decision_view(decision, result, key)

        return await self.execute(command)

    def decision_evaluated(
        self, ctx: Ctx, decision: DecisionDefinition, result: DecisionResult, ei: ElementInstance | None
    ) -> int:
        key = ctx.key()
        value = _decision_record(self.decision_view(decision, result, key))
        if ei is not None:
            value.update(
                {
                    "processInstanceKey": ei.process_instance.key,
                    "elementInstanceKey": ei.key,
                    "elementId": ei.element.id,
                    "bpmnProcessId": ei.definition.bpmn_process_id,
                    "processDefinitionKey": ei.definition.key,
                }
            )
        ctx.record(
            "DECISION_EVALUATION",
            "FAILED" if result.failed else "EVALUATED",
            key,
            value,
            ei.process_instance.key if ei is not None else None,
        )
        return key

    def decision_view(self, decision: DecisionDefinition, result: DecisionResult, key: int) -> dict[str, Any]:
        by_id = {d.decision_id: d for d in self.state.decisions.values() if d.drg is decision.drg}
        result.decision_key, result.decision_version = decision.key, decision.version
        result.decision_requirements_id, result.decision_requirements_key = (
            decision.drg.drg_id,
            decision.drg.key,
        )
        for ed in result.evaluated_decisions:
            dd = by_id.get(ed.decision_id)
            if dd is not None:
                ed.decision_key, ed.decision_version = dd.key, dd.version
        view = result.to_zeebe()
        view["decisionEvaluationKey"] = key
        return view

    async def delete_resource(self, key: int) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            d = self.state.definitions.get(key)
            if d is not None and not d.deleted:
                for ei in [
                    e for e in self.state.element_instances.values() if e.is_process and e.definition is d
                ]:
                    p.terminate(ei)
                d.deleted = True
                self._index_message_starts()
                for timer in [t for t in self.state.timers.values() if t.definition is d]:
                    p.close_timer(timer)
                ctx.record(
                    "PROCESS",
                    "DELETED",
                    key,
                    {
                        "bpmnProcessId": d.bpmn_process_id,
                        "version": d.version,
                        "processDefinitionKey": key,
                        "tenantId": DEFAULT_TENANT,
                    },
                )
                self._mark_deleted(ctx, key)
                return
            drg = self.state.drgs.get(key)
            if drg is not None and not drg.deleted:
                drg.deleted = True
                for dd in self.state.decisions.values():
                    if dd.drg is drg:
                        dd.deleted = True
                        ctx.batch.updates.append((schema.decisions, dd.key, {"deleted": True}))
                ctx.record(
                    "DECISION_REQUIREMENTS",
                    "DELETED",
                    key,
                    {"decisionRequirementsKey": key, "tenantId": DEFAULT_TENANT},
                )
                self._mark_deleted(ctx, key)
                return
            form = self.state.forms.get(key)
            if form is not None and not form.deleted:
                form.deleted = True
                ctx.record("FORM", "DELETED", key, {"formKey": key, "tenantId": DEFAULT_TENANT})
                self._mark_deleted(ctx, key)
                return
            raise Rejection(
                "DELETE", "NOT_FOUND", f"Expected to delete resource but no resource found with key `{key}`"
            )

        await self.execute(command)

    def _mark_deleted(self, ctx: Ctx, key: int) -> None:
        ctx.batch.updates.append((schema.resources, key, {"deleted": True}))

    # -- modification ----------------------------------------------------------------------------------------
    async def modify_process_instance(
        self,
        key: int,
        activate: list[tuple[str, int, list[tuple[str, dict[str, Any]]]]],
        terminate: list[int],
    ) -> None:
        def command(ctx: Ctx, p: Processor) -> None:
            pi = self.state.element_instances.get(key)
            if pi is None or not pi.is_process:
                raise Rejection(
                    "MODIFY",
                    "NOT_FOUND",
                    f"Expected to modify process instance but no process instance found with key '{key}'",
                )
            model = pi.definition.model
            for element_id, _ancestor, _ in activate:
                if element_id not in model.elements:
                    raise Rejection(
                        "MODIFY",
                        "INVALID_ARGUMENT",
                        f"Expected to modify instance of process '{pi.definition.bpmn_process_id}' but it contains one or more activate instructions with an element that could not be found: '{element_id}'",
                    )
            for ei_key in terminate:
                ei = self.state.element_instances.get(ei_key)
                if ei is None or ei.process_instance is not pi:
                    raise Rejection(
                        "MODIFY",
                        "INVALID_ARGUMENT",
                        f"Expected to modify instance of process '{pi.definition.bpmn_process_id}' but it contains one or more terminate instructions with an element instance that could not be found: '{ei_key}'",
                    )
            for element_id, ancestor, var_instructions in activate:
                el = model.elements[element_id]
                scope = self._scope_for(pi, el, ancestor)
                for scope_id, doc in var_instructions:
                    target = (
                        scope
                        if not scope_id
                        else next(
                            (
                                e
                                for e in self.state.element_instances.values()
                                if e.process_instance is pi and e.element.id == scope_id
                            ),
                            scope,
                        )
                    )
                    vars_.merge_local(ctx, target, doc)
                p.activate(el, scope)
            for ei_key in terminate:
                ei = self.state.element_instances.get(ei_key)
                if ei is not None:
                    p.terminate(ei)
            ctx.record(
                "PROCESS_INSTANCE_MODIFICATION",
                "MODIFIED",
                key,
                {"processInstanceKey": key, "tenantId": DEFAULT_TENANT},
                key,
            )

        await self.execute(command)

    def _scope_for(self, pi: ElementInstance, el: Element, ancestor: int) -> ElementInstance:
        if ancestor and ancestor > 0:
            scope = self.state.element_instances.get(ancestor)
            if scope is None:
                raise Rejection(
                    "MODIFY",
                    "INVALID_ARGUMENT",
                    f"Expected to modify instance of process '{pi.definition.bpmn_process_id}' but it contains one or more activate instructions with an ancestor scope key that does not exist, or is not in an active state: '{ancestor}'",
                )
            return scope
        if el.flow_scope_id == pi.element.id:
            return pi
        for e in self.state.element_instances.values():
            if e.process_instance is pi and e.element.id == el.flow_scope_id and not e.is_mi_body:
                return e
        raise Rejection(
            "MODIFY",
            "INVALID_ARGUMENT",
            f"Expected to modify instance of process '{pi.definition.bpmn_process_id}' but the flow scope of element '{el.id}' is not active",
        )

    # -- time ------------------------------------------------------------------------------------------------
    async def set_clock(self, epoch_ms: int | None) -> None:
        if epoch_ms is None:
            self.clock.reset()
        else:
            self.clock.pin(epoch_ms)
        self.schedule_changed()
        await self.fire_due()

    async def fire_due(self) -> None:
        due = self.state.schedule.pop_due(self.clock.now())
        if due:
            await self.execute(lambda ctx, p: self._fire(ctx, p, due))

    async def _run_scheduler(self) -> None:
        assert self._schedule_changed is not None
        changed = self._schedule_changed
        while self._running:
            try:
                next_due = self.state.schedule.next_due()
                now = self.clock.now()
                if next_due is not None and next_due <= now:
                    await self.fire_due()
                    continue
                changed.clear()
                timeout = None
                if next_due is not None and self.clock.pinned is None:
                    timeout = (next_due - now) / 1000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failing trigger must not stop time
                log.exception("scheduler step failed")
                await asyncio.sleep(0.1)

    def _fire(self, ctx: Ctx, p: Processor, due: list[tuple[str, int, int]]) -> None:
        for kind, key, when in due:
            if kind == "timer":
                self._fire_timer(ctx, p, key, when)
            elif kind == "deadline":
                job = self.state.jobs.get(key)
                if job is not None and job.state == "ACTIVATED" and job.deadline == when:
                    job.state = "ACTIVATABLE"
                    job.deadline = None
                    job.worker = ""
                    self.state.activatable[job.type][job.key] = job
                    ctx.woken.add(job.type)
                    p.job_record(job, "TIMED_OUT")
                    ctx.save_job(job)
            elif kind == "recur":
                job = self.state.jobs.get(key)
                if job is not None and job.state == "FAILED" and job.recur_at == when:
                    job.state = "ACTIVATABLE"
                    job.recur_at = None
                    self.state.activatable[job.type][job.key] = job
                    ctx.woken.add(job.type)
                    p.job_record(job, "RECURRED_AFTER_BACKOFF")
                    ctx.save_job(job)
            elif kind == "message":
                msg = self.state.messages.pop(key, None)
                if msg is not None:
                    self.state.messages_by_name.get((msg.name, msg.correlation_key), {}).pop(key, None)
                    ctx.record(
                        "MESSAGE",
                        "EXPIRED",
                        key,
                        {
                            "name": msg.name,
                            "correlationKey": msg.correlation_key,
                            "messageId": msg.message_id,
                            "tenantId": DEFAULT_TENANT,
                        },
                    )
                    ctx.batch.delete(schema.messages, key)

    def _fire_timer(self, ctx: Ctx, p: Processor, key: int, when: int) -> None:
        timer = self.state.timers.get(key)
        if timer is None or timer.due_date != when:
            return
        event = timer.element
        holder = timer.element_instance
        p.timer_record(timer, "TRIGGERED")
        repeat = timer.interval is not None and timer.repetitions != 0
        interrupting = event.interrupting
        if repeat and (holder is None or not interrupting):
            nxt = timer_math.next_due(timer.due_date, timer.interval or "")
            if nxt is not None:
                timer.due_date = nxt
                if timer.repetitions > 0:
                    timer.repetitions -= 1
                self.state.schedule.add(nxt, "timer", timer.key)
                ctx.save_timer(timer)
            else:
                p.close_timer(timer, "TRIGGERED")
        else:
            self.state.timers.pop(timer.key, None)
            if holder is not None and timer.key in holder.timer_keys:
                holder.timer_keys.remove(timer.key)
            ctx.batch.delete(schema.timers, timer.key)
        if holder is None:
            p.create_process_instance(timer.definition, {}, start_element=event)
        else:
            p.trigger_event(holder, event, {}, interrupting)

    def wake_all(self) -> None:
        for event in self._job_events.values():
            event.set()
        self._job_events.clear()


def _decision_record(view: dict[str, Any]) -> dict[str, Any]:
    """The DECISION_EVALUATION record value in Zeebe's own field names (the REST view renames them)."""

    def decision(d: dict[str, Any]) -> dict[str, Any]:
        # values travel as JSON text in Zeebe's records, as in its gRPC EvaluateDecisionResponse
        return {
            "decisionId": d["decisionDefinitionId"],
            "decisionName": d["decisionDefinitionName"],
            "decisionKey": d["decisionDefinitionKey"],
            "decisionVersion": d["decisionDefinitionVersion"],
            "decisionType": d.get("decisionDefinitionType", ""),
            "decisionOutput": dumps(d["output"]),
            "evaluatedInputs": [{**i, "inputValue": dumps(i["inputValue"])} for i in d.get("evaluatedInputs", [])],
            "matchedRules": [
                {
                    **r,
                    "evaluatedOutputs": [
                        {**o, "outputValue": dumps(o["outputValue"])} for o in r.get("evaluatedOutputs", [])
                    ],
                }
                for r in d.get("matchedRules", [])
            ],
        }

    return {
        **decision(view),
        "decisionRequirementsId": view["decisionRequirementsId"],
        "decisionRequirementsKey": view["decisionRequirementsKey"],
        "evaluatedDecisions": [decision(d) for d in view["evaluatedDecisions"]],
        "failedDecisionId": view["failedDecisionDefinitionId"],
        "evaluationFailureMessage": view["failureMessage"],
        "tenantId": view["tenantId"],
    }
