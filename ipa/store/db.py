"""`Store`: where the casework lives (a SQLite file by default, PostgreSQL by URL) and its transactions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ipa.store.schema import AuditEntry

MIGRATIONS = Path(__file__).parent / "migrations"


class AuditTamper(RuntimeError):
    """Code tried to change or delete an audit entry; the trail is append-only."""


def default_url() -> str:
    """IPA_DATABASE_URL, else a SQLite file `casework.db` under IPA_DATA_DIR (default ~/.local/share/ipa)."""
    if url := os.environ.get("IPA_DATABASE_URL"):
        return url
    data_dir = Path(os.environ.get("IPA_DATA_DIR") or Path.home() / ".local" / "share" / "ipa").expanduser()
    return f"sqlite:///{data_dir / 'casework.db'}"


def _sqlite_engine(url: str, begin: str, **kw: Any) -> Engine:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over (SQLAlchemy's recipe).
    # Writers BEGIN IMMEDIATE so two workers never both read and then deadlock upgrading to a write lock.
    engine = create_engine(url, connect_args={"timeout": 30}, **kw)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if make_url(url).database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _forbid_audit_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditTamper(f"audit entry {obj.seq} is append-only")


class Store:
    """The casework store. `transaction()` for writes (commit on success, rollback on error), `reader()` for
    reads. Schema changes go through `migrate()` (Alembic), never `create_all`."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = url or default_url()
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE", echo=echo)
            self._read_engine = _sqlite_engine(self.url, "BEGIN", echo=echo)
        else:
            self.engine = self._read_engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)
        for maker in (self._writer, self._reader):
            event.listen(maker, "before_flush", _forbid_audit_changes)

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to `revision` (alembic upgrade), in one transaction."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def current_revision(self) -> str | None:
        from alembic.migration import MigrationContext

        with self._read_engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()
