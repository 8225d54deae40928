"""The audit trail is a hash chain: `zhaoshang audit verify` finds any rewritten,
removed or smuggled-in row, concurrent writers never fork the chain, and a backup
and restore keep it whole (SQLite, or PostgreSQL with ZHAOSHANG_TEST_DB=postgresql)."""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.request
from datetime import date

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from crm.db import get_engine, session_scope
from crm.migrate import alembic_config
from crm.models import AuditLog, Project, User
from crm.services import audit, enterprises, importing, projects, users
from tests.conftest import BACKEND
from tests.security.conftest import HOME_CITY

SQLITE_TRIGGERS = [  # as migration 0004 creates them
    f"CREATE TRIGGER auditlog_no_{event.lower()} BEFORE {event} ON auditlog "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"
    for event in ("UPDATE", "DELETE")]


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def some_history(app, world, n: int = 3) -> None:
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        for i in range(n):
            p = s.get(Project, world.records["home_project_id"])
            projects.update_project(session=s, project=p, user=staff,
                                    data={"name": f"改名{i}"})
            s.flush()


def audit_ids(app) -> list[int]:
    with app.app_context(), session_scope() as s:
        return list(s.exec(select(AuditLog.id).order_by(AuditLog.chain_seq)))


def tamper(app, statement: str, params: dict | None = None) -> None:
    """Run ``statement`` past the append-only triggers, the way an intruder with the
    database file (SQLite) or the owner's role (PostgreSQL) could."""
    if BACKEND == "sqlite":
        conn = sqlite3.connect(get_engine(app).url.database)
        with conn:
            conn.execute("DROP TRIGGER auditlog_no_update")
            conn.execute("DROP TRIGGER auditlog_no_delete")
            conn.execute(statement, params or {})
            for trigger in SQLITE_TRIGGERS:
                conn.execute(trigger)
        conn.close()
        return
    with get_engine(app).begin() as conn:
        conn.execute(text("ALTER TABLE auditlog DISABLE TRIGGER auditlog_append_only"))
        conn.execute(text(statement), params or {})
        conn.execute(text("ALTER TABLE auditlog ENABLE TRIGGER auditlog_append_only"))


def test_an_untouched_trail_verifies(app, runner, world):
    some_history(app, world)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "审计链完整" in result.output
    with app.app_context(), session_scope() as s:
        rows = list(s.exec(select(AuditLog).order_by(AuditLog.chain_seq)))
    assert len(rows) >= 8
    assert [r.chain_seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == ""
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash and len(after.row_hash) == 64


@pytest.mark.skipif(BACKEND != "sqlite", reason="REPLACE INTO is SQLite's")
def test_replace_into_past_the_triggers_is_reported(app, runner, world):
    some_history(app, world)
    victim = audit_ids(app)[4]
    conn = sqlite3.connect(get_engine(app).url.database)
    with conn:  # the hole of 0004: REPLACE deletes and re-inserts without a DELETE trigger
        conn.execute("REPLACE INTO auditlog SELECT id, at, user_id, username, ip, action, "
                     "object_type, object_id, '无害的摘要', changes, chain_seq, prev_hash, "
                     "row_hash FROM auditlog WHERE id = ?", (victim,))
    conn.close()
    with app.app_context(), session_scope() as s:
        assert s.get(AuditLog, victim).summary == "无害的摘要"
    result = verify(runner)
    assert result.exit_code != 0
    assert "审计链已断开" in result.output and f"id={victim}" in result.output
    assert "内容与其哈希不符" in result.output


@pytest.mark.skipif(BACKEND != "sqlite", reason="REPLACE INTO is SQLite's")
def test_replace_into_without_the_chain_columns_is_reported(app, runner, world):
    victim = audit_ids(app)[2]
    conn = sqlite3.connect(get_engine(app).url.database)
    with conn:
        conn.execute("REPLACE INTO auditlog (id, at, username, ip, action, object_type, "
                     "summary, changes) VALUES (?, '2020-01-01 00:00:00.000000', 'x', '', "
                     "'login', 'user', '', '{}')", (victim,))
    conn.close()
    result = verify(runner)
    assert result.exit_code != 0 and f"id={victim}" in result.output


@pytest.mark.parametrize("how", ["content", "link", "removed", "tail"])
def test_each_kind_of_tampering_names_the_row(app, runner, world, how):
    some_history(app, world)
    ids = audit_ids(app)
    victim = ids[3]
    if how == "content":
        tamper(app, "UPDATE auditlog SET username = 'someone' WHERE id = :i", {"i": victim})
        expected = victim
    elif how == "link":  # content and own hash rewritten: the next row no longer links
        with app.app_context(), session_scope() as s:
            row = s.get(AuditLog, victim)
            values = {f: getattr(row, f) for f in audit.CHAINED_FIELDS}
            values["summary"] = "改写后的摘要"
            forged = audit.chain_hash(values, row.prev_hash)
        tamper(app, "UPDATE auditlog SET summary = '改写后的摘要', row_hash = :h WHERE id = :i",
               {"h": forged, "i": victim})
        expected = ids[4]
    elif how == "removed":
        tamper(app, "DELETE FROM auditlog WHERE id = :i", {"i": victim})
        expected = ids[4]
    else:
        tamper(app, "DELETE FROM auditlog WHERE id = :i", {"i": ids[-1]})
        expected = None
    result = verify(runner)
    assert result.exit_code != 0, result.output
    assert "审计链已断开" in result.output
    if expected is not None:
        assert f"id={expected}（" in result.output
    else:
        assert "末尾的记录被删除" in result.output


def test_a_bulk_import_is_chained_in_one_go(app, runner, staff, db):
    rows = "\n".join(f"导入链测试企业{i}有限公司,浙江省,杭州市" for i in range(300))
    data = ("企业名称,所在省份,所在城市\n" + rows).encode()
    report = importing.run_import(session=db, kind="enterprises", data=data,
                                  filename="e.csv", user=staff, commit=True,
                                  include_similar=True)
    assert report.committed and report.count("created") == 300, report.to_dict()
    result = verify(runner)
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as s:
        creates = s.exec(select(AuditLog).where(AuditLog.action == "create",
                                                AuditLog.object_type == "enterprise")).all()
        assert len(creates) >= 300 and all(r.row_hash for r in creates)


def test_backup_and_restore_keep_the_chain(app, runner, world, tmp_path):
    some_history(app, world, 2)
    target = tmp_path / ("b.db" if BACKEND == "sqlite" else "b.dump")
    assert runner.invoke(args=["backup", "-o", str(target)]).exit_code == 0
    some_history(app, world, 3)  # rows the restore takes away again
    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    get_engine(app).dispose()
    result = verify(runner)
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as s:
        last = s.exec(select(AuditLog).order_by(AuditLog.chain_seq.desc())).first()
        assert (last.action, last.object_type) == ("restore", "database")
    some_history(app, world, 1)  # and the restored chain goes on
    assert verify(runner).exit_code == 0


def test_the_migration_chains_older_rows_in_id_order(app, runner, world):
    some_history(app, world, 2)
    cfg = alembic_config(app.config["DATABASE_URL"])
    with get_engine(app).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
    with get_engine(app).begin() as conn:  # written by the code of before the chain
        conn.execute(text("INSERT INTO auditlog (at, username, ip, action, object_type, "
                          "summary, changes) VALUES (:at, '旧', '', 'login', 'user', "
                          "'旧记录', '{\"a\": [1, 2.5]}')"),
                     {"at": "2026-01-02 03:04:05.678901"})
        count = conn.execute(text("SELECT count(*) FROM auditlog")).scalar()
    with get_engine(app).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"共 {count} 条" in result.output
    with app.app_context(), session_scope() as s:
        rows = list(s.exec(select(AuditLog).order_by(AuditLog.id)))
    assert [r.chain_seq for r in rows] == list(range(1, count + 1))
    some_history(app, world, 1)
    assert verify(runner).exit_code == 0


def _call(base: str, token: str, method: str, path: str, body: dict) -> int:
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_concurrent_writers_never_fork_the_chain(live_server):
    base, app = live_server
    with app.app_context(), session_scope() as s:
        user = users.create_user(s, username="chain-writer", password="Chain-Passw0rd!",
                                 role="staff")
        ent = enterprises.create_enterprise(session=s, data={"name": "并发链企业"}, user=user)
        project = projects.create_project(session=s, user=user, data={
            "name": "并发链项目", "city_code": HOME_CITY, "enterprise_id": ent.id,
            "stage": "lead"})
        token = users.create_token(s, user=user, name="chain")
        project_id = project.id
    threads, statuses, per_thread = 8, [], 6
    start = threading.Barrier(threads)

    def writer(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            statuses.append(_call(base, token, "POST", "/api/v1/followups", {
                "project_id": project_id, "kind": "call", "date": date.today().isoformat(),
                "summary": f"并发跟进{n}-{i}"}))
            statuses.append(_call(base, token, "POST", "/api/v1/enterprises",
                                  {"name": f"并发企业{n}-{i}"}))

    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert statuses.count(201) == threads * per_thread * 2, statuses
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as s:
        seqs = list(s.exec(select(AuditLog.chain_seq).order_by(AuditLog.chain_seq)))
        prevs = list(s.exec(select(AuditLog.prev_hash)))
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(set(prevs)) == len(prevs)  # no two rows link to the same row
    assert len(seqs) >= threads * per_thread * 2
