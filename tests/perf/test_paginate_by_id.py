"""A keyword with few matches is read by id (paging.paginate, searched=True): the
same rows, in the same order, with the same totals as walking the list in order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.dialects import sqlite

from crm.queries import EnterpriseFilters, FollowUpFilters, ProjectFilters, paging
from crm.queries.conditions import read_by_id
from crm.queries.paging import paginate
from crm.services import enterprises, followups, projects


@pytest.fixture
def rows(db, staff):
    """Enterprises, projects and follow-ups, some matching 光电, some in the bin."""
    for i in range(7):
        ent = enterprises.create_enterprise(session=db, user=staff, data={
            "name": f"{'长春光电' if i % 2 else '白山精密'}{i}有限公司"})
        proj = projects.create_project(session=db, user=staff, data={
            "name": f"项目{i}" if i % 3 else f"光电项目{i}", "enterprise_id": ent.id})
        fu = followups.create_followup(session=db, user=staff, data={
            "project_id": proj.id, "kind": "call", "date": date(2026, 1, 1) + timedelta(days=i % 3),
            "summary": "光电产线用地" if i % 2 else "用地指标"})
        if i in (3, 4):
            enterprises.delete_enterprise(session=db, enterprise=ent, user=staff)
            followups.delete_followup(session=db, followup=fu, user=staff)


def _pages(db, stmt, *, searched: bool, per_page: int = 2):
    out, number = [], 1
    while True:
        page = paginate(db, stmt, page=number, per_page=per_page, searched=searched)
        out.append((page.total, [row.id for row in page.items]))
        if number >= page.pages:
            return out
        number += 1


CASES = [EnterpriseFilters(q="光电"), EnterpriseFilters(q="光电", deleted=True),
         EnterpriseFilters(q="有限公司", sort="name"), ProjectFilters(q="光电"),
         ProjectFilters(q="光", sort="-name"), FollowUpFilters(q="用地"),
         FollowUpFilters(q="用地", deleted=True), EnterpriseFilters(q="无此企业")]


@pytest.mark.parametrize("flt", CASES, ids=repr)
def test_read_by_id_gives_the_walks_pages(db, rows, monkeypatch, flt):
    by_id = _pages(db, flt.select(), searched=True)
    monkeypatch.setattr(paging, "FEW_KEYWORD_MATCHES", 0)  # every keyword walks
    walked = _pages(db, flt.select(), searched=True)
    assert by_id == walked == _pages(db, flt.select(), searched=False)
    assert sum(len(ids) for _, ids in walked) == walked[0][0]


def test_on_sqlite_few_matches_are_looked_up_by_id(db, rows):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL has its own test below")
    stmt = EnterpriseFilters(q="光电").select().limit(50)

    def plan(statement) -> str:
        sql = str(statement.compile(dialect=sqlite.dialect(),
                                    compile_kwargs={"literal_binds": True}))
        return " | ".join(r[3] for r in db.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql))

    assert "INTEGER PRIMARY KEY" not in plan(stmt)  # walks ix_enterprise_live_updated
    assert "INTEGER PRIMARY KEY" in plan(read_by_id(stmt))


def test_on_postgresql_few_matches_cannot_walk_the_lists_order(db, rows):
    """The partial index for the list's order (0008, WHERE deleted_at IS NULL) fits the
    plain live condition and not the one for reading by id."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has test_on_sqlite_few_matches_are_looked_up_by_id")
    stmt = EnterpriseFilters(q="光电").select().limit(50)
    conn = db.connection()
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        conn.exec_driver_sql(f"SET LOCAL {setting} = off")  # an index if one can serve

    def plan(statement) -> str:
        sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        return " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))

    assert "ix_enterprise_updated_live_pg" in plan(stmt)
    assert "ix_enterprise_updated_live_pg" not in plan(read_by_id(stmt))
