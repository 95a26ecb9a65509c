"""Pieces shared by the views: state mappings, variable filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, select, true

from engine.rest.search import column_conditions
from engine.store import schema


#: the element life cycle (ACTIVATING ... TERMINATED) as the REST API's three states
def element_state(column: Any) -> Any:
    return case(
        (column == "COMPLETED", "COMPLETED"),
        (column == "TERMINATED", "TERMINATED"),
        else_="ACTIVE",
    )


def variables_match(scope_column: Any, by: str, filters: list[dict[str, Any]]) -> ColumnElement[bool]:
    """`[{name, value}]`: for each, a variable of that name whose JSON text matches the string filter.

    `by` is the variables column the scope column is matched against: process_instance_key or scope_key.
    """
    v = schema.variables
    parts = []
    for f in filters:
        parts.append(
            exists(
                select(v.c.key).where(
                    v.c[by] == scope_column,
                    v.c.name == f["name"],
                    *column_conditions(v.c.value, "str", f["value"]),
                )
            )
        )
    return and_(true(), *parts)
