"""What every stored record shares: versioned updates, soft delete and restore,
each written to the audit trail. Enterprises, projects and follow-ups use these."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session

from crm.models import User
from crm.models.base import utcnow
from crm.services import audit
from crm.services.errors import NotFound, ValidationFailed, VersionConflict

# Ids are INTEGER columns: beyond 2**31 - 1 none can exist, and asking the database
# overflows (PostgreSQL: integer out of range; SQLite's driver beyond 64 bits).
MAX_ID = 2**31 - 1


def get_live(session: Session, model, obj_id, what: str, *, include_deleted: bool = False):
    possible = obj_id is not None and not (isinstance(obj_id, int) and abs(obj_id) > MAX_ID)
    obj = session.get(model, obj_id) if possible else None
    if obj is None or (obj.deleted_at is not None and not include_deleted):
        raise NotFound(what)
    return obj


def new_row(model, values: dict) -> dict:
    """Every column value of a new ``model`` record but its id, defaults filled in:
    batch writers insert these without building (and instrumenting) an ORM object."""
    row = {}
    for name, field in model.model_fields.items():
        if name in values:
            row[name] = values[name]
        elif name != "id":  # columns hold scalars: a default needs no copying
            row[name] = field.default_factory() if field.default_factory else field.default
    return row


def insert_rows(session: Session, model, rows: list[dict]) -> list[int]:
    """Insert many rows in a few statements; returns their new ids, in order."""
    if session.get_bind().dialect.name != "sqlite":
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, rows).scalars())
    # SQLite cannot say which id each row of a multi-row INSERT … RETURNING got, so
    # SQLAlchemy would send one statement per row. Holding the write lock, the rows
    # of one executemany get consecutive rowids ending at last_insert_rowid().
    session.execute(insert(model), rows)
    last = session.connection().exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
    return list(range(last - len(rows) + 1, last + 1))


def check_version(obj, submitted_version: int | None, submitted: dict) -> None:
    """A save based on an older version is refused, never silently applied."""
    if submitted_version is None:
        return
    if isinstance(submitted_version, bool) or not _is_integer(submitted_version):
        raise ValidationFailed({"version": "版本：应为整数"})
    if int(submitted_version) != obj.version:
        raise VersionConflict(obj, submitted)


def _is_integer(value) -> bool:
    """1, "1" and 1.0 are versions; "abc", 1.5, [1] are not (a 422, never a 500)."""
    try:
        return int(value) == float(value)
    except (TypeError, ValueError, OverflowError):
        return False


def apply_changes(obj, values: dict) -> dict:
    """Set fields, bump the version when anything changed; returns the diff."""
    before = audit.snapshot(obj, values.keys())
    for field, value in values.items():
        setattr(obj, field, value)
    changes = audit.diff(before, values)
    if changes:
        obj.version += 1
        obj.updated_at = utcnow()
    return changes


def soft_delete(session: Session, obj, *, user: User, summary: str = "", when=None) -> None:
    obj.deleted_at = when or utcnow()
    obj.version += 1
    session.add(obj)
    audit.record(session, user=user, action="delete", obj=obj, summary=summary)


def restore(session: Session, obj, *, user: User, summary: str = "") -> None:
    obj.deleted_at = None
    obj.version += 1
    session.add(obj)
    audit.record(session, user=user, action="restore", obj=obj, summary=summary)
