"""the audit trail is append-only in the database too

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:35:00

No route or service edits or deletes an AuditLog row (tests/security checks the code);
these triggers make the database itself refuse an UPDATE or DELETE on auditlog, so a
stray script or SQL console cannot rewrite history either (等保 2.0 audit protection).
TRUNCATE is still possible for whoever owns the database (tests, restore).
Note: an Alembic batch migration that rebuilds auditlog on SQLite drops these
triggers and must recreate them; tests/security/test_audit_append_only.py notices.
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MESSAGE = "审计日志只能追加，不能修改或删除"

POSTGRES_UP = f"""
CREATE FUNCTION auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_append_only BEFORE UPDATE OR DELETE ON auditlog
    FOR EACH ROW EXECUTE FUNCTION auditlog_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS auditlog_append_only ON auditlog;
DROP FUNCTION IF EXISTS auditlog_append_only();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_UP)
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER auditlog_no_{event.lower()} BEFORE {event} ON auditlog "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_DOWN)
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS auditlog_no_{event}")
