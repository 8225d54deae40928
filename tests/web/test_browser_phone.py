"""Every page on a phone (390×844) and on an office desktop (1440×900), in real Chromium.

The phone: no page scrolls sideways, lists are cards with their filters in a drawer, the
map keeps its layer list and legend behind buttons, and a follow-up is two taps from a
project card. The desktop: no column header wraps one character per line, nothing in a
table is cut off, and the 吉浙 matrix fits.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest

from crm.config import PROJECT_ROOT
from crm.db import session_scope
from crm.services import enterprises, followups, projects
from crm.services.users import create_user

PASSWORD = "Phone-Passw0rd!"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SCREENSHOT = PROJECT_ROOT / "docs" / "phone.png"
# Every 吉浙 source city, so the matrix has all its columns filled.
ZHEJIANG = ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市",
            "舟山市", "台州市", "丽水市"]
JILIN = ["220100", "220200", "220300", "220400", "220500", "220600", "220700", "220800",
         "222400"]
# Pages that are files or data, not screens.
NOT_PAGES = ("/api/", "/static/", "/bootstrap/", "/map/assets/", "/export/", "/stats/export/")
NOT_PAGE_SUFFIXES = (".xlsx", ".csv", ".html", ".ico", ".json")


def seed(app) -> dict[str, int]:
    """An admin, and records with long names in every 吉浙 pairing: the widest pages."""
    with app.app_context(), session_scope() as s:
        admin = create_user(s, username="phone", password=PASSWORD, role="admin",
                            display_name="王五")
        ent = enterprises.create_enterprise(session=s, user=admin, data={
            "name": "浙江省杭州市某某新一代信息技术与高端装备制造集团股份有限公司",
            "province": "浙江省", "city": "杭州市", "kind": "leader"})
        ids = {"enterprise_id": ent.id, "user_id": admin.id}
        for i, (zj, jl) in enumerate(zip(ZHEJIANG, JILIN * 2, strict=False)):
            p = projects.create_project(session=s, user=admin, data={
                "name": f"年产十万吨高性能碳纤维复合材料及下游制品产业化项目（{zj}）",
                "city_code": jl, "planned_investment_wan": Decimal(123456 + i * 100000),
                "source_province": "浙江省", "source_city": zj, "enterprise_id": ent.id,
                "project_class": "major"})
            ids.setdefault("project_id", p.id)
        f = followups.create_followup(session=s, user=admin, data={
            "project_id": ids["project_id"], "date": "2026-11-01", "kind": "visit",
            "summary": "赴杭州拜访企业总部，洽谈在长春新区投资建设生产基地的具体方案",
            "next_step": "邀请企业董事长来长春实地考察园区", "next_due": "2026-12-20"})
        ids["followup_id"] = f.id
    return ids


def pages(app, ids: dict[str, int]) -> list[str]:
    """Every GET screen with no parameters, and the detail pages of the seeded records."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or not set(rule.arguments) <= set(ids):
                continue
            if rule.rule.startswith(NOT_PAGES) or rule.rule.endswith(NOT_PAGE_SUFFIXES):
                continue
            urls.append(rule.build({k: ids[k] for k in rule.arguments})[1])
    return sorted(set(urls))


def log_in(page) -> None:
    page.goto("/login")
    page.fill("#username", "phone")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=工作台")


def overflow(page) -> int:
    """How far the page scrolls sideways (0: it does not)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth")


def test_no_page_scrolls_sideways_on_a_phone(page, live_server):
    _base, app = live_server
    ids = seed(app)
    urls = pages(app, ids)
    assert {"/projects", "/map", "/stats", f"/projects/{ids['project_id']}",
            f"/followups/{ids['followup_id']}/edit"} <= set(urls)
    log_in(page)
    page.set_viewport_size(PHONE)
    wide = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
        if overflow(page) > 0:
            wide[url] = page.evaluate("document.documentElement.scrollWidth")
    assert wide == {}, f"在 390 像素宽的屏幕上横向滚动的页面（页面宽度）：{wide}"
    page.goto("/stats")  # its tables fit the phone, not only the page
    assert page.evaluate(CUT_OFF) == []


@pytest.mark.parametrize("path", ["/projects", "/case-by-case", "/enterprises", "/followups"])
def test_lists_are_cards_with_filters_in_a_drawer(page, live_server, path):
    _base, app = live_server
    seed(app)
    log_in(page)
    page.set_viewport_size(PHONE)
    page.goto(path)
    card = page.locator(".list-cards .list-card").first
    assert card.is_visible()
    if path == "/case-by-case":
        assert "待提请" in card.inner_text()  # the docket's cards say where the case stands
    assert not page.locator("table.list-table").is_visible()
    assert page.locator(".list-total").first.is_visible()  # 共 N 条 above the list
    form = page.locator("form.filters")
    assert not form.is_visible()
    page.click("button.drawer-open")
    form.wait_for(state="visible")
    page.set_viewport_size(DESKTOP)  # the same page on a desktop: the table, no cards
    page.goto(path)
    assert page.locator("table.list-table").is_visible()
    assert not page.locator(".list-cards").is_visible()
    assert page.locator("form.filters").is_visible()
    totals = re.findall(r"共 \d+\+? 条", page.inner_text("main"))
    assert len(totals) == 2 and totals[0] == totals[1]  # above the list and below it


def test_project_card_shows_what_matters(page, live_server):
    _base, app = live_server
    ids = seed(app)
    log_in(page)
    page.set_viewport_size(PHONE)
    page.goto("/projects?sort=-planned")
    card = page.locator(f".list-card[data-id='{ids['project_id']}']")
    text = card.inner_text()
    for expected in ("年产十万吨", "长春市", "线索", "123,456.00 万元",
                     "邀请企业董事长来长春实地考察园区"):
        assert expected in text, expected
    assert card.locator(".light").count() == 1


def test_followup_from_a_project_card_in_two_taps(page, live_server):
    _base, app = live_server
    ids = seed(app)
    log_in(page)
    page.set_viewport_size(PHONE)
    page.goto("/projects")
    card = page.locator(f".list-card[data-id='{ids['project_id']}']")
    card.locator("a.card-followup").click()                      # tap 1
    page.fill("#summary", "电话确认考察日程")
    page.locator("form.edit-form button[type=submit]").click()  # tap 2
    page.wait_for_url(f"**/projects/{ids['project_id']}")
    assert "电话确认考察日程" in page.inner_text("main")


def test_map_on_a_phone(page, live_server):
    _base, app = live_server
    seed(app)
    log_in(page)
    page.set_viewport_size(PHONE)
    page.goto("/map")
    page.wait_for_selector(".leaflet-container")
    layers, legend = page.locator(".leaflet-control-layers"), page.locator(".zs-legend")
    assert not layers.is_visible() and not legend.is_visible()
    assert not page.locator("form.filters").is_visible()
    box = page.locator("#zs-map-wrap").bounding_box()
    assert box["width"] >= PHONE["width"] - 32 and box["y"] + box["height"] <= PHONE["height"]
    assert box["height"] >= PHONE["height"] * 0.7  # the map fills the screen
    page.click("button[data-map-toggle=zs-show-layers]")
    assert layers.is_visible() and not legend.is_visible()
    page.click("button[data-map-toggle=zs-show-legend]")
    assert legend.is_visible()
    page.click("button[data-bs-target='#map-filters']")
    page.locator("form.filters").wait_for(state="visible")


SHOWCASE = [  # name, city, stage, 万元, source city, next step
    ("高端光电芯片产业化项目", "220100", "negotiation", "120000", "杭州市",
     "邀请企业来长春考察新区园区"),
    ("车规级功率半导体封测基地", "220200", "visit", "45000", "宁波市", "提交用地和能耗指标方案"),
    ("智能传感器模组生产线", "220300", "signed", "18000", "", "督促签约后三个月内开工"),
    ("新型显示面板配套材料项目", "220700", "contact", "8600", "绍兴市", "电话确认高层互访时间"),
]


def test_phone_screenshot(page, live_server, tmp_path):
    """docs/phone.png for the README, when missing or ZHAOSHANG_UPDATE_SCREENSHOTS=1."""
    _base, app = live_server
    with app.app_context(), session_scope() as s:
        user = create_user(s, username="phone", password=PASSWORD, role="staff",
                           display_name="王五")
        for name, city, stage, amount, source, step in SHOWCASE:
            p = projects.create_project(session=s, user=user, data={
                "name": name, "city_code": city, "stage": stage, "project_class": "major",
                "planned_investment_wan": Decimal(amount), "source_city": source,
                "source_province": "浙江省" if source else "广东省"})
            followups.create_followup(session=s, user=user, data={
                "project_id": p.id, "date": "2026-11-20", "kind": "call",
                "summary": "电话沟通项目进展", "next_step": step, "next_due": "2027-01-15"})
    log_in(page)
    page.set_viewport_size(PHONE)
    page.goto("/projects?sort=-planned")
    assert page.locator(".list-card").count() == len(SHOWCASE)
    target = SCREENSHOT
    if os.environ.get("ZHAOSHANG_UPDATE_SCREENSHOTS") != "1" and SCREENSHOT.exists():
        target = tmp_path / "phone.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 5_000


# A column header of two lines at most: its height over its line height, padding removed.
HEADER_LINES = """() => [...document.querySelectorAll('main thead th')]
  .filter(th => th.offsetParent)
  .map(th => { const cs = getComputedStyle(th);
    const inner = th.getBoundingClientRect().height - parseFloat(cs.paddingTop)
                  - parseFloat(cs.paddingBottom) - parseFloat(cs.borderTopWidth)
                  - parseFloat(cs.borderBottomWidth);
    return [th.innerText.trim(), inner / parseFloat(cs.lineHeight)]; })
  .filter(([text, lines]) => lines > 2.2)"""
# Tables cut off by their scrolling wrapper.
CUT_OFF = """() => [...document.querySelectorAll('main .table-responsive')]
  .filter(w => w.offsetParent && w.scrollWidth > w.clientWidth + 1)
  .map(w => (w.querySelector('thead') || w).innerText.slice(0, 60))"""


@pytest.mark.parametrize("path", ["/", "/projects", "/case-by-case", "/enterprises",
                                  "/followups", "/jizhe", "/stats", "/projects/board"])
def test_desktop_headers_do_not_wrap_and_tables_fit(page, live_server, path):
    _base, app = live_server
    seed(app)
    log_in(page)
    page.set_viewport_size(DESKTOP)
    page.goto(path)
    page.wait_for_load_state("load")
    assert page.evaluate(HEADER_LINES) == []
    assert page.evaluate(CUT_OFF) == []
    assert overflow(page) <= 0


def test_amount_sorts_largest_first(page, live_server):
    _base, app = live_server
    seed(app)
    log_in(page)
    page.set_viewport_size(DESKTOP)
    page.goto("/projects")
    header = page.locator("th.amount a.sort-link")
    # it looks like a link, not like the plain headers beside it, and shows it sorts
    assert header.evaluate("a => getComputedStyle(a).color !== "
                           "getComputedStyle(a.closest('th')).color")
    assert "⇅" in header.inner_text()
    header.click()
    page.wait_for_url("**sort=-planned**")
    amounts = page.locator("table.list-table tbody td.amount").all_inner_texts()
    values = [float(a.split()[0].replace(",", "")) for a in amounts]
    assert values == sorted(values, reverse=True) and len(values) == len(ZHEJIANG)
