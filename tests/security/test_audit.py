"""Every create, edit, delete, restore, stage change, login (failed too), export and
import writes an AuditLog: who, when, from which address, which object, old → new.
And nothing in the app updates or deletes an audit row."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from crm.db import session_scope
from crm.models import AuditLog, Project
from crm.services import importing
from tests.conftest import login
from tests.security.conftest import HOME_CITY

ROOT = Path(__file__).resolve().parents[2]


def entries(app, **where) -> list[AuditLog]:
    with app.app_context(), session_scope() as s:
        stmt = select(AuditLog).order_by(AuditLog.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditLog, key) == value)
        rows = list(s.exec(stmt))
        for r in rows:
            s.expunge(r)
        return rows


def assert_who_when_where(entry: AuditLog, username: str) -> None:
    assert entry.username == username
    assert entry.ip == "127.0.0.1"
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    assert datetime.now(UTC) - at < timedelta(minutes=5)


def test_web_create_edit_stage_delete_restore_are_audited(app, client_as):
    c = client_as("staff")
    api = app.test_client()
    from tests.security.conftest import token_for

    headers = {"Authorization": f"Bearer {token_for(app, c.user.id)}"}
    r = api.post("/api/v1/projects", headers=headers, json={
        "name": "审计测试项目", "city_code": HOME_CITY, "planned_investment_wan": "8000"})
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    r = api.patch(f"/api/v1/projects/{pid}", headers=headers,
                  json={"planned_investment_wan": "120000", "version": r.get_json()["version"]})
    assert r.status_code == 200, r.get_json()
    assert api.post(f"/api/v1/projects/{pid}/stage", headers=headers,
                    json={"stage": "contact"}).status_code == 200
    assert api.delete(f"/api/v1/projects/{pid}", headers=headers).status_code == 204
    assert api.post(f"/api/v1/projects/{pid}/restore", headers=headers).status_code == 200

    trail = entries(app, object_type="project", object_id=pid)
    actions = [e.action for e in trail]
    assert actions[:1] == ["create"] and "update" in actions
    assert actions[-3:] == ["stage", "delete", "restore"]
    for e in trail:
        assert_who_when_where(e, c.user.username)
    created = trail[0].changes
    assert created["name"] == [None, "审计测试项目"] and created["city_code"] == [None, HOME_CITY]
    update = next(e for e in trail if e.action == "update")
    assert update.changes["planned_investment_wan"] == [8000.0, 120000.0]
    assert update.changes["case_by_case"] == [False, True]  # derived flag, old → new
    stage = next(e for e in trail if e.action == "stage")
    assert stage.changes == {"stage": ["lead", "contact"]}


def test_audit_page_shows_chinese_field_labels(app, client_as):
    c = client_as("admin")
    with app.app_context(), session_scope() as s:
        from crm.models import User
        from crm.services import projects

        actor = s.get(User, c.user.id)
        p = projects.create_project(session=s, data={"name": "标签项目", "city_code": HOME_CITY,
                                                     "stage": "lead"}, user=actor)
        projects.move_stage(session=s, project=p, to_stage="contact", user=actor)
        pid = p.id
    html = c.get(f"/admin/audit?object_type=project&object_id={pid}").get_data(as_text=True)
    assert "阶段" in html and "线索 → 接洽" in html and "阶段变更" in html
    assert "落地市（州）" in html and "项目名称" in html


def test_login_success_and_failure_are_audited(app, make_user):
    user = make_user("viewer")
    client = app.test_client()
    login(client, user.username, "Wrong-passw0rd!")
    login(client, user.username)
    failed = entries(app, action="login_failed")[-1]
    assert failed.username == user.username and failed.object_id == user.id
    assert failed.ip == "127.0.0.1" and failed.summary == "密码错误"
    ok = entries(app, action="login")[-1]
    assert_who_when_where(ok, user.username)


def test_export_is_audited(app, client_as):
    c = client_as("viewer")
    # xlsx: the streamed CSV download leaves a PostgreSQL transaction open (reported)
    r = c.get("/export/projects.xlsx")
    assert r.status_code == 200
    r.get_data()
    r.close()
    entry = entries(app, action="export")[-1]
    assert_who_when_where(entry, c.user.username)


def test_import_is_audited(app, make_user):
    user = make_user("staff")
    data = "项目名称,落地市（州）,阶段\n导入审计项目,长春市,线索\n".encode()
    with app.app_context(), session_scope() as s:
        from crm.models import User

        report = importing.run_import(session=s, kind="projects", data=data,
                                      filename="p.csv", user=s.get(User, user.id), commit=True)
        assert report.committed, report.to_dict()
        pid = s.exec(select(Project.id).where(Project.name == "导入审计项目")).one()
    assert entries(app, action="import")
    created = entries(app, object_type="project", object_id=pid)
    assert created and created[0].username == user.username


def test_admin_actions_are_audited(app, client_as, make_user):
    c = client_as("admin")
    target = make_user("viewer")
    assert c.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code == 302
    assert c.post("/admin/settings", data={"line_wan": "50000"}).status_code == 302
    disabled = entries(app, object_type="user", object_id=target.id)[-1]
    assert disabled.changes == {"is_active": [True, False]}
    assert_who_when_where(disabled, c.user.username)
    setting = entries(app, action="settings")[-1]
    assert setting.changes == {"case_by_case_line_wan": [100000.0, 50000.0]}


# --- append-only ------------------------------------------------------------------------

def _python_files():
    for base in ("crm", "maps"):
        yield from (ROOT / base).rglob("*.py")


def test_no_code_updates_or_deletes_audit_rows():
    """Static check: the only thing done with AuditLog is insert (session.add in
    audit.record) and select. No update()/delete() statement names it, no code sets an
    attribute on an AuditLog or passes one to session.delete."""
    offenders = []
    for path in _python_files():
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "AuditLog" not in text and "auditlog" not in text:
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                args = " ".join(ast.unparse(a) for a in node.args)
                if name in ("update", "delete") and "AuditLog" in args:
                    offenders.append(f"{path}:{node.lineno} {ast.unparse(node)[:80]}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                low = node.value.lower()
                if ("update auditlog" in low or "delete from auditlog" in low
                        or "truncate auditlog" in low):
                    offenders.append(f"{path}:{node.lineno} SQL {node.value[:60]}")
    assert not offenders, offenders


def test_no_route_writes_to_the_audit_trail_directly(app):
    """The admin audit page is GET only; no endpoint outside the admin area names audit."""
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule


def test_audit_rows_survive_every_kind_of_delete(app, client_as):
    """Deleting (soft) and restoring records never removes their audit rows."""
    c = client_as("staff")
    from tests.security.conftest import new_records

    records = new_records(app, c.user.id)
    before = {e.id for e in entries(app)}
    assert c.post(f"/projects/{records['home_project_id']}/delete").status_code in (302, 303)
    after = {e.id for e in entries(app)}
    assert before < after
