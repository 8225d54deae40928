"""The engine's connection settings (crm.db)."""

import pytest

from crm import db as crm_db
from crm.db import get_engine


def test_sqlite_connections_read_through_a_memory_map_and_wal(app):
    engine = get_engine(app)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings; PostgreSQL has none of these")
    with engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("mmap_size", "journal_mode", "foreign_keys", "busy_timeout")}
    assert pragma == {"mmap_size": crm_db.SQLITE_MMAP_BYTES, "journal_mode": "wal",
                      "foreign_keys": 1, "busy_timeout": crm_db.SQLITE_BUSY_TIMEOUT_MS}
