"""Issue 14 §6, the smaller ones: absurd page numbers, unsafe ``next`` targets, a city
user's projects without a city, 405 without Allow, unknown sort values, nulls for
required fields."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

HUGE = "99999999999999999999"

LISTS = [
    "/enterprises", "/projects", "/followups", "/case-by-case", "/admin/audit",
    "/enterprises?deleted=1", "/projects?deleted=1", "/followups?deleted=1",
    "/projects?q=项目", "/enterprises?q=有限", "/followups?q=电话", "/followups?overdue=1",
]


def test_absurd_page_numbers_are_clamped(client_as, world):
    client = client_as("admin")
    failures = []
    for url in LISTS:
        joiner = "&" if "?" in url else "?"
        for page in (HUGE, "-" + HUGE, "9223372036854775807", "4294968", "1e9", "abc"):
            r = client.get(f"{url}{joiner}page={page}")
            if r.status_code != 200:
                failures.append((url, page, r.status_code))
    assert failures == []
    r = client.get("/projects?page=" + HUGE)
    assert "home项目".encode() not in r.data  # the last possible page: empty, no error


UNSAFE_NEXT = [
    "/%0d%0aSet-Cookie:x=1", "/%0aSet-Cookie:x=1", "/projects%0d%0a", "//evil.example",
    "/\\evil.example", "\\\\evil.example", "/%5Cevil.example", "https://evil.example/",
    "javascript:alert(1)", "/%09/evil.example", " //evil.example", "/%00", "%2F%2Fevil.example",
    "/%7f", "http:/evil.example",
]


def test_unsafe_next_falls_back_to_home(app, make_user):
    user = make_user("staff")
    failures = []
    for target in UNSAFE_NEXT:
        client = app.test_client()
        page = client.get(f"/login?next={target}")
        r = client.post(f"/login?next={target}", data={"username": user.username,
                                                        "password": PASSWORD})
        location = r.headers.get("Location")
        if (page.status_code, r.status_code) != (200, 302) or location not in (
                "/", "http://localhost/") or "x=1" in r.headers.get("Set-Cookie", ""):
            failures.append((target, page.status_code, r.status_code, location))
    assert failures == []


@pytest.mark.parametrize("target", ["/projects", "/projects?stage=lead&page=2", "/enterprises/1"])
def test_safe_next_is_still_followed(client, make_user, target):
    user = make_user("staff")
    r = client.post("/login", query_string={"next": target},
                    data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith(target)
