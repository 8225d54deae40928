"""Create, read, list, update, delete and restore for enterprises, projects, follow-ups."""

from datetime import date

from sqlmodel import select

from crm.db import session_scope
from crm.models import AuditLog, FollowUp, Project
from tests.api.api_helpers import make_enterprise, make_project


def test_enterprise_crud_with_contacts(api):
    ent = make_enterprise(api, province="浙江", city="杭州市", kind="专精特新",
                          revenue_wan="12345.67",
                          contacts=[{"name": "王经理", "title": "总经理", "phone": "13800000000"}])
    assert ent["id"] and ent["version"] == 1
    assert ent["kind"] == "specialized"  # label stored as its code
    assert ent["province"] == "浙江省" and ent["jizhe"] is True
    assert ent["revenue_wan"] == 12345.67  # a JSON number
    assert ent["contacts"] == [{"name": "王经理", "title": "总经理", "phone": "13800000000",
                                "email": ""}]

    r = api.get(f"/api/v1/enterprises/{ent['id']}")
    assert r.status_code == 200 and r.get_json() == ent

    r = api.patch(f"/api/v1/enterprises/{ent['id']}",
                  json={"notes": "重点跟踪", "version": 1,
                        "contacts": [{"name": "李总", "email": "li@example.com"}]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["notes"] == "重点跟踪" and body["version"] == 2
    assert [c["name"] for c in body["contacts"]] == ["李总"]

    r = api.get("/api/v1/enterprises", query_string={"q": "测试光电"})
    assert r.status_code == 200
    listed = r.get_json()
    assert listed["total"] == 1 and listed["items"][0]["contacts"][0]["name"] == "李总"

    assert api.delete(f"/api/v1/enterprises/{ent['id']}").status_code == 204
    assert api.get(f"/api/v1/enterprises/{ent['id']}").status_code == 404
    assert api.get("/api/v1/enterprises", query_string={"q": "测试光电"}).get_json()["total"] == 0
    deleted = api.get("/api/v1/enterprises", query_string={"deleted": "1"}).get_json()
    assert [e["id"] for e in deleted["items"]] == [ent["id"]]
    assert api.delete(f"/api/v1/enterprises/{ent['id']}").status_code == 404

    r = api.post(f"/api/v1/enterprises/{ent['id']}/restore")
    assert r.status_code == 200 and r.get_json()["id"] == ent["id"]
    assert api.get(f"/api/v1/enterprises/{ent['id']}").status_code == 200


def test_project_crud(api, app):
    ent = make_enterprise(api)
    p = make_project(api, enterprise_id=ent["id"], city_code="220100",
                     planned_investment_wan=5000, project_class="major",
                     cooperation_form="投资办厂", attraction_mode="专业招商")
    assert p["stage"] == "lead" and p["version"] == 1
    assert p["cooperation_form"] == "factory" and p["attraction_mode"] == "professional"
    assert p["planned_investment_wan"] == 5000.0
    assert {"case_by_case", "jizhe", "version"} <= p.keys()
    assert p["case_by_case"] is False and p["jizhe"] is False

    r = api.patch(f"/api/v1/projects/{p['id']}",
                  json={"actual_investment_wan": "1200.5", "version": p["version"]})
    assert r.status_code == 200, r.get_json()
    p2 = r.get_json()
    assert p2["actual_investment_wan"] == 1200.5 and p2["version"] == 2

    r = api.get("/api/v1/projects", query_string={"enterprise_id": ent["id"]})
    assert r.get_json()["total"] == 1

    assert api.delete(f"/api/v1/projects/{p['id']}").status_code == 204
    assert api.get(f"/api/v1/projects/{p['id']}").status_code == 404
    assert api.post(f"/api/v1/projects/{p['id']}/restore").status_code == 200
    assert api.get(f"/api/v1/projects/{p['id']}").get_json()["actual_investment_wan"] == 1200.5
    with app.app_context(), session_scope() as session:
        actions = [a.action for a in session.exec(
            select(AuditLog).where(AuditLog.object_type == "project").order_by(AuditLog.id))]
    assert actions == ["create", "update", "delete", "restore"]


def test_project_stage_moves(api):
    p = make_project(api, city_code="220100")
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={"stage": "contact"})
    assert r.status_code == 200 and r.get_json()["stage"] == "contact"
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={"stage": "签约"})  # a label works
    assert r.status_code == 200 and r.get_json()["stage"] == "signed"
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={"stage": "lead"})
    assert r.status_code == 422
    assert "签约" in r.get_json()["fields"]["stage"]
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={"stage": "paused"})
    assert r.status_code == 422 and "stage_reason" in r.get_json()["fields"]
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={"stage": "paused", "reason": "资金"})
    assert r.status_code == 200 and r.get_json()["stage_reason"] == "资金"
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={"stage": 5})
    assert r.status_code == 422 and "stage" in r.get_json()["fields"]
    r = api.post(f"/api/v1/projects/{p['id']}/stage", json={})
    assert r.status_code == 422 and r.get_json()["fields"]["stage"] == "阶段：必填"
    assert api.post("/api/v1/projects/999999/stage", json={"stage": "contact"}).status_code == 404


def test_followup_crud_updates_project_dates(api):
    p = make_project(api, city_code="220100")
    r = api.post("/api/v1/followups", json={
        "project_id": p["id"], "kind": "拜访", "date": "2024-03-01", "summary": "首次拜访",
        "next_step": "寄送材料", "next_due": "2024-03-15"})
    assert r.status_code == 201, r.get_json()
    f = r.get_json()
    assert f["kind"] == "visit" and f["date"] == "2024-03-01" and f["version"] == 1
    assert api.get(f"/api/v1/projects/{p['id']}").get_json()["next_due_on"] == "2024-03-15"

    r = api.patch(f"/api/v1/followups/{f['id']}", json={"done": True, "version": 1})
    assert r.status_code == 200 and r.get_json()["done"] is True
    assert api.get(f"/api/v1/projects/{p['id']}").get_json()["next_due_on"] is None

    listed = api.get("/api/v1/followups", query_string={"project_id": p["id"]}).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == f["id"]
    assert api.get(f"/api/v1/followups/{f['id']}").status_code == 200
    assert api.delete(f"/api/v1/followups/{f['id']}").status_code == 204
    assert api.get(f"/api/v1/followups/{f['id']}").status_code == 404
    assert api.post(f"/api/v1/followups/{f['id']}/restore").status_code == 200


def test_deleting_a_project_takes_its_followups_and_restore_brings_them_back(api, app):
    p = make_project(api, city_code="220100")
    api.post("/api/v1/followups", json={"project_id": p["id"], "date": str(date.today()),
                                        "summary": "电话沟通"})
    api.delete(f"/api/v1/projects/{p['id']}")
    assert api.get("/api/v1/followups").get_json()["total"] == 0
    api.post(f"/api/v1/projects/{p['id']}/restore")
    assert api.get("/api/v1/followups").get_json()["total"] == 1
    with app.app_context(), session_scope() as session:
        assert session.get(Project, p["id"]).deleted_at is None
        assert all(f.deleted_at is None for f in session.exec(select(FollowUp)))


def test_restore_of_a_live_record_changes_nothing(api):
    p = make_project(api, city_code="220100")
    r = api.post(f"/api/v1/projects/{p['id']}/restore")
    assert r.status_code == 200 and r.get_json()["version"] == p["version"]


def test_pagination_and_per_page_cap(api):
    for i in range(7):
        make_project(api, name=f"分页项目{i}", city_code="220100")
    r = api.get("/api/v1/projects", query_string={"per_page": 3, "page": 3})
    body = r.get_json()
    assert body["total"] == 7 and len(body["items"]) == 1
    assert body["page"] == 3 and body["per_page"] == 3
    body = api.get("/api/v1/projects", query_string={"per_page": 100000}).get_json()
    assert body["per_page"] == 500 and len(body["items"]) == 7
    body = api.get("/api/v1/projects", query_string={"page": 10**30}).get_json()
    assert body["items"] == [] and body["total"] == 7
    r = api.get("/api/v1/projects", query_string={"per_page": "many"})
    assert r.status_code == 422 and "per_page" in r.get_json()["fields"]


def test_create_sets_location_header(api):
    r = api.post("/api/v1/enterprises", json={"name": "位置企业"})
    assert r.headers["Location"].endswith(f"/api/v1/enterprises/{r.get_json()['id']}")
