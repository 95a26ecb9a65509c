"""Camunda user tasks: completion, assignment, updates (REST only, as in Zeebe)."""

from __future__ import annotations

from typing import Any

from engine.runtime.base import EngineBase
from engine.runtime.context import Ctx
from engine.runtime.elements.tasks import user_task_record
from engine.runtime.errors import Rejection
from engine.runtime.processor import Processor


class UserTaskCommands(EngineBase):
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
            # EventHandle.triggeringProcessEvent(UserTaskRecord)
            ei.runtime["event_key"] = p.triggering(ei, ei.element.id, variables)
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
