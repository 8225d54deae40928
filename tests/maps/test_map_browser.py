"""The map in real Chromium with every request outside the app aborted.

Uses the conftest's ``live_server`` / ``page`` fixtures (the page's context
aborts anything not addressed to the live server); skipped with a reason
when /usr/bin/chromium is missing.
"""

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from crm.db import session_scope
from crm.services import projects, users

PASSWORD = "Test-Passw0rd!"


def open_popup(page, marker):
    """Click the marker until Leaflet opens its popup: on a loaded machine a click
    that lands while the map still animates its first zoom is dropped (seen in CI)."""
    popup = page.locator(".leaflet-popup-content")
    for _ in range(3):
        page.locator(".leaflet-zoom-anim").first.wait_for(state="detached")  # no eval: CSP
        marker.click()
        try:
            popup.wait_for(timeout=5000)
            return popup
        except PlaywrightTimeoutError:
            continue
    marker.click()
    popup.wait_for()  # fails here, with Playwright's message, if it never opens
    return popup


def seed(app) -> dict:
    """A cluster of five projects in 长春 and one lone signed project in 白城."""
    with app.app_context(), session_scope() as session:
        user = users.create_user(session, username="mapviewer", password=PASSWORD, role="staff")
        for i in range(5):
            projects.create_project(session=session, user=user, data={
                "name": f"长春光电项目{i}", "city_code": "220100", "stage": "negotiation",
                "lon": 125.32 + i * 0.01, "lat": 43.90 + i * 0.005})
        lone = projects.create_project(session=session, user=user, data={
            "name": "白城激光雷达项目", "city_code": "220800", "stage": "signed",
            "project_class": "major", "planned_investment_wan": 120000,
            "lon": 122.84, "lat": 45.62})
        return {"lone_id": lone.id}


def test_map_in_browser_offline(live_server, page):
    base_url, app = live_server
    # Enforce the strict script policy (nonces, no inline handlers) if the app has one.
    app.config["CSP_STRICT_SCRIPTS"] = True
    ids = seed(app)
    blocked = []
    page.on("requestfailed", lambda r: blocked.append(r.url))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)

    page.goto("/login")
    page.fill("input[name=username]", "mapviewer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")

    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto("/map")
    # Boundaries: the nine prefectures are SVG paths in the overlay pane.
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 9
    # Clusters: the five 长春 projects are one cluster at province zoom.
    cluster = page.locator(".marker-cluster")
    cluster.first.wait_for()
    assert "5" in cluster.first.inner_text()
    # The lone project is a marker; clicking it opens its popup.
    marker = page.locator(f'.zs-m[data-id="{ids["lone_id"]}"]')
    popup = open_popup(page, marker)
    text = popup.inner_text()
    assert "白城激光雷达项目" in text and "12.00 亿元" in text and "签约" in text
    assert "一事一议" in text
    # The popup's link opens the project.
    link = popup.locator("a.zs-project-link")
    assert link.get_attribute("href") == f"/projects/{ids['lone_id']}"
    # The popup auto-pans the map into view; a mouse click aimed while it is
    # still moving can miss on a loaded machine, so activate the link itself.
    with page.expect_navigation() as nav:
        link.evaluate("a => a.click()")
    assert page.url == f"{base_url}/projects/{ids['lone_id']}"
    if nav.value.status != 404:  # the detail page belongs to the projects area
        assert nav.value.status == 200
        assert "白城激光雷达项目" in page.content()

    assert errors == []
    assert [u for u in blocked if not u.startswith(base_url)] == []
