"""Alembic environment: the URL comes from the app's config, the schema from SQLModel."""

from alembic import context
from sqlmodel import SQLModel

import crm.models  # noqa: F401  (registers every table)
from crm.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # SQLite's batch mode rebuilds a table (CREATE new, copy, DROP old); with foreign
    # keys on, dropping `user` fails while other tables point at it. The pragma only
    # takes effect outside a transaction, so it is set before the migration's own.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
        if sqlite:
            _check_foreign_keys(connection)
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"迁移后外键不一致：{broken[:5]}")


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
