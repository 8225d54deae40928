"""A live list narrowed by its keyword alone is counted from the keyword's index
(paging._count_from_keyword_index): the index's hits less the deleted rows among them,
and with a cap, over the cap when the hits exceed it by more than the deleted rows.
The count must equal the rows the list shows, whatever the cap and the deleted rows."""

from __future__ import annotations

from datetime import date

import pytest

from crm.queries import EnterpriseFilters, FollowUpFilters, ProjectFilters
from crm.queries.paging import count
from crm.services import enterprises, followups, projects
from tests.perf.conftest import statements_sent


@pytest.fixture
def rows(db, staff):
    """9 enterprises named 晶澜 (3 of them deleted), 3 named 岱岳; a follow-up each,
    用地 in 8 of them (2 deleted). (The reference data holds enterprises too.)"""
    for i in range(12):
        ent = enterprises.create_enterprise(session=db, user=staff, data={
            "name": f"长春晶澜{i}有限公司" if i < 9 else f"白山岱岳{i}有限公司"})
        proj = projects.create_project(session=db, user=staff, data={
            "name": f"项目{i}", "enterprise_id": ent.id})
        fu = followups.create_followup(session=db, user=staff, data={
            "project_id": proj.id, "kind": "call", "date": date(2026, 1, 1 + i),
            "summary": "落实用地指标" if i % 3 else "洽谈"})
        if i in (0, 4, 8):
            enterprises.delete_enterprise(session=db, enterprise=ent, user=staff)
        if i in (1, 5):
            followups.delete_followup(session=db, followup=fu, user=staff)


# 澜 and 晶澜 are short keywords (SQLite's short table, PostgreSQL's side table);
# 用地指标 is a trigram keyword (SQLite only: PostgreSQL's trigram index is on the table)
CASES = [EnterpriseFilters(q="晶澜"), EnterpriseFilters(q="澜"), FollowUpFilters(q="用地"),
         FollowUpFilters(q="用地指标"), EnterpriseFilters(q="岱岳"), EnterpriseFilters(q="光电"),
         # projects found by their own name or their enterprise's (search.as_one_id_list)
         ProjectFilters(q="晶澜"), ProjectFilters(q="长春晶澜"), ProjectFilters(q="项目1")]


@pytest.mark.parametrize("cap", [None, 1, 5, 6, 7, 8, 100])
@pytest.mark.parametrize("flt", CASES, ids=repr)
def test_the_count_is_the_lists_rows(db, rows, flt, cap):
    stmt = flt.select()
    shown = len(db.exec(stmt).all())
    expected = shown if cap is None or shown <= cap else cap + 1
    assert count(db, stmt, cap, searched=True) == expected


def test_the_counts_are_what_the_fixture_says(db, rows):
    assert count(db, EnterpriseFilters(q="晶澜").select(), None, searched=True) == 6
    assert count(db, FollowUpFilters(q="用地").select(), None, searched=True) == 6


def test_a_short_keyword_is_counted_from_its_index(db, rows):
    """Neither the list's live rows nor its keyword condition are read: the hits, less
    the deleted rows among them (the "id + 0" statement)."""
    with statements_sent(db.get_bind()) as sent:
        assert count(db, EnterpriseFilters(q="晶澜").select(), None, searched=True) == 6
    assert not any("deleted_at IS NULL" in s for s in sent), sent
    assert any("IS NOT NULL AND enterprise.id +" in s for s in sent), sent


def test_a_short_project_keyword_on_postgresql_is_counted_from_its_side_table(db, rows):
    """project_short_pg holds the enterprise's name too (migration 0014); SQLite
    joins the enterprises' FTS matches to their projects instead."""
    with statements_sent(db.get_bind()) as sent:
        assert count(db, ProjectFilters(q="晶澜").select(), None, searched=True) == 9
    from_index = any("IS NOT NULL AND project.id +" in s for s in sent)
    assert from_index == (db.get_bind().dialect.name == "postgresql"), sent


def test_a_project_keyword_is_counted_from_one_id_list(db, rows):
    with statements_sent(db.get_bind()) as sent:
        assert count(db, ProjectFilters(q="长春晶澜").select(), None, searched=True) == 9
    assert any("UNION ALL" in s for s in sent), sent  # both backends: own ids + through


@pytest.mark.parametrize("flt", [EnterpriseFilters(q="晶澜", city_code="220100"),
                                 EnterpriseFilters(q="晶澜", deleted=True),
                                 FollowUpFilters(q="用地", city_code="220100")],  # a join
                         ids=repr)
def test_not_for_lists_narrowed_by_more_than_the_keyword(db, rows, flt):
    with statements_sent(db.get_bind()) as sent:
        count(db, flt.select(), None, searched=True)
    assert not any(" + " in s and "IN (" in s for s in sent), sent
