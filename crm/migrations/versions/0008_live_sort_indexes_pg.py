"""PostgreSQL: partial indexes for the lists' default order of live rows

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# PostgreSQL does not treat "deleted_at IS NULL" as an equality, so the (deleted_at,
# updated_at, id) indexes of 0003 cannot give live rows in updated_at order: every list
# page sorted all live rows (project list 19 ms → 2.7 ms, enterprises 17 → 4.6 ms,
# follow-ups 40 → 11 ms at 30k / 100k / 300k; bench/README.md). SQLite already walks
# the 0003 indexes in order, so these exist on PostgreSQL only (outside the models).
INDEXES = [
    ("ix_enterprise_updated_live_pg", "enterprise", ("updated_at DESC", "id DESC")),
    ("ix_project_updated_live_pg", "project", ("updated_at DESC", "id DESC")),
    ("ix_followup_date_live_pg", "followup", ("date DESC", "id DESC")),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns in INDEXES:
        op.create_index(name, table, [sa.text(c) for c in columns],
                        postgresql_where=sa.text("deleted_at IS NULL"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
