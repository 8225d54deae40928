"""Sessions end on the server: a copied cookie is dead after logout; a password change
(web, admin, CLI) ends the user's other sessions and revokes their API tokens; a
session is bound to the browser's user agent and address."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from crm.db import session_scope
from tests.conftest import PASSWORD, login
from tests.security.conftest import token_for

NEW_PASSWORD = "Another-Passw0rd#"


def _copy_of(app, client, address: str | None = None):
    """A second browser holding the same session cookie (from ``address``)."""
    other = app.test_client()
    if address:
        other.environ_base["REMOTE_ADDR"] = address
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _logged_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _api(client, token):
    return client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})


def test_copied_cookie_is_dead_after_logout(app, client_as):
    c = client_as("staff")
    thief = _copy_of(app, c)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    assert c.post("/logout").status_code == 302
    assert _logged_out(thief.get("/"))
    assert _logged_out(thief.get("/projects"))
    assert _logged_out(c.get("/"))


def test_copied_cookie_is_dead_after_logout_on_a_live_server(live_server, make_user):
    """The same with waitress, CSRF on and a real cookie jar (requests)."""
    import re

    import requests

    base, app = live_server
    user = make_user("viewer")
    browser = requests.Session()
    html = browser.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = browser.post(f"{base}/login", data={"username": user.username, "password": PASSWORD,
                                            "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 302
    stolen = browser.cookies.get("session")
    thief = requests.Session()
    thief.cookies.set("session", stolen)
    assert thief.get(f"{base}/", allow_redirects=False).status_code == 200
    html = browser.get(f"{base}/").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert browser.post(f"{base}/logout", data={"csrf_token": token},
                        allow_redirects=False).status_code == 302
    r = thief.get(f"{base}/", allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_password_change_ends_other_sessions_and_revokes_tokens(app, client_as):
    c = client_as("city")
    elsewhere = app.test_client()
    assert login(elsewhere, c.user.username).status_code == 302
    token = token_for(app, c.user.id)
    assert _api(app.test_client(), token).status_code == 200
    r = c.post("/password", data={"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                  "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert c.get("/").status_code == 200  # the session that changed it goes on
    assert _logged_out(elsewhere.get("/"))
    assert _api(app.test_client(), token).status_code == 401


def test_admin_reset_ends_the_users_sessions_and_tokens(app, client_as, make_user):
    admin = client_as("admin")
    victim = make_user("staff")
    c = app.test_client()
    assert login(c, victim.username).status_code == 302
    token = token_for(app, victim.id)
    r = admin.post(f"/admin/users/{victim.id}/password",
                   data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert _logged_out(c.get("/"))
    assert _api(app.test_client(), token).status_code == 401
    assert admin.get("/admin").status_code == 200  # the admin's own session is untouched


def test_cli_set_password(app, runner, make_user, monkeypatch):
    user = make_user("viewer")
    c = app.test_client()
    assert login(c, user.username).status_code == 302
    token = token_for(app, user.id)
    monkeypatch.setenv("ZHAOSHANG_PASSWORD", NEW_PASSWORD)
    result = runner.invoke(args=["user", "set-password", user.username])
    assert result.exit_code == 0, result.output
    assert "已设置" in result.output
    assert _logged_out(c.get("/"))
    assert _api(app.test_client(), token).status_code == 401
    assert login(app.test_client(), user.username).status_code == 200  # old one refused
    assert login(app.test_client(), user.username, NEW_PASSWORD).status_code == 302


def test_cli_set_password_applies_the_policy_and_knows_its_users(app, runner, make_user,
                                                               monkeypatch):
    user = make_user("viewer")
    monkeypatch.setenv("ZHAOSHANG_PASSWORD", "short")
    result = runner.invoke(args=["user", "set-password", user.username])
    assert result.exit_code != 0 and "长度至少10位" in result.output
    assert login(app.test_client(), user.username).status_code == 302
    result = runner.invoke(args=["user", "set-password", "nobody-here"])
    assert result.exit_code != 0 and "不存在" in result.output


def test_cli_set_password_prompts(app, runner, make_user, monkeypatch):
    user = make_user("viewer")
    monkeypatch.delenv("ZHAOSHANG_PASSWORD", raising=False)
    result = runner.invoke(args=["user", "set-password", user.username],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), user.username, NEW_PASSWORD).status_code == 302


def test_session_is_bound_to_the_user_agent(app, client_as):
    c = client_as("staff")
    other = _copy_of(app, c)
    assert _logged_out(other.get("/", headers={"User-Agent": "Mozilla/5.0 elsewhere"}))
    # the mismatch ended the session on the server, for the original browser too
    assert _logged_out(c.get("/"))


def test_session_is_bound_to_the_address(app, client_as):
    c = client_as("staff")
    other = _copy_of(app, c, "127.0.0.2")
    assert _logged_out(other.get("/"))
    assert _logged_out(c.get("/"))


def test_address_binding_can_be_switched_off(app, client_as):
    app.config["SESSION_BIND_ADDRESS"] = False
    c = client_as("staff")
    other = _copy_of(app, c, "127.0.0.2")
    assert other.get("/").status_code == 200
    assert _logged_out(other.get("/", headers={"User-Agent": "Mozilla/5.0 elsewhere"}))


def test_server_side_idle_limit(app, client_as):
    """A row idle past the limit is refused even if the cookie still looked fresh."""
    from crm.models import UserSession

    c = client_as("viewer")
    assert c.get("/").status_code == 200
    idle = app.permanent_session_lifetime
    with app.app_context(), session_scope() as s:
        row = s.exec(select(UserSession).where(UserSession.user_id == c.user.id)).one()
        row.last_seen_at = row.last_seen_at - idle - timedelta(minutes=2)
    assert _logged_out(c.get("/"))
    with app.app_context(), session_scope() as s:
        assert s.exec(select(UserSession).where(UserSession.user_id == c.user.id)).all() == []


def test_last_seen_is_written_at_most_once_a_minute(app, client_as):
    from crm.models import UserSession

    c = client_as("viewer")
    with app.app_context(), session_scope() as s:
        row = s.exec(select(UserSession).where(UserSession.user_id == c.user.id)).one()
        first = row.last_seen_at
    assert c.get("/").status_code == 200
    with app.app_context(), session_scope() as s:
        row = s.get(UserSession, row.id)
        assert row.last_seen_at == first
        row.last_seen_at = first - timedelta(minutes=5)
    assert c.get("/").status_code == 200
    with app.app_context(), session_scope() as s:
        assert s.get(UserSession, row.id).last_seen_at > first - timedelta(seconds=1)

