"""Server-side login sessions.

Flask's session is a signed cookie: on its own it stays valid until it expires,
whatever happens on the server. Each login therefore makes a ``UserSession`` row and
puts a random key in the cookie (the row keeps only its SHA-256); every request
must find its row. Logout deletes the row, so a copied cookie stops working; a
password change deletes the user's other rows. The row also holds a fingerprint
of the user agent and client address at login: a request with another one ends
the session (what Flask-Login's session_protection="strong" cannot do while every
session is permanent).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from crm.models import User, UserSession
from crm.models.base import utcnow

# last_seen_at is written at most this often per session (one UPDATE a minute)
TOUCH_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(*, user_agent: str, address: str | None) -> str:
    """``address`` None: bound to the user agent only (SESSION_BIND_ADDRESS=0)."""
    return _hash(f"{user_agent}\n{address if address is not None else '*'}")


def start(session: Session, *, user: User, fingerprint: str, address: str = "",
          user_agent: str = "", idle: timedelta | None = None) -> str:
    """A new session row for ``user``; returns the key for the cookie (caller commits).
    ``idle``: also forget every session idle longer than this (cheap, indexed)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    if idle is not None:
        session.execute(delete(UserSession.__table__).where(
            UserSession.__table__.c.last_seen_at < now - idle - TOUCH_EVERY))
    session.add(UserSession(user_id=user.id, key_hash=_hash(key), fingerprint=fingerprint,
                            address=address[:64], user_agent=user_agent[:200],
                            created_at=now, last_seen_at=now))
    return key


def find(session: Session, *, key: str | None, user_id: int, fingerprint: str,
         idle: timedelta) -> UserSession | None:
    """The live row for this cookie, or None (unknown key, another user, another
    fingerprint, or idle too long: then the row is deleted). Commits a touch at most
    once a minute, so call it before the request changes anything."""
    if not key or not isinstance(key, str) or len(key) > 100:
        return None
    row = session.exec(select(UserSession).where(UserSession.key_hash == _hash(key))).first()
    if row is None or row.user_id != user_id:
        return None
    now = utcnow()
    if row.fingerprint != fingerprint or now - row.last_seen_at > idle + TOUCH_EVERY:
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        t = UserSession.__table__
        # conditional: parallel requests of one browser write it once
        session.execute(update(t).where(t.c.id == row.id, t.c.last_seen_at < now - TOUCH_EVERY)
                        .values(last_seen_at=now))
        session.commit()
    return row


def end(session: Session, *, key: str | None) -> None:
    """Delete this session's row (caller commits)."""
    if key and isinstance(key, str):
        session.execute(delete(UserSession.__table__)
                        .where(UserSession.__table__.c.key_hash == _hash(key)))


def end_all(session: Session, *, user: User, keep_key: str | None = None) -> int:
    """Delete the user's sessions except ``keep_key``'s; how many (caller commits)."""
    t = UserSession.__table__
    stmt = delete(t).where(t.c.user_id == user.id)
    if keep_key:
        stmt = stmt.where(t.c.key_hash != _hash(keep_key))
    return session.execute(stmt).rowcount


def for_user(session: Session, *, user: User) -> list[UserSession]:
    return list(session.exec(select(UserSession).where(UserSession.user_id == user.id)
                             .order_by(UserSession.last_seen_at.desc())))
