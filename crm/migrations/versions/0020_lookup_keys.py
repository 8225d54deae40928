"""enterprise.lookup_keys and project.lookup_keys: pinyin initials for the pickers

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 04:00:00

The pickers of the project and follow-up forms find a record by its name (the lists'
keyword index), credit code, and by what this column holds (crm.searchkeys.lookup_keys):
the name's pinyin initials and the name without brackets or punctuation. Filled here
for the rows already stored; the ORM keeps it after (crm.models.base.keep_lookup_keys).
SQLite gets an FTS5 trigram table ``<table>_lookup_fts`` over it, kept by triggers like
the keyword index of 0003, and an index on the column (1–2 letters: the initials'
beginning, a range);
PostgreSQL a pg_trgm GIN index. ADD COLUMN does not rebuild the table, so the
triggers of 0003/0006 stay.
"""
import sqlalchemy as sa
from alembic import op

from crm.searchkeys import lookup_keys

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TABLES = ("enterprise", "project")
BATCH = 2000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # a credit code's beginning: LIKE '91220%'
        op.execute("CREATE INDEX ix_enterprise_credit_code_prefix_pg ON enterprise "
                   "(credit_code text_pattern_ops)")
    for name in TABLES:
        op.add_column(name, sa.Column("lookup_keys", sa.String(length=600), nullable=False,
                                      server_default=""))
        _fill(bind, name)
        op.create_index(f"ix_{name}_lookup_keys", name, ["lookup_keys"])
        if bind.dialect.name == "postgresql":
            op.execute(f"CREATE INDEX ix_{name}_lookup_keys_trgm ON {name} "
                       "USING gin (lookup_keys gin_trgm_ops)")
            # the initials' beginning (1–2 letters) with LIKE 'cc%', whatever the collation
            op.execute(f"CREATE INDEX ix_{name}_lookup_keys_prefix_pg ON {name} "
                       "(lookup_keys text_pattern_ops)")
        else:
            _sqlite_index(name)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_enterprise_credit_code_prefix_pg")
    for name in TABLES:
        op.drop_index(f"ix_{name}_lookup_keys", table_name=name)
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{name}_lookup_keys_trgm")
            op.execute(f"DROP INDEX IF EXISTS ix_{name}_lookup_keys_prefix_pg")
        else:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_lookup_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {name}_lookup_fts")
        op.drop_column(name, "lookup_keys")  # ALTER TABLE … DROP COLUMN: no rebuild


def _fill(bind, name: str) -> None:
    t = sa.table(name, sa.column("id", sa.Integer), sa.column("name", sa.String),
                 sa.column("lookup_keys", sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(t.c.id, t.c.name).where(t.c.id > last)
                            .order_by(t.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(t.update().where(t.c.id == sa.bindparam("row_id")),
                     [{"row_id": i, "lookup_keys": lookup_keys(n)} for i, n in rows])
        last = rows[-1][0]


def _sqlite_index(name: str) -> None:
    fts = f"{name}_lookup_fts"
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(lookup_keys, content='{name}', "
               "content_rowid='id', tokenize='trigram')")
    op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {name} BEGIN "
               f"INSERT INTO {fts}(rowid, lookup_keys) VALUES (new.id, new.lookup_keys); END")
    op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {name} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, lookup_keys) "
               "VALUES ('delete', old.id, old.lookup_keys); END")
    op.execute(f"CREATE TRIGGER {fts}_au AFTER UPDATE OF lookup_keys ON {name} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, lookup_keys) "
               "VALUES ('delete', old.id, old.lookup_keys); "
               f"INSERT INTO {fts}(rowid, lookup_keys) VALUES (new.id, new.lookup_keys); END")
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
