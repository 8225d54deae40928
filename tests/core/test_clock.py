"""One "today": pages, the API and exports count days in ZHAOSHANG_TIMEZONE, never
by the server's clock. The app's clock is set (config CLOCK_NOW) to a moment whose
UTC date (5 December) is not the Beijing date (6 December)."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from crm import clock, create_app
from crm.services import followups, projects
from crm.services.enterprises import create_enterprise
from tests.api.api_helpers import token_for

# Far from the real date, so that a day taken from the real clock shows.
NOW = "2030-12-05T17:00:00+00:00"  # 2030-12-06 01:00 in Beijing


@pytest.fixture
def late(app, db, staff_client):
    app.config["CLOCK_NOW"] = NOW
    user = db.merge(staff_client.user)
    ent = create_enterprise(session=db, user=user, data={"name": "时区测试企业"})
    project = projects.create_project(session=db, user=user, data={
        "name": "时区测试项目", "city_code": "220100", "enterprise_id": ent.id})
    for summary, due in (("昨日到期", "2030-12-05"), ("今日到期", "2030-12-06")):
        followups.create_followup(session=db, user=user, data={
            "project_id": project.id, "kind": "call", "date": "2030-12-01",
            "summary": summary, "next_step": "回访", "next_due": due})
    return project


def _overdue_everywhere(app, staff_client) -> dict[str, list[str]]:
    page = staff_client.get("/followups?overdue=1").get_data(as_text=True)
    token = token_for(app, staff_client.user)
    api = staff_client.get("/api/v1/followups?overdue=1",
                           headers={"Authorization": f"Bearer {token}"}).get_json()
    export = staff_client.get("/export/followups.xlsx?overdue=1")
    sheet = load_workbook(io.BytesIO(export.data)).active
    column = [c.value for c in sheet[2]].index("跟进内容")
    rows = [r[column] for r in sheet.iter_rows(min_row=3, values_only=True)]
    return {
        "page": [s for s in ("昨日到期", "今日到期") if s in page],
        "api": [item["summary"] for item in api["items"]],
        "export": rows,
        "title": sheet["A1"].value,
        "file": export.headers["Content-Disposition"],
    }


def test_page_api_and_export_agree_on_the_beijing_day(app, staff_client, late):
    with app.app_context():
        assert clock.today() == date(2030, 12, 6)
    seen = _overdue_everywhere(app, staff_client)
    assert seen["page"] == seen["api"] == seen["export"] == ["昨日到期"]
    assert "导出时间：2030-12-06 01:00" in seen["title"]
    assert "20301206_0100" in seen["file"]
    assert "light-red" in staff_client.get("/projects").get_data(as_text=True)  # past due


def test_the_configured_zone_decides(app, staff_client, late):
    app.config["TIMEZONE"] = "UTC"  # there it is still 5 December: nothing is overdue yet
    seen = _overdue_everywhere(app, staff_client)
    assert seen["page"] == seen["api"] == seen["export"] == []
    assert "导出时间：2030-12-05 17:00" in seen["title"]
    assert "20301205_1700" in seen["file"]
    assert "light-red" not in staff_client.get("/projects").get_data(as_text=True)


def test_stats_download_and_dashboard_use_the_beijing_date(app, staff_client, late):
    stats = staff_client.get("/stats/export/funnel.xlsx")
    assert stats.status_code == 200
    assert "20301206" in stats.headers["Content-Disposition"]
    dashboard = staff_client.get("/").get_data(as_text=True)
    overdue = '<span class="text-danger">{}</span>'  # my overdue follow-ups
    assert overdue.format("2030-12-05") in dashboard
    assert overdue.format("2030-12-06") not in dashboard


def test_an_unknown_zone_fails_at_start(tmp_path):
    with pytest.raises(ValueError, match="ZHAOSHANG_TIMEZONE"):
        create_app({"TIMEZONE": "Asia/Beijing", "INSTANCE_PATH": str(tmp_path),
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})
