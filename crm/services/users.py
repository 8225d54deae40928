"""Users: password policy, Argon2 hashing, lockout, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from crm import rules
from crm.models import ApiToken, User
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


def authenticate(session: Session, *, username: str, password: str, max_failures: int,
                 lock_minutes: int) -> tuple[User | None, str | None]:
    """(user, None) on success, else (None, Chinese reason). Failures are audited."""
    user = get_by_username(session, (username or "").strip())
    now = utcnow()
    if user is None:
        _failed(session, None, username, "用户不存在")
        return None, "用户名或密码错误。"
    if not user.is_active:
        _failed(session, user, username, "账号已停用")
        return None, "该账号已停用，请联系管理员。"
    if user.locked_until and user.locked_until > now:
        _failed(session, user, username, "账号已锁定")
        return None, "登录失败次数过多，账号已临时锁定，请稍后再试。"
    if not verify_password(user, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        _failed(session, user, username, "密码错误")
        return None, "用户名或密码错误。"
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(user)
    audit.record(session, user=user, action="login", obj=user)
    session.commit()
    return user, None


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _failed(session: Session, user: User | None, username: str, why: str) -> None:
    if user is not None:
        session.add(user)
    audit.record(session, user=None, username=username, action="login_failed",
                 object_type="user", object_id=user.id if user else None, summary=why)
    session.commit()


def change_password(session: Session, *, user: User, old: str, new: str) -> None:
    if not verify_password(user, old):
        raise ValidationFailed({"old_password": "原密码：不正确"})
    problem = password_problem(new)
    if problem:
        raise ValidationFailed({"new_password": f"新密码：{problem}"})
    user.password_hash, user.password_changed_at = hash_password(new), utcnow()
    session.add(user)
    audit.record(session, user=user, action="user", obj=user, summary="修改密码")
    session.commit()


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


def reset_password(session: Session, *, user: User, new: str, actor: User) -> None:
    """An admin sets a new password (policy applies); this also lifts a lockout."""
    problem = password_problem(new or "")
    if problem:
        raise ValidationFailed({"new_password": f"新密码：{problem}"})
    user.password_hash, user.password_changed_at = hash_password(new), utcnow()
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    audit.record(session, user=actor, action="user", obj=user,
                 summary=f"重置用户 {user.username} 的密码")
    session.commit()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.username)))


# --- API tokens --------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, user: User, name: str = "") -> str:
    token = "zs_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name))
    audit.record(session, user=user, action="user", obj=user, summary="创建 API 令牌")
    session.commit()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                                              ApiToken.revoked_at.is_(None))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None
