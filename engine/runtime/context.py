"""One batch of processing: key generation, the records it appends and the rows it changes.

Every state change goes through here, so what is written to the store is exactly what happened in memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.runtime.documents import DEFAULT_TENANT, dumps
from engine.runtime.state import ElementInstance, Incident, Job, Message, State, Subscription, Timer, UserTask
from engine.store import schema
from engine.store.store import Batch

if TYPE_CHECKING:
    from engine.runtime.engine import Engine


class Ctx:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state: State = engine.state
        self.batch: Batch = engine.pending
        self.now = engine.clock.now()
        #: follow-up steps, run in order until none is left (Zeebe's follow-up commands)
        self.queue: deque[Callable[[], None]] = deque()
        #: job types that got an activatable job (wake their long polls)
        self.woken: set[str] = set()

    # -- keys and records ----------------------------------------------------------------------------------
    def key(self) -> int:
        k = self.engine.next_key
        self.engine.next_key = k + 1
        return k

    def record(
        self,
        value_type: str,
        intent: str,
        key: int,
        value: dict[str, Any],
        pi_key: int | None = None,
        record_type: str = "EVENT",
    ) -> None:
        self.record_text(value_type, intent, key, dumps(value), pi_key, record_type)

    def record_text(
        self, value_type: str, intent: str, key: int, text: str, pi_key: int | None = None, record_type: str = "EVENT"
    ) -> None:
        """Append a record whose value is already JSON text (columns in the order of schema.records)."""
        self.engine.position += 1
        self.batch.records.append(
            (self.engine.position, None, key, self.now, record_type, value_type, intent, pi_key, None, None, text)
        )

    def drain(self) -> None:
        queue = self.queue
        while queue:
            queue.popleft()()

    # -- rows ----------------------------------------------------------------------------------------------
    def save_instance_row(self, pi: ElementInstance, state: str, end: int | None = None) -> None:
        d = pi.definition
        self.batch.upsert(
            schema.process_instances,
            {
                "key": pi.key,
                "process_definition_key": d.key,
                "bpmn_process_id": d.bpmn_process_id,
                "version": d.version,
                "state": state,
                "start_date": pi.start_date,
                "end_date": end,
                "parent_process_instance_key": pi.parent_pi_key,
                "parent_element_instance_key": pi.parent_ei_key,
                "root_process_instance_key": pi.runtime.get("root", pi.key),
                "has_incident": bool(pi.runtime.get("incidents")),
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_element(self, ei: ElementInstance, end: int | None = None) -> None:
        # built when the batch is written: an element usually changes state several times per batch
        self.batch.upsert_later(schema.element_instances, ei.key, lambda: self._element_row(ei, end))

    def _element_row(self, ei: ElementInstance, end: int | None) -> dict[str, Any]:
        live = end is None
        return (
            {
                "key": ei.key,
                "process_instance_key": ei.process_instance.key,
                "process_definition_key": ei.definition.key,
                "bpmn_process_id": ei.definition.bpmn_process_id,
                "element_id": ei.element.id,
                "element_name": ei.element.name,
                "element_type": ei.element_type,
                "flow_scope_key": ei.parent.key if ei.parent is not None else None,
                "state": ei.state,
                "start_date": ei.start_date,
                "end_date": end,
                "incident_key": ei.incident_key,
                "live": live,
                "runtime": dumps(runtime_row(ei)) if live else None,
                "tenant_id": DEFAULT_TENANT,
            }
        )

    def save_variable(self, ei: ElementInstance, key: int, name: str, text: str, live: bool = True) -> None:
        self.batch.upsert(
            schema.variables,
            {
                "key": key,
                "name": name,
                "value": text,
                "scope_key": ei.key,
                "process_instance_key": ei.process_instance.key,
                "live": live,
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_job(self, job: Job, live: bool = True) -> None:
        ei = job.element_instance
        d = ei.definition
        self.batch.upsert(
            schema.jobs,
            {
                "key": job.key,
                "type": job.type,
                "state": job.state,
                "kind": job.kind,
                "worker": job.worker,
                "retries": job.retries,
                "deadline": job.deadline,
                "recur_at": job.recur_at,
                "error_message": job.error_message,
                "error_code": job.error_code,
                "custom_headers": dumps(job.custom_headers),
                "process_instance_key": ei.process_instance.key,
                "element_instance_key": ei.key,
                "element_id": ei.element.id,
                "process_definition_key": d.key,
                "bpmn_process_id": d.bpmn_process_id,
                "process_definition_version": d.version,
                "creation_time": job.creation_time,
                "end_time": None if live else self.now,
                "live": live,
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_incident(self, incident: Incident) -> None:
        ei = incident.element_instance
        self.batch.upsert(
            schema.incidents,
            {
                "key": incident.key,
                "error_type": incident.error_type,
                "error_message": incident.error_message,
                "process_instance_key": ei.process_instance.key,
                "process_definition_key": ei.definition.key,
                "bpmn_process_id": ei.definition.bpmn_process_id,
                "element_id": ei.element.id,
                "element_instance_key": ei.key,
                "job_key": incident.job_key,
                "variable_scope_key": ei.key,
                "state": incident.state,
                "step": incident.step,
                "creation_time": incident.creation_time,
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_user_task(self, task: UserTask, live: bool = True) -> None:
        ei = task.element_instance
        d = ei.definition
        self.batch.upsert(
            schema.user_tasks,
            {
                "key": task.key,
                "name": task.name,
                "state": task.state,
                "assignee": task.assignee,
                "candidate_groups": dumps(task.candidate_groups),
                "candidate_users": dumps(task.candidate_users),
                "due_date": task.due_date,
                "follow_up_date": task.follow_up_date,
                "form_key": task.form_key,
                "external_form_reference": task.external_form_reference,
                "custom_headers": dumps(task.custom_headers),
                "priority": task.priority,
                "element_id": ei.element.id,
                "element_instance_key": ei.key,
                "process_instance_key": ei.process_instance.key,
                "process_definition_key": d.key,
                "bpmn_process_id": d.bpmn_process_id,
                "process_definition_version": d.version,
                "creation_date": task.creation_date,
                "completion_date": task.completion_date,
                "live": live,
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_subscription(self, sub: Subscription) -> None:
        self.batch.upsert(
            schema.subscriptions,
            {
                "key": sub.key,
                "element_instance_key": sub.element_instance.key,
                "process_instance_key": sub.element_instance.process_instance.key,
                "element_id": sub.element.id,
                "kind": sub.kind,
                "message_name": sub.message_name,
                "correlation_key": sub.correlation_key,
                "interrupting": sub.interrupting,
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_message(self, msg: Message) -> None:
        self.batch.upsert(
            schema.messages,
            {
                "key": msg.key,
                "name": msg.name,
                "correlation_key": msg.correlation_key,
                "message_id": msg.message_id,
                "variables": msg.variables_text,
                "deadline": msg.deadline,
                "correlated": dumps(sorted(msg.correlated)),
                "tenant_id": DEFAULT_TENANT,
            },
        )

    def save_timer(self, timer: Timer) -> None:
        ei = timer.element_instance
        self.batch.upsert(
            schema.timers,
            {
                "key": timer.key,
                "element_instance_key": ei.key if ei is not None else None,
                "process_instance_key": ei.process_instance.key if ei is not None else None,
                "process_definition_key": timer.definition.key,
                "element_id": timer.element.id,
                "due_date": timer.due_date,
                "repetitions": timer.repetitions,
                "interval": timer.interval,
                "tenant_id": DEFAULT_TENANT,
            },
        )


def runtime_row(ei: ElementInstance) -> dict[str, Any]:
    """What recovery needs beyond the columns to rebuild a live element instance."""
    row: dict[str, Any] = {}
    if ei.runtime:
        row["runtime"] = ei.runtime
    if ei.trigger is not None:
        row["trigger"] = ei.trigger
    if ei.is_mi_body:
        row["mi_body"] = True
    if ei.interrupted:
        row["interrupted"] = True
    if ei.parent_pi_key is not None:
        row["parent"] = [ei.parent_pi_key, ei.parent_ei_key]
    if ei.called_child_key is not None:
        row["called_child"] = ei.called_child_key
    return row
