"""The database itself refuses to rewrite the audit trail."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from crm.db import get_engine
from crm.services import audit


@pytest.mark.parametrize("statement", [
    "UPDATE auditlog SET summary = '改写'",
    "DELETE FROM auditlog",
])
def test_audit_rows_cannot_be_updated_or_deleted(app, db, staff, statement):
    audit.record(db, user=staff, action="login", obj=staff)
    db.commit()
    with get_engine(app).connect() as conn:
        with pytest.raises(DatabaseError, match="审计日志只能追加"):
            conn.execute(text(statement))
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM auditlog")).scalar() >= 1
        assert conn.execute(text(
            "SELECT count(*) FROM auditlog WHERE summary = '改写'")).scalar() == 0


def test_appending_still_works(db, staff):
    before = len(db.exec(text("SELECT id FROM auditlog")).all())
    audit.record(db, user=staff, action="login", obj=staff)
    db.commit()
    assert len(db.exec(text("SELECT id FROM auditlog")).all()) == before + 1
