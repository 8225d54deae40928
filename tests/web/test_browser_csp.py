"""Every page works under the strict Content-Security-Policy in real Chromium: no
script is blocked, and the delete confirmation (static/app.js) still asks first."""

from __future__ import annotations

from crm.db import session_scope
from crm.services import followups, projects
from crm.services.users import create_user

PASSWORD = "Browser-Passw0rd!"
PAGES = ["/", "/enterprises", "/projects", "/followups", "/projects/board", "/case-by-case",
         "/jizhe", "/map", "/stats", "/import", "/admin", "/admin/audit"]


def test_pages_raise_no_csp_violation(page, live_server):
    base_url, app = live_server
    with app.app_context(), session_scope() as s:
        admin = create_user(s, username="csp", password=PASSWORD, role="admin")
        p = projects.create_project(session=s, user=admin, data={
            "name": "策略测试项目", "city_code": "220100", "planned_investment_wan": "120000"})
        followups.create_followup(session=s, user=admin, data={
            "project_id": p.id, "date": "2026-11-01", "summary": "电话沟通"})
        project_id = p.id
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.goto("/login")
    page.fill("#username", "csp")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=工作台")
    for path in PAGES + [f"/projects/{project_id}"]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
    assert violations == []

    # the delete button asks first; dismissing keeps the project
    page.goto(f"/projects/{project_id}")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("form[action$='/delete'] button").first.click()
    page.wait_for_timeout(300)
    assert asked and page.url.endswith(f"/projects/{project_id}")
