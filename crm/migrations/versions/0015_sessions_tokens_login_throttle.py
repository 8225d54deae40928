"""server-side login sessions, token expiry, login attempts per (username, address)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 00:20:00

usersession: one row per browser login (logout and a password change delete rows).
loginthrottle: attempts per (username, client address), counted atomically.
user.failed_since: the window of the ceiling across addresses (failed_logins, locked_until).
apitoken.expires_at: tokens that exist at the upgrade expire 180 days after it, so
running integrations are not cut off without warning.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

EXISTING_TOKEN_DAYS = 180


def upgrade() -> None:
    op.create_table(
        'usersession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'),
    )
    op.create_index('ix_usersession_user_id', 'usersession', ['user_id'])
    op.create_index('ix_usersession_last_seen_at', 'usersession', ['last_seen_at'])
    op.create_table(
        'loginthrottle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username', 'address'),
    )
    op.create_index('ix_loginthrottle_window_start', 'loginthrottle', ['window_start'])
    op.add_column('user', sa.Column('failed_since', sqlmodel.sql.sqltypes.UTCDateTime(),
                                    nullable=True))
    op.add_column('apitoken', sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                        nullable=True))
    apitoken = sa.table('apitoken', sa.column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    op.execute(apitoken.update().values(
        expires_at=datetime.now(UTC) + timedelta(days=EXISTING_TOKEN_DAYS)))


def downgrade() -> None:
    with op.batch_alter_table('apitoken') as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('failed_since')
    op.drop_index('ix_loginthrottle_window_start', table_name='loginthrottle')
    op.drop_table('loginthrottle')
    op.drop_index('ix_usersession_last_seen_at', table_name='usersession')
    op.drop_index('ix_usersession_user_id', table_name='usersession')
    op.drop_table('usersession')
