"""Alembic environment inside the package: `Store.migrate()` passes its connection in `config.attributes`;
the `alembic` command line (with `-x url=...` or IPA_DATABASE_URL) works too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from ipa.store.db import default_url
from ipa.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things, so later migrations rebuild tables in batch mode
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(
        url=context.get_x_argument(as_dictionary=True).get("url") or default_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _run(connection)
else:
    engine = create_engine(context.get_x_argument(as_dictionary=True).get("url") or default_url())
    with engine.begin() as conn:
        _run(conn)
