"""One-time reply links: random, stored hashed, expiring, spent on first use."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ipa.store import Consultation, Store, TokenRefused, open_case, open_consultation, peek, redeem

from .conftest import make_request

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def consult(store: Store, op_key: str = "job-stage1") -> str:
    with store.transaction() as s:
        open_case(s, make_request(requestId="IPA-2025-0003"), actor="intake")
        _, token = open_consultation(
            s,
            "IPA-2025-0003",
            kind="STAGE1",
            consultee="British Embassy Baghdad",
            recipient="osja@post.example",
            op_key=op_key,
            actor="w",
            now=T0,
        )
    assert token is not None
    return token


def test_token_is_stored_hashed_and_returned_once(store: Store) -> None:
    token = consult(store)
    with store.transaction() as s:
        row = s.scalars(select(Consultation)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.token_hash, str(row.reply))
        again, second = open_consultation(
            s,
            "IPA-2025-0003",
            kind="STAGE1",
            consultee="x",
            recipient="y",
            op_key="job-stage1",
            actor="w",
            now=T0,
        )
    assert second is None and again.id == row.id
    assert len(token) >= 40  # 32 random bytes


def test_used_twice_is_refused(store: Store) -> None:
    token = consult(store)
    with store.transaction() as s:
        done = redeem(s, token, {"stage1Date": "2025-02-01"}, actor="post", now=T0 + timedelta(days=1))
    assert done.used_at == T0 + timedelta(days=1) and done.reply == {"stage1Date": "2025-02-01"}
    with pytest.raises(TokenRefused) as info, store.transaction() as s:
        redeem(s, token, {"stage1Date": "2099-01-01"}, actor="post", now=T0 + timedelta(days=2))
    assert info.value.reason == "used"
    with store.reader() as s:
        assert s.scalars(select(Consultation)).one().reply == {"stage1Date": "2025-02-01"}


def test_expired_is_refused(store: Store) -> None:
    token = consult(store)
    late = T0 + timedelta(days=21, seconds=1)  # policy.toml: token_valid_days = 21
    with store.reader() as s, pytest.raises(TokenRefused, match="expired"):
        peek(s, token, now=late)
    with pytest.raises(TokenRefused) as info, store.transaction() as s:
        redeem(s, token, {}, actor="post", now=late)
    assert info.value.reason == "expired"
    with store.transaction() as s:  # just inside the window it still works
        redeem(s, token, {}, actor="post", now=T0 + timedelta(days=20))


def test_unknown_token_is_refused(store: Store) -> None:
    consult(store)
    with pytest.raises(TokenRefused) as info, store.transaction() as s:
        redeem(s, "not-a-token", {}, actor="post", now=T0)
    assert info.value.reason == "unknown"
