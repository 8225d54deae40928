"""Password login: one answer for every failure in about the same time, and attempts
counted atomically per (username, client address), with a ceiling across addresses.

An attempt first reserves its place in SQL (``INSERT … ON CONFLICT DO UPDATE SET
attempts = attempts + 1 … RETURNING``, committed before the slow Argon2 check), so of
N parallel wrong passwords exactly LOGIN_MAX_FAILURES are checked and the rest are
refused. Reaching the limit locks that (username, address) for LOGIN_LOCK_MINUTES:
someone guessing from one address does not lock the real user out of theirs.
LOGIN_CEILING attempts on one account from all addresses within that window lock it
everywhere; that is audited and shown on /admin. A successful login clears its
address's count and gives back its reservation under the ceiling.

Unknown, disabled and locked accounts get the same message as a wrong password, and
every attempt runs exactly one Argon2 verification (against a dummy hash with the
same parameters when there is no user or the attempt is refused), so neither the
message nor the time tells whether an account exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, case, delete, literal, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from crm.models import LoginThrottle, User
from crm.models.base import utcnow
from crm.services import audit, users

FAILED = ("用户名或密码错误；连续失败多次后须等待 {minutes} 分钟再试，"
          "如仍无法登录请联系管理员。")
# Usernames are at most 60 characters; a longer one typed is no account either.
USERNAME_KEY_LENGTH = 100
ADDRESS_LENGTH = 64


@dataclass(frozen=True)
class Limits:
    max_failures: int = 5  # per (username, address)
    lock_minutes: int = 15
    ceiling: int = 50  # per account, all addresses

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(max_failures=config["LOGIN_MAX_FAILURES"],
                   lock_minutes=config["LOGIN_LOCK_MINUTES"], ceiling=config["LOGIN_CEILING"])


@dataclass(frozen=True)
class Attempt:
    attempts: int
    locked_until: datetime | None


def failure_message(limits: Limits) -> str:
    return FAILED.format(minutes=limits.lock_minutes)


@cache
def _dummy_hash() -> str:
    """A hash with the hasher's own parameters, so verifying it costs the same."""
    return users.hash_password(secrets.token_urlsafe(24))


def authenticate(session: Session, *, username: str, password: str, address: str,
                 limits: Limits) -> tuple[User | None, str | None]:
    """(user, None) on success, else (None, the one failure message). Audited."""
    now = utcnow()
    name = (username or "").strip()
    key, address = name[:USERNAME_KEY_LENGTH], (address or "")[:ADDRESS_LENGTH]
    user = users.get_by_username(session, name)
    here = _reserve(session, username=key, address=address, now=now, limits=limits)
    refused = None
    if _locked(here, now) or here.attempts > limits.max_failures:
        refused = "本地址已锁定"
    everywhere = None
    if refused is None and user is not None:
        everywhere = _reserve_ceiling(session, user_id=user.id, now=now, limits=limits)
        if _locked(everywhere, now) or everywhere.attempts > limits.ceiling:
            refused = "账号已锁定（全部地址）"
    session.commit()  # concurrent attempts see this reservation before the slow hash
    checked = user is not None and refused is None
    ok = _verify(user.password_hash if checked else _dummy_hash(), password or "")

    if checked and ok and user.is_active:
        _succeeded(session, user=user, key=key, address=address, password=password, now=now,
                   reserved_ceiling=everywhere is not None)
        return user, None

    why = refused or ("用户不存在" if user is None
                      else "账号已停用" if not user.is_active else "密码错误")
    if refused is None and here.attempts == limits.max_failures:
        _lock_address(session, username=key, address=address,
                      until=now + timedelta(minutes=limits.lock_minutes))
        why += f"；本地址锁定{limits.lock_minutes}分钟"
    if everywhere is not None and refused is None and everywhere.attempts == limits.ceiling:
        _lock_account(session, user=user, until=now + timedelta(minutes=limits.lock_minutes))
        why += f"；{limits.lock_minutes}分钟内失败达{limits.ceiling}次，账号在全部地址锁定"
    audit.record(session, user=None, username=name[:USERNAME_KEY_LENGTH], action="login_failed",
                 object_type="user", object_id=user.id if user else None, summary=why)
    session.commit()
    return None, failure_message(limits)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return users.verify_hash(password_hash, password)
    except Exception:  # a malformed stored hash is a failed login, not a crash
        return False


def _locked(attempt: Attempt, now: datetime) -> bool:
    return attempt.locked_until is not None and attempt.locked_until > now


def _insert_for(session: Session):
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql"
            else sqlite.insert)


def _reserve(session: Session, *, username: str, address: str, now: datetime,
             limits: Limits) -> Attempt:
    """Count one attempt for (username, address) and return the count including it.
    A lock that has run out, or a window older than LOGIN_LOCK_MINUTES, starts over."""
    t = LoginThrottle.__table__
    cutoff = now - timedelta(minutes=limits.lock_minutes)
    stale = or_(and_(t.c.locked_until.is_not(None), t.c.locked_until <= now),
                and_(t.c.locked_until.is_(None), t.c.window_start < cutoff))
    at = literal(now, t.c.window_start.type)
    stmt = _insert_for(session)(t).values(username=username, address=address, attempts=1,
                                          window_start=now, locked_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.username, t.c.address],
        set_={"attempts": case((stale, 1), else_=t.c.attempts + 1),
              "window_start": case((stale, at), else_=t.c.window_start),
              "locked_until": case((stale, null()), else_=t.c.locked_until)},
    ).returning(t.c.attempts, t.c.locked_until)
    row = session.execute(stmt).one()
    return Attempt(row.attempts, row.locked_until)


def _reserve_ceiling(session: Session, *, user_id: int, now: datetime,
                     limits: Limits) -> Attempt:
    t = User.__table__
    cutoff = now - timedelta(minutes=limits.lock_minutes)
    stale = or_(and_(t.c.locked_until.is_not(None), t.c.locked_until <= now),
                and_(t.c.locked_until.is_(None),
                     or_(t.c.failed_since.is_(None), t.c.failed_since < cutoff)))
    at = literal(now, t.c.failed_since.type)
    stmt = update(t).where(t.c.id == user_id).values(
        failed_logins=case((stale, 1), else_=t.c.failed_logins + 1),
        failed_since=case((stale, at), else_=t.c.failed_since),
        locked_until=case((stale, null()), else_=t.c.locked_until),
    ).returning(t.c.failed_logins, t.c.locked_until)
    row = session.execute(stmt).one()
    return Attempt(row.failed_logins, row.locked_until)


def _lock_address(session: Session, *, username: str, address: str, until: datetime) -> None:
    t = LoginThrottle.__table__
    session.execute(update(t).where(t.c.username == username, t.c.address == address)
                    .values(locked_until=until))


def _lock_account(session: Session, *, user: User, until: datetime) -> None:
    t = User.__table__
    session.execute(update(t).where(t.c.id == user.id).values(locked_until=until))


def _succeeded(session: Session, *, user: User, key: str, address: str, password: str,
               now: datetime, reserved_ceiling: bool) -> None:
    t = LoginThrottle.__table__
    session.execute(delete(t).where(t.c.username == key, t.c.address == address))
    # Forget finished windows of every (username, address) while we are here.
    session.execute(delete(t).where(t.c.window_start < now - timedelta(days=1),
                                    or_(t.c.locked_until.is_(None), t.c.locked_until < now)))
    if reserved_ceiling:
        u = User.__table__
        session.execute(update(u).where(u.c.id == user.id, u.c.failed_logins > 0)
                        .values(failed_logins=u.c.failed_logins - 1))
    user.last_login_at = now
    if users.needs_rehash(user.password_hash):
        user.password_hash = users.hash_password(password)
    session.add(user)
    audit.record(session, user=user, action="login", obj=user)
    session.commit()


# --- for admins --------------------------------------------------------------------

def address_locks(session: Session) -> list[LoginThrottle]:
    """(username, address) pairs locked now, newest lock first."""
    now = utcnow()
    return list(session.exec(select(LoginThrottle).where(LoginThrottle.locked_until > now)
                             .order_by(LoginThrottle.locked_until.desc()).limit(200)))


# Lifting a lock belongs to the user's account (a password reset does it too).
unlock = users.unlock
