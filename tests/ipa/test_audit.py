"""The audit trail verifies, and an edit made behind the application's back is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ipa.store import AuditTamper, Store, append_audit, trail, verify_chain

from .conftest import make_request


def fill(store: Store, n: int = 5) -> None:
    from ipa.store import open_case

    with store.transaction() as s:
        open_case(s, make_request(requestId="IPA-2025-0001"), actor="intake")
        for i in range(2, n + 1):
            append_audit(
                s, action="note", actor=f"user{i}", request_id="IPA-2025-0001", detail={"i": i, "x": "é"}
            )


def test_an_untouched_chain_verifies(store: Store) -> None:
    fill(store)
    with store.reader() as s:
        report = verify_chain(s)
        entries = trail(s, "IPA-2025-0001")
    assert report.ok and report.entries == 5 and report.first_broken is None
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


def test_an_edited_detail_is_named(store: Store) -> None:
    fill(store)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_trail SET detail = :d WHERE seq = 3"), {"d": '{"i":99,"x":"é"}'})
    with store.reader() as s:
        report = verify_chain(s)
    assert not report.ok and report.first_broken == 3
    assert "entry 3" in (report.reason or "") and "altered" in (report.reason or "")


def test_an_edited_actor_with_rehash_breaks_the_next_link(store: Store) -> None:
    # a forger who also recomputes the row's own hash still breaks the link of the entry after it
    from ipa.store.audit import entry_hash

    fill(store)
    with store.engine.begin() as conn:
        row = conn.execute(
            text("SELECT seq, at, request_id, action, detail, prev_hash FROM audit_trail WHERE seq=2")
        ).one()
        forged = entry_hash(
            row.prev_hash, row.seq, row.at, row.request_id, "someone else", row.action, row.detail
        )
        conn.execute(text("UPDATE audit_trail SET actor='someone else', hash=:h WHERE seq=2"), {"h": forged})
    with store.reader() as s:
        report = verify_chain(s)
    assert report.first_broken == 3 and "does not link" in (report.reason or "")


def test_a_deleted_entry_is_named(store: Store) -> None:
    fill(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_trail WHERE seq = 4"))
    with store.reader() as s:
        report = verify_chain(s)
    assert report.first_broken == 4 and "missing" in (report.reason or "")


def test_the_orm_refuses_to_change_an_entry(store: Store) -> None:
    fill(store, 2)
    with pytest.raises(AuditTamper), store.transaction() as s:
        entry = trail(s, "IPA-2025-0001")[0]
        entry.actor = "rewritten"
    with pytest.raises(AuditTamper), store.transaction() as s:
        s.delete(trail(s, "IPA-2025-0001")[0])
    with store.reader() as s:
        assert verify_chain(s).ok


def test_keyed_append_is_idempotent(store: Store) -> None:
    with store.transaction() as s:
        a = append_audit(s, action="record-outcome", actor="w", op_key="job-1", detail={"v": 1})
        b = append_audit(s, action="record-outcome", actor="w", op_key="job-1", detail={"v": 1})
        assert a.seq == b.seq == 1
        assert verify_chain(s).entries == 1
