"""The policy's rules seen through the API: 一事一议 at its edge, 吉浙, list filters."""

import pytest

from tests.api.api_helpers import make_enterprise, make_project


@pytest.mark.parametrize("amount, flagged", [
    ("99999.99", False), ("100000", True), ("100000.01", True),
    (99999.99, False), (100000, True), (100000.01, True)])
def test_case_by_case_edge_via_api(api, amount, flagged):
    p = make_project(api, city_code="220100", planned_investment_wan=amount)
    assert p["case_by_case"] is flagged
    assert p["case_status"] == ("pending" if flagged else None)
    assert p["planned_investment_wan"] == float(amount)


def test_case_by_case_cannot_be_set_by_hand_and_follows_edits(api):
    p = make_project(api, city_code="220100", planned_investment_wan=100, case_by_case=True,
                     jizhe=True)
    assert p["case_by_case"] is False and p["jizhe"] is False
    r = api.patch(f"/api/v1/projects/{p['id']}", json={"planned_investment_wan": 120000})
    assert r.get_json()["case_by_case"] is True
    r = api.patch(f"/api/v1/projects/{p['id']}", json={"planned_investment_wan": "99999.99"})
    assert r.get_json()["case_by_case"] is False
    r = api.patch(f"/api/v1/projects/{p['id']}", json={"case_by_case": True})
    assert r.get_json()["case_by_case"] is False


@pytest.mark.parametrize("fields, jizhe", [
    ({"source_province": "浙江省", "source_city": "杭州市"}, True),
    ({"source_province": "浙江"}, True),
    ({"attraction_mode": "jizhe"}, True),
    ({"attraction_mode": "吉浙对口合作", "source_province": "广东省"}, True),
    ({"source_province": "江苏省", "attraction_mode": "专业招商"}, False),
    ({}, False)])
def test_jizhe_via_api(api, fields, jizhe):
    p = make_project(api, city_code="220100", **fields)
    assert p["jizhe"] is jizhe


def test_twelve_yi_from_hangzhou_is_both(api):
    p = make_project(api, city_code="220100", planned_investment_wan=120000,
                     source_province="浙江省", source_city="杭州市")
    assert p["case_by_case"] and p["jizhe"]


@pytest.fixture
def some_projects(api):
    ent = make_enterprise(api, name="长光华芯光电")
    made = {
        "big": make_project(api, name="激光雷达产业园", city_code="220100",
                            planned_investment_wan=150000, enterprise_id=ent["id"]),
        "zj": make_project(api, name="新型显示模组", city_code="220200",
                           source_province="浙江省", planned_investment_wan=8000),
        "mode": make_project(api, name="汽车电子配套", city_code="220200",
                             attraction_mode="jizhe"),
        "plain": make_project(api, name="智能终端组装", city_code="220300"),
    }
    api.post(f"/api/v1/projects/{made['plain']['id']}/stage", json={"stage": "contact"})
    return made


def ids(api, **params):
    r = api.get("/api/v1/projects", query_string=params)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["total"] == len(body["items"])
    return {p["id"] for p in body["items"]}


def test_list_filters(api, some_projects):
    p = {k: v["id"] for k, v in some_projects.items()}
    assert ids(api, case_by_case=1) == {p["big"]}
    assert ids(api, case_by_case="true") == {p["big"]}
    assert ids(api, case_by_case=0) == {p["zj"], p["mode"], p["plain"]}
    assert ids(api, jizhe=1) == {p["zj"], p["mode"]}
    assert ids(api, city_code="220200") == {p["zj"], p["mode"]}
    assert ids(api, city_code="220200", jizhe=1, attraction_mode="jizhe") == {p["mode"]}
    assert ids(api, stage="contact") == {p["plain"]}
    assert ids(api, q="激光") == {p["big"]}
    assert ids(api, q="长光华芯") == {p["big"]}  # the enterprise's name matches too
    assert ids(api, q="不存在的关键词") == set()
    assert ids(api, owner_id=api.user.id) == set(p.values())
    items = api.get("/api/v1/projects?sort=-planned").get_json()["items"]
    # (where NULL amounts sort differs between SQLite and PostgreSQL: look at amounts only)
    order = [x["id"] for x in items if x["planned_investment_wan"] is not None]
    assert order == [p["big"], p["zj"]]


def test_enterprise_and_followup_filters(api, some_projects):
    make_enterprise(api, name="杭州某芯片公司", province="浙江省", city="杭州市")
    make_enterprise(api, name="深圳某终端公司", province="广东省")
    body = api.get("/api/v1/enterprises", query_string={"jizhe": 1, "q": "某"}).get_json()
    assert [e["name"] for e in body["items"]] == ["杭州某芯片公司"]
    body = api.get("/api/v1/enterprises", query_string={"jizhe": 1}).get_json()
    assert body["items"] and all(e["province"] == "浙江省" for e in body["items"])
    body = api.get("/api/v1/enterprises", query_string={"q": "终端"}).get_json()
    assert [e["name"] for e in body["items"]] == ["深圳某终端公司"]

    for key in ("big", "zj"):
        r = api.post("/api/v1/followups", json={"project_id": some_projects[key]["id"],
                                                "date": "2024-05-01", "summary": f"{key}会谈"})
        assert r.status_code == 201
    body = api.get("/api/v1/followups", query_string={"city_code": "220200"}).get_json()
    assert [f["summary"] for f in body["items"]] == ["zj会谈"]
    body = api.get("/api/v1/followups", query_string={"q": "big"}).get_json()
    assert body["total"] == 1


def test_junk_filter_values_never_fail(api, some_projects):
    for params in ({"case_by_case": "maybe"}, {"stage": "nonsense"},
                   {"q": "%_'\""}, {"city_code": "x" * 500}, {"deleted": "yes"}):
        assert api.get("/api/v1/projects", query_string=params).status_code == 200
    # an unknown order is refused, not silently the default (issue 14 §6)
    assert api.get("/api/v1/projects", query_string={"sort": "name;drop"}).status_code == 400
    r = api.get("/api/v1/projects", query_string={"owner_id": "abc"})
    assert r.status_code == 422 and "负责人" in r.get_json()["fields"]["owner_id"]
    r = api.get("/api/v1/projects", query_string={"owner_id": str(10**30)})
    assert r.status_code == 422


def test_patch_with_chinese_labels_stores_codes(api):
    """Found by the API fuzz run: a PATCH with a label stored the label itself."""
    p = make_project(api, city_code="220100")
    r = api.patch(f"/api/v1/projects/{p['id']}",
                  json={"attraction_mode": "吉浙对口合作", "cooperation_form": "资源共享",
                        "project_class": "重大产业化项目"})
    body = r.get_json()
    assert (body["attraction_mode"], body["cooperation_form"], body["project_class"]) == (
        "jizhe", "resource_sharing", "major")
    assert body["jizhe"] is True
    e = make_enterprise(api)
    assert api.patch(f"/api/v1/enterprises/{e['id']}",
                     json={"kind": "科研机构"}).get_json()["kind"] == "research"
    f = api.post("/api/v1/followups", json={"project_id": p["id"], "date": "2024-02-02",
                                            "summary": "会谈"}).get_json()
    assert api.patch(f"/api/v1/followups/{f['id']}",
                     json={"kind": "签约仪式"}).get_json()["kind"] == "signing"
