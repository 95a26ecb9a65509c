"""accounts: local (argon2), demo and single sign-on (OIDC) users with their roles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 06:42:32.187922
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ipa.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", ipa.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ipa.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", ipa.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("source IN ('local', 'demo', 'oidc')", name=op.f("ck_accounts_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_accounts_issuer")),
        sa.UniqueConstraint("username", name=op.f("uq_accounts_username")),
    )


def downgrade() -> None:
    op.drop_table("accounts")
