"""At-most-once writes for at-least-once job delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ipa.store.schema import Case

T = TypeVar("T")


class CaseNotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """The same key was used for a different write (e.g. a case already bound to another process instance)."""


def existing(s: Session, model: type[T], column: str, key: str) -> T | None:
    col: Any = getattr(model, column)
    return s.scalar(select(model).where(col == key))


def once(
    s: Session, model: type[T], key: str, build: Callable[[], T], column: str = "op_key"
) -> tuple[T, bool]:
    """The row stored under `key`, or a new one from `build()`: (row, created). A racing writer that inserted the
    same key first makes our insert fail on the unique constraint; we then return its row."""
    key = str(key)
    if (found := existing(s, model, column, key)) is not None:
        return found, False
    row = build()
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        if (found := existing(s, model, column, key)) is None:
            raise
        return found, False
    return row, True


def case_by_ref(s: Session, request_id: str) -> Case:
    found = s.scalar(select(Case).where(Case.request_id == request_id))
    if found is None:
        raise CaseNotFound(request_id)
    return found
