"""Bearer tokens only: no token, a bad token, a revoked token or a cookie session → 401."""

import pytest
from sqlmodel import select

from crm.db import session_scope
from crm.models import ApiToken
from crm.models.base import utcnow

ENDPOINTS = [
    ("get", "/api/v1/enterprises"), ("post", "/api/v1/enterprises"),
    ("get", "/api/v1/projects"), ("post", "/api/v1/projects"),
    ("get", "/api/v1/followups"), ("post", "/api/v1/followups"),
    ("get", "/api/v1/projects/1"), ("patch", "/api/v1/projects/1"),
    ("delete", "/api/v1/projects/1"), ("post", "/api/v1/projects/1/restore"),
    ("post", "/api/v1/projects/1/stage"),
]


@pytest.mark.parametrize("method, url", ENDPOINTS)
def test_missing_token_is_401_json(client, method, url):
    r = getattr(client, method)(url, json={})
    assert r.status_code == 401
    assert r.is_json and "令牌" in r.get_json()["error"]
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [
    "Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "bearer", "Token abc",
    "Bearer " + "x" * 5000, "Bearer zs_\u4e2d\u6587",
])
def test_bad_token_is_401(client, header):
    r = client.get("/api/v1/projects", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.is_json and r.get_json()["error"]


def test_good_token_is_accepted_case_insensitive_scheme(api):
    assert api.get("/api/v1/projects").status_code == 200
    r = api.client.get("/api/v1/projects", headers={"Authorization": f"bearer {api.token}"})
    assert r.status_code == 200


def test_revoked_token_is_401(app, api):
    with app.app_context(), session_scope() as session:
        for row in session.exec(select(ApiToken)):
            row.revoked_at = utcnow()
            session.add(row)
    assert api.get("/api/v1/projects").status_code == 401


def test_disabled_user_token_is_401(app, api):
    from crm.models import User

    with app.app_context(), session_scope() as session:
        user = session.get(User, api.user.id)
        user.is_active = False
        session.add(user)
    assert api.get("/api/v1/projects").status_code == 401


def test_cookie_session_is_not_accepted(staff_client):
    """A logged-in browser session gives no access to the API (so no CSRF hole)."""
    assert staff_client.get("/").status_code == 200  # really logged in
    r = staff_client.get("/api/v1/projects")
    assert r.status_code == 401
    r = staff_client.post("/api/v1/projects", json={"name": "跨站伪造"})
    assert r.status_code == 401


def test_api_is_csrf_exempt_with_csrf_on(app, api):
    """With CSRF on, a bearer POST without a CSRF token works, while a form POST is refused."""
    app.config["WTF_CSRF_ENABLED"] = True
    r = api.post("/api/v1/enterprises", json={"name": "免CSRF企业"})
    assert r.status_code == 201 and r.get_json()["name"] == "免CSRF企业"
    r = api.client.post("/login", data={"username": "x", "password": "y"})
    assert r.status_code == 400  # the web forms still need their CSRF token


def test_openapi_document_is_public(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.is_json


def test_api_responses_set_no_session_cookie(api):
    r = api.get("/api/v1/projects")
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers
