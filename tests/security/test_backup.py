"""`zhaoshang backup` / `zhaoshang restore`: a round trip on the backend under test
(SQLite by default, PostgreSQL with ZHAOSHANG_TEST_DB=postgresql)."""

from __future__ import annotations

import tarfile

from sqlmodel import select

from crm.db import get_engine, session_scope
from crm.models import AuditLog, Enterprise, FollowUp, Project, User
from crm.services import backup, enterprises, projects
from tests.conftest import BACKEND


def _names(app, model) -> set[str]:
    with app.app_context(), session_scope() as s:
        return {o.name for o in s.exec(select(model).where(model.deleted_at.is_(None)))
                if o.name.startswith(("备份", "home", "other", "测试"))}


def test_backup_and_restore_round_trip(app, runner, world, tmp_path):
    target = tmp_path / "b.tar"
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        enterprises.create_enterprise(session=s, data={"name": "备份前企业"}, user=staff)
    before_projects = _names(app, Project)
    before_enterprises = _names(app, Enterprise)
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "已备份" in result.output and target.stat().st_size > 0
    with tarfile.open(target) as archive:  # the database copy, and the attachments
        member = backup.DATABASE_MEMBER[BACKEND]
        head = archive.extractfile(member).read(16)
    assert head.startswith(b"SQLite format 3" if BACKEND == "sqlite" else b"PGDMP")

    # Change and delete after the backup.
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        p = s.get(Project, world.records["home_project_id"])
        projects.delete_project(session=s, project=p, user=staff)
        other = s.get(Project, world.records["other_project_id"])
        projects.update_project(session=s, project=other, user=staff,
                                data={"name": "备份后改名"})
        enterprises.create_enterprise(session=s, data={"name": "备份后企业"}, user=staff)
    assert _names(app, Project) != before_projects

    result = runner.invoke(args=["restore", str(target)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "已从" in result.output
    get_engine(app).dispose()
    assert _names(app, Project) == before_projects
    assert _names(app, Enterprise) == before_enterprises
    with app.app_context(), session_scope() as s:
        assert s.get(FollowUp, world.records["home_followup_id"]).deleted_at is None
        actions = [(e.action, e.object_type) for e in s.exec(select(AuditLog))]
        assert ("export", "database") in actions  # the backup (taken before the snapshot)
        assert ("restore", "database") in actions  # recorded in the restored database
        # Logging in still works against the restored users.
    from tests.conftest import login

    assert login(app.test_client(), world.users["viewer"].username).status_code == 302
    if BACKEND == "sqlite":
        assert "另存为" in result.output
        safety = list(tmp_path.glob("zhaoshang.before-restore-*.db"))
        assert safety, list(tmp_path.iterdir())


def test_restore_takes_a_bare_database_copy(app, runner, tmp_path):
    """Backups from before attachments are the database file alone."""
    archive = tmp_path / "b.tar"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    bare = tmp_path / "bare.bin"
    with tarfile.open(archive) as opened:
        bare.write_bytes(opened.extractfile(backup.DATABASE_MEMBER[BACKEND]).read())
    result = runner.invoke(args=["restore", "--yes", str(bare)])
    assert result.exit_code == 0, result.output
    assert "已从" in result.output and "附件" not in result.output


def test_restore_refuses_a_foreign_file(app, runner, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all" * 10)
    result = runner.invoke(args=["restore", "--yes", str(junk)])
    assert result.exit_code != 0 and "不是" in result.output


def test_restore_asks_before_replacing(app, runner, tmp_path):
    target = tmp_path / "b.bak"
    assert runner.invoke(args=["backup", "-o", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0


def test_default_backup_file_goes_to_instance(app, runner):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert "backups" in result.output


def test_pg_tool_is_found():
    if BACKEND != "postgresql":
        return
    assert backup.pg_tool("pg_dump").endswith("pg_dump")
