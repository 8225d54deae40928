"""Login, lockout and its expiry, idle timeout, password change, disabled users,
CSRF on every form, cookie flags and security headers."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from crm import create_app
from crm.db import get_engine, session_scope
from crm.models import AuditLog, LoginThrottle, User
from crm.models.base import utcnow
from crm.security import LAST_SEEN
from tests.conftest import PASSWORD, base_config, fresh_database_url, login

NEW_PASSWORD = "Another-Passw0rd#"


def _user(app, username) -> User:
    with app.app_context(), session_scope() as s:
        user = s.exec(select(User).where(User.username == username)).one()
        s.expunge(user)
        return user


# --- lockout --------------------------------------------------------------------------

def _throttle(app, username) -> list[LoginThrottle]:
    with app.app_context(), session_scope() as s:
        rows = list(s.exec(select(LoginThrottle).where(LoginThrottle.username == username)))
        for row in rows:
            s.expunge(row)
        return rows


def test_lockout_after_max_failures_then_expires(app, client, make_user):
    app.config.update(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_MINUTES=15)
    user = make_user("staff")
    for _ in range(3):
        r = login(client, user.username, "wrong-Passw0rd!")
        assert r.status_code == 200 and "用户名或密码错误" in r.get_data(as_text=True)
    [lock] = _throttle(app, user.username)
    assert lock.address == "127.0.0.1" and lock.locked_until is not None
    # Locked: even the right password is refused, with the same message as a wrong one.
    r = login(client, user.username)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "用户名或密码错误" in html and "已临时锁定" not in html
    assert client.get("/").status_code == 302
    # The lock expires: move it into the past, as if 15 minutes went by.
    with app.app_context(), session_scope() as s:
        s.get(LoginThrottle, lock.id).locked_until = utcnow() - timedelta(seconds=1)
    r = login(client, user.username)
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    assert client.get("/").status_code == 200
    assert _throttle(app, user.username) == []  # a success clears its address
    after = _user(app, user.username)
    assert after.locked_until is None


def test_failures_below_limit_do_not_lock(app, client, make_user):
    app.config.update(LOGIN_MAX_FAILURES=5)
    user = make_user("viewer")
    for _ in range(4):
        login(client, user.username, "wrong")
    [row] = _throttle(app, user.username)
    assert row.attempts == 4 and row.locked_until is None
    assert login(client, user.username).status_code == 302


def test_lockout_is_per_account_and_unknown_users_are_audited(app, client, make_user):
    victim = make_user("staff")
    login(client, "no-such-user", "x")
    with app.app_context(), session_scope() as s:
        entry = s.exec(select(AuditLog).where(AuditLog.action == "login_failed")).one()
        assert entry.username == "no-such-user" and entry.summary == "用户不存在"
        assert entry.ip == "127.0.0.1"
    assert _user(app, victim.username).failed_logins == 0
    assert _throttle(app, victim.username) == []


# --- disabled users -------------------------------------------------------------------

def test_disabled_user_cannot_log_in_and_is_logged_out(app, client_as):
    c = client_as("staff")
    assert c.get("/").status_code == 200
    with app.app_context(), session_scope() as s:
        s.get(User, c.user.id).is_active = False
    r = c.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = login(app.test_client(), c.user.username)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "用户名或密码错误" in html and "已停用" not in html


# --- idle timeout ---------------------------------------------------------------------

def test_idle_session_is_logged_out(app, client_as):
    c = client_as("staff")
    assert c.get("/").status_code == 200
    idle = app.permanent_session_lifetime.total_seconds()
    with c.session_transaction() as sess:
        assert LAST_SEEN in sess
        sess[LAST_SEEN] = int(time.time() - idle - 5)
    r = c.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = c.get(r.headers["Location"])
    assert "长时间未操作" in r.get_data(as_text=True)
    assert c.get("/").status_code == 302  # stays logged out
    with app.app_context(), session_scope() as s:
        entry = s.exec(select(AuditLog).where(AuditLog.action == "logout")).one()
        assert entry.user_id == c.user.id and "空闲超时" in entry.summary


def test_activity_within_the_limit_keeps_the_session(app, client_as):
    c = client_as("staff")
    idle = app.permanent_session_lifetime.total_seconds()
    with c.session_transaction() as sess:
        sess[LAST_SEEN] = int(time.time() - idle + 30)
    assert c.get("/").status_code == 200
    with c.session_transaction() as sess:
        assert sess[LAST_SEEN] >= int(time.time()) - 2  # refreshed by the request


def test_idle_lifetime_comes_from_config(template_db, tmp_path):
    config = base_config(fresh_database_url(template_db, tmp_path), tmp_path)
    config["SESSION_IDLE_MINUTES"] = 7
    app = create_app(config)
    try:
        assert app.permanent_session_lifetime == timedelta(minutes=7)
    finally:
        get_engine(app).dispose()


def test_tiny_idle_limit_really_logs_out(app, client_as):
    """With a 1-second lifetime, real waiting logs the user out (no manipulation)."""
    c = client_as("viewer")
    app.permanent_session_lifetime = timedelta(seconds=1)
    assert c.get("/").status_code == 200
    time.sleep(2.2)
    r = c.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- password change ------------------------------------------------------------------

def test_user_changes_password(app, client_as):
    c = client_as("city")
    r = c.post("/password", data={"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                  "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    fresh = app.test_client()
    assert login(fresh, c.user.username).status_code == 200  # old password refused
    assert login(fresh, c.user.username, NEW_PASSWORD).status_code == 302
    with app.app_context(), session_scope() as s:
        assert s.exec(select(AuditLog).where(AuditLog.user_id == c.user.id,
                                             AuditLog.summary.startswith("修改密码"))).one()


@pytest.mark.parametrize("old, new, message", [
    ("wrong-Passw0rd!", NEW_PASSWORD, "原密码：不正确"),
    (PASSWORD, "short1!", "长度至少10位"),
    (PASSWORD, "alllowercaseletters", "至少三类"),
])
def test_password_change_refused(app, client_as, old, new, message):
    c = client_as("staff")
    r = c.post("/password", data={"old_password": old, "new_password": new, "confirm": new})
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert login(app.test_client(), c.user.username).status_code == 302


def test_password_is_argon2id(app, make_user):
    user = make_user("viewer")
    assert user.password_hash.startswith("$argon2id$")


# --- CSRF -----------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_login_without_csrf_token_is_refused(csrf_app, make_user):
    user = make_user("staff")
    client = csrf_app.test_client()
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 400
    token = _csrf_token(client)
    r = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302


def test_every_form_post_without_token_is_refused(csrf_app, make_user):
    """Every POST/PUT/PATCH/DELETE route outside /api/ refuses a request without a token."""
    user = make_user("admin")
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD,
                                       "csrf_token": _csrf_token(client)}).status_code == 302
    from tests.security.test_role_matrix import build_url

    checked = 0
    for rule in csrf_app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            url = build_url(rule, {"default": 1})
            r = client.open(url, method=method, data={})
            assert r.status_code == 400, f"{method} {rule.rule} 未校验 CSRF：{r.status_code}"
            checked += 1
    assert checked >= 3
    assert client.get("/").status_code == 200  # still logged in: the refusals changed nothing


# --- cookies and headers --------------------------------------------------------------

def _session_cookie(response) -> str:
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_flags(app, make_user):
    user = make_user("staff")
    cookie = _session_cookie(login(app.test_client(), user.username))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured(template_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHAOSHANG_COOKIE_SECURE", "1")
    app = create_app(base_config(fresh_database_url(template_db, tmp_path), tmp_path))
    try:
        with app.app_context(), session_scope() as s:
            from crm.services import users

            users.create_user(s, username="secure1", password=PASSWORD, role="staff")
        r = login(app.test_client(), "secure1")
        assert "; Secure" in _session_cookie(r)
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        get_engine(app).dispose()


def test_security_headers(client, staff_client):
    for c, path in ((client, "/login"), (staff_client, "/")):
        r = c.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "frame-ancestors 'self'" in csp and "form-action 'self'" in csp
        assert "'unsafe-eval'" not in csp
        assert "http:" not in csp and "https:" not in csp.replace("https://*.", "")
        # strict by default: scripts only from this origin or with this response's nonce
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "'nonce-" in csp
        assert "Content-Security-Policy-Report-Only" not in r.headers
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["Cache-Control"] == "no-store"


def test_nonce_changes_per_response(client):
    a = client.get("/login").headers["Content-Security-Policy"]
    b = client.get("/login").headers["Content-Security-Policy"]
    assert a != b


def test_relaxed_policy_when_switched_off_still_reports_the_strict_one(app, client):
    app.config["CSP_STRICT_SCRIPTS"] = False
    r = client.get("/login")
    assert "'unsafe-inline'" in r.headers["Content-Security-Policy"]
    assert "'nonce-" in r.headers["Content-Security-Policy-Report-Only"]


def test_strict_mode_pages_have_no_inline_script_without_nonce(app, client_as):
    """With CSP_STRICT_SCRIPTS the enforced policy has only the nonce, and the pages
    this module owns (and base.html) carry no inline script outside it."""
    app.config["CSP_STRICT_SCRIPTS"] = True
    c = client_as("admin")
    for path in ("/", "/admin", "/admin/audit", "/admin/trash", "/admin/settings",
                 "/password"):
        r = c.get(path)
        assert r.status_code == 200, path
        csp = r.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        html = r.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or f'nonce="{nonce}"' in tag, (path, tag)
        assert not re.search(r"\son(click|load|error|submit|change)=", html), path


def test_map_page_satisfies_the_enforced_policy(staff_client):
    """The map's inline scripts are covered by the enforced policy; it loads nothing
    from another origin, uses no eval and no inline event handlers."""
    r = staff_client.get("/map")
    if r.status_code == 404:
        pytest.skip("/map not built")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    scripts = csp.split("script-src", 1)[1].split(";")[0]
    html = r.get_data(as_text=True)
    inline = [t for t in re.findall(r"<script\b[^>]*>", html) if "src=" not in t]
    if inline:
        assert "'unsafe-inline'" in scripts or all("nonce=" in t for t in inline)
    for src in re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html):
        assert src.startswith("/"), f"外部资源：{src}"
    assert "eval(" not in html and "new Function(" not in html
