"""Issue 16: one duplicate rule at the form, the API and import, and the 查重 page.
Near names (key_score ≥ 85) are held back until confirmed; an exact duplicate is
refused with its field; the 查重 page lists pairs and merges them."""

from __future__ import annotations

import re

from sqlmodel import select

from crm.db import session_scope
from crm.models import Enterprise, Project
from crm.services import duplicates
from tests.api.api_helpers import ApiClient, token_for
from tests.web.conftest import GOOD_CREDIT_CODE

STORED = "杭州海康微电子测试有限公司"
NEAR = "浙江省杭州海康微电子测试有限公司"  # the same company as people write it
LONELY = "白城远方风电叶片有限公司"


def form(**fields) -> dict:
    return {"name": NEAR, "credit_code": "", "province": "浙江省", "city": "杭州市",
            "chain_segment": "", "kind": "other", "priority": "2", "revenue_wan": "",
            "owner_id": "", "lon": "", "lat": "", "notes": ""} | fields


def count(app, name: str) -> int:
    with app.app_context(), session_scope() as s:
        return len(list(s.exec(select(Enterprise).where(Enterprise.name == name,
                                                        Enterprise.deleted_at.is_(None)))))


def test_form_warns_and_requires_confirmation(app, staff_client, make_enterprise):
    stored = make_enterprise(staff_client.user, name=STORED)
    response = staff_client.post("/enterprises/new", data=form())
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "可能与已有企业重复：" in page and STORED in page
    assert f'href="/enterprises/{stored.id}"' in page and "仍然新建" in page
    assert count(app, NEAR) == 0
    confirmed = staff_client.post("/enterprises/new", data=form(allow_similar="y"))
    assert confirmed.status_code == 302
    assert count(app, NEAR) == 1


def test_form_refuses_an_exact_duplicate_naming_the_field(app, staff_client, make_enterprise):
    make_enterprise(staff_client.user, name=STORED)
    for name in (STORED, "杭州海康微电子测试股份有限公司", "杭州海康微电子测试 有限公司"):
        response = staff_client.post("/enterprises/new", data=form(name=name, allow_similar="y"))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert "企业名称：" in page and "名称相同" in page
    make_enterprise(staff_client.user, name="长春另一家企业有限公司", credit_code=GOOD_CREDIT_CODE)
    response = staff_client.post("/enterprises/new", data=form(name=LONELY,
                                                               credit_code=GOOD_CREDIT_CODE))
    assert response.status_code == 422 and "统一社会信用代码" in response.get_data(as_text=True)
    assert count(app, STORED) == 1


def test_form_edit_to_a_near_name_warns(app, staff_client, make_enterprise):
    make_enterprise(staff_client.user, name=STORED)
    other = make_enterprise(staff_client.user, name=LONELY)
    url = f"/enterprises/{other.id}/edit"
    response = staff_client.post(url, data=form(version=str(other.version)))
    assert response.status_code == 409 and "仍然保存" in response.get_data(as_text=True)
    unchanged = staff_client.post(url, data=form(name=LONELY, notes="只改备注",
                                                 version=str(other.version)))
    assert unchanged.status_code == 302  # the name did not change: no check


def test_api_answers_409_with_candidates_and_201_when_confirmed(app, make_user):
    api = ApiClient(app.test_client(), token_for(app, make_user("staff")), None)
    stored = api.post("/api/v1/enterprises", json={"name": STORED, "city": "杭州市"}).get_json()
    r = api.post("/api/v1/enterprises", json={"name": NEAR})
    assert r.status_code == 409
    body = r.get_json()
    assert body["candidates"][0] == {"id": stored["id"], "name": STORED, "credit_code": None,
                                     "city": "杭州市", "score": body["candidates"][0]["score"]}
    assert body["candidates"][0]["score"] >= 85 and "可能与已有企业重复" in body["error"]
    assert api.post("/api/v1/enterprises?allow_similar=maybe", json={"name": NEAR}
                    ).status_code == 422
    assert api.post("/api/v1/enterprises?allow_similar=true", json={"name": NEAR}
                    ).status_code == 201
    r = api.post("/api/v1/enterprises", json={"name": "杭州海康微电子测试设备有限公司",
                                              "allow_similar": True})
    assert r.status_code == 201, r.get_json()
    exact = api.post("/api/v1/enterprises?allow_similar=true", json={"name": STORED})
    assert exact.status_code == 422 and "name" in exact.get_json()["fields"]
    # PATCH: a new near name is held back too; other fields are not checked
    lonely = api.post("/api/v1/enterprises", json={"name": LONELY}).get_json()
    renamed = {"name": "杭州海康微电子测试技术有限公司"}
    r = api.patch(f"/api/v1/enterprises/{lonely['id']}", json=renamed)
    assert r.status_code == 409 and r.get_json()["candidates"]
    assert api.patch(f"/api/v1/enterprises/{lonely['id']}", json={"notes": "x"}).status_code == 200
    r = api.patch(f"/api/v1/enterprises/{lonely['id']}?allow_similar=1", json=renamed)
    assert r.status_code == 200, r.get_json()


def test_openapi_documents_allow_similar(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/api/v1/enterprises"]["post"]
    assert [p["name"] for p in post["parameters"]] == ["allow_similar"]
    assert post["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PossibleDuplicate"}
    assert "allow_similar" in doc["components"]["schemas"]["EnterpriseCreate"]["properties"]
    assert "allow_similar" in doc["components"]["schemas"]["EnterpriseUpdate"]["properties"]
    patch = doc["paths"]["/api/v1/enterprises/{obj_id}"]["patch"]
    assert [p["name"] for p in patch["parameters"]] == ["allow_similar"]


def plant_pair(app, user) -> tuple[int, int]:
    """Two records of one company, as import would hold back (confirmed past the rule)."""
    api = ApiClient(app.test_client(), token_for(app, user), user)
    a = api.post("/api/v1/enterprises", json={"name": STORED}).get_json()["id"]
    b = api.post("/api/v1/enterprises?allow_similar=true", json={"name": NEAR}).get_json()["id"]
    api.post("/api/v1/enterprises", json={"name": LONELY})
    with app.app_context(), session_scope() as s:
        s.add(Project(name="海康测试项目", enterprise_id=b, city_code="220100",
                      created_by=user.id))
    return a, b


def test_duplicates_page_lists_a_planted_pair_and_merges_it(app, staff_client):
    a, b = plant_pair(app, staff_client.user)
    page = staff_client.get("/enterprises/duplicates")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", html, re.S)
    assert len(rows) == 1 and STORED in rows[0] and NEAR in rows[0] and LONELY not in html
    merge_url = re.search(r'href="(/enterprises/merge\?[^"]+)"', rows[0]).group(1)
    merge_url = merge_url.replace("&amp;", "&")
    assert staff_client.get(merge_url).status_code == 200
    keep, drop = (int(x) for x in re.findall(r"(?:keep|drop)=(\d+)", merge_url))
    assert {keep, drop} == {a, b} and keep == a  # the older record is offered as kept
    done = staff_client.post("/enterprises/merge", data={"keep_id": keep, "drop_id": drop})
    assert done.status_code == 302
    with app.app_context(), session_scope() as s:
        assert s.get(Enterprise, drop).deleted_at is not None
        assert len(list(s.exec(select(Project).where(Project.enterprise_id == keep)))) == 1
    assert "没有发现疑似重复的企业" in staff_client.get("/enterprises/duplicates").get_data(
        as_text=True)
    assert "查重" in staff_client.get("/enterprises").get_data(as_text=True)


def test_merge_from_the_detail_page_without_ids(app, staff_client):
    a, b = plant_pair(app, staff_client.user)
    detail = staff_client.get(f"/enterprises/{b}").get_data(as_text=True)
    button = re.search(r'href="([^"]+)"[^>]*>合并重复<', detail).group(1)
    merge_page = staff_client.get(button.replace("&amp;", "&")).get_data(as_text=True)
    assert STORED in merge_page
    pick = re.search(r'href="([^"]+)">选为并入对象<', merge_page).group(1).replace("&amp;", "&")
    chosen = staff_client.get(pick).get_data(as_text=True)
    swap = re.search(r'href="([^"]+)" data-swap', chosen).group(1).replace("&amp;", "&")
    assert f"keep={a}" in swap and f"drop={b}" in swap  # keep the other record instead
    staff_client.get(swap)
    done = staff_client.post("/enterprises/merge", data={"keep_id": a, "drop_id": b})
    assert done.status_code == 302
    with app.app_context(), session_scope() as s:
        assert s.get(Enterprise, b).deleted_at is not None
        assert s.get(Enterprise, a).deleted_at is None


def test_city_users_and_viewers_may_not_merge(app, client_as):
    for role in ("city", "viewer"):
        c = client_as(role, "220100" if role == "city" else None)
        assert c.get("/enterprises/duplicates").status_code == 403
        assert "查重" not in c.get("/").get_data(as_text=True)


def test_the_cached_index_follows_changes(app, db, staff):
    """A record created, renamed or deleted after the index was built counts at once."""
    from crm.services import enterprises

    before = duplicates.index(db)
    assert before.check(NEAR, None).similar == []  # NEAR's near keys looked up once
    stored = enterprises.create_enterprise(session=db, user=staff, data={"name": STORED})
    assert duplicates.index(db) is before  # a record added: added to the same index
    assert duplicates.index(db).check(NEAR, None).similar[0].key == stored.id
    enterprises.update_enterprise(session=db, enterprise=stored, user=staff,
                                  data={"name": "通化远方制药有限公司"})
    assert duplicates.index(db).check(NEAR, None).similar == []
    enterprises.update_enterprise(session=db, enterprise=stored, user=staff,
                                  data={"name": STORED})
    enterprises.delete_enterprise(session=db, enterprise=stored, user=staff)
    assert duplicates.index(db).check(NEAR, None).similar == []
