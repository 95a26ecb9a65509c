"""The audit trail: who did what to which case, when; append-only and hash-chained so an edit shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ipa.store._once import existing
from ipa.store.schema import AuditEntry
from ipa.store.types import utcnow

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON-serialisable in an audit entry: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8: the same entry always hashes the same on every machine."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def jsonable(value: Any) -> Any:
    """`value` with Decimals, dates and enums as strings, ready for a JSON column."""
    return json.loads(canonical_json(value))


def entry_hash(
    prev_hash: str, seq: int, at: str, request_id: str | None, actor: str, action: str, detail: str
) -> str:
    body = {
        "seq": seq,
        "at": at,
        "requestId": request_id,
        "actor": actor,
        "action": action,
        "detail": json.loads(detail),
    }
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def append(
    s: Session,
    *,
    action: str,
    actor: str,
    request_id: str | None = None,
    detail: dict[str, Any] | None = None,
    op_key: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry at the end of the chain. With `op_key`, a second call returns the first entry."""
    if op_key is not None and (found := existing(s, AuditEntry, "op_key", op_key)) is not None:
        return found
    detail_json = canonical_json(detail or {})
    stamp = (at or utcnow()).isoformat(timespec="microseconds")
    for _ in range(5):  # a concurrent append took our place in the chain: read the new tail and try again
        tail = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        seq, prev = (tail.seq + 1, tail.hash) if tail else (1, GENESIS)
        row = AuditEntry(
            seq=seq,
            op_key=op_key,
            at=stamp,
            request_id=request_id,
            actor=actor,
            action=action,
            detail=detail_json,
            prev_hash=prev,
            hash=entry_hash(prev, seq, stamp, request_id, actor, action, detail_json),
        )
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
            return row
        except IntegrityError:
            if op_key is not None and (found := existing(s, AuditEntry, "op_key", op_key)) is not None:
                return found
    raise RuntimeError("could not append to the audit trail after 5 attempts")


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_broken: int | None = None  # seq of the first entry that does not verify
    reason: str | None = None


def verify_chain(s: Session) -> ChainReport:
    """Walk the trail from the start; report the first entry whose content, link or position is wrong."""
    prev, expected_seq, count = GENESIS, 1, 0
    for row in s.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)):
        count += 1
        label = f"entry {row.seq} ({row.action}{' ' + row.request_id if row.request_id else ''})"
        if row.seq != expected_seq:
            return ChainReport(
                False, count, expected_seq, f"entry {expected_seq} is missing (next is {row.seq})"
            )
        if row.prev_hash != prev:
            return ChainReport(False, count, row.seq, f"{label} does not link to entry {row.seq - 1}")
        try:
            digest = entry_hash(prev, row.seq, row.at, row.request_id, row.actor, row.action, row.detail)
        except ValueError:
            return ChainReport(False, count, row.seq, f"{label} has unreadable detail")
        if digest != row.hash:
            return ChainReport(
                False, count, row.seq, f"{label} was altered: its content does not match its hash"
            )
        prev, expected_seq = row.hash, expected_seq + 1
    return ChainReport(True, count)


def verify_case(s: Session, request_id: str) -> ChainReport:
    """Check one case's entries where they stand in the chain: each one's content against its hash, its link to
    the entry before it, and the next entry's link to it (a forger who rehashes an entry breaks that one).

    The work grows with the case, not with the trail, so a case page can afford it; only a rewrite of the whole
    chain after an entry escapes it, which `verify_chain` (`ipa audit verify`) finds."""
    entries = trail(s, request_id)
    seqs = {e.seq for e in entries}
    neighbours = {e.seq - 1 for e in entries} | {e.seq + 1 for e in entries}
    around = {
        seq: (prev_hash, hash_)
        for seq, prev_hash, hash_ in s.execute(
            select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.hash).where(
                AuditEntry.seq.in_(neighbours - seqs)
            )
        )
    }
    around.update({e.seq: (e.prev_hash, e.hash) for e in entries})
    for row in entries:
        label = f"entry {row.seq} ({row.action} {request_id})"
        try:
            digest = entry_hash(
                row.prev_hash, row.seq, row.at, row.request_id, row.actor, row.action, row.detail
            )
        except ValueError:
            return ChainReport(False, len(entries), row.seq, f"{label} has unreadable detail")
        if digest != row.hash:
            return ChainReport(
                False, len(entries), row.seq, f"{label} was altered: its content does not match its hash"
            )
        before = GENESIS if row.seq == 1 else around.get(row.seq - 1, (None, None))[1]
        if before is None:
            return ChainReport(
                False, len(entries), row.seq - 1, f"entry {row.seq - 1} is missing (next is {row.seq})"
            )
        if row.prev_hash != before:
            return ChainReport(False, len(entries), row.seq, f"{label} does not link to entry {row.seq - 1}")
        after = around.get(row.seq + 1)
        if after is not None and after[0] != row.hash:
            return ChainReport(
                False,
                len(entries),
                row.seq + 1,
                f"entry {row.seq + 1} does not link to {label}: it was rewritten",
            )
    return ChainReport(True, len(entries))


def trail(s: Session, request_id: str) -> list[AuditEntry]:
    return list(
        s.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id).order_by(AuditEntry.seq))
    )
