"""The statistics page in real Chromium (no network beyond the app): charts drawn from the
locally served Chart.js, and a figure followed to the list behind it."""

from fixtures_stats import build  # tests/stats is on sys.path

from crm.db import session_scope
from crm.services import users

PASSWORD = "Test-Passw0rd!"


def test_statistics_page_figure_leads_to_its_list(live_server, page):
    base_url, app = live_server
    with app.app_context(), session_scope() as session:
        user = users.create_user(session, username="statsviewer", password=PASSWORD,
                                 role="staff")
        build(session, user)
    failed, errors = [], []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto("/login")
    page.fill("input[name=username]", "statsviewer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")

    page.goto("/stats")
    assert page.locator("#stats-scope").inner_text().count("共 7 个项目") == 1
    page.wait_for_function("document.body.dataset.chartsReady === '3'")
    assert page.locator("[data-indicator=signing_rate] .rate").inner_text() == "60.0%"

    # 按落地市（州）: 吉林市 has 2 projects; the figure opens the project list for 吉林市
    link = page.locator("[data-table=city] a", has_text="吉林市").first
    with page.expect_navigation():
        link.click()
    assert page.url.startswith(base_url + "/projects")
    assert "city_code=220200" in page.url
    body = page.locator("body").inner_text()
    assert "P3" in body and "P4" in body and "P1" not in body

    # a monthly figure the list filters cannot express opens the drill-down list
    page.goto("/stats")
    with page.expect_navigation():
        page.locator("[data-month='2024-04'] a").last.click()
    assert "/stats/list" in page.url and "month=2024-04" in page.url
    assert "共 2 个项目" in page.locator("#drill-scope").inner_text()
    assert not failed and not errors
