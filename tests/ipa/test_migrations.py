"""The Alembic migration creates exactly the schema the models declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, create_engine, inspect

from ipa.store import Base, Store


def schema(engine: Engine) -> dict[str, Any]:
    """Everything about each table that a migration could get wrong, in comparable form."""
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(t for t in insp.get_table_names() if t != "alembic_version"):
        out[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
                for f in insp.get_foreign_keys(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
            ),
            "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(table)),
        }
    return out


def test_migration_matches_create_all(tmp_path: Path) -> None:
    migrated = Store(f"sqlite:///{tmp_path / 'migrated.db'}")
    migrated.migrate()
    created = create_engine(f"sqlite:///{tmp_path / 'created.db'}")
    Base.metadata.create_all(created)
    assert schema(migrated.engine) == schema(created)
    assert set(schema(created)) == set(Base.metadata.tables)
    assert migrated.current_revision() == "0002"


def test_autogenerate_sees_no_difference(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_the_comparison_would_notice_a_drift(tmp_path: Path) -> None:
    # guard against a comparison that can never fail: a model with one more column must differ
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        copy = table.to_metadata(drifted)
        if table.name == "cases":
            copy.append_column(Column("extra", Integer))
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), drifted)
    assert [d[0] for d in diffs] == ["add_column"] and diffs[0][3].name == "extra"


def test_migrate_is_repeatable_and_uses_the_data_dir(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("IPA_DATABASE_URL", raising=False)
    monkeypatch.setenv("IPA_DATA_DIR", str(tmp_path / "data"))
    store = Store()
    assert store.url == f"sqlite:///{tmp_path / 'data' / 'casework.db'}"
    store.migrate()
    store.migrate()
    assert (tmp_path / "data" / "casework.db").exists()


def test_accounts_migration_upgrades_a_0001_store_and_downgrades(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate("0001")
    assert "accounts" not in inspect(store.engine).get_table_names()
    store.migrate()
    assert store.current_revision() == "0002" and "accounts" in inspect(store.engine).get_table_names()

    from alembic import command
    from alembic.config import Config

    from ipa.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert "accounts" not in inspect(store.engine).get_table_names()
    assert store.current_revision() == "0001"
    store.dispose()
