"""The default life cycle: a pass-through element (start event, manual task, parallel gateway ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.runtime.state import ElementInstance

if TYPE_CHECKING:
    from engine.runtime.processor import Processor


class Handler:
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        p.mark_activated(ei)
        p.complete(ei)

    def before_complete(self, p: Processor, ei: ElementInstance) -> None:
        """Runs in COMPLETING before the event trigger and output mappings are applied."""

    def on_terminate(self, p: Processor, ei: ElementInstance) -> None:
        """Release what the element holds (a job, a user task, a called process)."""

    def child_completed(self, p: Processor, ei: ElementInstance, child: ElementInstance) -> None:
        """A multi-instance body hears of each inner instance's end."""

    def child_process_completed(self, p: Processor, ei: ElementInstance, child: ElementInstance) -> None:
        """A call activity hears of its child process instance's completion."""

    def path_completing(self, p: Processor, ei: ElementInstance, child: ElementInstance) -> Any:
        """A scope: `child`, which has no outgoing flows, is COMPLETING (Zeebe's beforeExecutionPathCompleted,
        before the child's ELEMENT_COMPLETED); may fail (an incident on the child). The result goes to
        `path_completed`."""
        return None

    def path_completed(self, p: Processor, ei: ElementInstance, child: ElementInstance, result: Any) -> None:
        """A scope: that path ended (afterExecutionPathCompleted); by default the scope completes when no token
        is left."""
        p.child_done(ei)
