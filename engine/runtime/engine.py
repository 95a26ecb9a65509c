"""The embedded engine: commands in, records out, state in memory, every batch committed before answering.

Commands run one at a time on the event loop (like a Zeebe partition's stream processor): each mutates the
in-memory state and appends records and row changes to the pending batch. A flusher task writes pending
batches to the store in a worker thread (group commit) and only then releases the answers, so a client never
hears of anything that a crash could lose. Time-driven work (timers, job deadlines, retry back-offs, message
TTLs) comes from a scheduler task on the same loop.

The core (state, keys, running and committing commands) is `engine.runtime.base.EngineBase`; the commands
are grouped by area in `engine.runtime.commands`.
"""

from __future__ import annotations

from engine.runtime.base import MAX_TIME, VERSION, EngineBase, later
from engine.runtime.commands.decisions import DecisionCommands
from engine.runtime.commands.deployment import DeployedResource, Deployment, DeploymentCommands
from engine.runtime.commands.instances import InstanceCommands
from engine.runtime.commands.jobs import JobCommands
from engine.runtime.commands.messages import MessageCommands
from engine.runtime.commands.time import TimeCommands
from engine.runtime.commands.user_tasks import UserTaskCommands

__all__ = ["MAX_TIME", "VERSION", "DeployedResource", "Deployment", "Engine", "EngineBase", "later"]


class Engine(
    DeploymentCommands,
    InstanceCommands,
    JobCommands,
    MessageCommands,
    UserTaskCommands,
    DecisionCommands,
    TimeCommands,
):
    """The engine the gateways talk to: every command of Zeebe's gateway and the Camunda REST API."""
