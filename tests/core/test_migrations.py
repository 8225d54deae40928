"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from crm.db import get_engine


def test_models_and_migrations_agree(app):
    with get_engine(app).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    # FTS shadow tables and similar are created by migrations on purpose, outside the models,
    # and so are PostgreSQL's side tables for short keywords (<table>_short_pg, migration 0009)
    diff = [d for d in diff if not (d[0] == "remove_table" and (
        "fts" in d[1].name or d[1].name.endswith("_short_pg")))]
    # and PostgreSQL's own indexes: pg_trgm GIN indexes for keyword search (migration 0003),
    # partial indexes for the lists' order of live rows (0008), the side tables' GIN (0009)
    diff = [d for d in diff
            if not (d[0] == "remove_index" and d[1].name.endswith(("_trgm", "_pg")))]
    assert diff == []
