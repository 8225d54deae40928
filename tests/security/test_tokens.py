"""API tokens: they expire (ZHAOSHANG_TOKEN_DAYS), `zhaoshang token revoke USERNAME`
revokes all of a user's, last_used_at is kept to the hour, and a page lets users
revoke their own and admins anyone's."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from crm.db import session_scope
from crm.models import ApiToken, AuditLog
from crm.models.base import utcnow
from tests.security.conftest import token_for


def _api(app, token):
    return app.test_client().get("/api/v1/projects",
                                 headers={"Authorization": f"Bearer {token}"})


def _rows(app, user_id) -> list[ApiToken]:
    with app.app_context(), session_scope() as s:
        rows = list(s.exec(select(ApiToken).where(ApiToken.user_id == user_id)
                           .order_by(ApiToken.id)))
        for row in rows:
            s.expunge(row)
        return rows


def test_expired_token_is_refused(app, make_user):
    user = make_user("staff")
    token = token_for(app, user.id)
    assert _api(app, token).status_code == 200
    with app.app_context(), session_scope() as s:
        for row in s.exec(select(ApiToken).where(ApiToken.user_id == user.id)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    r = _api(app, token)
    assert r.status_code == 401 and "过期" in r.get_json()["error"]


def test_cli_token_expiry_default_and_days(app, runner, make_user):
    user = make_user("staff")
    app.config["TOKEN_DAYS"] = 30
    result = runner.invoke(args=["token", "create", user.username])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert _api(app, token).status_code == 200
    result = runner.invoke(args=["token", "create", user.username, "--days", "2"])
    assert result.exit_code == 0, result.output
    first, second = _rows(app, user.id)
    now = utcnow()
    assert abs(first.expires_at - (now + timedelta(days=30))) < timedelta(minutes=1)
    assert abs(second.expires_at - (now + timedelta(days=2))) < timedelta(minutes=1)


def test_token_days_from_environment(template_db, tmp_path, monkeypatch):
    from crm import create_app
    from crm.db import get_engine
    from tests.conftest import base_config, fresh_database_url

    monkeypatch.setenv("ZHAOSHANG_TOKEN_DAYS", "7")
    app = create_app(base_config(fresh_database_url(template_db, tmp_path), tmp_path))
    try:
        assert app.config["TOKEN_DAYS"] == 7
    finally:
        get_engine(app).dispose()


def test_cli_revokes_all_of_a_users_tokens(app, runner, make_user):
    user, other = make_user("staff"), make_user("staff")
    tokens = [token_for(app, user.id), token_for(app, user.id)]
    kept = token_for(app, other.id)
    result = runner.invoke(args=["token", "revoke", user.username])
    assert result.exit_code == 0, result.output
    assert "2 个" in result.output
    assert all(_api(app, t).status_code == 401 for t in tokens)
    assert _api(app, kept).status_code == 200
    with app.app_context(), session_scope() as s:
        assert s.exec(select(AuditLog).where(AuditLog.object_id == user.id,
                                             AuditLog.summary.contains("全部 API 令牌"))).one()
    assert runner.invoke(args=["token", "revoke", "nobody-here"]).exit_code != 0


def test_last_used_is_written_at_most_once_an_hour(app, make_user):
    user = make_user("staff")
    token = token_for(app, user.id)
    assert _rows(app, user.id)[0].last_used_at is None
    assert _api(app, token).status_code == 200
    first = _rows(app, user.id)[0].last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    assert _api(app, token).status_code == 200
    assert _rows(app, user.id)[0].last_used_at == first  # no write within the hour
    with app.app_context(), session_scope() as s:
        s.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one().last_used_at = (
            first - timedelta(hours=2))
    assert _api(app, token).status_code == 200
    assert _rows(app, user.id)[0].last_used_at >= first


def test_page_lists_and_revokes_own_tokens_only(app, client_as, make_user):
    c = client_as("staff")
    mine = token_for(app, c.user.id)
    stranger = make_user("staff")
    theirs = token_for(app, stranger.id)
    html = c.get("/tokens").get_data(as_text=True)
    [own_row] = _rows(app, c.user.id)
    [their_row] = _rows(app, stranger.id)
    assert f'data-token="{own_row.id}"' in html and f'data-token="{their_row.id}"' not in html
    assert 'href="/tokens"' in c.get("/").get_data(as_text=True)  # in the user menu
    assert c.post(f"/tokens/{their_row.id}/revoke").status_code == 404
    assert _api(app, theirs).status_code == 200
    r = c.post(f"/tokens/{own_row.id}/revoke", follow_redirects=True)
    assert r.status_code == 200 and "已撤销" in r.get_data(as_text=True)
    assert _api(app, mine).status_code == 401


def test_admin_sees_and_revokes_anyones_tokens(app, client_as, make_user):
    admin = client_as("admin")
    user = make_user("viewer")
    token = token_for(app, user.id)
    [row] = _rows(app, user.id)
    html = admin.get("/tokens").get_data(as_text=True)
    assert f'data-token="{row.id}"' in html and user.username in html
    assert 'href="/tokens"' in admin.get("/admin").get_data(as_text=True)
    assert admin.post(f"/tokens/{row.id}/revoke").status_code == 302
    assert _api(app, token).status_code == 401
    assert "已撤销" in admin.get("/tokens").get_data(as_text=True)


def test_revoke_form_needs_its_csrf_token(app, client_as):
    c = client_as("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    token = token_for(app, c.user.id)
    [row] = _rows(app, c.user.id)
    assert c.post(f"/tokens/{row.id}/revoke").status_code == 400
    html = c.get("/tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert c.post(f"/tokens/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert _api(app, token).status_code == 401
