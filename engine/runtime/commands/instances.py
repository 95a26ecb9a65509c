"""Process instances: create (and await), cancel, modify; variables; incident resolution."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.bpmn import Element
from engine.runtime import variables as vars_
from engine.runtime.base import EngineBase
from engine.runtime.context import Ctx
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.errors import DeadlineExceeded, Rejection
from engine.runtime.processor import Processor
from engine.runtime.state import (
    ElementInstance,
    ProcessDefinition,
)


class InstanceCommands(EngineBase):
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
