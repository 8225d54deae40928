"""Keyword search finds Chinese substrings on both backends, through the index
(trigram FTS5 on SQLite, pg_trgm on PostgreSQL) and through the short-keyword
fallback, and the search index follows inserts, renames and deletes."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlmodel import select

from crm.db import get_engine
from crm.models import Enterprise, FollowUp, Project
from crm.queries import EnterpriseFilters, FollowUpFilters, ProjectFilters, list_page, search
from crm.services import enterprises, followups, projects


def _names(db, filters) -> set[str]:
    return {row.name for row in list_page(db, filters, per_page=100).items}


def _ent(db, staff, name, **extra):
    return enterprises.create_enterprise(session=db, user=staff, data={"name": name, **extra})


def test_chinese_substrings_short_and_long(db, staff):
    _ent(db, staff, "长春光电科技有限公司")
    _ent(db, staff, "杭州微电子有限公司")
    for q in ("光电", "光电科技", "长春光电科技有限公司", "光", "科技有限"):
        assert "长春光电科技有限公司" in _names(db, EnterpriseFilters(q=q)), q
    assert "杭州微电子有限公司" not in _names(db, EnterpriseFilters(q="光电"))
    assert _names(db, EnterpriseFilters(q="光电激光")) == set()


def test_ascii_is_case_insensitive_and_wildcards_are_literal(db, staff):
    _ent(db, staff, "Jilin Photonics 吉光")
    _ent(db, staff, "100%_optics")
    assert "Jilin Photonics 吉光" in _names(db, EnterpriseFilters(q="photonics"))
    assert "Jilin Photonics 吉光" in _names(db, EnterpriseFilters(q="PH"))
    assert _names(db, EnterpriseFilters(q="%_o")) == {"100%_optics"}
    assert _names(db, EnterpriseFilters(q="0%")) == {"100%_optics"}
    assert _names(db, EnterpriseFilters(q='"光')) == set()  # a quote is only a character


def test_index_follows_renames_and_deletes(db, staff):
    ent = _ent(db, staff, "白山精密光学有限公司")
    assert _names(db, EnterpriseFilters(q="精密光学"))
    enterprises.update_enterprise(session=db, enterprise=ent, user=staff,
                                  data={"name": "白山红外技术有限公司"})
    assert _names(db, EnterpriseFilters(q="精密光学")) == set()
    assert _names(db, EnterpriseFilters(q="红外技术")) == {"白山红外技术有限公司"}
    db.delete(db.get(Enterprise, ent.id))
    db.commit()
    assert _names(db, EnterpriseFilters(q="红外技术")) == set()


def test_projects_by_name_introducer_and_enterprise_name(db, staff):
    ent = _ent(db, staff, "延边图们光电子有限公司")
    projects.create_project(session=db, user=staff, data={
        "name": "年产10万片晶圆项目", "enterprise_id": ent.id, "city_code": "222400",
        "introducer": "浙江吉林商会"})
    projects.create_project(session=db, user=staff, data={"name": "研发中心项目"})
    for q in ("晶圆", "年产10万片", "吉林商会", "图们光电子", "光电"):
        assert _names(db, ProjectFilters(q=q)) == {"年产10万片晶圆项目"}, q


def test_followups_by_summary_next_step_and_participants(db, staff):
    ent = _ent(db, staff, "长春卫星应用有限公司")
    fu = followups.create_followup(session=db, user=staff, data={
        "enterprise_id": ent.id, "kind": "call", "date": "2024-05-01",
        "summary": "对方关注用地指标", "next_step": "准备厂房租赁材料",
        "participants": "招商一处"})
    for q in ("用地", "用地指标", "厂房租赁", "招商一处"):
        rows = list_page(db, FollowUpFilters(q=q), per_page=10).items
        assert [r.id for r in rows] == [fu.id], q
    assert list_page(db, FollowUpFilters(q="电价"), per_page=10).total == 0


def test_long_keywords_use_the_trigram_index(db, staff):
    """The index, not a scan, answers a keyword of three or more characters."""
    engine = get_engine()
    stmt = select(Enterprise.id).where(search.matches(Enterprise, "光电科技"))
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert "enterprise_fts MATCH" in sql
            names = set(inspect(conn).get_table_names())
            assert {"enterprise_fts", "project_fts", "followup_fts"} <= names
            triggers = {r[0] for r in conn.execute(text(
                "select name from sqlite_master where type = 'trigger'"))}
            for table in ("enterprise", "project", "followup"):
                assert {f"{table}_fts_ai", f"{table}_fts_ad", f"{table}_fts_au"} <= triggers
        else:
            indexes = {r[0] for r in conn.execute(text(
                "select indexname from pg_indexes where indexname like '%_trgm'"))}
            assert {"ix_enterprise_name_trgm", "ix_project_name_trgm",
                    "ix_followup_summary_trgm"} <= indexes
            # 0013: on the column itself; LIKE for a keyword without letter case
            assert "enterprise.name LIKE" in sql
            lettered = select(Enterprise.id).where(search.matches(Enterprise, "LED光电"))
            assert "enterprise.name ILIKE" in str(lettered.compile(engine))
            assert not any("lower(" in r[0] for r in conn.execute(text(
                "select indexdef from pg_indexes where indexname like '%_trgm'")))


def test_search_condition_combines_with_filters(db, staff):
    _ent(db, staff, "长春光电科技有限公司", city="长春市", province="吉林省")
    _ent(db, staff, "杭州光电科技有限公司", city="杭州市", province="浙江省")
    assert _names(db, EnterpriseFilters(q="光电科技", jizhe=True)) == {"杭州光电科技有限公司"}
    assert _names(db, EnterpriseFilters(q="光电", jizhe=False)) >= {"长春光电科技有限公司"}
    assert "杭州光电科技有限公司" not in _names(db, EnterpriseFilters(q="光电", jizhe=False))
    assert db.exec(select(FollowUp)).all() == [] and db.exec(select(Project)).all() == []
