"""A capped keyword count on SQLite reads the keyword's index and stops at the cap
(paging.keyword_index_count_statement, search.rows_from_keyword_index): the same
count as the plain capped count, under and over the cap, with the list's other
filters and in the recycle bin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.dialects import sqlite

from crm.queries import EnterpriseFilters, FollowUpFilters, ProjectFilters
from crm.queries.paging import count, keyword_index_count_statement
from crm.services import enterprises, followups, projects
from tests.perf.conftest import statements_sent


@pytest.fixture
def rows(db, staff):
    """Follow-ups on projects in two cities; some mention 用地指标, some are deleted."""
    ent = enterprises.create_enterprise(session=db, user=staff, data={"name": "长春光电有限公司"})
    for i in range(12):
        proj = projects.create_project(session=db, user=staff, data={
            "name": f"项目{i}", "enterprise_id": ent.id,
            "city_code": "220100" if i % 2 else "220200"})
        fu = followups.create_followup(session=db, user=staff, data={
            "project_id": proj.id, "kind": "call", "date": date(2026, 1, 1) + timedelta(days=i),
            "summary": "落实用地指标" if i % 3 else "洽谈", "done": i % 4 == 0,
            "next_due": date(2026, 1, 3) + timedelta(days=i)})  # past: overdue unless done
        if i in (2, 5):
            followups.delete_followup(session=db, followup=fu, user=staff)


def _only_sqlite(db):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL counts through its trigram index as before")


CASES = [FollowUpFilters(q="用地指标"), FollowUpFilters(q="用地指标", city_code="220100"),
         FollowUpFilters(q="用地", overdue=True), FollowUpFilters(q="用地指标", deleted=True),
         FollowUpFilters(q="指"), FollowUpFilters(q="无此内容")]


# 6 live and 2 deleted rows mention 用地指标: caps 6 and 7 sit in the deleted rows' margin
@pytest.mark.parametrize("cap", [1, 3, 6, 7, 100])
@pytest.mark.parametrize("flt", CASES, ids=repr)
def test_the_count_from_the_index_is_the_capped_count(db, rows, flt, cap):
    _only_sqlite(db)
    stmt = flt.select()
    from_index = keyword_index_count_statement(stmt, cap)
    assert from_index is not None
    plain = count(db, stmt, cap)  # not searched: the plain capped count
    assert db.exec(from_index).one() == plain == count(db, stmt, cap, searched=True)


def test_far_over_the_cap_the_index_alone_answers(db, rows):
    _only_sqlite(db)
    with statements_sent(db.get_bind()) as sent:
        assert count(db, FollowUpFilters(q="用地指标").select(), 3, searched=True) == 4
    assert not any("EXISTS" in s for s in sent), sent  # no row read for the keyword


def test_the_plain_count_is_what_the_rows_are(db, rows):
    _only_sqlite(db)
    stmt = FollowUpFilters(q="用地指标", city_code="220100").select()
    assert count(db, stmt, 100) == len(db.exec(stmt).all()) == 3  # 1, 7, 11 (5 deleted)


def test_the_count_reads_the_keyword_index_first(db, rows):
    _only_sqlite(db)
    counted = keyword_index_count_statement(FollowUpFilters(q="用地指标").select(), 10)
    sql = str(counted.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    plan = [r[3] for r in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    steps = [p for p in plan if p.startswith(("SCAN", "SEARCH"))]
    assert steps[0].startswith("SCAN followup_fts VIRTUAL TABLE"), plan
    assert any("INTEGER PRIMARY KEY" in p for p in steps[1:]), plan


@pytest.mark.parametrize("flt", [FollowUpFilters(), ProjectFilters(q="用地指标"),
                                 EnterpriseFilters(q="")], ids=repr)
def test_not_for_lists_without_a_keyword_of_their_own(flt):
    # no keyword; a project keyword also searches enterprise names (two indexes)
    assert keyword_index_count_statement(flt.select(), 10) is None
