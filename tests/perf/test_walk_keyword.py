"""A frequent keyword made of Chinese characters is tested on each row as the list is
walked in its order (search.tested_each_row, paging.WALK_ROWS_BUDGET): the same rows,
order and totals as looking its ids up in the index; and a keyword whose case the
index folds (ＬＥＤ) is never walked, since a plain substring test would not fold it.
Both backends: SQLite tests with instr, PostgreSQL with strpos."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.dialects import sqlite

from crm.queries import EnterpriseFilters, FollowUpFilters, ProjectFilters, paging, search
from crm.queries.paging import paginate
from crm.services import enterprises, followups, projects
from tests.perf.conftest import statements_sent


@pytest.fixture
def rows(db, staff):
    """Enterprises, projects and follow-ups; 光电 in names of both tables (a project
    found only through its enterprise too), 用地 in summaries, some rows in the bin."""
    for i in range(10):
        ent = enterprises.create_enterprise(session=db, user=staff, data={
            "name": f"{'长春光电' if i % 2 else '白山精密'}{i}有限公司"})
        proj = projects.create_project(session=db, user=staff, data={
            "name": f"光电项目{i}" if i % 3 == 0 else f"项目{i}", "enterprise_id": ent.id})
        fu = followups.create_followup(session=db, user=staff, data={
            "project_id": proj.id, "kind": "call", "date": date(2026, 1, 1) + timedelta(days=i % 4),
            "summary": "落实用地指标" if i % 2 else "洽谈", "next_step": "用地" if i == 4 else ""})
        if i in (3, 6):
            enterprises.delete_enterprise(session=db, enterprise=ent, user=staff)
            followups.delete_followup(session=db, followup=fu, user=staff)


def _walks(statements) -> bool:
    return any("instr(" in s or "strpos(" in s for s in statements)


def _pages(db, flt, per_page: int = 2):
    out, number = [], 1
    while True:
        page = paginate(db, flt.select(), page=number, per_page=per_page, searched=True,
                        default_order=not flt.sort)
        out.append((page.total, [row.id for row in page.items]))
        if number >= page.pages:
            return out
        number += 1


CASES = [EnterpriseFilters(q="光电"), EnterpriseFilters(q="光", deleted=True),
         ProjectFilters(q="光电"), ProjectFilters(q="长春光电"), FollowUpFilters(q="用地"),
         FollowUpFilters(q="用地指标"), FollowUpFilters(q="用地", deleted=True)]


@pytest.mark.parametrize("flt", CASES, ids=repr)
def test_walked_pages_are_the_index_pages(db, rows, monkeypatch, flt):
    monkeypatch.setattr(paging, "FEW_KEYWORD_MATCHES", 0)
    monkeypatch.setattr(paging, "WALK_ROWS_BUDGET", 0)  # never walk: the index's id list
    from_index = _pages(db, flt)
    monkeypatch.setattr(paging, "WALK_ROWS_BUDGET", 10**9)  # always walk
    with statements_sent(db.get_bind()) as sent:
        walked = _pages(db, flt)
    assert _walks(sent)  # it did walk
    assert walked == from_index
    assert sum(len(ids) for _, ids in walked) == walked[0][0] > 0


def test_a_page_far_down_the_list_is_not_walked(db, rows, monkeypatch):
    monkeypatch.setattr(paging, "FEW_KEYWORD_MATCHES", 0)
    # 4 live matches among 10 follow-ups (max id 10), pages of 2: the first page's last
    # row is expected 2 × 10 ÷ 4 = 5 rows down the list, the second's 10
    monkeypatch.setattr(paging, "WALK_ROWS_BUDGET", 6)
    walked = []
    for number in (1, 2):
        with statements_sent(db.get_bind()) as sent:
            paginate(db, FollowUpFilters(q="用地指标").select(), page=number, per_page=2,
                     searched=True, default_order=True)
        walked.append(_walks(sent))
    assert walked == [True, False]


def test_a_reordered_list_is_not_walked(db, rows, monkeypatch):
    monkeypatch.setattr(paging, "FEW_KEYWORD_MATCHES", 0)
    monkeypatch.setattr(paging, "WALK_ROWS_BUDGET", 10**9)
    with statements_sent(db.get_bind()) as sent:
        paginate(db, FollowUpFilters(q="用地").select(), page=1, per_page=2, searched=True,
                 default_order=False)
    assert not _walks(sent)


@pytest.mark.parametrize("q", ["光电", "用地指标", "吉林"])
def test_case_free_keywords(q):
    assert search.case_free(q)


@pytest.mark.parametrize("q", ["", "led", "ＬＥＤ", "光电LED", "光 电", "5G", "ǅ"])
def test_keywords_with_letters_digits_or_spaces_are_not_case_free(q):
    assert not search.case_free(q)


def test_a_keyword_the_index_folds_is_found_and_not_walked(db, staff, monkeypatch):
    """The trigram index folds fullwidth letters (ＬＥＤ = ｌｅｄ); instr would not."""
    for i in range(3):
        enterprises.create_enterprise(session=db, user=staff, data={"name": f"ＬＥＤ照明{i}厂"})
    monkeypatch.setattr(paging, "FEW_KEYWORD_MATCHES", 0)
    monkeypatch.setattr(paging, "WALK_ROWS_BUDGET", 10**9)
    with statements_sent(db.get_bind()) as sent:
        page = paginate(db, EnterpriseFilters(q="ｌｅｄ照明").select(), page=1, per_page=10,
                        searched=True, default_order=True)
    assert page.total == len(page.items) == 3
    assert not _walks(sent)


def test_the_walk_reads_the_lists_index_not_the_keywords(db):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL chooses by its statistics")
    stmt = search.tested_each_row(FollowUpFilters(q="用地指标").select().limit(50))
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    plan = " | ".join(r[3] for r in db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_followup_live_date (deleted_at=?)" in plan
    assert "followup_fts" not in plan


# list_page walks only a list in its indexed default order: a list sorted by the user,
# or the docket (ordered by planned investment), has no index in its order.
WIRED = [("/followups?q=用地指标", True), ("/followups?q=用地指标&sort=next_due", False),
         ("/projects?q=光电项目", True), ("/projects?q=光电项目&sort=-planned", False),
         ("/case-by-case?q=光电项目", False),
         ("/api/v1/followups?q=用地指标", True), ("/api/v1/followups?q=用地指标&sort=date", False)]


@pytest.mark.parametrize(("url", "walks"), WIRED)
def test_views_walk_only_lists_in_their_default_order(app, populated, client_as, monkeypatch,
                                                       url, walks):
    from crm.db import session_scope
    from crm.services import users
    from tests.perf.conftest import counting_queries

    monkeypatch.setattr(paging, "FEW_KEYWORD_MATCHES", 0)
    monkeypatch.setattr(paging, "WALK_ROWS_BUDGET", 10**9)
    with app.app_context(), session_scope() as s:
        token = users.create_token(s, user=s.merge(populated[0]), name="walk")
    client = client_as("staff")
    with counting_queries(app) as sent:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = str(response.get_json()) if response.is_json else response.text
    assert "用地指标" in body or "光电项目" in body  # rows were listed
    assert _walks(sent) == walks, url
