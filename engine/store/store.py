"""The engine's durable store: one transaction per batch of processed commands.

SQLite (WAL) in a data folder by default, PostgreSQL by URL. The runtime collects, for every batch of commands
it processes, the records it appended and the rows it changed; `write` puts them in one transaction and only
then are the clients' answers released, so nothing acknowledged is ever lost (engine.runtime.engine).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store import schema

#: first key of partition 1: Protocol.encodePartitionId(1, 1) (zeebe-protocol.md §4)
FIRST_KEY = (1 << 51) + 1


@dataclass
class Batch:
    """What one batch of processed commands changed."""

    records: list[dict[str, Any]] = field(default_factory=list)
    #: table -> primary key -> the full row
    upserts: dict[Table, dict[int, dict[str, Any]]] = field(default_factory=dict)
    deletes: dict[Table, set[int]] = field(default_factory=dict)
    #: (table, key, values): partial updates of rows this batch does not hold whole
    updates: list[tuple[Table, int, dict[str, Any]]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def upsert(self, table: Table, row: dict[str, Any]) -> None:
        self.upserts.setdefault(table, {})[row["key"]] = row
        gone = self.deletes.get(table)
        if gone:
            gone.discard(row["key"])

    def delete(self, table: Table, key: int) -> None:
        rows = self.upserts.get(table)
        if rows:
            rows.pop(key, None)
        self.deletes.setdefault(table, set()).add(key)

    def __bool__(self) -> bool:
        return bool(self.records or self.upserts or self.deletes or self.updates or self.meta)


def database_url(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'engine.db'}"


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        schema.metadata.create_all(self.engine)
        self._insert = sqlite.insert if self.is_sqlite else postgresql.insert

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, batch: Batch) -> None:
        with self.engine.begin() as conn:
            for table, rows in batch.upserts.items():
                if rows:
                    stmt = self._insert(table)
                    stmt = stmt.on_conflict_do_update(
                        index_elements=[table.c.key],
                        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != "key"},
                    )
                    conn.execute(stmt, list(rows.values()))
            for table, keys in batch.deletes.items():
                if keys:
                    conn.execute(delete(table).where(table.c.key.in_(keys)))
            for table, key, values in batch.updates:
                conn.execute(update(table).where(table.c.key == key).values(**values))
            if batch.records:
                conn.execute(schema.records.insert(), batch.records)
            for name, value in batch.meta.items():
                stmt = self._insert(schema.meta).values(name=name, value=value)
                conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value}))

    # -- reading -------------------------------------------------------------------------------------------
    def meta(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(schema.meta.c.value).where(schema.meta.c.name == name)).scalar()

    def last_position(self) -> int:
        with self.engine.connect() as conn:
            from sqlalchemy import func

            return int(conn.execute(select(func.max(schema.records.c.position))).scalar() or 0)

    def rows(self, table: Table, *where: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(table).where(*where))]

    def live_rows(self, table: Table) -> list[dict[str, Any]]:
        return self.rows(table, table.c.live.is_(True))

    def all_rows(self, table: Table) -> list[dict[str, Any]]:
        return self.rows(table)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    # WAL: readers (the REST searches) never block the writer. NORMAL: a commit survives a crash of the
    # process (the kill test); only a power cut can lose the last transactions.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
