"""The overdue follow-ups (逾期跟进) on SQLite: the count reads only the overdue range of
ix_followup_live_open_due (migration 0012), the page walks ix_followup_live_open_date in
date order and stops after a page (0010). Either index alone makes one of them slow."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.dialects import sqlite

from crm.queries import FollowUpFilters
from crm.queries.paging import count_statement


def _plan(db, statement) -> str:
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    return " | ".join(r[3] for r in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


@pytest.mark.parametrize("cap", [None, 10_000])  # the API counts all, pages to a cap
def test_overdue_count_and_page_use_their_own_index(db, cap):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL picks between the indexes by its statistics")
    stmt = FollowUpFilters(overdue=True).select(today=date(2026, 11, 26))
    count_plan = _plan(db, count_statement(stmt, cap))
    assert "ix_followup_live_open_due (deleted_at=? AND done=? AND next_due<?)" in count_plan
    page_plan = _plan(db, stmt.limit(50))
    assert "ix_followup_live_open_date (deleted_at=? AND done=?)" in page_plan
