"""the audit trail becomes a hash chain (tamper-evident)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06 00:30:00

Each audit row gets its place (chain_seq), the hash of the row before (prev_hash)
and its own hash (row_hash = SHA-256 over its content and prev_hash, see
crm.services.audit.chain_hash); the one-row table auditchain is the chain's head.
The append-only triggers (0004) stop UPDATE and DELETE, but SQLite's REPLACE INTO
deletes and re-inserts past them; with the chain such a row no longer fits and
`zhaoshang audit verify` names it.

Rows from before this migration are chained here, in id order (their order of
writing), so the whole trail is covered from its first row. The triggers are lifted
for that one UPDATE and put back. Downgrade drops the chain, never an audit row.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

MESSAGE = "审计日志只能追加，不能修改或删除"  # as in 0004
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER auditlog_no_{event.lower()} BEFORE {event} ON auditlog "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END" for event in ("UPDATE", "DELETE")]

AUDIT = sa.table(
    "auditlog", sa.column("id", sa.Integer), sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column("user_id", sa.Integer), sa.column("username", sa.String),
    sa.column("ip", sa.String), sa.column("action", sa.String),
    sa.column("object_type", sa.String), sa.column("object_id", sa.Integer),
    sa.column("summary", sa.String), sa.column("changes", sa.JSON),
    sa.column("chain_seq", sa.Integer), sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String))


def upgrade() -> None:
    from crm.services.audit import chain_hash  # the one definition of a link's hash

    op.add_column("auditlog", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.add_column("auditlog", sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(),
                                        nullable=False, server_default=""))
    op.add_column("auditlog", sa.Column("row_hash", sqlmodel.sql.sqltypes.AutoString(),
                                        nullable=False, server_default=""))
    op.create_index("ix_auditlog_chain_seq", "auditlog", ["chain_seq"], unique=True)
    op.create_table(
        "auditchain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"))

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    _lift_triggers(postgres)
    seq, prev, batch = 0, "", []
    rows = bind.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).mappings().all()
    for row in rows:
        seq += 1
        values = dict(row, chain_seq=seq)
        digest = chain_hash(values, prev)
        batch.append({"rid": row["id"], "s": seq, "p": prev, "h": digest})
        prev = digest
    if batch:
        bind.execute(sa.update(AUDIT).where(AUDIT.c.id == sa.bindparam("rid")).values(
            chain_seq=sa.bindparam("s"), prev_hash=sa.bindparam("p"),
            row_hash=sa.bindparam("h")), batch)
    _restore_triggers(postgres)
    bind.execute(sa.text("INSERT INTO auditchain (id, seq, last_hash) VALUES (1, :s, :h)"),
                 {"s": seq, "h": prev})


def _lift_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE auditlog DISABLE TRIGGER auditlog_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS auditlog_no_update")
        op.execute("DROP TRIGGER IF EXISTS auditlog_no_delete")


def _restore_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("ALTER TABLE auditlog ENABLE TRIGGER auditlog_append_only")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("auditchain")
    op.drop_index("ix_auditlog_chain_seq", table_name="auditlog")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would drop
    # the append-only triggers.
    for column in ("row_hash", "prev_hash", "chain_seq"):
        op.execute(f"ALTER TABLE auditlog DROP COLUMN {column}")
