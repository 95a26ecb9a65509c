"""The audit trail verifies, and an edit made behind the application's back is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ipa.store import AuditTamper, Store, append_audit, trail, verify_case, verify_chain

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


def two_cases(store: Store) -> None:
    """Entries of IPA-2025-0001 (1-5) with IPA-2025-0002's between them (6-7), then one more of the first (8)."""
    from ipa.store import open_case

    fill(store)
    with store.transaction() as s:
        open_case(s, make_request(requestId="IPA-2025-0002"), actor="intake")
        append_audit(s, action="note", actor="other", request_id="IPA-2025-0002", detail={})
        append_audit(s, action="note", actor="late", request_id="IPA-2025-0001", detail={})


def test_a_case_checks_its_own_entries_where_they_stand_in_the_chain(store: Store) -> None:
    two_cases(store)
    with store.reader() as s:
        assert verify_case(s, "IPA-2025-0001").ok and verify_case(s, "IPA-2025-0001").entries == 6
        assert verify_case(s, "IPA-2025-0002").ok
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_trail SET detail = '{}' WHERE seq = 3"))
    with store.reader() as s:
        report = verify_case(s, "IPA-2025-0001")
        assert not report.ok and report.first_broken == 3 and "altered" in (report.reason or "")
        assert verify_case(s, "IPA-2025-0002").ok, "another case's edit is not this case's"
        assert not verify_chain(s).ok, "the whole-trail walk finds it too"


def test_a_rehashed_forgery_in_a_case_is_found_by_the_next_entry(store: Store) -> None:
    from ipa.store.audit import entry_hash

    two_cases(store)
    with store.engine.begin() as conn:
        row = conn.execute(
            text("SELECT seq, at, request_id, action, detail, prev_hash FROM audit_trail WHERE seq=7")
        ).one()
        forged = entry_hash(row.prev_hash, row.seq, row.at, row.request_id, "forger", row.action, row.detail)
        conn.execute(text("UPDATE audit_trail SET actor='forger', hash=:h WHERE seq=7"), {"h": forged})
    with store.reader() as s:
        report = verify_case(s, "IPA-2025-0002")
    assert not report.ok and report.first_broken == 8 and "rewritten" in (report.reason or "")


def test_a_removed_neighbour_is_found(store: Store) -> None:
    two_cases(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_trail WHERE seq = 7"))
    with store.reader() as s:
        report = verify_case(s, "IPA-2025-0001")
    assert not report.ok and report.first_broken == 7 and "missing" in (report.reason or "")


def test_ipa_audit_verify_exits_1_naming_the_entry(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from ipa.cli import app

    fill(store)
    monkeypatch.setenv("IPA_DATABASE_URL", store.url)
    ok = CliRunner().invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "5 entries" in ok.output
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_trail SET actor = 'x' WHERE seq = 2"))
    broken = CliRunner().invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "entry 2" in broken.output
