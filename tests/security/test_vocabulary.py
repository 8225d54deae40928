"""Every vocabulary field is checked against its reference list on every path: the API
(422 naming the field), the forms (an error under the field) and the import (a row
error). Unknown values never reach the database, where the map, the lists and the
exports would show them."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from crm.db import session_scope
from crm.models import Enterprise, FollowUp, Project
from crm.services import enterprises, projects
from crm.services.importing import run_import
from tests.security.conftest import HOME_CITY, World, new_records

BAD = "{{7*7}}"
SEGMENT = "集成电路"  # in seeds/chain_segments.csv

# field → (label, a good value): the project fields a create or an edit takes.
PROJECT_VOCAB = {
    "chain_segment": ("产业链环节", SEGMENT),
    "attraction_mode": ("招商方式", "business"),
    "cooperation_form": ("合作形式", "factory"),
    "project_class": ("项目类别", "major"),
    "stage": ("阶段", "contact"),
    "county_code": ("落地县（市、区）", "220104"),
}


def _count(app, model, **where) -> int:
    with app.app_context(), session_scope() as s:
        return s.exec(select(func.count()).select_from(model).filter_by(**where)).one()


@pytest.fixture
def world(app, make_user):
    """Only a staff user (password hashing is most of a test's time) and its records."""
    w = World(app=app, users={"staff": make_user("staff")})
    w.records = new_records(app, w.users["staff"].id)
    return w


@pytest.fixture
def project_id(app, world):
    return world.records["home_project_id"]


@pytest.fixture
def api(app, world):
    from tests.security.conftest import token_for

    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + token_for(
        app, world.users["staff"].id)
    return client


def _version(app, model, obj_id) -> int:
    with app.app_context(), session_scope() as s:
        return s.get(model, obj_id).version


# --- API -------------------------------------------------------------------------------

def test_api_project_create_refuses_unknown_values(app, api):
    for field in [*PROJECT_VOCAB, "park_id"]:
        label = PROJECT_VOCAB.get(field, ("落地园区",))[0]
        value = 999_999 if field == "park_id" else BAD
        body = {"name": "词表测试项目", "city_code": HOME_CITY, field: value}
        response = api.post("/api/v1/projects", json=body)
        assert response.status_code == 422, (field, response.get_json())
        assert response.get_json()["fields"][field].startswith(label + "："), field
    assert _count(app, Project, name="词表测试项目") == 0


def test_api_project_update_refuses_unknown_values(app, api, project_id):
    labels = {"park_id": "落地园区", "case_status": "一事一议状态"}
    before = _version(app, Project, project_id)
    for field in [*PROJECT_VOCAB, "park_id", "case_status"]:
        label = PROJECT_VOCAB[field][0] if field in PROJECT_VOCAB else labels[field]
        value = 999_999 if field == "park_id" else BAD
        response = api.patch(f"/api/v1/projects/{project_id}", json={field: value})
        assert response.status_code == 422, (field, response.get_json())
        assert response.get_json()["fields"][field].startswith(label + "："), field
    assert _version(app, Project, project_id) == before
    with app.app_context(), session_scope() as s:
        assert BAD not in repr(s.get(Project, project_id).model_dump())


def test_api_project_known_values_are_accepted(api, project_id):
    for field, (_label, value) in PROJECT_VOCAB.items():
        response = api.patch(f"/api/v1/projects/{project_id}", json={field: value})
        assert response.status_code == 200, (field, response.get_json())
        assert response.get_json()[field] == value


def test_api_stage_move_refuses_unknown_stage(api, project_id):
    response = api.post(f"/api/v1/projects/{project_id}/stage", json={"stage": BAD})
    assert response.status_code == 422
    assert response.get_json()["fields"]["stage"].startswith("阶段：")


@pytest.mark.parametrize("field", ["chain_segment", "kind"])
def test_api_enterprise_refuses_unknown_values(app, api, world, field):
    label = {"chain_segment": "产业链环节", "kind": "企业类型"}[field]
    response = api.post("/api/v1/enterprises", json={"name": "词表测试企业", field: BAD})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["fields"][field].startswith(label + "：")
    assert _count(app, Enterprise, name="词表测试企业") == 0
    ent_id = world.records["enterprise_id"]
    response = api.patch(f"/api/v1/enterprises/{ent_id}", json={field: BAD})
    assert response.status_code == 422
    assert response.get_json()["fields"][field].startswith(label + "：")
    response = api.patch(f"/api/v1/enterprises/{ent_id}", json={"chain_segment": SEGMENT})
    assert response.status_code == 200 and response.get_json()["chain_segment"] == SEGMENT


def test_api_followup_refuses_unknown_kind(app, api, world, project_id):
    body = {"project_id": project_id, "kind": BAD, "date": "2026-01-05", "summary": "词表测试"}
    response = api.post("/api/v1/followups", json=body)
    assert response.status_code == 422
    assert response.get_json()["fields"]["kind"].startswith("跟进方式：")
    assert _count(app, FollowUp, summary="词表测试") == 0
    response = api.patch(f"/api/v1/followups/{world.records['home_followup_id']}",
                         json={"kind": BAD})
    assert response.status_code == 422
    assert response.get_json()["fields"]["kind"].startswith("跟进方式：")


def test_a_stored_unlisted_segment_does_not_block_other_edits(app, api, world, project_id):
    """Rows saved before the check keep their segment until someone changes it."""
    with app.app_context(), session_scope() as s:
        s.get(Project, project_id).chain_segment = "旧的环节名称"
    response = api.patch(f"/api/v1/projects/{project_id}", json={"notes": "补充说明"})
    assert response.status_code == 200, response.get_json()
    response = api.patch(f"/api/v1/projects/{project_id}", json={"chain_segment": "另一个旧名"})
    assert response.status_code == 422


# --- forms -----------------------------------------------------------------------------

PROJECT_FORM = {
    "name": "词表表单项目", "enterprise_id": "", "city_code": HOME_CITY, "county_code": "",
    "park_id": "", "chain_segment": "", "project_class": "major", "cooperation_form": "",
    "attraction_mode": "", "stage": "lead", "stage_reason": "", "planned_investment_wan": "10",
    "actual_investment_wan": "", "source_province": "", "source_city": "", "introducer": "",
    "owner_id": "", "responsible_unit": "", "lon": "", "lat": "", "notes": "",
}


def _web(app, world):
    from tests.conftest import login

    client = app.test_client()
    assert login(client, world.users["staff"].username).status_code == 302
    return client


def _error_under(html: str, field: str, label: str) -> None:
    import re

    match = re.search(rf'id="{field}"[^>]*>.*?<div class="invalid-feedback d-block">([^<]+)',
                      html, re.S)
    assert match and match.group(1).startswith(label + "："), (field, match and match.group(1))


def test_project_form_refuses_unknown_values(app, world):
    client = _web(app, world)
    project_id = world.records["home_project_id"]
    for field in [*PROJECT_VOCAB, "park_id"]:
        label = PROJECT_VOCAB.get(field, ("落地园区",))[0]
        value = "999999" if field == "park_id" else BAD
        response = client.post("/projects/new", data=PROJECT_FORM | {field: value})
        assert response.status_code == 422, field
        _error_under(response.get_data(as_text=True), field, label)
        if field == "stage":  # the edit form moves no stages (the stage form does, below)
            continue
        edit = PROJECT_FORM | {"version": str(_version(app, Project, project_id)), field: value}
        response = client.post(f"/projects/{project_id}/edit", data=edit)
        assert response.status_code == 422, field
        _error_under(response.get_data(as_text=True), field, label)
    assert _count(app, Project, name="词表表单项目") == 0


def test_stage_and_case_forms_refuse_unknown_values(app, world):
    client = _web(app, world)
    project_id = world.records["home_project_id"]
    with app.app_context(), session_scope() as s:
        projects.update_project(session=s, project=s.get(Project, project_id),
                                data={"planned_investment_wan": "200000"},
                                user=s.get(type(world.users["staff"]), world.users["staff"].id))
    before = _version(app, Project, project_id)
    response = client.post(f"/projects/{project_id}/stage",
                           data={"to_stage": BAD, "reason": "", "version": str(before)})
    assert response.status_code in (302, 422)
    response = client.post(f"/projects/{project_id}/case", data={"status": BAD, "notes": ""})
    assert response.status_code in (302, 422)
    with app.app_context(), session_scope() as s:
        p = s.get(Project, project_id)
        assert p.stage == "lead" and p.case_status == "pending"


@pytest.mark.parametrize("field", ["chain_segment", "kind"])
def test_enterprise_form_refuses_unknown_values(app, world, field):
    client = _web(app, world)
    form = {"name": "词表表单企业", "credit_code": "", "province": "", "city": "",
            "chain_segment": "", "kind": "other", "priority": "2", "revenue_wan": "",
            "owner_id": "", "lon": "", "lat": "", "notes": "", field: BAD}
    response = client.post("/enterprises/new", data=form)
    assert response.status_code == 422
    label = {"chain_segment": "产业链环节", "kind": "企业类型"}[field]
    _error_under(response.get_data(as_text=True), field, label)
    assert _count(app, Enterprise, name="词表表单企业") == 0


def test_followup_form_refuses_unknown_kind(app, world):
    client = _web(app, world)
    form = {"project_id": str(world.records["home_project_id"]), "enterprise_id": "",
            "kind": BAD, "date": "2026-01-05", "participants": "", "summary": "词表表单跟进",
            "next_step": "", "next_due": ""}
    response = client.post("/followups/new", data=form)
    assert response.status_code == 422
    _error_under(response.get_data(as_text=True), "kind", "跟进方式")
    assert _count(app, FollowUp, summary="词表表单跟进") == 0


# --- import ----------------------------------------------------------------------------

IMPORT_HEADER = ["项目名称", "落地市（州）", "落地县（市、区）", "落地园区", "产业链环节",
                 "项目类别", "合作形式", "招商方式", "阶段"]


@pytest.mark.parametrize(("column", "value"), [
    ("产业链环节", BAD), ("项目类别", BAD), ("合作形式", BAD), ("招商方式", BAD),
    ("阶段", BAD), ("落地县（市、区）", "999999"),
])
def test_project_import_row_error_names_the_column(app, world, column, value):
    good = ["导入词表项目", "长春市", "", "", SEGMENT, "重大产业化项目", "", "", "洽谈"]
    row = list(good)
    row[IMPORT_HEADER.index(column)] = value
    text = "\n".join(",".join(r) for r in (IMPORT_HEADER, row))
    with app.app_context(), session_scope() as s:
        user = s.get(type(world.users["staff"]), world.users["staff"].id)
        report = run_import(session=s, kind="projects", data=text.encode(),
                            filename="p.csv", user=user, commit=True)
    result = report.status_by_row()[2]
    assert result.status == "invalid", (column, result)
    assert column in [name for name, _ in result.errors], result.errors
    assert _count(app, Project, name="导入词表项目") == 0


def test_project_import_keeps_an_unlisted_zone_with_a_warning(app, world):
    """Issue 16: a zone not in the list is kept as written, with a warning naming the
    column; the row is not refused."""
    row = ["导入词表项目", "长春市", "", "不存在的园区", SEGMENT, "重大产业化项目", "", "", "洽谈"]
    text = "\n".join(",".join(r) for r in (IMPORT_HEADER, row))
    with app.app_context(), session_scope() as s:
        user = s.get(type(world.users["staff"]), world.users["staff"].id)
        report = run_import(session=s, kind="projects", data=text.encode(),
                            filename="p.csv", user=user, commit=True)
    result = report.status_by_row()[2]
    assert result.status == "created" and result.warnings[0][0] == "落地园区"
    assert _count(app, Project, name="导入词表项目") == 1


def test_project_import_accepts_the_listed_values(app, world):
    good = ["导入词表项目", "长春市", "", "", SEGMENT, "重大产业化项目", "", "", "洽谈"]
    text = "\n".join(",".join(r) for r in (IMPORT_HEADER, good))
    with app.app_context(), session_scope() as s:
        user = s.get(type(world.users["staff"]), world.users["staff"].id)
        report = run_import(session=s, kind="projects", data=text.encode(),
                            filename="p.csv", user=user, commit=True)
    assert report.status_by_row()[2].status == "created", report.status_by_row()[2]
    assert _count(app, Project, name="导入词表项目", chain_segment=SEGMENT) == 1


def test_enterprise_import_row_error_names_the_column(app, world):
    text = ("单位名称,产业链环节,企业类型\n"
            "导入词表企业,{{7*7}},其他\n导入词表企业二,集成电路,{{7*7}}\n")
    with app.app_context(), session_scope() as s:
        user = s.get(type(world.users["staff"]), world.users["staff"].id)
        report = run_import(session=s, kind="enterprises", data=text.encode(),
                            filename="e.csv", user=user, commit=True)
    rows = report.status_by_row()
    assert rows[2].status == "invalid" and "产业链环节" in [n for n, _ in rows[2].errors]
    assert rows[3].status == "invalid" and "企业类型" in [n for n, _ in rows[3].errors]
    assert _count(app, Enterprise, name="导入词表企业") == 0


def test_services_check_segments_too(app, world):
    """The one rule behind every path: the services refuse it."""
    from crm.services.errors import ValidationFailed

    with app.app_context(), session_scope() as s:
        user = s.get(type(world.users["staff"]), world.users["staff"].id)
        with pytest.raises(ValidationFailed) as exc:
            enterprises.create_enterprise(session=s, data={"name": "x", "chain_segment": BAD},
                                          user=user)
        assert exc.value.fields["chain_segment"].startswith("产业链环节：")
