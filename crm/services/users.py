"""Users: password policy, Argon2 hashing, password changes, API tokens.
Login itself (throttling, one failure message) is crm.services.logins."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, update
from sqlmodel import Session, select

from crm import rules
from crm.models import ApiToken, LoginThrottle, User
from crm.models.base import utcnow
from crm.services import audit
from crm.services.errors import ValidationFailed

# Argon2id is memory-hard (等保 2.0 asks for strong credential storage).
_hasher = PasswordHasher()
PASSWORD_MIN_LENGTH = 10
PASSWORD_CLASSES = [r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"]
PASSWORD_MIN_CLASSES = 3


def password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"密码长度至少{PASSWORD_MIN_LENGTH}位"
    classes = sum(bool(re.search(p, password)) for p in PASSWORD_CLASSES)
    if classes < PASSWORD_MIN_CLASSES:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def get_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(session: Session, *, username: str, password: str, role: str,
                city_code: str | None = None, display_name: str = "",
                actor: User | None = None) -> User:
    errors = {}
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{2,60}", username):
        errors["username"] = "用户名：2–60位字母、数字、下划线、点或横线"
    elif get_by_username(session, username):
        errors["username"] = "用户名：已存在"
    if role not in rules.ROLES:
        errors["role"] = "角色：应为 " + "、".join(rules.ROLES)
    if role == "city" and not rules.is_jilin_prefecture_code(city_code):
        errors["city_code"] = "城市代码：市（州）用户须指定吉林省市（州）代码，如 220100"
    problem = password_problem(password or "")
    if problem:
        errors["password"] = f"密码：{problem}"
    if errors:
        raise ValidationFailed(errors)
    user = User(username=username, password_hash=hash_password(password), role=role,
                city_code=city_code if role == "city" else None, display_name=display_name)
    session.add(user)
    session.flush()
    audit.record(session, user=actor, action="user", obj=user,
                 changes={"role": [None, role], "city_code": [None, user.city_code]},
                 summary=f"新建用户 {username}")
    session.commit()
    return user


def verify_password(user: User, password: str) -> bool:
    return verify_hash(user.password_hash, password)


def verify_hash(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def change_password(session: Session, *, user: User, old: str, new: str,
                    keep_session_key: str | None = None) -> None:
    """The user changes their own password: their other sessions end and their API
    tokens are revoked; ``keep_session_key`` is the session they do it from."""
    if not verify_password(user, old):
        raise ValidationFailed({"old_password": "原密码：不正确"})
    problem = password_problem(new)
    if problem:
        raise ValidationFailed({"new_password": f"新密码：{problem}"})
    user.password_hash, user.password_changed_at = hash_password(new), utcnow()
    session.add(user)
    ended, revoked = _after_password_change(session, user=user, keep_session_key=keep_session_key)
    audit.record(session, user=user, action="user", obj=user,
                 summary=f"修改密码（结束其他会话 {ended} 个，撤销令牌 {revoked} 个）")
    session.commit()


def _after_password_change(session: Session, *, user: User,
                           keep_session_key: str | None = None) -> tuple[int, int]:
    from crm.services import sessions

    return (sessions.end_all(session, user=user, keep_key=keep_session_key),
            revoke_tokens(session, user=user))


def set_active(session: Session, *, user: User, active: bool, actor: User) -> None:
    """Disable or enable; users are never deleted (their audit trail stays readable)."""
    if not active and actor is not None and actor.id == user.id:
        raise ValidationFailed({"is_active": "状态：不能停用自己的账号"})
    old = user.is_active
    user.is_active = active
    session.add(user)
    audit.record(session, user=actor, action="user", obj=user,
                 changes={"is_active": [old, active]},
                 summary=("启用" if active else "停用") + f"用户 {user.username}")
    session.commit()


def reset_password(session: Session, *, user: User, new: str, actor: User | None,
                   actor_name: str = "", keep_session_key: str | None = None) -> None:
    """An admin (or ``zhaoshang user set-password``: actor None, ``actor_name``) sets a
    new password (policy applies). This lifts a lockout, ends the user's sessions (but
    ``keep_session_key``'s) and revokes their API tokens."""
    problem = password_problem(new or "")
    if problem:
        raise ValidationFailed({"new_password": f"新密码：{problem}"})
    user.password_hash, user.password_changed_at = hash_password(new), utcnow()
    unlock(session, user=user)
    ended, revoked = _after_password_change(session, user=user, keep_session_key=keep_session_key)
    audit.record(session, user=actor, username=actor_name, action="user", obj=user,
                 summary=f"重置用户 {user.username} 的密码（结束会话 {ended} 个，"
                         f"撤销令牌 {revoked} 个）")
    session.commit()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.username)))


# --- API tokens --------------------------------------------------------------------

# last_used_at is written at most once an hour per token: one conditional UPDATE
TOKEN_TOUCH = timedelta(hours=1)
DEFAULT_TOKEN_DAYS = 180


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, user: User, name: str = "",
                 days: int = DEFAULT_TOKEN_DAYS) -> str:
    if days < 1:
        raise ValidationFailed({"days": "有效期：至少1天"})
    token = "zs_" + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name,
                         created_at=now, expires_at=now + timedelta(days=days)))
    audit.record(session, user=user, action="user", obj=user,
                 summary=f"创建 API 令牌 {name}，{days} 天有效")
    session.commit()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The token's active user; a revoked or expired token, or a disabled user: None.
    Commits (last_used_at), so call it before the request changes anything."""
    now = utcnow()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                                              ApiToken.revoked_at.is_(None),
                                              ApiToken.expires_at > now)).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH:
        t = ApiToken.__table__
        session.execute(update(t).where(
            t.c.id == row.id,
            or_(t.c.last_used_at.is_(None), t.c.last_used_at < now - TOKEN_TOUCH),
        ).values(last_used_at=now))
        session.commit()
    return user


def list_tokens(session: Session, *, user: User | None = None) -> list[ApiToken]:
    """``user``'s tokens, or everyone's (None), newest first."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(session.exec(stmt))


def revoke_token(session: Session, *, token: ApiToken, actor: User | None) -> bool:
    """Revoke one token; False when it already was. Commits."""
    t = ApiToken.__table__
    done = session.execute(update(t).where(t.c.id == token.id, t.c.revoked_at.is_(None))
                           .values(revoked_at=utcnow())).rowcount
    if done:
        owner = session.get(User, token.user_id)
        audit.record(session, user=actor, username="" if actor else "命令行", action="user",
                     obj=owner, summary=f"撤销 {owner.username} 的 API 令牌 {token.name}".strip())
    session.commit()
    return bool(done)


def revoke_tokens(session: Session, *, user: User) -> int:
    """Revoke all of ``user``'s live tokens; how many (caller audits and commits)."""
    t = ApiToken.__table__
    return session.execute(update(t).where(t.c.user_id == user.id, t.c.revoked_at.is_(None))
                           .values(revoked_at=utcnow())).rowcount


def unlock(session: Session, *, user: User) -> None:
    """Lift the account's locks: everywhere and at every address (caller commits)."""
    session.execute(delete(LoginThrottle.__table__)
                    .where(LoginThrottle.__table__.c.username == user.username))
    user.failed_logins, user.failed_since, user.locked_until = 0, None, None
    session.add(user)
