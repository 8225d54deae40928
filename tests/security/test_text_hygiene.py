"""Control characters and text lengths (issue 14 §4): refused at the door on every
path with the field named; records stored before the fix still show and export."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from crm.db import session_scope
from crm.models import User
from crm.services import exporting
from crm.services.importing import run_import
from tests.security.conftest import token_for


@pytest.fixture
def api(app, make_user):
    user = make_user("staff")
    headers = {"Authorization": f"Bearer {token_for(app, user.id)}"}
    client = app.test_client()

    def call(method: str, url: str, body: dict):
        return getattr(client, method)(url, json=body, headers=headers)

    return call


@pytest.mark.parametrize("url, body, field, label", [
    ("/api/v1/projects", {"name": "ctl\u000bname", "city_code": "220100"}, "name", "项目名称"),
    ("/api/v1/enterprises", {"name": "a\u0001\u001fb"}, "name", "企业名称"),
    ("/api/v1/enterprises", {"name": "甲公司", "notes": "x\u007fy"}, "notes", "备注"),
    ("/api/v1/enterprises", {"name": "甲公司", "contacts": [{"name": "王\u0002"}]},
     "contacts", None),
])
def test_control_characters_are_refused_with_the_field(api, url, body, field, label):
    response = api("post", url, body)
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["fields"][field]
    assert "控制字符" in message
    if label:
        assert message.startswith(f"{label}：")


def test_tab_newline_and_multiline_carriage_return_are_kept(api):
    response = api("post", "/api/v1/enterprises",
                   {"name": "甲\t公司", "notes": "第一行\r\n第二行\n\t第三行"})
    assert response.status_code == 201, response.get_json()
    response = api("post", "/api/v1/enterprises", {"name": "乙\r公司"})  # one-line field
    assert response.status_code == 422


@pytest.mark.parametrize("field, label, limit", [
    ("notes", "备注", 5000), ("name", "企业名称", 200), ("province", "所在省份", 20)])
def test_lengths_are_bounded_on_create_and_update(api, field, label, limit):
    body = {"name": "长度测试有限公司", field: "长" * (limit + 1)}
    response = api("post", "/api/v1/enterprises", body)
    assert response.status_code == 422
    assert response.get_json()["fields"][field] == f"{label}：最多 {limit} 个字符"
    created = api("post", "/api/v1/enterprises", {"name": "长度测试有限公司"}).get_json()
    response = api("patch", f"/api/v1/enterprises/{created['id']}",
                   {field: "长" * (limit + 1)})
    assert response.status_code == 422
    assert response.get_json()["fields"][field] == f"{label}：最多 {limit} 个字符"


def test_ten_megabyte_notes_are_refused(api):
    response = api("post", "/api/v1/projects",
                   {"name": "大备注项目", "city_code": "220100", "notes": "x" * 10_000_000})
    assert response.status_code == 422
    assert response.get_json()["fields"]["notes"] == "备注：最多 5000 个字符"


def test_stage_reason_is_checked_too(api):
    project = api("post", "/api/v1/projects", {"name": "阶段项目", "city_code": "220100"})
    response = api("post", f"/api/v1/projects/{project.get_json()['id']}/stage",
                   {"stage": "shelved", "reason": "原因\u0007"})
    assert response.status_code == 422
    assert "阶段说明：含有不允许的控制字符" in response.get_json()["fields"]["reason"]


def test_form_shows_the_field_error(staff_client):
    response = staff_client.post("/enterprises/new", data={"name": "表单\u0001公司", "notes": "",
                                                           "kind": "other", "priority": "2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "企业名称：含有不允许的控制字符（U+0001）" in page, re.findall(
        r'invalid-feedback[^>]*>([^<]*)|alert[^>]*>([^<]*)', page)


def test_import_row_error_names_row_and_column(db, make_user, tmp_path):
    user = db.merge(make_user("staff"))
    data = ("企业名称,备注\n好公司,正常\n坏公司,备\u0001注\n长公司," + "长" * 5001 + "\n").encode()
    report = run_import(session=db, kind="enterprises", data=data, filename="a.csv",
                        user=user, commit=False)
    fates = {r.number: r for r in report.rows}
    assert fates[2].status == "new"
    assert fates[3].status == "invalid" and "备注：含有不允许的控制字符" in fates[3].message
    assert fates[4].status == "invalid" and "备注：最多 5000 个字符" in fates[4].message


def test_records_stored_before_the_fix_still_show_and_export(app, staff_client):
    """A record with control characters, written with raw SQL as old code let it be."""
    bad = "ctl\u000bname\u0001\u001f"
    with app.app_context(), session_scope() as s:
        user_id = s.exec(text("SELECT id FROM \"user\" LIMIT 1")).scalar_one()
        assert s.get(User, user_id)
        s.exec(text(
            "INSERT INTO enterprise (name, notes, kind, is_key_target, priority, jizhe, "
            "is_industry_base, created_at, updated_at, version, is_demo, lon, lat, city_code) "
            "VALUES (:n, :n, 'other', false, 2, false, false, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP, 1, false, 125.3, 43.9, '220100')"), params={"n": bad})
        ent_id = s.exec(text("SELECT max(id) FROM enterprise")).scalar_one()
        s.exec(text(
            "INSERT INTO project (name, enterprise_id, city_code, project_class, introducer, "
            "responsible_unit, notes, stage, stage_reason, case_by_case, jizhe, case_notes, "
            "created_at, updated_at, version, is_demo, lon, lat) VALUES (:n, :e, '220100', "
            "'supporting', :n, :n, :n, 'lead', '', false, false, :n, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP, 1, false, 125.3, 43.9)"), params={"n": bad, "e": ent_id})
        project_id = s.exec(text("SELECT max(id) FROM project")).scalar_one()
        s.exec(text(
            "INSERT INTO followup (project_id, enterprise_id, kind, date, participants, "
            "summary, next_step, done, created_at, updated_at, version, is_demo) VALUES "
            "(:p, :e, 'call', CURRENT_DATE, :n, :n, :n, false, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP, 1, false)"), params={"n": bad, "p": project_id, "e": ent_id})
    pages = ["/", "/enterprises", f"/enterprises/{ent_id}", "/projects",
             f"/projects/{project_id}", "/projects/board", "/followups", "/map",
             "/map/export.html", "/case-by-case", "/jizhe"]
    for url in pages:
        response = staff_client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
    for kind in exporting.KINDS:
        for fmt in ("xlsx", "csv"):
            response = staff_client.get(f"/export/{kind}.{fmt}")
            assert response.status_code == 200, (kind, fmt)
            assert response.data
