"""Job handlers declare their job type and their variables as pydantic models; the service registers them.

    @job("compute-costing", CostingInput)
    async def compute_costing(ctx: JobContext, request: CostingInput) -> CostingResult: ...

The input model is validated from the job's variables (a technical failure: the job fails with a clear
message and is retried); a `BusinessOutcome` becomes a BPMN error the model catches; the returned model is
the job's result (`by_alias`, JSON-ready). `ctx.key` is the job key, the idempotency key of every write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pyzeebe import Job
from pyzeebe.errors import BusinessError

In = TypeVar("In", bound=BaseModel)


class BusinessOutcome(BusinessError):
    """A business result the process models as an error event (e.g. `COSTS_NOT_RECOVERABLE`); `variables` are
    set in the catching event's scope (its output mappings pass them on)."""

    def __init__(self, error_code: str, msg: str | None = None, variables: dict[str, Any] | None = None) -> None:
        super().__init__(error_code, msg)
        self.variables = variables or {}


class JobInputError(Exception):
    """The job's variables do not fit the handler's model: fail the job, naming each problem."""


@dataclass(frozen=True)
class JobContext:
    key: int
    process_instance_key: int
    element_id: str
    bpmn_process_id: str
    retries: int
    headers: dict[str, str]

    @classmethod
    def of(cls, job: Job) -> JobContext:
        return cls(
            job.key, job.process_instance_key, job.element_id, job.bpmn_process_id, job.retries, dict(job.custom_headers)
        )


Handler = Callable[[JobContext, Any], Awaitable[BaseModel | dict[str, Any] | None]]


@dataclass(frozen=True)
class JobType(Generic[In]):
    name: str
    model: type[In]
    handler: Handler

    async def __call__(self, job: Job) -> dict[str, Any]:
        try:
            variables = self.model.model_validate(job.variables)
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'variables'}: {err['msg']}" for err in e.errors())
            raise JobInputError(f"job '{self.name}' got variables it cannot use: {problems}") from None
        result = await self.handler(JobContext.of(job), variables)
        if result is None:
            return {}
        if isinstance(result, BaseModel):
            return result.model_dump(mode="json", by_alias=True, exclude_none=True)
        return result


JOB_TYPES: dict[str, JobType[Any]] = {}


def job(name: str, model: type[In]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in JOB_TYPES:
            raise ValueError(f"job type {name!r} is registered twice")
        JOB_TYPES[name] = JobType(name, model, handler)
        return handler

    return register


def load_all() -> dict[str, JobType[Any]]:
    """Import every handler module (registration happens on import)."""
    import importlib
    import pkgutil

    import workers

    for mod in pkgutil.iter_modules(workers.__path__):
        if mod.name.startswith("jobs_"):
            importlib.import_module(f"workers.{mod.name}")
    return JOB_TYPES
