"""Admin-editable settings: a plain key/value store. What a value means, and what
follows from changing it, belongs to the service that owns it (e.g. the 一事一议
line: crm.services.projects)."""

from __future__ import annotations

from sqlalchemy import Integer, String, cast, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from crm.models import Setting, User
from crm.models.base import utcnow


def get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else default


def put(session: Session, key: str, value: str, *, user: User | None) -> None:
    row = session.get(Setting, key) or Setting(key=key, value=value)
    row.value, row.updated_at = value, utcnow()
    row.updated_by = user.username if user else ""
    session.add(row)


def counter(session: Session, key: str) -> int:
    """A counter's value (0 before its first bump): one primary-key look-up, no ORM."""
    table = Setting.__table__
    value = session.connection().execute(
        select(table.c.value).where(table.c.key == key)).scalar()
    return int(value) if value else 0


def bump(session: Session, key: str) -> None:
    """Add one to a counter in the database itself (UPDATE … SET v = v + 1), so that
    concurrent writers never lose a bump; part of the caller's transaction."""
    table = Setting.__table__
    bumped = update(table).where(table.c.key == key).values(
        value=cast(cast(table.c.value, Integer) + 1, String), updated_at=utcnow())
    if session.execute(bumped).rowcount:
        return
    try:
        with session.begin_nested():  # first bump: create the row (another writer may too)
            session.add(Setting(key=key, value="1", updated_by=""))
    except IntegrityError:
        session.execute(bumped)
