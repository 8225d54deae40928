"""What every stored record shares: versioned updates, soft delete and restore,
each written to the audit trail. Enterprises, projects and follow-ups use these."""

from __future__ import annotations

import functools
import re

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from crm.models import User
from crm.models.base import utcnow
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.models.followup import FOLLOWUP_LABELS
from crm.models.funding import CITY_REWARD_RULE_LABELS, FUND_ARRIVAL_LABELS
from crm.models.project import PROJECT_LABELS
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


# --- races ---------------------------------------------------------------------------

def lock(session: Session, obj) -> None:
    """Hold ``obj``'s row until commit and read it afresh. Writers that derive a
    value from other rows (a sum, the latest date) take turns instead of each
    computing from what it saw before the other committed.

    PostgreSQL: SELECT … FOR NO KEY UPDATE (children inserted meanwhile only take
    KEY SHARE locks, so they do not deadlock against it). SQLite has no row locks:
    take the database's write lock now (BEGIN IMMEDIATE waits out the busy timeout)."""
    session.flush()  # the refresh below must not drop pending changes
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if not dbapi.in_transaction:  # once a write ran, the lock is held already
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    session.refresh(obj, with_for_update={"key_share": True})


def refuse_races(record: str | None = None):
    """A service function's lost races as the errors a user can act on:

    * the row's version moved since it was read (StaleDataError, see RecordMixin)
      → VersionConflict for the keyword argument ``record``;
    * a unique column took the same value meanwhile (IntegrityError)
      → ValidationFailed naming the field (统一社会信用代码：已存在…).

    The caller rolls back, as for any ServiceError."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except StaleDataError:
                if record is None or kwargs.get(record) is None:
                    raise
                submitted = dict(kwargs.get("data") or {})
                submitted.pop("version", None)
                raise VersionConflict(kwargs[record], submitted) from None
            except IntegrityError as exc:
                refused = unique_violation(exc)
                if refused is None:
                    raise
                raise refused from None
        return wrapper
    return decorate


# Unique columns by table; record tables use their field labels.
UNIQUE_LABELS = {
    "enterprise": ENTERPRISE_LABELS, "project": PROJECT_LABELS, "followup": FOLLOWUP_LABELS,
    "fundarrival": FUND_ARRIVAL_LABELS, "cityrewardrule": CITY_REWARD_RULE_LABELS,
    "user": {"username": "用户名"}, "park": {"name": "园区名称"},
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")
_PG_KEY = re.compile(r"Key \(([^)]+)\)=")


def unique_violation(exc: IntegrityError) -> ValidationFailed | None:
    """The field whose unique constraint ``exc`` broke, as a ValidationFailed;
    None when ``exc`` is another integrity error (a foreign key, a NOT NULL)."""
    table = column = None
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        diag = orig.diag
        table = diag.table_name
        found = _PG_KEY.search(diag.message_detail or "")
        if found:
            column = found.group(1).split(",")[0].strip().strip('"')
        elif table and diag.constraint_name:  # default names: <table>_<column>_key
            column = diag.constraint_name.removeprefix(f"{table}_").removesuffix("_key")
    else:
        found = _SQLITE_UNIQUE.search(str(orig))
        if found:
            table, column = found.groups()
    if not column:
        return None
    label = UNIQUE_LABELS.get(table or "", {}).get(column, column)
    return ValidationFailed({column: f"{label}：已存在，不能重复（可能刚被他人录入）"})
