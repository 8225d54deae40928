"""Create and edit through the forms: field-level Chinese errors, version conflicts,
delete and restore, stage moves, 一事一议 cases and permissions."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import select

from crm.models import AuditLog, Enterprise, FollowUp, Project
from tests.web.conftest import GOOD_CREDIT_CODE

PROJECT_FORM = {
    "name": "长春光电子产业园项目", "enterprise_id": "", "city_code": "220100", "county_code": "",
    "park_id": "", "chain_segment": "", "project_class": "major", "cooperation_form": "factory",
    "attraction_mode": "", "stage": "lead", "stage_reason": "",
    "planned_investment_wan": "120000", "actual_investment_wan": "", "source_province": "浙江省",
    "source_city": "杭州市", "introducer": "", "owner_id": "", "responsible_unit": "省商务厅",
    "lon": "", "lat": "", "notes": "",
}


def one(db, model, **where):
    return db.exec(select(model).filter_by(**where)).one()


def count(db, model, **where) -> int:
    return len(db.exec(select(model).filter_by(**where)).all())


def field_error(html: str, field_id: str) -> str:
    """The Chinese message rendered under a field."""
    match = re.search(rf'id="{field_id}"[^>]*>.*?<div class="invalid-feedback d-block">([^<]+)',
                      html, re.S)
    assert match, f"no error under {field_id}"
    return match.group(1)


def enterprise_form(**override):
    return {"name": "宁波某光电有限公司", "credit_code": "", "province": "浙江省",
            "city": "宁波市", "chain_segment": "", "kind": "leader", "priority": "2",
            "revenue_wan": "", "owner_id": "", "lon": "", "lat": "", "notes": "",
            "contacts-0-name": "王经理", "contacts-0-title": "投资总监",
            "contacts-0-phone": "13800000000", "contacts-0-email": ""} | override


# --- enterprises ----------------------------------------------------------------------

def test_create_enterprise_with_contact(staff_client, db):
    response = staff_client.post("/enterprises/new",
                                 data=enterprise_form(credit_code=GOOD_CREDIT_CODE))
    assert response.status_code == 302
    ent = one(db, Enterprise, name="宁波某光电有限公司")
    assert ent.jizhe and ent.credit_code == GOOD_CREDIT_CODE
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王经理" in html and "吉浙" in html


def test_bad_credit_code_shown_under_its_field(staff_client, db):
    bad = GOOD_CREDIT_CODE[:-1] + ("0" if GOOD_CREDIT_CODE[-1] != "0" else "1")
    response = staff_client.post("/enterprises/new", data=enterprise_form(credit_code=bad))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "校验位不正确" in field_error(html, "credit_code")
    assert 'value="宁波某光电有限公司"' in html  # the user's input is kept
    assert count(db, Enterprise, name="宁波某光电有限公司") == 0


def test_enterprise_negative_revenue_and_missing_name(staff_client):
    response = staff_client.post("/enterprises/new", data=enterprise_form(name=""))
    assert response.status_code == 422
    assert "企业名称：" in field_error(response.get_data(as_text=True), "name")
    response = staff_client.post("/enterprises/new", data=enterprise_form(revenue_wan="-5"))
    assert response.status_code == 422
    assert "不能为负数" in field_error(response.get_data(as_text=True), "revenue_wan")


def test_edit_enterprise_and_history(staff_client, make_enterprise):
    ent = make_enterprise(staff_client.user)
    response = staff_client.post(f"/enterprises/{ent.id}/edit", data=enterprise_form(
        name=ent.name, province="浙江省", city="杭州市", priority="1", version=str(ent.version)))
    assert response.status_code == 302
    html = staff_client.get(f"/enterprises/{ent.id}").get_data(as_text=True)
    assert "优先级" in html and "中 <span class=\"text-muted\">→</span> 高" in html


def test_enterprise_conflict_page(staff_client, make_enterprise, db):
    ent = make_enterprise(staff_client.user)
    stale = str(ent.version)
    first = staff_client.post(f"/enterprises/{ent.id}/edit", data=enterprise_form(
        name="第一次修改后的名称", version=stale))
    assert first.status_code == 302
    second = staff_client.post(f"/enterprises/{ent.id}/edit", data=enterprise_form(
        name="第二个人的名称", version=stale))
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "数据冲突" in html and "第一次修改后的名称" in html and "第二个人的名称" in html
    db.expire_all()
    assert db.get(Enterprise, ent.id).name == "第一次修改后的名称"
    # the form carries the current version, so saving again re-applies deliberately
    assert f'name="version" type="hidden" value="{ent.version + 1}"' in html


def test_enterprise_delete_and_restore(staff_client, make_enterprise, db):
    ent = make_enterprise(staff_client.user)
    assert staff_client.post(f"/enterprises/{ent.id}/delete").status_code == 302
    row = f'<tr data-id="{ent.id}">'
    assert row not in staff_client.get("/enterprises").get_data(as_text=True)
    trash = staff_client.get("/enterprises?deleted=1").get_data(as_text=True)
    assert row in trash and f"/enterprises/{ent.id}/restore" in trash
    assert staff_client.post(f"/enterprises/{ent.id}/restore").status_code == 302
    assert row in staff_client.get("/enterprises").get_data(as_text=True)
    assert staff_client.get(f"/enterprises/{ent.id}/delete").status_code == 405


# --- projects ----------------------------------------------------------------------

def test_create_twelve_yi_project_from_hangzhou_is_flagged(staff_client, db):
    response = staff_client.post("/projects/new", data=PROJECT_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    project = one(db, Project, name="长春光电子产业园项目")
    assert project.case_by_case and project.jizhe and project.case_status == "pending"
    html = staff_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-flag="case_by_case"' in html and 'data-flag="jizhe"' in html
    assert "12.00 亿元" in html and "120,000.00 万元" in html
    assert "待提请" in html


def test_project_field_errors_in_chinese(staff_client):
    response = staff_client.post("/projects/new", data=PROJECT_FORM | {
        "planned_investment_wan": "-1", "city_code": "330100"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "planned_investment_wan") == "计划投资额（万元）：不能为负数"
    assert "吉林省市（州）" in field_error(html, "city_code")
    response = staff_client.post("/projects/new", data=PROJECT_FORM | {"name": ""})
    assert "项目名称：" in field_error(response.get_data(as_text=True), "name")
    response = staff_client.post("/projects/new", data=PROJECT_FORM | {
        "planned_investment_wan": "十亿"})
    assert "应为数字" in field_error(response.get_data(as_text=True), "planned_investment_wan")


def test_amount_below_line_clears_flag_and_history_shows_both(staff_client, make_project, db):
    project = make_project(staff_client.user, planned_investment_wan=Decimal("100000"))
    assert project.case_by_case
    form = PROJECT_FORM | {"name": project.name, "planned_investment_wan": "99999.99",
                           "version": str(project.version)}
    assert staff_client.post(f"/projects/{project.id}/edit", data=form).status_code == 302
    db.expire_all()
    assert not db.get(Project, project.id).case_by_case
    html = staff_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "100,000.00 万元 <span class=\"text-muted\">→</span> 99,999.99 万元" in html
    assert "是 <span class=\"text-muted\">→</span> 否" in html


def test_project_conflict_shows_both_versions_and_keeps_stored(staff_client, make_project,
                                                              db):
    project = make_project(staff_client.user)
    stale = str(project.version)
    ok = staff_client.post(f"/projects/{project.id}/edit", data=PROJECT_FORM | {
        "name": project.name, "planned_investment_wan": "6000", "version": stale})
    assert ok.status_code == 302
    clash = staff_client.post(f"/projects/{project.id}/edit", data=PROJECT_FORM | {
        "name": project.name, "planned_investment_wan": "7000", "version": stale})
    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    row = re.search(r'data-field="planned_investment_wan">(.*?)</tr>', html, re.S).group(1)
    assert "6,000.00 万元" in row and "7,000.00 万元" in row
    assert "放弃我的修改" in html
    db.expire_all()
    assert db.get(Project, project.id).planned_investment_wan == Decimal("6000")
    # re-applying on top of the current version is a deliberate second save
    current = str(db.get(Project, project.id).version)
    assert f'value="{current}"' in html
    again = staff_client.post(f"/projects/{project.id}/edit", data=PROJECT_FORM | {
        "name": project.name, "planned_investment_wan": "7000", "version": current})
    assert again.status_code == 302


def test_stage_moves_legal_and_illegal(staff_client, make_project, db):
    project = make_project(staff_client.user)
    html = staff_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert '<option value="signed">签约</option>' in html
    ok = staff_client.post(f"/projects/{project.id}/stage",
                           data={"to_stage": "signed", "version": project.version})
    assert ok.status_code == 302
    db.expire_all()
    assert db.get(Project, project.id).stage == "signed"
    # 签约 → 线索 is not an allowed transition
    bad = staff_client.post(f"/projects/{project.id}/stage",
                            data={"to_stage": "lead", "version": project.version + 1})
    assert bad.status_code == 422
    assert "不能从“签约”直接变更为“线索”" in field_error(bad.get_data(as_text=True), "to_stage")
    # 搁置 needs a reason
    bad = staff_client.post(f"/projects/{project.id}/stage",
                            data={"to_stage": "paused", "version": project.version + 1})
    assert "须填写原因" in field_error(bad.get_data(as_text=True), "reason")
    html = staff_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "线索 → 签约" in html


def test_stage_move_with_stale_version_is_refused(staff_client, make_project, db):
    project = make_project(staff_client.user)
    staff_client.post(f"/projects/{project.id}/stage",
                      data={"to_stage": "contact", "version": project.version})
    clash = staff_client.post(f"/projects/{project.id}/stage",
                              data={"to_stage": "dropped", "reason": "x",
                                    "version": project.version})
    assert clash.status_code == 409
    assert "数据冲突" in clash.get_data(as_text=True)
    db.expire_all()
    assert db.get(Project, project.id).stage == "contact"


def test_kanban_move(staff_client, make_project, db):
    project = make_project(staff_client.user, name="看板项目")
    board = staff_client.get("/projects/board").get_data(as_text=True)
    column = re.search(r'data-stage="lead">(.*?)data-stage="contact"', board, re.S).group(1)
    assert "看板项目" in column
    response = staff_client.post(f"/projects/{project.id}/stage", data={
        "to_stage": "visit", "version": project.version, "next": "board"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/projects/board")
    board = staff_client.get("/projects/board").get_data(as_text=True)
    column = re.search(r'data-stage="visit">(.*?)data-stage="negotiation"', board, re.S).group(1)
    assert "看板项目" in column
    # an illegal move from the board is reported, not applied
    response = staff_client.post(f"/projects/{project.id}/stage", data={
        "to_stage": "lead", "version": project.version + 1, "next": "board"},
        follow_redirects=True)
    assert "不能从“考察”直接变更为“线索”" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Project, project.id).stage == "visit"


def test_project_delete_and_restore_with_followups(staff_client, make_project, make_followup,
                                                  db):
    project = make_project(staff_client.user, name="要删除的项目")
    follow = make_followup(staff_client.user, project_id=project.id, summary="随项目删除的跟进")
    assert staff_client.post(f"/projects/{project.id}/delete").status_code == 302
    row = f'<tr data-id="{project.id}">'
    assert row not in staff_client.get("/projects").get_data(as_text=True)
    assert "随项目删除的跟进" not in staff_client.get("/followups").get_data(as_text=True)
    assert row in staff_client.get("/projects?deleted=1").get_data(as_text=True)
    assert staff_client.get(f"/projects/{project.id}/edit").status_code == 404
    assert staff_client.post(f"/projects/{project.id}/restore").status_code == 302
    assert row in staff_client.get("/projects").get_data(as_text=True)
    db.expire_all()
    assert db.get(FollowUp, follow.id).deleted_at is None


# --- follow-ups ----------------------------------------------------------------------

def test_followup_from_project_page(staff_client, make_project, db):
    project = make_project(staff_client.user)
    form = staff_client.get(f"/followups/new?project_id={project.id}").get_data(as_text=True)
    # the picker holds the project's id and shows its name
    assert f'name="project_id" id="project_id-value" value="{project.id}"' in form
    assert re.search(f'<input[^>]*name="project_id_text"[^>]*value="{project.name}"', form)
    response = staff_client.post("/followups/new", data={
        "project_id": str(project.id), "enterprise_id": "", "kind": "visit",
        "date": "2026-03-01", "participants": "张三", "summary": "赴杭州拜访",
        "next_step": "邀请来吉考察", "next_due": "2026-02-01"})
    assert response.status_code == 422
    assert "不能早于跟进日期" in field_error(response.get_data(as_text=True), "next_due")
    response = staff_client.post("/followups/new", data={
        "project_id": str(project.id), "enterprise_id": "", "kind": "visit",
        "date": "2026-03-01", "participants": "张三", "summary": "赴杭州拜访",
        "next_step": "邀请来吉考察", "next_due": "2026-04-01"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    html = staff_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "赴杭州拜访" in html and "邀请来吉考察" in html


def test_followup_edit_conflict_delete_restore(staff_client, make_project, make_followup, db):
    project = make_project(staff_client.user)
    follow = make_followup(staff_client.user, project_id=project.id)
    data = {"project_id": str(project.id), "enterprise_id": "", "kind": "meeting",
            "date": "2026-01-05", "participants": "", "summary": "修改后的内容",
            "next_step": "", "next_due": "", "version": str(follow.version)}
    assert staff_client.post(f"/followups/{follow.id}/edit", data=data).status_code == 302
    clash = staff_client.post(f"/followups/{follow.id}/edit", data=data | {"summary": "另一人"})
    assert clash.status_code == 409
    assert "修改后的内容" in clash.get_data(as_text=True)
    assert staff_client.post(f"/followups/{follow.id}/delete").status_code == 302
    assert "修改后的内容" in staff_client.get("/followups?deleted=1").get_data(as_text=True)
    assert staff_client.post(f"/followups/{follow.id}/restore").status_code == 302
    db.expire_all()
    assert db.get(FollowUp, follow.id).deleted_at is None
    assert count(db, AuditLog, object_type="followup", action="restore") == 1


# --- 一事一议 and 吉浙 pages ------------------------------------------------------------

def test_docket_lists_case_by_case_projects(staff_client, make_project):
    user = staff_client.user
    make_project(user, name="正好十亿项目", planned_investment_wan=Decimal("100000"))
    make_project(user, name="差一分项目", planned_investment_wan=Decimal("99999.99"))
    html = staff_client.get("/case-by-case").get_data(as_text=True)
    assert "正好十亿项目" in html and "差一分项目" not in html
    assert "待提请" in html


def test_case_status_update_from_docket(staff_client, make_project, db):
    project = make_project(staff_client.user, name="会商项目",
                           planned_investment_wan=Decimal("150000"))
    response = staff_client.post(f"/projects/{project.id}/case", data={
        "status": "consulting", "notes": "已提请省政府会商", "next": "/case-by-case"})
    assert response.status_code == 302 and response.headers["Location"] == "/case-by-case"
    html = staff_client.get("/case-by-case?case_status=consulting").get_data(as_text=True)
    assert "会商项目" in html and "已提请省政府会商" in html
    assert "会商项目" not in staff_client.get("/case-by-case?case_status=pending").get_data(
        as_text=True)
    # 会商中 → 待提请 is allowed, 已批复 is final
    staff_client.post(f"/projects/{project.id}/case", data={"status": "approved", "notes": ""})
    response = staff_client.post(f"/projects/{project.id}/case",
                                 data={"status": "consulting", "notes": ""},
                                 follow_redirects=True)
    assert "不允许的状态变更" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Project, project.id).case_status == "approved"
    # an open redirect target is ignored
    response = staff_client.post(f"/projects/{project.id}/case", data={
        "status": "approved", "notes": "", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/projects/{project.id}")


def test_jizhe_matrix(staff_client, make_project):
    user = staff_client.user
    make_project(user, name="杭州到长春", source_province="浙江省", source_city="杭州市",
                 city_code="220100", planned_investment_wan=Decimal("30000"))
    make_project(user, name="杭州到长春二", source_province="浙江", source_city="杭州",
                 city_code="220100", planned_investment_wan=Decimal("20000"), stage="signed")
    make_project(user, name="深圳项目", source_province="广东省", source_city="深圳市",
                 city_code="220100")
    html = staff_client.get("/jizhe").get_data(as_text=True)
    row = re.search(r'data-zhejiang="330100">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(r'data-jilin="220100"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert 'class="cell-count">2</a>' in cell and "5.00 亿元" in cell
    assert "线索1" in cell and "签约1" in cell
    assert re.search(r'class="text-center paired" data-jilin="220100"', row)
    assert "有公开报道" in html and "推断" in html and "未知" in html
    assert 'id="jizhe-count">2<' in html


# --- permissions ----------------------------------------------------------------------

def test_city_user_cannot_edit_another_citys_project(client_as, make_user, make_project):
    staff = make_user("staff")
    other = make_project(staff, name="长春的项目", city_code="220100")
    own = make_project(staff, name="四平的项目", city_code="220300")
    city = client_as("city", city_code="220300")
    html = city.get("/projects").get_data(as_text=True)
    assert "长春的项目" in html and "四平的项目" in html  # lists are province-wide
    assert city.get(f"/projects/{other.id}/edit").status_code == 403
    post = city.post(f"/projects/{other.id}/edit", data=PROJECT_FORM | {"version": "1"})
    assert post.status_code == 403
    assert city.post(f"/projects/{other.id}/stage", data={"to_stage": "contact"}
                     ).status_code == 403
    assert city.post(f"/projects/{other.id}/delete").status_code == 403
    detail = city.get(f"/projects/{other.id}").get_data(as_text=True)
    assert f"/projects/{other.id}/edit" not in detail
    assert f"/projects/{own.id}/edit" in city.get(f"/projects/{own.id}").get_data(as_text=True)
    assert city.get("/enterprises/new").status_code == 403


def test_viewer_sees_no_edit_buttons(client_as, make_user, make_project, make_enterprise):
    staff = make_user("staff")
    project = make_project(staff)
    ent = make_enterprise(staff)
    viewer = client_as("viewer")
    assert "新建项目" not in viewer.get("/projects").get_data(as_text=True)
    html = viewer.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "变更阶段" not in html and "/edit" not in html
    assert f"/enterprises/{ent.id}/edit" not in viewer.get(f"/enterprises/{ent.id}").get_data(
        as_text=True)
    assert viewer.get("/followups/new").status_code == 403
    assert viewer.post(f"/projects/{project.id}/case", data={"status": "consulting"}
                       ).status_code == 403


def test_city_user_project_form_and_followups(client_as, make_user, make_project,
                                              make_followup):
    staff = make_user("staff")
    other = make_project(staff, name="长春的项目", city_code="220100")
    follow = make_followup(staff, project_id=other.id, summary="长春项目的跟进")
    city = client_as("city", city_code="220300")
    form = city.get("/projects/new").get_data(as_text=True)
    assert '<option selected value="220300">四平市</option>' in form
    # a project in another city is refused by the service (403), not silently saved
    response = city.post("/projects/new", data=PROJECT_FORM | {"city_code": "220100"})
    assert response.status_code == 403 and "本市（州）" in response.get_data(as_text=True)
    assert city.post("/projects/new", data=PROJECT_FORM | {"city_code": "220300"}
                     ).status_code == 302
    assert city.get(f"/followups/{follow.id}/edit").status_code == 403
    html = city.get(f"/followups/{follow.id}").get_data(as_text=True)
    assert "长春项目的跟进" in html and f"/followups/{follow.id}/edit" not in html
    response = city.post("/followups/new", data={
        "project_id": str(other.id), "enterprise_id": "", "kind": "call",
        "date": "2026-01-05", "participants": "", "summary": "越权记录", "next_step": "",
        "next_due": ""})
    assert response.status_code == 403, re.findall(r'd-block">([^<]+)', response.get_data(
        as_text=True))
