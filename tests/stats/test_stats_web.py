"""The statistics pages, their exports and the JSON API."""

import io
import re
from decimal import Decimal

import pytest
from fixtures_stats import build  # tests/stats is on sys.path
from openpyxl import load_workbook

from crm.services import funding, projects, users


@pytest.fixture
def data(app, db, staff):
    return build(db, staff)


def test_statistics_page_links_every_figure(staff_client, data):
    html = staff_client.get("/stats").get_data(as_text=True)
    assert "签约率" in html and "60.0%" in html and "49.2%" in html
    assert 'href="/projects?city_code=220100"' in html
    assert 'href="/projects?stage=lead"' in html
    assert "/stats/list?" in html and "month=2024-04" in html
    assert "vendor/chartjs/chart.umd.js" in html


def test_figures_lead_to_lists_with_the_same_count(staff_client, data):
    html = staff_client.get("/stats/list?funded=1&month=2024-04").get_data(as_text=True)
    assert "共 2 个项目" in html and "P3" in html and "P4" in html
    html = staff_client.get("/stats/list?case_by_case=1&case_status=consulting").get_data(
        as_text=True)
    assert "共 1 个项目" in html and "P6" in html


@pytest.mark.parametrize("name", ["indicators", "funnel", "city", "segment", "mode", "form",
                                  "city_indicators", "monthly", "cases", "jizhe"])
def test_every_table_exports_to_xlsx(staff_client, data, name):
    response = staff_client.get(f"/stats/export/{name}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws.max_row >= 3


def test_city_export_has_the_numbers(staff_client, data):
    response = staff_client.get("/stats/export/city.xlsx?city_code=220200")
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows[0][:4] == ("吉林市", 2, 2, 123000)
    assert "吉林市" in ws["A1"].value


def test_unknown_export_is_404(staff_client):
    assert staff_client.get("/stats/export/nope.xlsx").status_code == 404


def test_city_user_sees_own_city_by_default_and_may_clear(client_as, data):
    c = client_as("city", city_code="220200")
    html = c.get("/stats").get_data(as_text=True)
    assert "共 2 个项目" in html and "查看全省" in html
    html = c.get("/stats?city_code=").get_data(as_text=True)
    assert "共 7 个项目" in html
    # links from the cleared page keep it cleared on the drill-down list
    links = re.findall(r'href="(/stats/list[^"]*)"', html)
    missing = [link for link in links if "city_code=" not in link]
    assert links and not missing
    assert 'href="/stats/export/city.xlsx?city_code="' in html


def test_login_required(client):
    assert client.get("/stats").status_code == 302


def test_rewards_page_admin_edits_others_read(client_as, app):
    admin = client_as("admin")
    r = admin.post("/stats/rewards", data={"city_code": "220100", "rate_percent": "1.5",
                                           "cap_wan": "800", "note": "测试"})
    assert r.status_code == 302
    html = admin.get("/stats/rewards").get_data(as_text=True)
    assert "长春市" in html and "1.5%" in html
    bad = admin.post("/stats/rewards", data={"city_code": "220100", "rate_percent": "abc"})
    assert bad.status_code == 422 and "奖励比例（%）：应为数字" in bad.get_data(as_text=True)
    staff = client_as("staff")
    assert staff.get("/stats/rewards").status_code == 200
    assert staff.post("/stats/rewards", data={"city_code": "220100",
                                              "rate_percent": "9"}).status_code == 403


def test_funds_form_posts(staff_client, db, staff):
    p = projects.create_project(session=db, data={"name": "表单项目", "city_code": "220100"},
                                user=staff)
    r = staff_client.post(f"/stats/projects/{p.id}/funds",
                          data={"date": "2024-02-02", "amount_wan": "250", "note": "首笔"})
    assert r.status_code == 302
    db.refresh(p)
    assert p.actual_investment_wan == Decimal("250.00")
    arrival = funding.arrivals_of(db, p.id)[0]
    staff_client.post(f"/stats/funds/{arrival.id}/delete")
    db.refresh(p)
    assert p.actual_investment_wan == Decimal("0.00")


def test_policy_overview_page(staff_client):
    html = staff_client.get("/stats/policy").get_data(as_text=True)
    assert "吉政办发〔2023〕10号" in html and "支持企业上市" in html


# --- API -----------------------------------------------------------------------------

@pytest.fixture
def token(db, staff):
    return users.create_token(db, user=staff)


def test_api_requires_a_token(client):
    r = client.get("/api/v1/stats")
    assert r.status_code == 401 and "error" in r.get_json()
    assert client.get("/api/v1/projects/1/policies").status_code == 401


def test_api_stats_same_numbers(client, data, token):
    body = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["total"] == 7
    rates = {i["key"]: i["rate"] for i in body["indicators"]}
    assert rates == {"signing_rate": 60.0, "fulfilment_rate": 50.0, "start_rate": 66.7,
                     "production_rate": 33.3, "funding_rate": 49.2}
    body = client.get("/api/v1/stats?city_code=220200",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["total"] == 2 and body["filters"] == {"city_code": "220200"}


def test_api_policies(client, db, staff, data, token):
    auth = {"Authorization": f"Bearer {token}"}
    p4 = data["p4"]
    body = client.get(f"/api/v1/projects/{p4.id}/policies", headers=auth).get_json()
    m17 = next(m for m in body["matches"] if m["number"] == 17)
    assert m17["status"] == "case_by_case" and m17["responsible_units"]
    assert [m["number"] for m in body["checklist"]] == [4, 9, 11, 13, 14, 15, 18, 19, 20]
    assert body["estimated_reward"] is None
    from crm.services import enterprises
    e = enterprises.create_enterprise(session=db, user=staff, data={
        "name": "接口电子有限公司", "revenue_wan": "10000.01", "chain_segment": "集成电路"})
    body = client.get(f"/api/v1/enterprises/{e.id}/policies", headers=auth).get_json()
    m5 = next(m for m in body["matches"] if m["number"] == 5)
    assert m5["amount_wan"] == 30.0 and m5["fields"] == {"revenue_wan": 10000.01}
    r = client.get("/api/v1/enterprises/999999/policies", headers=auth)
    assert r.status_code == 404 and "error" in r.get_json()


# --- the panels on the detail pages ----------------------------------------------------

def _includes(name: str, template: str) -> bool:
    from crm.config import PROJECT_ROOT

    path = PROJECT_ROOT / "templates" / template
    return path.exists() and name in path.read_text(encoding="utf-8")


def test_project_detail_shows_policies_funds_and_reward(client_as, db, staff):
    if not (_includes("_policies.html", "projects/detail.html")
            and _includes("_funds.html", "projects/detail.html")):
        pytest.skip("项目详情页尚未引入 _policies.html / _funds.html")
    admin = db.merge(client_as("admin").user)
    funding.set_reward_rule(session=db, city_code="220100", rate_percent="1", cap_wan="500",
                            user=admin)
    from crm.services import enterprises
    e = enterprises.create_enterprise(session=db, user=staff, data={
        "name": "详情电子有限公司", "revenue_wan": "60000", "chain_segment": "高端芯片"})
    p = projects.create_project(session=db, user=staff, data={
        "name": "详情项目", "city_code": "220100", "enterprise_id": e.id,
        "planned_investment_wan": "100000", "stage": "signed"})
    funding.add_arrival(session=db, project=p, user=staff,
                        data={"date": "2024-01-01", "amount_wan": "30000"})
    c = client_as("staff")
    html = c.get(f"/projects/{p.id}").get_data(as_text=True)
    assert 'id="policies"' in html and 'data-measure="17"' in html and "一事一议" in html
    assert 'data-measure="5"' in html and "50.00 万元" in html
    assert 'id="funds"' in html and "30,000.00 万元" in html
    assert 'id="reward-estimate"' in html and "300.00 万元" in html
    html = c.get(f"/enterprises/{e.id}").get_data(as_text=True)
    if _includes("_policies.html", "enterprises/detail.html"):
        assert 'id="policies"' in html and 'data-measure="5"' in html


def test_viewer_sees_funds_without_the_form(app, client_as, make_user):
    if not _includes("_funds.html", "projects/detail.html"):
        pytest.skip("项目详情页尚未引入 _funds.html")
    from crm.db import session_scope

    staff = make_user("staff")
    with app.app_context(), session_scope() as session:
        p = projects.create_project(session=session, user=session.merge(staff),
                                    data={"name": "只读项目", "city_code": "220100"})
        project_id = p.id
    html = client_as("viewer").get(f"/projects/{project_id}").get_data(as_text=True)
    assert 'id="funds"' in html and 'name="amount_wan"' not in html
