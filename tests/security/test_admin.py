"""The admin area: users (create, disable/enable, reset password), the 一事一议 line,
audit filters."""

from __future__ import annotations

from sqlmodel import select

from crm.db import session_scope
from crm.models import Project, User
from crm.services import projects
from tests.conftest import PASSWORD, login

NEW = "Reset-Passw0rd!x"


def test_admin_creates_a_city_user_who_can_log_in(app, client_as):
    c = client_as("admin")
    assert "用户" in c.get("/admin").get_data(as_text=True)
    r = c.post("/admin/users/new", data={"username": "jilin.city", "display_name": "吉林市招商局",
                                         "role": "city", "city_code": "220200",
                                         "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 302
    with app.app_context(), session_scope() as s:
        u = s.exec(select(User).where(User.username == "jilin.city")).one()
        assert u.role == "city" and u.city_code == "220200"
    assert login(app.test_client(), "jilin.city").status_code == 302


def test_city_user_needs_a_city_and_policy_applies(client_as):
    c = client_as("admin")
    r = c.post("/admin/users/new", data={"username": "nocity", "role": "city", "city_code": "",
                                         "password": "weak", "confirm": "weak"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "市（州）用户须指定" in html and "长度至少10位" in html


def test_disable_and_enable(app, client_as, make_user):
    c = client_as("admin")
    victim = make_user("staff")
    assert c.post(f"/admin/users/{victim.id}/active", data={"active": "0"}).status_code == 302
    r = login(app.test_client(), victim.username)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "用户名或密码错误" in html and "已停用" not in html
    assert c.post(f"/admin/users/{victim.id}/active", data={"active": "1"}).status_code == 302
    assert login(app.test_client(), victim.username).status_code == 302
    # never deleted: the row is still there
    with app.app_context(), session_scope() as s:
        assert s.get(User, victim.id) is not None


def test_admin_cannot_disable_self(app, client_as):
    c = client_as("admin")
    r = c.post(f"/admin/users/{c.user.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in r.get_data(as_text=True)
    assert c.get("/admin").status_code == 200


def test_reset_password_lifts_lockout(app, client_as, make_user):
    app.config.update(LOGIN_MAX_FAILURES=2)
    c = client_as("admin")
    victim = make_user("viewer")
    for _ in range(2):
        login(app.test_client(), victim.username, "bad")
    assert "临时锁定" in c.get("/admin").get_data(as_text=True)
    r = c.post(f"/admin/users/{victim.id}/password", data={"new_password": NEW, "confirm": NEW})
    assert r.status_code == 302
    assert login(app.test_client(), victim.username, NEW).status_code == 302


def test_settings_line_reflags_projects(app, client_as, world):
    c = client_as("admin")
    assert "100,000.00 万元" in c.get("/admin/settings").get_data(as_text=True)
    assert c.post("/admin/settings", data={"line_wan": "5000"}).status_code == 302
    with app.app_context(), session_scope() as s:
        assert s.get(Project, world.records["home_project_id"]).case_by_case  # 5000 ≥ 5000
    r = c.post("/admin/settings", data={"line_wan": "-1"})
    assert r.status_code == 200 and "应大于0" in r.get_data(as_text=True)


def test_audit_filters(app, client_as, world):
    c = client_as("staff")
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        p = s.get(Project, world.records["other_project_id"])
        projects.move_stage(session=s, project=p, to_stage="contact", user=staff)
    r = c.get(f"/admin/audit?action=stage&username={world.users['staff'].username}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "线索 → 接洽" in html
    html = c.get("/admin/audit?action=login&date_from=2000-01-01&date_to=2000-01-02")
    assert "没有符合条件的记录" in html.get_data(as_text=True)
    assert c.get("/admin/audit?object_id=abc&date_from=bad").status_code == 200
