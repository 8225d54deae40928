"""Every page renders for staff; filters, sorting, pagination and the recycle bin work."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest


@pytest.fixture
def records(staff_client, make_enterprise, make_project, make_followup):
    user = staff_client.user
    ent = make_enterprise(user)
    big = make_project(user, name="杭州十二亿光电项目", enterprise_id=ent.id,
                       planned_investment_wan=Decimal("120000"), source_province="浙江省",
                       source_city="杭州市")
    small = make_project(user, name="四平配套项目", city_code="220300",
                         planned_investment_wan=Decimal("800"), source_province="广东省",
                         source_city="深圳市", attraction_mode="chain")
    follow = make_followup(user, project_id=big.id, next_due="2026-01-06")
    return {"ent": ent, "big": big, "small": small, "follow": follow}


def test_every_page_renders(staff_client, records):
    e, p, f = records["ent"].id, records["big"].id, records["follow"].id
    urls = [
        "/", "/enterprises", "/enterprises?deleted=1", f"/enterprises/{e}", "/enterprises/new",
        f"/enterprises/{e}/edit", "/projects", "/projects?deleted=1&sort=-planned",
        f"/projects/{p}", "/projects/new", f"/projects/new?enterprise_id={e}",
        f"/projects/{p}/edit", "/projects/board", "/projects/board?city_code=220100",
        "/followups", "/followups?deleted=1&sort=next_due", f"/followups/{f}",
        "/followups/new", f"/followups/new?project_id={p}", f"/followups/new?enterprise_id={e}",
        f"/followups/{f}/edit", "/case-by-case", "/case-by-case?case_status=pending", "/jizhe",
    ]
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert "招商通" in response.get_data(as_text=True)


def test_pages_need_login(client):
    for url in ("/enterprises", "/projects", "/projects/board", "/followups", "/case-by-case",
                "/jizhe"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_record_is_404(staff_client):
    assert staff_client.get("/projects/9999").status_code == 404
    assert staff_client.get("/enterprises/9999/edit").status_code == 404


@pytest.mark.parametrize(("query", "present", "absent"), [
    ("city_code=220300", "四平配套项目", "杭州十二亿光电项目"),
    ("case_by_case=1", "杭州十二亿光电项目", "四平配套项目"),
    ("case_by_case=0", "四平配套项目", "杭州十二亿光电项目"),
    ("jizhe=1", "杭州十二亿光电项目", "四平配套项目"),
    ("attraction_mode=chain", "四平配套项目", "杭州十二亿光电项目"),
    ("q=十二亿", "杭州十二亿光电项目", "四平配套项目"),
    ("q=芯光", "杭州十二亿光电项目", "四平配套项目"),  # keyword over the enterprise name
    ("stage=signed", None, "杭州十二亿光电项目"),
])
def test_project_filters_change_results(staff_client, records, query, present, absent):
    html = staff_client.get(f"/projects?{query}").get_data(as_text=True)
    if present:
        assert present in html
    assert absent not in html


def test_filtered_list_links_keep_filters(staff_client, records):
    html = staff_client.get("/projects?city_code=220300").get_data(as_text=True)
    # sort links and the board link carry the filter, so a filtered list is a link
    assert "sort=name" in html and "city_code=220300" in html
    assert 'href="/projects/board?city_code=220300"' in html


def test_sorting_by_planned_investment(staff_client, records):
    up = staff_client.get("/projects?sort=planned").get_data(as_text=True)
    down = staff_client.get("/projects?sort=-planned").get_data(as_text=True)
    assert up.index("四平配套项目") < up.index("杭州十二亿光电项目")
    assert down.index("杭州十二亿光电项目") < down.index("四平配套项目")


def test_pagination(app, staff_client, make_project):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        make_project(staff_client.user, name=f"分页项目{i}")
    first = staff_client.get("/projects?sort=name").get_data(as_text=True)
    third = staff_client.get("/projects?sort=name&page=3").get_data(as_text=True)
    assert "分页项目0" in first and "分页项目4" not in first
    assert "分页项目4" in third and "共 5 条" in third
    assert "page=2" in first


def test_enterprise_and_followup_filters(staff_client, records, make_enterprise):
    make_enterprise(staff_client.user, name="深圳某电子公司", province="广东省", city="深圳市")
    html = staff_client.get("/enterprises?jizhe=1").get_data(as_text=True)
    assert "杭州芯光科技有限公司" in html and "深圳某电子公司" not in html
    html = staff_client.get("/enterprises?q=深圳").get_data(as_text=True)
    assert "深圳某电子公司" in html and "杭州芯光科技有限公司" not in html
    html = staff_client.get("/followups?overdue=1").get_data(as_text=True)
    assert "电话沟通投资意向" in html
    html = staff_client.get("/followups?city_code=220300").get_data(as_text=True)
    assert "电话沟通投资意向" not in html


def test_project_list_loads_related_rows_once(app, staff_client, make_enterprise, make_project):
    """No query per row: the number of statements does not grow with the page."""
    from sqlalchemy import event

    from crm.db import get_engine

    def count_queries(n_projects: int) -> int:
        for i in range(n_projects):
            ent = make_enterprise(staff_client.user, name=f"企业{n_projects}-{i}")
            make_project(staff_client.user, name=f"项目{n_projects}-{i}", enterprise_id=ent.id)
        statements = []
        engine = get_engine(app)
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff_client.get("/projects").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    count_queries(0)  # the first page also fills the reference cache
    few = count_queries(2)
    many = count_queries(8)
    assert many == few


def test_detail_pages_show_related(staff_client, records):
    html = staff_client.get(f"/enterprises/{records['ent'].id}").get_data(as_text=True)
    assert "杭州十二亿光电项目" in html  # its projects
    assert f"/projects/new?enterprise_id={records['ent'].id}" in html
    html = staff_client.get(f"/projects/{records['big'].id}").get_data(as_text=True)
    assert "电话沟通投资意向" in html  # the timeline
    assert "阶段历史" in html and "变更历史" in html


def test_new_project_form_prefilled_from_enterprise(staff_client, records):
    html = staff_client.get(f"/projects/new?enterprise_id={records['ent'].id}").get_data(
        as_text=True)
    assert f'name="enterprise_id" id="enterprise_id-value" value="{records["ent"].id}"' in html
    assert re.search(f'<input[^>]*name="enterprise_id_text"[^>]*value="{records["ent"].name}"',
                     html)
    assert 'value="浙江省"' in html


def test_list_rows_link_to_their_records(staff_client, records):
    """Each row's links (the record, its project, its enterprise) open that record."""
    e, p, f = records["ent"], records["big"], records["follow"]
    expected = {
        "/enterprises": {f"/enterprises/{e.id}": e.name},
        "/projects": {f"/projects/{p.id}": p.name, f"/enterprises/{e.id}": e.name},
        "/followups": {f"/followups/{f.id}": "电话沟通投资意向", f"/projects/{p.id}": p.name},
    }
    for page, links in expected.items():
        html = staff_client.get(page).get_data(as_text=True)
        for href, name in links.items():
            assert f'href="{href}"' in html, (page, href)
            assert name in staff_client.get(href).get_data(as_text=True), href


def _row(html: str, record_id: int) -> str:
    start = html.index(f'<tr data-id="{record_id}">')
    return html[start:html.index("</tr>", start)]


def test_lists_show_related_names(staff_client, records, make_followup):
    """Lists read only the names of related records (views_common.names_by_id): the
    enterprise beside a project, the project beside a follow-up, on every list."""
    e, big = records["ent"], records["big"]
    on_ent = make_followup(staff_client.user, enterprise_id=e.id, summary="拜访企业总部")
    get = lambda url: staff_client.get(url).get_data(as_text=True)  # noqa: E731
    assert e.name in _row(get("/projects"), big.id)
    assert e.name in _row(get("/followups"), on_ent.id)
    assert big.name in _row(get("/followups"), records["follow"].id)
    assert e.name in _row(get("/case-by-case"), big.id)  # 12亿: 一事一议
    assert f"{e.name}</div>" in get("/projects/board")
    assert f'<span class="small text-muted">· {big.name}</span>' in get("/")  # my overdue
    timeline_link = f' · <a href="/projects/{big.id}">{big.name}</a>'
    assert timeline_link in get(f"/enterprises/{e.id}")  # its follow-ups' timeline
