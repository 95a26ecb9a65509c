"""Process definitions, decision definitions and decision requirements (the deployed resources)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, case, func, select

from engine.rest.search import View
from engine.store import schema

res, dec = schema.resources, schema.decisions
_latest = res.alias("latest")

_pd_source = (
    select(
        res.c.key.label("processDefinitionKey"),
        res.c.resource_id.label("processDefinitionId"),
        res.c.name.label("name"),
        res.c.resource_name.label("resourceName"),
        res.c.version.label("version"),
        res.c.version_tag.label("versionTag"),
        case((res.c.deleted.is_(True), "DELETED"), else_="ACTIVE").label("state"),
        res.c.tenant_id.label("tenantId"),
    )
    .where(res.c.kind == "PROCESS")
    .subquery("process_definition_view")
)


def _is_latest(src: Subquery, value: bool) -> ColumnElement[bool]:
    newest = (
        select(func.max(_latest.c.version))
        .where(_latest.c.kind == "PROCESS", _latest.c.resource_id == src.c.processDefinitionId)
        .scalar_subquery()
    )
    return src.c.version == newest if value else src.c.version != newest


PROCESS_DEFINITIONS = View(
    _pd_source,
    {
        "processDefinitionKey": "key",
        "processDefinitionId": "str",
        "name": "str",
        "resourceName": "str",
        "version": "int",
        "versionTag": "str",
        "state": "str",
        "tenantId": "str",
    },
    key="processDefinitionKey",
    filters={"isLatestVersion": _is_latest},
)

_dd_source = (
    select(
        dec.c.key.label("decisionDefinitionKey"),
        dec.c.decision_id.label("decisionDefinitionId"),
        dec.c.name.label("name"),
        dec.c.version.label("version"),
        dec.c.decision_requirements_id.label("decisionRequirementsId"),
        dec.c.decision_requirements_key.label("decisionRequirementsKey"),
        res.c.name.label("decisionRequirementsName"),
        res.c.version.label("decisionRequirementsVersion"),
        dec.c.tenant_id.label("tenantId"),
    )
    .select_from(dec.outerjoin(res, res.c.key == dec.c.decision_requirements_key))
    .where(dec.c.deleted.is_(False))
    .subquery("decision_definition_view")
)

DECISION_DEFINITIONS = View(
    _dd_source,
    {
        "decisionDefinitionKey": "key",
        "decisionDefinitionId": "str",
        "name": "str",
        "version": "int",
        "decisionRequirementsId": "str",
        "decisionRequirementsKey": "key",
        "decisionRequirementsName": "str",
        "decisionRequirementsVersion": "int",
        "tenantId": "str",
    },
    key="decisionDefinitionKey",
)

_drg_source = (
    select(
        res.c.key.label("decisionRequirementsKey"),
        res.c.resource_id.label("decisionRequirementsId"),
        res.c.name.label("decisionRequirementsName"),
        res.c.version.label("version"),
        res.c.resource_name.label("resourceName"),
        res.c.tenant_id.label("tenantId"),
    )
    .where(res.c.kind == "DECISION_REQUIREMENTS", res.c.deleted.is_(False))
    .subquery("decision_requirements_view")
)

DECISION_REQUIREMENTS = View(
    _drg_source,
    {
        "decisionRequirementsKey": "key",
        "decisionRequirementsId": "str",
        "decisionRequirementsName": "str",
        "version": "int",
        "resourceName": "str",
        "tenantId": "str",
    },
    key="decisionRequirementsKey",
)
