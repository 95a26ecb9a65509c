"""The engine's tables (SQLAlchemy Core): definitions, the live state, its history, and the record log.

State rows are written in the same transaction as the records that produced them (engine.store.writer), so
after a crash the store holds exactly what was acknowledged. Rows of finished instances stay (with their end
state) because the REST searches, Operate-style pages and the audit read them; the runtime only loads the
live ones on start, so its cost does not grow with history. Timestamps are epoch milliseconds; JSON documents
are stored as text, exactly as clients sent them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def _key(name: str = "key") -> Column[int]:
    return Column(name, BigInteger, primary_key=True, autoincrement=False)


meta = Table(
    "meta", metadata, Column("name", String(64), primary_key=True), Column("value", Text, nullable=False)
)

records = Table(
    "records",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("source_position", BigInteger),
    Column("key", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("record_type", String(24), nullable=False),
    Column("value_type", String(40), nullable=False),
    Column("intent", String(40), nullable=False),
    Column("process_instance_key", BigInteger),
    Column("rejection_type", String(24)),
    Column("rejection_reason", Text),
    Column("value", Text, nullable=False),
)
Index("ix_records_pi", records.c.process_instance_key)

resources = Table(
    "resources",
    metadata,
    _key(),
    Column("kind", String(24), nullable=False),  # PROCESS | DECISION_REQUIREMENTS | FORM
    Column("resource_id", String(255), nullable=False),  # bpmnProcessId, DRG id or form id
    Column("name", String(255)),
    Column("version", Integer, nullable=False),
    Column("version_tag", String(255)),
    Column("resource_name", String(255), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("deployment_key", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_resources_id", resources.c.kind, resources.c.resource_id, resources.c.version)

decisions = Table(
    "decisions",
    metadata,
    _key(),
    Column("decision_id", String(255), nullable=False),
    Column("name", String(255)),
    Column("version", Integer, nullable=False),
    Column("decision_requirements_key", BigInteger, nullable=False),
    Column("decision_requirements_id", String(255), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_decisions_id", decisions.c.decision_id, decisions.c.version)

process_instances = Table(
    "process_instances",
    metadata,
    _key(),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # ACTIVE | COMPLETED | TERMINATED
    Column("start_date", BigInteger, nullable=False),
    Column("end_date", BigInteger),
    Column("parent_process_instance_key", BigInteger),
    Column("parent_element_instance_key", BigInteger),
    Column("root_process_instance_key", BigInteger),
    Column("has_incident", Boolean, nullable=False, default=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_pi_state", process_instances.c.state)
Index("ix_pi_definition", process_instances.c.process_definition_key)

element_instances = Table(
    "element_instances",
    metadata,
    _key(),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", String(255), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("element_name", String(255)),
    Column("element_type", String(40), nullable=False),
    Column("flow_scope_key", BigInteger),
    Column("state", String(16), nullable=False),  # ACTIVATING ... COMPLETED | TERMINATED
    Column("start_date", BigInteger, nullable=False),
    Column("end_date", BigInteger),
    Column("incident_key", BigInteger),
    Column("live", Boolean, nullable=False),
    #: what the runtime needs to resume a live element (JSON): loop counters, join tokens, job/task keys ...
    Column("runtime", Text),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_ei_pi", element_instances.c.process_instance_key)
Index("ix_ei_live", element_instances.c.live)
#: the dashboards' searches by element (waits at one task, oldest first) without a scan of the history
Index("ix_ei_element_start", element_instances.c.element_id, element_instances.c.start_date)

variables = Table(
    "variables",
    metadata,
    _key(),
    Column("name", String(255), nullable=False),
    Column("value", Text, nullable=False),
    Column("scope_key", BigInteger, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("live", Boolean, nullable=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_var_scope", variables.c.scope_key, variables.c.name)
Index("ix_var_pi", variables.c.process_instance_key)
Index("ix_var_live", variables.c.live)

jobs = Table(
    "jobs",
    metadata,
    _key(),
    Column("type", String(255), nullable=False),
    Column(
        "state", String(24), nullable=False
    ),  # ACTIVATABLE | ACTIVATED | FAILED | ERROR_THROWN | COMPLETED | CANCELED
    Column("kind", String(32), nullable=False),
    Column("worker", String(255)),
    Column("retries", Integer, nullable=False),
    Column("deadline", BigInteger),
    Column("recur_at", BigInteger),
    Column("error_message", Text),
    Column("error_code", String(255)),
    Column("custom_headers", Text, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", String(255), nullable=False),
    Column("process_definition_version", Integer, nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("live", Boolean, nullable=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_jobs_live", jobs.c.live)
Index("ix_jobs_pi", jobs.c.process_instance_key)

incidents = Table(
    "incidents",
    metadata,
    _key(),
    Column("error_type", String(40), nullable=False),
    Column("error_message", Text, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", String(255), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("job_key", BigInteger),
    Column("variable_scope_key", BigInteger),
    Column("state", String(16), nullable=False),  # ACTIVE | RESOLVED
    #: the life-cycle step to re-run on resolution: activate | complete | job | error
    Column("step", String(16), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_incidents_state", incidents.c.state)
Index("ix_incidents_pi", incidents.c.process_instance_key)

user_tasks = Table(
    "user_tasks",
    metadata,
    _key(),
    Column("name", String(255)),
    Column("state", String(16), nullable=False),
    Column("assignee", String(255)),
    Column("candidate_groups", Text, nullable=False),
    Column("candidate_users", Text, nullable=False),
    Column("due_date", String(64)),
    Column("follow_up_date", String(64)),
    Column("form_key", BigInteger),
    Column("external_form_reference", Text),
    Column("custom_headers", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", String(255), nullable=False),
    Column("process_definition_version", Integer, nullable=False),
    Column("creation_date", BigInteger, nullable=False),
    Column("completion_date", BigInteger),
    Column("live", Boolean, nullable=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_ut_live", user_tasks.c.live)
Index("ix_ut_state", user_tasks.c.state)

#: one row per evaluated decision of a DECISION_EVALUATION record (Camunda's decision instances): written with
#: the record, never updated; `id` is "<evaluation key>-<1-based position of the decision in the evaluation>".
#: Columns taken from the record are nullable: an odd record must never fail the batch that writes it.
decision_instances = Table(
    "decision_instances",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("decision_evaluation_key", BigInteger, nullable=False),
    Column("evaluation_index", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # EVALUATED | FAILED
    Column("evaluation_date", BigInteger, nullable=False),
    Column("evaluation_failure", Text),
    Column("decision_definition_key", BigInteger),
    Column("decision_definition_id", String(255)),
    Column("decision_definition_name", String(255)),
    Column("decision_definition_version", Integer),
    #: DECISION_TABLE | LITERAL_EXPRESSION | UNKNOWN (any other boxed expression)
    Column("decision_definition_type", String(32), nullable=False),
    Column("decision_requirements_key", BigInteger),
    Column("decision_requirements_id", String(255)),
    #: the decision the evaluation was asked for (the business rule task's, or EvaluateDecision's)
    Column("root_decision_definition_key", BigInteger),
    Column("process_definition_key", BigInteger),
    Column("process_instance_key", BigInteger),
    Column("element_instance_key", BigInteger),
    Column("element_id", String(255)),
    Column("result", Text, nullable=False),  # the decision's output as JSON text
    Column("evaluated_inputs", Text, nullable=False),  # JSON: [{inputId, inputName, inputValue (JSON text)}]
    #: JSON: [{ruleId, ruleIndex, evaluatedOutputs: [{outputId, outputName, outputValue (JSON text)}]}]
    Column("matched_rules", Text, nullable=False),
    Column("tenant_id", String(64), nullable=False),
)
Index("ix_di_pi", decision_instances.c.process_instance_key)
Index("ix_di_evaluation", decision_instances.c.decision_evaluation_key)
Index(
    "ix_di_decision",
    decision_instances.c.decision_definition_id,
    decision_instances.c.decision_definition_version,
)

subscriptions = Table(
    "subscriptions",
    metadata,
    _key(),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("element_id", String(255), nullable=False),  # the catching event / receive task
    Column("kind", String(16), nullable=False),  # message | signal
    Column("message_name", String(255), nullable=False),  # the message or signal name
    Column("correlation_key", String(255), nullable=False),
    Column("interrupting", Boolean, nullable=False),
    Column("tenant_id", String(64), nullable=False),
)

messages = Table(
    "messages",
    metadata,
    _key(),
    Column("name", String(255), nullable=False),
    Column("correlation_key", String(255), nullable=False),
    Column("message_id", String(255)),
    Column("variables", Text, nullable=False),
    Column("deadline", BigInteger, nullable=False),
    Column("correlated", Text, nullable=False),  # JSON list of bpmnProcessIds it already went to
    Column("tenant_id", String(64), nullable=False),
)

timers = Table(
    "timers",
    metadata,
    _key(),
    Column("element_instance_key", BigInteger),  # None for timer start events
    Column("process_instance_key", BigInteger),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("due_date", BigInteger, nullable=False),
    Column("repetitions", Integer, nullable=False),  # -1 = unbounded cycle
    Column("interval", String(64)),
    Column("tenant_id", String(64), nullable=False),
)
