"""The engine's durable store: one transaction per batch of processed commands.

SQLite (WAL) in a data folder by default, PostgreSQL by URL. The runtime collects, for every batch of commands
it processes, the records it appended and the rows it changed; `write` puts them in one transaction and only
then are the clients' answers released, so nothing acknowledged is ever lost (engine.runtime.engine).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store import schema
from engine.store.decision_instances import decision_instance_rows

#: first key of partition 1: Protocol.encodePartitionId(1, 1) (zeebe-protocol.md §4)
FIRST_KEY = (1 << 51) + 1
#: meta flag: the decision instances of the record log are in their table (Store._build_decision_instances)
DECISION_INSTANCES_BUILT = "decision_instances_built"


@dataclass
class Batch:
    """What one batch of processed commands changed."""

    #: rows of the records table, as tuples in column order
    records: list[tuple[Any, ...]] = field(default_factory=list)
    #: table -> primary key -> the full row
    upserts: dict[Table, dict[int, dict[str, Any]]] = field(default_factory=dict)
    #: rows built only when the batch is written (an element changes state several times per batch)
    lazy: dict[Table, dict[int, Callable[[], dict[str, Any]]]] = field(default_factory=dict)
    deletes: dict[Table, set[int]] = field(default_factory=dict)
    #: (table, key, values): partial updates of rows this batch does not hold whole
    updates: list[tuple[Table, int, dict[str, Any]]] = field(default_factory=list)
    #: rows written once and never changed (history derived from records: decision instances)
    inserts: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)

    def upsert(self, table: Table, row: dict[str, Any]) -> None:
        self.upserts.setdefault(table, {})[row["key"]] = row
        gone = self.deletes.get(table)
        if gone:
            gone.discard(row["key"])

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        self.inserts.setdefault(table, []).append(row)

    def upsert_later(self, table: Table, key: int, build: Callable[[], dict[str, Any]]) -> None:
        self.lazy.setdefault(table, {})[key] = build

    def materialize(self) -> None:
        """Build the deferred rows; call on the thread that owns the state, before handing the batch over."""
        for table, builders in self.lazy.items():
            rows = self.upserts.setdefault(table, {})
            for key, build in builders.items():
                rows[key] = build()
        self.lazy = {}

    def delete(self, table: Table, key: int) -> None:
        rows = self.upserts.get(table)
        if rows:
            rows.pop(key, None)
        later = self.lazy.get(table)
        if later:
            later.pop(key, None)
        self.deletes.setdefault(table, set()).add(key)

    def __bool__(self) -> bool:
        return bool(
            self.records
            or self.upserts
            or self.lazy
            or self.deletes
            or self.updates
            or self.inserts
            or self.meta
        )


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
        # creates what a store from an older version lacks (tables, with their indexes); keeps what it has
        schema.metadata.create_all(self.engine)
        # create_all adds missing tables only: an index added since an older store was made is created here
        with self.engine.begin() as conn:
            for table in schema.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)
        self._insert = sqlite.insert if self.is_sqlite else postgresql.insert
        self._upserts: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]] = {}
        self._inserts: dict[str, str] = {}
        if self.meta(DECISION_INSTANCES_BUILT) is None:
            self._build_decision_instances()

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------------------------
    def _upsert_sql(self, table: Table) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
        """`INSERT ... ON CONFLICT (key) DO UPDATE` (SQLite and PostgreSQL share it) in the driver's style.

        The hot path of every commit: handing the driver plain tuples costs a tenth of compiling a SQLAlchemy
        statement per row, and the store's throughput is the engine's.
        """
        cached = self._upserts.get(table.name)
        if cached is None:
            cols = [c.name for c in table.columns]
            mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
            quoted = [self.engine.dialect.identifier_preparer.quote(c) for c in cols]
            sql = (
                f"INSERT INTO {table.name} ({', '.join(quoted)}) VALUES ({', '.join([mark] * len(cols))}) "
                f"ON CONFLICT (key) DO UPDATE SET "
                + ", ".join(f"{q} = excluded.{q}" for c, q in zip(cols, quoted, strict=True) if c != "key")
            )
            cached = (sql, itemgetter(*cols))
            self._upserts[table.name] = cached
        return cached

    def write(self, batch: Batch) -> None:
        with self.engine.begin() as conn:
            for table, rows in batch.upserts.items():
                if rows:
                    sql, as_tuple = self._upsert_sql(table)
                    conn.exec_driver_sql(sql, [as_tuple(r) for r in rows.values()])
            for table, keys in batch.deletes.items():
                if keys:
                    conn.execute(delete(table).where(table.c.key.in_(keys)))
            for table, key, values in batch.updates:
                conn.execute(update(table).where(table.c.key == key).values(**values))
            if batch.records:
                conn.exec_driver_sql(self._insert_sql(schema.records), batch.records)
            for table, new_rows in batch.inserts.items():
                self._insert_rows(conn, table, new_rows)
            for name, value in batch.meta.items():
                stmt = self._insert(schema.meta).values(name=name, value=value)
                conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value}))

    def _insert_sql(self, table: Table) -> str:
        cached = self._inserts.get(table.name)
        if cached is None:
            cols = [c.name for c in table.columns]
            mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
            quoted = [self.engine.dialect.identifier_preparer.quote(c) for c in cols]
            cached = (
                f"INSERT INTO {table.name} ({', '.join(quoted)}) VALUES ({', '.join([mark] * len(cols))})"
            )
            self._inserts[table.name] = cached
        return cached

    def _insert_rows(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            cols = [c.name for c in table.columns]
            conn.exec_driver_sql(self._insert_sql(table), [tuple(r[c] for c in cols) for r in rows])

    def _build_decision_instances(self) -> None:
        """Derive the decision instances from the record log, once per store: a store written before they had
        their table gets them (a new one has no records yet). Rows and flag commit together, so an interrupted
        build starts over on the next open."""
        records = schema.records
        query = (
            select(records.c.position, records.c.key, records.c.timestamp, records.c.intent, records.c.value)
            .where(records.c.value_type == "DECISION_EVALUATION", records.c.record_type == "EVENT")
            .order_by(records.c.position)
            .limit(500)
        )
        after = 0
        with self.engine.begin() as conn:
            conn.execute(delete(schema.decision_instances))
            while True:
                page = conn.execute(query.where(records.c.position > after)).all()
                if not page:
                    break
                after = page[-1].position
                rows = []
                for r in page:
                    rows.extend(decision_instance_rows(r.key, r.timestamp, r.intent, json.loads(r.value)))
                self._insert_rows(conn, schema.decision_instances, rows)
            stmt = self._insert(schema.meta).values(name=DECISION_INSTANCES_BUILT, value="1")
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))

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
