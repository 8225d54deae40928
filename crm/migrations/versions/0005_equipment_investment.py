"""project equipment investment (其中设备投资额), for measure 7

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (no batch rebuild): project's FTS triggers from 0003 stay in place
    op.add_column('project', sa.Column('equipment_investment_wan', sa.Numeric(16, 2),
                                       nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('project') as batch_op:
        batch_op.drop_column('equipment_investment_wan')
