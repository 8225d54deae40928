"""Security headers, the idle session timeout, and per-request context for the audit trail.

Content-Security-Policy
-----------------------
Everything from this origin only ('self'); no eval, no plugins (object-src 'none'), no
framing by other sites, forms post only here, no <base> hijack. Scripts are files from
this origin or inline blocks carrying this response's nonce (``csp_nonce()``; the map
page puts it on folium's scripts, ``|with_nonce`` adds it to trusted server-built HTML);
inline event handlers are not allowed — static/app.js handles data-confirm and
data-print instead. ZHAOSHANG_CSP_STRICT=0 falls back to 'unsafe-inline' for a
deployment that adds its own inline scripts; the strict policy is then still sent as
``Content-Security-Policy-Report-Only`` so the browser console names each violation.

Idle timeout
------------
The session cookie is permanent with PERMANENT_SESSION_LIFETIME = SESSION_IDLE_MINUTES
and refreshed on each request, and itsdangerous refuses a cookie signed longer ago than
that. On top, the session carries the time of the last request (``_last_seen``); a
logged-in request after more than SESSION_IDLE_MINUTES of silence is logged out
(audited as 退出/空闲超时) and sent to the login page.

Server-side sessions
--------------------
The signed cookie alone would stay valid after logout. ``begin_login`` makes a
``UserSession`` row (crm.services.sessions) and keeps its random key in the cookie;
before every request ``_check_server_session`` finds the row (same user, same user
agent and client address as at login, not idle) or logs the cookie out, and the
user_loader (crm.auth.views) accepts only a user whose row was found this request.
Logout deletes the row; a password change deletes the user's other rows.
"""

from __future__ import annotations

import os
import re
import secrets
import time

from flask import Flask, current_app, flash, g, request, session
from markupsafe import Markup

from crm.services import audit

LAST_SEEN = "_last_seen"
SESSION_KEY = "_sk"  # the key of this login's UserSession row

BASE_POLICY = (
    "default-src 'self'; "
    "script-src {scripts}; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:{tiles}; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
# Kept for callers that read the policy text.
CONTENT_SECURITY_POLICY = BASE_POLICY


def tile_hosts(app: Flask) -> str:
    hosts = {
        "tianditu": "https://*.tianditu.gov.cn",
        "amap": "https://*.is.autonavi.com",
    }
    if app.config.get("MAP_TILES") == "custom":
        return app.config.get("MAP_TILE_URL", "").split("/{", 1)[0]
    return hosts.get(app.config.get("MAP_TILES"), "")


def csp_nonce() -> str:
    """One random nonce per response."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


_SCRIPT_TAG = re.compile(r"<script(?![^>]*\bnonce=)", re.IGNORECASE)


def with_nonce(html) -> Markup:
    """Add this response's nonce to each <script> in trusted, server-built HTML."""
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', str(html)))


def policies(app: Flask, nonce: str) -> tuple[str, str]:
    """(enforced, report-only) policy texts for one response."""
    tiles = tile_hosts(app)
    tiles = f" {tiles}" if tiles else ""
    strict = BASE_POLICY.format(scripts=f"'self' 'nonce-{nonce}'", tiles=tiles)
    relaxed = BASE_POLICY.format(scripts="'self' 'unsafe-inline'", tiles=tiles)
    if app.config.get("CSP_STRICT_SCRIPTS"):
        return strict, strict
    return relaxed, strict


def init_app(app: Flask) -> None:
    app.config.setdefault("CSP_STRICT_SCRIPTS", os.environ.get("ZHAOSHANG_CSP_STRICT", "1") != "0")
    app.add_template_global(csp_nonce)
    app.add_template_filter(with_nonce)

    @app.before_request
    def _remember_client() -> None:
        audit.current_ip.set(request.remote_addr or "")
        if request.path.startswith("/api/"):
            return  # bearer tokens only: the API neither reads nor sets the session cookie
        session.permanent = True  # cookie lifetime = PERMANENT_SESSION_LIFETIME
        _idle_timeout()
        _check_server_session()

    @app.after_request
    def _headers(response):
        enforced, report_only = policies(app, csp_nonce())
        response.headers.setdefault("Content-Security-Policy", enforced)
        if report_only != enforced:
            response.headers.setdefault("Content-Security-Policy-Report-Only", report_only)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy",
                                    "camera=(), microphone=(), geolocation=(), payment=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint and not request.endpoint.startswith("static") \
                and not request.endpoint.endswith(".asset"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _idle_timeout() -> None:
    if "_user_id" not in session or request.endpoint == "static":
        return
    now = int(time.time())
    idle_limit = current_app.permanent_session_lifetime.total_seconds()
    last = session.get(LAST_SEEN)
    if isinstance(last, int | float) and now - last > idle_limit:
        _expire_session(session.get("_user_id"))
        return
    session[LAST_SEEN] = now


def _expire_session(user_id) -> None:
    from crm.db import get_session
    from crm.models import User
    from crm.services import sessions

    db = get_session()
    user = db.get(User, int(user_id)) if str(user_id).isdigit() else None
    sessions.end(db, key=session.get(SESSION_KEY))
    if user is not None:
        audit.record(db, user=user, action="logout", obj=user, summary="空闲超时，自动退出")
    db.commit()
    _forget_login()
    flash("长时间未操作，已自动退出，请重新登录。", "warning")


# --- server-side sessions ------------------------------------------------------------

def client_fingerprint() -> str:
    from crm.services import sessions

    address = (request.remote_addr or "") if current_app.config["SESSION_BIND_ADDRESS"] else None
    return sessions.fingerprint(user_agent=request.user_agent.string, address=address)


def begin_login(user) -> None:
    """After login_user: a server-side row for this browser, its key in the cookie."""
    from crm.db import get_session
    from crm.services import sessions

    db = get_session()
    key = sessions.start(db, user=user, fingerprint=client_fingerprint(),
                         address=request.remote_addr or "",
                         user_agent=request.user_agent.string,
                         idle=current_app.permanent_session_lifetime)
    db.commit()
    session[SESSION_KEY] = key
    session[LAST_SEEN] = int(time.time())
    g.login_user_id = user.id


def end_login() -> None:
    """Logout: delete this session's row (the caller audits) and clear the cookie."""
    from crm.db import get_session
    from crm.services import sessions

    db = get_session()
    sessions.end(db, key=session.get(SESSION_KEY))
    db.commit()
    _forget_login()


def current_session_key() -> str | None:
    return session.get(SESSION_KEY)


def _forget_login() -> None:
    from flask_login import logout_user

    logout_user()
    g.pop("login_user_id", None)
    for key in (SESSION_KEY, LAST_SEEN):
        session.pop(key, None)


def _check_server_session() -> None:
    """A cookie that names a user must have its live row; else it is logged out."""
    from crm.db import get_session
    from crm.services import sessions

    user_id = session.get("_user_id")
    if user_id is None or request.endpoint == "static":
        return
    user_id = int(user_id) if str(user_id).isdigit() else -1
    row = sessions.find(get_session(), key=session.get(SESSION_KEY), user_id=user_id,
                        fingerprint=client_fingerprint(),
                        idle=current_app.permanent_session_lifetime)
    if row is None:
        _forget_login()
        flash("登录已失效（已退出、密码已修改或在其他环境使用），请重新登录。", "warning")
        return
    g.login_user_id = row.user_id
