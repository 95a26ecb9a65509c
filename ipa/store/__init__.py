"""The casework store: SQLAlchemy 2 models, SQLite by default, PostgreSQL by URL, Alembic migrations.

    store = Store()              # IPA_DATABASE_URL, else $IPA_DATA_DIR/casework.db
    store.migrate()
    with store.transaction() as s:
        case = open_case(s, request, actor="intake")
        record_costing(s, case.request_id, lines, op_key=str(job.key), actor="compute-costing")

Every write that a Zeebe worker makes is keyed (`op_key`: the job key, or a key derived from the case reference):
a second call with the same key returns the first result and writes nothing. Keys are unique per table, and
`set_stage`, `close_case` and `append_audit` share the audit trail's key space, so a job that makes several
writes derives one key per write (`f"{job.key}:stage"`). Each write also appends to the hash-chained audit
trail in the same transaction.
"""

from ipa.store._once import CaseNotFound, Conflict
from ipa.store.approvals import approvals_for, record_approval
from ipa.store.audit import ChainReport, trail, verify_case, verify_chain
from ipa.store.audit import append as append_audit
from ipa.store.cases import close_case, get_case, link_process_instance, next_request_id, open_case, set_stage
from ipa.store.consultations import TokenRefused, open_consultation, peek, redeem
from ipa.store.db import AuditTamper, Store, default_url
from ipa.store.documents import DocumentChanged, attach_document, documents_for, read_document
from ipa.store.money import (
    CostLines,
    financial_year,
    financial_year_bounds,
    income_by_financial_year,
    record_costing,
    record_funding,
    record_income,
)
from ipa.store.osja import latest_assessment, record_assessment
from ipa.store.outbox import enqueue_notice, mark_failed, mark_sent, pending_notices
from ipa.store.schema import (
    Account,
    ApprovalRow,
    AuditEntry,
    Base,
    Case,
    Consultation,
    Costing,
    Document,
    Funding,
    IncomeEntry,
    MitigationRow,
    Notice,
    OsjaRecord,
    RiskRow,
)

__all__ = [
    "Account",
    "ApprovalRow",
    "AuditEntry",
    "AuditTamper",
    "Base",
    "Case",
    "CaseNotFound",
    "ChainReport",
    "Conflict",
    "Consultation",
    "CostLines",
    "Costing",
    "Document",
    "DocumentChanged",
    "Funding",
    "IncomeEntry",
    "MitigationRow",
    "Notice",
    "OsjaRecord",
    "RiskRow",
    "Store",
    "TokenRefused",
    "append_audit",
    "approvals_for",
    "attach_document",
    "close_case",
    "default_url",
    "documents_for",
    "enqueue_notice",
    "financial_year",
    "financial_year_bounds",
    "get_case",
    "income_by_financial_year",
    "latest_assessment",
    "link_process_instance",
    "mark_failed",
    "mark_sent",
    "next_request_id",
    "open_case",
    "open_consultation",
    "peek",
    "pending_notices",
    "read_document",
    "record_approval",
    "record_assessment",
    "record_costing",
    "record_funding",
    "record_income",
    "redeem",
    "set_stage",
    "trail",
    "verify_case",
    "verify_chain",
]
