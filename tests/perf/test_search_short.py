"""Keywords of one or two characters (SQLite: the <table>_short_fts index of migration
0006; PostgreSQL: the <table>_short_pg side tables of migration 0009) find exactly
what a plain substring filter finds, at either end of a text, in every searchable
column, through the enterprise's name, and never in deleted rows of the live list;
the index follows every write, on both backends."""

from __future__ import annotations

import itertools
import re

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import select

from crm import searchkeys
from crm.db import get_engine
from crm.migrate import alembic_config
from crm.models import Enterprise, FollowUp, Project, StageChange
from crm.queries import EnterpriseFilters, FollowUpFilters, ProjectFilters, list_page, search
from crm.services import enterprises, followups, projects

# CJK, ASCII of both cases, LIKE's wildcards, a quote, a space
ALPHABET = "光电长春Ab%_\" "


def _ids(db, filters) -> set[int]:
    page = list_page(db, filters, per_page=1000)
    assert page.total == len(page.items)
    return {row.id for row in page.items}


def _fold(value: str | None) -> str:
    """What the search ignores: ASCII case, nothing else."""
    return (value or "").translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                 "abcdefghijklmnopqrstuvwxyz"))


def _contains(q: str, *values) -> bool:
    return any(_fold(q) in _fold(v) for v in values)


def _expected(db, q: str, deleted: bool = False) -> tuple[set, set, set]:
    """Project, enterprise and follow-up ids, by a substring test over stored rows."""
    def shown(row):
        return (row.deleted_at is not None) == deleted
    ents = db.exec(select(Enterprise)).all()
    ent_names = {e.id: e.name for e in ents}
    return (
        {p.id for p in db.exec(select(Project)).all() if shown(p) and _contains(
            q, p.name, p.introducer, ent_names.get(p.enterprise_id))},
        {e.id for e in ents if shown(e) and _contains(q, e.name)},
        {f.id for f in db.exec(select(FollowUp)).all() if shown(f) and _contains(
            q, f.summary, f.next_step, f.participants)},
    )


def _assert_like_brute_force(db, keywords) -> None:
    for q in keywords:
        for deleted in (False, True):
            want = _expected(db, q, deleted)
            got = (_ids(db, ProjectFilters(q=q, deleted=deleted)),
                   _ids(db, EnterpriseFilters(q=q, deleted=deleted)),
                   _ids(db, FollowUpFilters(q=q, deleted=deleted)))
            assert got == want, (q, deleted)


def _names(cycle_from: int, count: int) -> list[str]:
    """Short texts over ALPHABET, different lengths and starts (deterministic)."""
    out = []
    for i in range(count):
        length = 1 + (i * 7 + cycle_from) % 6
        out.append("".join(ALPHABET[(i * 3 + j * (i % 4 + 1) + cycle_from) % len(ALPHABET)]
                           for j in range(length)).strip() or "光")
    return out


@pytest.fixture
def rows(db, staff):
    ents = [enterprises.create_enterprise(session=db, user=staff, data={"name": n + "有限公司"})
            for n in _names(0, 12)]
    projs = []
    for i, (name, introducer) in enumerate(zip(_names(1, 14), _names(5, 14), strict=True)):
        projs.append(projects.create_project(session=db, user=staff, data={
            "name": name, "introducer": introducer if i % 3 else "",
            "enterprise_id": ents[i % len(ents)].id if i % 4 else None}))
    fus = []
    for i, (summary, step) in enumerate(zip(_names(2, 10), _names(3, 10), strict=True)):
        fus.append(followups.create_followup(session=db, user=staff, data={
            "project_id": projs[i].id, "kind": "call", "date": "2024-05-01",
            "summary": summary, "next_step": step if i % 2 else "",
            "participants": "Ab长" if i == 3 else ""}))
    projects.delete_project(session=db, project=projs[2], user=staff)
    enterprises.delete_enterprise(session=db, enterprise=ents[1], user=staff)
    followups.delete_followup(session=db, followup=fus[5], user=staff)
    return ents, projs, fus


SHORT = ["".join(p) for n in (1, 2) for p in itertools.product(ALPHABET, repeat=n)
         if "".join(p).strip() == "".join(p)]


def test_one_and_two_characters_equal_a_substring_filter(db, rows):
    _assert_like_brute_force(db, SHORT + ["光电长", "ab%", "B_光"])


def test_index_follows_edits_and_hard_deletes(db, staff, rows):
    ents, projs, fus = rows
    enterprises.update_enterprise(session=db, enterprise=ents[3], user=staff,
                                  data={"name": "春%长B"})
    projects.update_project(session=db, project=projs[5], user=staff,
                            data={"name": "电_a", "introducer": "\"光"})
    projects.update_project(session=db, project=projs[6], user=staff, data={"introducer": "长"})
    db.delete(db.get(FollowUp, fus[1].id))
    db.delete(db.get(FollowUp, fus[7].id))
    db.commit()
    _assert_like_brute_force(db, SHORT)
    _assert_side_tables_hold_the_rows(db)


def test_a_project_moved_to_another_enterprise_is_found_by_its_name(db, staff, rows):
    """PostgreSQL keeps a project's enterprise name in project_short_pg (0014)."""
    ents, projs, _fus = rows
    moved, unlinked = projs[0], projs[5]  # no enterprise, and ents[5]'s
    projects.update_project(session=db, project=moved, user=staff,
                            data={"enterprise_id": ents[7].id})
    projects.update_project(session=db, project=unlinked, user=staff,
                            data={"enterprise_id": None})
    _assert_like_brute_force(db, SHORT)
    _assert_side_tables_hold_the_rows(db)


def test_index_follows_every_write(db, staff, rows):
    """Every searched column of all three tables updated (ASCII case changed too),
    rows soft-deleted and restored, rows inserted and deleted for good."""
    ents, projs, fus = rows
    enterprises.update_enterprise(session=db, enterprise=ents[4], user=staff,
                                  data={"name": "AB光"})
    projects.update_project(session=db, project=projs[7], user=staff, data={"name": "B长%"})
    projects.update_project(session=db, project=projs[8], user=staff,
                            data={"introducer": "A光电"})
    followups.update_followup(session=db, followup=fus[0], user=staff, data={"summary": "电B"})
    followups.update_followup(session=db, followup=fus[4], user=staff, data={"next_step": "长A"})
    followups.update_followup(session=db, followup=fus[6], user=staff,
                              data={"participants": "AB"})
    enterprises.restore_enterprise(session=db, enterprise=ents[1], user=staff)
    projects.restore_project(session=db, project=projs[2], user=staff)
    followups.restore_followup(session=db, followup=fus[5], user=staff)
    enterprises.delete_enterprise(session=db, enterprise=ents[5], user=staff)
    projects.delete_project(session=db, project=projs[9], user=staff)
    followups.delete_followup(session=db, followup=fus[8], user=staff)
    gone_ent = enterprises.create_enterprise(session=db, user=staff, data={"name": "光b电"})
    gone_proj = projects.create_project(session=db, user=staff, data={"name": "电A长"})
    kept = projects.create_project(session=db, user=staff, data={
        "name": "aB", "introducer": "%光", "enterprise_id": ents[6].id})
    _assert_like_brute_force(db, ["光b", "b电", "电a", "A长"])
    db.delete(db.get(Enterprise, gone_ent.id))
    for change in db.exec(select(StageChange).where(StageChange.project_id == gone_proj.id)):
        db.delete(change)
    db.flush()
    db.delete(db.get(Project, gone_proj.id))
    db.delete(db.get(FollowUp, fus[9].id))
    db.commit()
    assert kept.id in _ids(db, ProjectFilters(q="Ab"))
    _assert_like_brute_force(db, SHORT)
    _assert_side_tables_hold_the_rows(db)


def _pieces(*texts) -> set[str]:
    """What <table>_short_pg holds for a row: the characters and neighbouring pairs
    of each lower()ed column (PostgreSQL's lower and Python's agree on ALPHABET)."""
    out: set[str] = set()
    for value in texts:
        value = (value or "").lower()
        out.update(value)
        out.update(value[i:i + 2] for i in range(len(value) - 1))
    return out


def _assert_side_tables_hold_the_rows(db) -> None:
    """PostgreSQL: one row in <table>_short_pg per row of the table (deleted or not),
    its keys distinct and exactly the pieces of the stored columns (a project's with
    its enterprise's name)."""
    conn = db.connection()
    if conn.dialect.name != "postgresql":
        return
    for table, columns in search.SEARCH_COLUMNS.items():
        stored = dict(conn.execute(text(f"select id, keys from {table}_short_pg")).all())
        assert all(len(keys) == len(set(keys)) for keys in stored.values()), table
        columns = [f"{table}.{c}" for c in columns]
        if table == "project":  # and its enterprise's name (migration 0014)
            table += " left join enterprise on enterprise.id = project.enterprise_id"
            columns.append("enterprise.name")
        rows = conn.execute(text(f"select {table.split()[0]}.id, {', '.join(columns)} "
                                 f"from {table}")).all()
        assert {i: set(keys) for i, keys in stored.items()} == {
            r[0]: _pieces(*r[1:]) for r in rows}, table


def test_start_end_introducer_enterprise_and_deleted(db, staff):
    ent = enterprises.create_enterprise(session=db, user=staff, data={"name": "吉林光电子"})
    first = projects.create_project(session=db, user=staff, data={"name": "光电产业园"})
    last = projects.create_project(session=db, user=staff, data={"name": "长春光电"})
    intro = projects.create_project(session=db, user=staff, data={
        "name": "研发中心", "introducer": "浙江光电商会"})
    via = projects.create_project(session=db, user=staff, data={
        "name": "年产10万片晶圆", "enterprise_id": ent.id})
    gone = projects.create_project(session=db, user=staff, data={"name": "光电器件"})
    projects.create_project(session=db, user=staff, data={"name": "电光源"})  # 电光, not 光电
    projects.delete_project(session=db, project=gone, user=staff)
    live = {first.id, last.id, intro.id, via.id}
    assert _ids(db, ProjectFilters(q="光电")) == live
    assert _ids(db, ProjectFilters(q="光电", deleted=True)) == {gone.id}
    assert _ids(db, ProjectFilters(q="电")) == live | {_id_of(db, "电光源")}
    assert _ids(db, ProjectFilters(q="园")) == {first.id}  # last character
    assert _ids(db, ProjectFilters(q="晶")) == {via.id}
    assert _ids(db, ProjectFilters(q="子")) == {via.id}  # last character of the enterprise
    assert _ids(db, EnterpriseFilters(q="吉林")) >= {ent.id}  # first pair


def _id_of(db, name: str) -> int:
    return db.exec(select(Project.id).where(Project.name == name)).one()


def test_short_keywords_use_the_short_index(db):
    """SQLite answers 1–2 characters from <table>_short_fts, and the project list
    looks matches up by id instead of scanning projects (the plan says so)."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's index; PostgreSQL: test_short_keywords_use_the_pg_side_tables")
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text(
            "select name from sqlite_master where type in ('table', 'trigger')"))}
        for table in search.SEARCH_COLUMNS:
            assert {f"{table}_short_fts", f"{table}_short_fts_ai", f"{table}_short_fts_ad",
                    f"{table}_short_fts_au"} <= names
        for q in ("光电", "光", "光电科技"):
            stmt = ProjectFilters(q=q).select()
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            assert ("project_short_fts MATCH" in sql) == (len(q) < 3), q
            plan = [r[3] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql))]
            assert not any(re.match(r"SCAN project(_1)?\b", step) for step in plan), plan
    # nothing left to look up: LIKE '%%', every row
    blank = select(Enterprise.id).where(search.matches(Enterprise, " "))
    assert "LIKE" in str(blank.compile(engine))


def test_short_keywords_use_the_pg_side_tables(db):
    """PostgreSQL answers 1–2 characters from <table>_short_pg through its GIN index
    (3+ characters: LIKE for pg_trgm); the project list's side table holds its
    enterprises' names too (migration 0014), so it reads no other."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has test_short_keywords_use_the_short_index")
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        triggers = {r[0] for r in conn.execute(text(
            "select tgname from pg_trigger where not tgisinternal"))}
        for table in search.SEARCH_COLUMNS:
            assert f"{table}_short_pg" in tables
            assert {f"{table}_short_pg_ai", f"{table}_short_pg_au"} <= triggers
        for q in ("光电", "光", "Ab", "光电科技", "ABC"):
            sql = str(ProjectFilters(q=q).select().compile(
                engine, compile_kwargs={"literal_binds": True}))
            assert ("project_short_pg.keys @>" in sql) == (len(q) < 3), (q, sql)
            assert "enterprise_short_pg" not in sql, (q, sql)
            assert ("LIKE" in sql) == (len(q) >= 3), q
        # a few rows: only a planner kept off scans shows that the index fits the condition
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        for model in (Enterprise, Project, FollowUp):
            stmt = select(model.id).where(search.matches(model, "光电"))
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
            assert f"ix_{model.__tablename__}_short_keys_pg" in plan, plan
    # bound, not inlined: one compiled statement for every short keyword
    compiled = select(Enterprise.id).where(search.matches(Enterprise, "光电")).compile(engine)
    assert "光电" not in str(compiled) and ["光电"] in compiled.params.values()


def test_short_keys_pieces():
    end = searchkeys.SHORT_END
    assert searchkeys.short_keys("光电", None, "Ab") == (
        end + "".join(c + end for c in sorted("光电ab")) + "ab" + end + "光电" + end)
    assert searchkeys.short_key("光") == end + "光" + end
    assert searchkeys.short_key("AB") == "ab" + end
    assert searchkeys.short_keys("x" + end + "y") == searchkeys.short_keys("xy")


def test_short_index_migrations_downgrade_and_upgrade(app, db, staff):
    """0009 (PostgreSQL) and 0006 (SQLite) drop their tables on the way down and fill
    them from the existing rows on the way up."""
    ent = enterprises.create_enterprise(session=db, user=staff, data={"name": "长春光电"})
    db.close()
    cfg = alembic_config(app.config["DATABASE_URL"])
    engine = get_engine(app)

    def short_tables() -> set[str]:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                return {r[0] for r in conn.execute(text(
                    "select name from sqlite_master where name like '%_short%'"))}
            return {r[0] for r in conn.execute(text(
                "select tablename from pg_tables where tablename ~ '_short_pg$' union all "
                "select proname from pg_proc where proname ~ '^search_short_keys_pg$|_short_pg_'"))}

    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    assert short_tables() == set()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    if engine.dialect.name == "sqlite":
        assert len(short_tables()) >= 3 * 4  # tables, their shadow tables, triggers
    else:  # three tables, their trigger functions, the key function, and 0014's
        # function that rewrites a renamed enterprise's projects' keys
        assert len(short_tables()) == 3 * 2 + 2, short_tables()
    found = _ids(db, EnterpriseFilters(q="光电"))  # filled from the existing rows
    assert ent.id in found and found == _expected(db, "光电")[1]
    _assert_side_tables_hold_the_rows(db)
