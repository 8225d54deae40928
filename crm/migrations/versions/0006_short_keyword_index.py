"""SQLite: an index for keywords of one or two characters (<table>_short_fts)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00

The trigram tables of 0003 cannot look up 光电 (two characters, no trigram), so a
short keyword scanned every row with LIKE. <table>_short_fts is a second FTS5
trigram table over a derived text in which every character and every pair of
neighbouring characters is followed by a terminator (crm/searchkeys.py
short_keys), so a short keyword is one trigram to look up.

* contentless (content=''): the derived text is never read back, only matched;
  detail=none, columnsize=0: a one-trigram phrase needs no positions or sizes.
* The triggers call the SQL function search_short_keys, which crm.db registers
  on every connection it opens. The sqlite3 shell does not: it can read the
  three tables but no longer write to them.
* A contentless table deletes a row by its old text, recomputed by the same
  function: if short_keys ever changes, a migration must refill these tables.

Measured on bench.db (100k enterprises, 30k projects, 300k follow-ups): the fill
takes about 25 s (follow-ups 20 s) and adds about 80 MB (follow-ups 70 MB).
PostgreSQL: nothing to do (pg_trgm of 0003; a table of 30k rows is scanned fast).
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

FUNCTION = "search_short_keys"  # crm/searchkeys.py SHORT_KEYS_FUNCTION
# table → text columns of the keyword search (crm/queries/search.py SEARCH_COLUMNS).
SEARCH_COLUMNS = {
    "enterprise": ["name"],
    "project": ["name", "introducer"],
    "followup": ["summary", "next_step", "participants"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _require_function()
    for table, columns in SEARCH_COLUMNS.items():
        cols = ", ".join(columns)
        new = f"{FUNCTION}({', '.join(f'new.{c}' for c in columns)})"
        old = f"{FUNCTION}({', '.join(f'old.{c}' for c in columns)})"
        short = f"{table}_short_fts"
        op.execute(f"CREATE VIRTUAL TABLE {short} USING fts5(keys, content='', "
                   f"detail=none, columnsize=0, tokenize='trigram case_sensitive 1')")
        op.execute(f"CREATE TRIGGER {short}_ai AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO {short}(rowid, keys) VALUES (new.id, {new}); END")
        op.execute(f"CREATE TRIGGER {short}_ad AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO {short}({short}, rowid, keys) VALUES ('delete', old.id, {old}); "
                   f"END")
        op.execute(f"CREATE TRIGGER {short}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
                   f"INSERT INTO {short}({short}, rowid, keys) VALUES ('delete', old.id, {old}); "
                   f"INSERT INTO {short}(rowid, keys) VALUES (new.id, {new}); END")
        op.execute(f"INSERT INTO {short}(rowid, keys) SELECT id, "
                   f"{FUNCTION}({cols}) FROM {table}")
        op.execute(f"INSERT INTO {short}({short}) VALUES ('optimize')")  # one b-tree, not many


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in SEARCH_COLUMNS:
        for action in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_short_fts_{action}")
        op.execute(f"DROP TABLE IF EXISTS {table}_short_fts")


def _require_function() -> None:
    try:
        op.get_bind().exec_driver_sql(f"SELECT {FUNCTION}('')")
    except Exception as exc:
        raise RuntimeError(f"SQLite 连接缺少函数 {FUNCTION}：请通过 zhaoshang init"
                           "（crm.db.make_engine 建立的连接）升级数据库") from exc
