"""Alembic environment for the jiguan store.

`jiguan.store.Store.migrate` passes an open connection (inside a transaction that holds the
migration lock) through ``config.attributes["connection"]``. Run from the command line
(``alembic upgrade head`` with the repo's alembic.ini) it connects to ``sqlalchemy.url`` if
set, else to `jiguan.store.database_url()` (the same database the app uses).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from jiguan.store import database_url, metadata
from jiguan.store.engine import Database

config = context.config
target_metadata = metadata


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        **kwargs,
    )


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or database_url()
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = config.get_main_option("sqlalchemy.url") or database_url()
    db = Database(url, op_timeout=60)
    try:
        with db.migration_connection() as conn:  # the same lock and SQLite care as Store.migrate
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        db.close()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
