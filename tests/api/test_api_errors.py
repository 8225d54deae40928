"""Error cases: 400, 403, 404, 409, 422 — all JSON, never a 500."""

import pytest

from tests.api.api_helpers import make_enterprise, make_project


def test_stale_version_is_409_with_current(api):
    p = make_project(api, city_code="220100", planned_investment_wan=100)
    first = api.patch(f"/api/v1/projects/{p['id']}",
                      json={"notes": "第一次修改", "version": p["version"]})
    assert first.status_code == 200
    r = api.patch(f"/api/v1/projects/{p['id']}",
                  json={"notes": "基于旧版本的修改", "version": p["version"]})
    assert r.status_code == 409
    body = r.get_json()
    assert "他人修改" in body["error"]
    assert body["current"]["notes"] == "第一次修改"
    assert body["current"]["version"] == first.get_json()["version"]
    assert api.get(f"/api/v1/projects/{p['id']}").get_json()["notes"] == "第一次修改"


@pytest.mark.parametrize("kind, body", [
    ("enterprises", {"notes": "x"}),
    ("followups", {"summary": "x"})])
def test_stale_version_409_for_other_kinds(api, kind, body):
    p = make_project(api, city_code="220100")
    if kind == "enterprises":
        obj = make_enterprise(api)
    else:
        obj = api.post("/api/v1/followups", json={"project_id": p["id"], "date": "2024-01-02",
                                                  "summary": "初次"}).get_json()
    api.patch(f"/api/v1/{kind}/{obj['id']}", json={**body, "version": obj["version"]})
    r = api.patch(f"/api/v1/{kind}/{obj['id']}", json={**body, "version": obj["version"]})
    assert r.status_code == 409 and r.get_json()["current"]["id"] == obj["id"]


def test_stale_version_on_stage_move_is_409(api):
    p = make_project(api, city_code="220100")
    api.patch(f"/api/v1/projects/{p['id']}", json={"notes": "改过"})
    r = api.post(f"/api/v1/projects/{p['id']}/stage",
                 json={"stage": "contact", "version": p["version"]})
    assert r.status_code == 409
    assert r.get_json()["current"]["stage"] == "lead"


def test_422_field_errors_in_chinese(api):
    r = api.post("/api/v1/projects", json={
        "name": "坏数据项目", "city_code": "330100", "planned_investment_wan": "-5",
        "project_class": "巨型", "lon": 200, "lat": 43})
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "输入有误，请检查标出的字段。"
    f = body["fields"]
    assert f["city_code"].startswith("落地市（州）：")
    assert f["planned_investment_wan"] == "计划投资额（万元）：不能为负数"
    assert f["project_class"].startswith("项目类别：不是可选的值")
    assert f["lon"].startswith("经度：")


@pytest.mark.parametrize("body, field, message", [
    ({"name": "x", "planned_investment_wan": "一百万"}, "planned_investment_wan", "应为数字"),
    ({"name": "x", "enterprise_id": "abc"}, "enterprise_id", "应为整数"),
    ({"name": "x", "enterprise_id": 424242}, "enterprise_id", "所选企业不存在"),
    ({"name": ["x"]}, "name", "应为文本"),
    ({"name": "x" * 201}, "name", "最多 200 个字符"),
    ({}, "name", "必填"),
])
def test_422_type_errors(api, body, field, message):
    r = api.post("/api/v1/projects", json=body)
    assert r.status_code == 422, r.get_json()
    assert message in r.get_json()["fields"][field]


def test_422_enterprise_credit_code_and_followup(api):
    r = api.post("/api/v1/enterprises",
                 json={"name": "坏代码", "credit_code": "91110000ABCDEFGHIJ"})
    assert r.status_code == 422 and "credit_code" in r.get_json()["fields"]
    r = api.post("/api/v1/followups", json={"date": "2024-13-01", "summary": ""})
    assert r.status_code == 422
    assert "日期格式" in r.get_json()["fields"]["date"]


@pytest.mark.parametrize("data, content_type", [
    ("{not json", "application/json"),
    ("", "application/json"),
    ("[1, 2]", "application/json"),
    ('"a string"', "application/json"),
    ("null", "application/json"),
    ("name=x", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00", "application/json"),
    ("[" * 100000, "application/json"),
])
def test_400_on_malformed_json(api, data, content_type):
    for url in ("/api/v1/projects", "/api/v1/enterprises", "/api/v1/followups"):
        r = api.post(url, data=data, content_type=content_type)
        assert r.status_code == 400, (url, r.data)
        assert r.is_json and r.get_json()["error"]
    p = make_project(api, city_code="220100")
    r = api.patch(f"/api/v1/projects/{p['id']}", data=data, content_type=content_type)
    assert r.status_code == 400
    r = api.post(f"/api/v1/projects/{p['id']}/stage", data=data, content_type=content_type)
    assert r.status_code == 400


def test_404_and_405_are_json(api):
    for url in ("/api/v1/projects/999999", "/api/v1/enterprises/999999",
                "/api/v1/followups/999999", f"/api/v1/projects/{10**30}", "/api/v1/nothing"):
        r = api.get(url)
        assert r.status_code == 404 and r.is_json, url
    r = api.client.put("/api/v1/projects", headers=api.headers, json={})
    assert r.status_code == 405 and r.is_json


def test_bad_version_type_is_422_not_500(api):
    p = make_project(api, city_code="220100")
    for version in ("abc", [1], {"v": 1}, 1.5, True):
        r = api.patch(f"/api/v1/projects/{p['id']}", json={"notes": "x", "version": version})
        assert r.status_code in (409, 422), (version, r.get_json())


def test_city_user_cannot_touch_another_citys_project(api, api_as):
    changchun = make_project(api, city_code="220100", name="长春项目")
    jilin = make_project(api, city_code="220200", name="吉林市项目")
    city = api_as("city", city_code="220200")
    pid = changchun["id"]

    assert city.get(f"/api/v1/projects/{pid}").status_code == 200  # reads everything
    assert city.get("/api/v1/projects").get_json()["total"] == 2
    for r in (
        city.patch(f"/api/v1/projects/{pid}", json={"notes": "越权"}),
        city.delete(f"/api/v1/projects/{pid}"),
        city.post(f"/api/v1/projects/{pid}/stage", json={"stage": "contact"}),
        city.post("/api/v1/projects", json={"name": "越权新建", "city_code": "220100"}),
        city.post("/api/v1/followups", json={"project_id": pid, "date": "2024-01-01",
                                             "summary": "越权"}),
        city.patch(f"/api/v1/projects/{jilin['id']}", json={"city_code": "220100"}),
        city.post("/api/v1/enterprises", json={"name": "市州不能建企业"}),
    ):
        assert r.status_code == 403, r.get_json()
        assert r.is_json and r.get_json()["error"]
    assert api.get(f"/api/v1/projects/{pid}").get_json()["notes"] == ""

    r = city.patch(f"/api/v1/projects/{jilin['id']}", json={"notes": "本市可改"})
    assert r.status_code == 200
    r = city.post("/api/v1/projects", json={"name": "本市新建", "city_code": "220200"})
    assert r.status_code == 201


def test_viewer_is_read_only(api, api_as):
    p = make_project(api, city_code="220100")
    viewer = api_as("viewer")
    assert viewer.get("/api/v1/projects").status_code == 200
    assert viewer.get(f"/api/v1/projects/{p['id']}").status_code == 200
    assert viewer.post("/api/v1/projects", json={"name": "x"}).status_code == 403
    assert viewer.patch(f"/api/v1/projects/{p['id']}", json={"notes": "x"}).status_code == 403
    assert viewer.delete(f"/api/v1/projects/{p['id']}").status_code == 403
    assert viewer.post(f"/api/v1/projects/{p['id']}/restore").status_code == 403


# --- found by the fuzz runs (tests/fuzz, bench/README.md): each was a 500 or stored garbage

@pytest.mark.parametrize("kind, body, field", [
    ("projects", {"project_class": None}, "project_class"),
    ("projects", {"introducer": None, "notes": None}, None),  # text: null clears it
    ("followups", {"date": None}, "date"),
    ("followups", {"done": None}, "done"),
    ("enterprises", {"priority": None}, "priority"),
    ("enterprises", {"is_key_target": None}, "is_key_target"),
])
def test_null_for_a_required_column_is_422_or_cleared(api, kind, body, field):
    p = make_project(api, city_code="220100", notes="旧备注")
    objs = {"projects": p, "enterprises": make_enterprise(api),
            "followups": api.post("/api/v1/followups", json={
                "project_id": p["id"], "date": "2024-01-01", "summary": "x"}).get_json()}
    r = api.patch(f"/api/v1/{kind}/{objs[kind]['id']}", json=body)
    if field is None:
        assert r.status_code == 200 and r.get_json()["notes"] == ""
    else:
        assert r.status_code == 422 and field in r.get_json()["fields"]


@pytest.mark.parametrize("kind", ["projects", "enterprises"])
def test_unknown_owner_is_422_not_a_foreign_key_500(api, kind):
    r = api.post(f"/api/v1/{kind}", json={"name": "负责人不存在", "owner_id": 10000})
    assert r.status_code == 422 and "负责人" in r.get_json()["fields"]["owner_id"]


@pytest.mark.parametrize("body, field", [
    ({"name": "a\x00b"}, "name"),
    ({"name": "x", "enterprise_id": 2**70}, "enterprise_id"),
    ({"name": "x", "planned_investment_wan": "1e400"}, "planned_investment_wan"),
    ({"name": "x", "planned_investment_wan": 10**15}, "planned_investment_wan"),
])
def test_values_the_database_cannot_hold_are_422(api, body, field):
    r = api.post("/api/v1/projects", json=body)
    assert r.status_code == 422 and field in r.get_json()["fields"]


def test_non_text_credit_code_is_422(api):
    e = make_enterprise(api)
    r = api.patch(f"/api/v1/enterprises/{e['id']}", json={"credit_code": True})
    assert r.status_code == 422 and "credit_code" in r.get_json()["fields"]


def test_amounts_are_rounded_to_cents_before_the_rule(api):
    """99999.995 万元 is stored as 100000.00, so it is 一事一议 (not judged unrounded)."""
    p = make_project(api, city_code="220100", planned_investment_wan="99999.995")
    assert p["planned_investment_wan"] == 100000.0 and p["case_by_case"] is True
    p = make_project(api, city_code="220100", planned_investment_wan="99999.994")
    assert p["planned_investment_wan"] == 99999.99 and p["case_by_case"] is False
