"""Bearer tokens for the JSON API (crm/api) and the statistics API (crm/stats/api.py).

The API authenticates with ``Authorization: Bearer <token>`` only (tokens from
``zhaoshang token create USERNAME``; they expire after ZHAOSHANG_TOKEN_DAYS, are
revoked on the tokens page, by ``zhaoshang token revoke USERNAME`` and by a password
change). It never looks at the cookie session, so a
logged-in browser cannot be made to call it (no CSRF hole) and CSRF protection is
switched off for the blueprint.
"""

from __future__ import annotations

from flask import g, jsonify, request

from crm.db import get_session
from crm.models import User
from crm.services import users

UNAUTHORIZED_MISSING = "缺少访问令牌：请在请求头中提供 Authorization: Bearer <令牌>。"
UNAUTHORIZED_INVALID = "访问令牌无效、已过期、已撤销或用户已停用。"
# Tokens are "zs_" + 43 url-safe characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 200


def bearer_token() -> str | None:
    """The token from the Authorization header, or None when absent or not Bearer."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def unauthorized(message: str):
    response = jsonify({"error": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="zhaoshang-api"'
    return response


def authenticate():
    """before_request hook: sets ``g.api_user`` or answers 401."""
    token = bearer_token()
    if token is None:
        return unauthorized(UNAUTHORIZED_MISSING)
    user = None
    if len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable():
        user = users.user_for_token(get_session(), token)
    if user is None:
        return unauthorized(UNAUTHORIZED_INVALID)
    g.api_user = user
    return None


def api_user() -> User:
    return g.api_user
