"""The audit trail: every change is recorded here, and nothing edits it.

The trail is a hash chain (see crm.models.audit): every audit row that is written,
whether through ``record`` (the unit of work links it in ``before_flush``) or in bulk
through ``insert_many``, is linked while this transaction holds the chain head's row
lock, so concurrent writers append one after the other and never fork the chain.
``verify`` walks the chain and names the first row that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from crm.models import AuditLog, User
from crm.models.base import utcnow

# Set per request by crm.security so services need no request object.
current_ip: ContextVar[str] = ContextVar("current_ip", default="")

ACTIONS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "restore": "恢复",
    "stage": "阶段变更",
    "merge": "合并",
    "import": "导入",
    "export": "导出",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "settings": "设置",
    "user": "用户管理",
}


def jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict, after: dict) -> dict:
    """Field-level old → new for the fields that changed."""
    return {
        key: [jsonable(before.get(key)), jsonable(after.get(key))]
        for key in after
        if _norm(before.get(key)) != _norm(after.get(key))
    }


def _norm(value):
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def record(session: Session, **kwargs) -> AuditLog:
    """Add one audit entry to the session (see ``entry`` for the arguments)."""
    row = AuditLog(**entry(**kwargs))
    session.add(row)
    return row


def entry(
    *,
    user: User | None,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: int | None = None,
    changes: dict | None = None,
    summary: str = "",
    username: str = "",
) -> dict:
    """The column values of an audit entry; bulk writers insert many at once."""
    user, obj = _unproxied(user), _unproxied(obj)
    return dict(
        at=utcnow(),
        user_id=user.id if user else None,
        username=user.username if user else username,
        ip=current_ip.get(),
        action=action,
        object_type=object_type or (object_type_of(obj) if obj is not None else ""),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        summary=summary,
        changes=changes or {},
    )


def _unproxied(value):
    """The object behind Flask-Login's ``current_user`` (a werkzeug LocalProxy):
    its type named the entry ``localproxy`` before."""
    unwrap = getattr(value, "_get_current_object", None)
    return unwrap() if callable(unwrap) else value


def object_type_of(obj) -> str:
    """The entry's object type: the record's table name (project, fundarrival …)."""
    return getattr(type(obj), "__tablename__", None) or type(obj).__name__.lower()


def snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


# --- the hash chain ----------------------------------------------------------------

# The content a row's hash covers (its id is not known before the INSERT; its place is
# chain_seq, and prev_hash ties it to the row before).
CHAINED_FIELDS = ("chain_seq", "at", "user_id", "username", "ip", "action", "object_type",
                  "object_id", "summary", "changes")


def _canonical_at(value) -> str:
    if isinstance(value, str):  # never from our code; kept stable all the same
        return value
    if value.utcoffset() is None:  # a database without time zones stores UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def chain_hash(values: dict, prev_hash: str) -> str:
    """SHA-256 (hex) over a canonical JSON of the row's content and ``prev_hash``:
    sorted keys, no spaces, UTF-8, the time as UTC ISO 8601 with microseconds, the
    changes as they read back from the JSON column."""
    doc = {key: values.get(key) for key in CHAINED_FIELDS}
    doc["at"] = _canonical_at(doc["at"])
    doc["changes"] = json.loads(json.dumps(doc["changes"] or {}))
    doc["prev_hash"] = prev_hash or ""
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# Creates the head if it is missing (a database emptied by TRUNCATE): from the last
# chained row, or empty. ON CONFLICT: two first writers at once create it once.
_ENSURE_HEAD = text(
    "INSERT INTO auditchain (id, seq, last_hash) "
    "SELECT 1, COALESCE(MAX(chain_seq), 0), COALESCE((SELECT row_hash FROM auditlog "
    "WHERE chain_seq = (SELECT MAX(chain_seq) FROM auditlog)), '') FROM auditlog "
    "WHERE 1 = 1 ON CONFLICT (id) DO NOTHING")
# The first write of an appending transaction: takes the head's row lock (PostgreSQL)
# or the database's write lock (SQLite) *before* the last hash is read, and claims
# ``n`` places; both are held until the transaction ends.
_CLAIM = text("UPDATE auditchain SET seq = seq + :n WHERE id = 1 RETURNING seq, last_hash")
_SET_HEAD = text("UPDATE auditchain SET last_hash = :h WHERE id = 1")


def _claim(session: OrmSession, n: int) -> tuple[int, str]:
    """(chain_seq of the row before ours, its hash), with ``n`` places claimed."""
    conn = session.connection()
    row = conn.execute(_CLAIM, {"n": n}).first()
    if row is None:
        conn.execute(_ENSURE_HEAD)
        row = conn.execute(_CLAIM, {"n": n}).one()
    return row[0] - n, row[1]


def _link(session: OrmSession, rows: list[dict]) -> list[dict]:
    """Give ``rows`` (column values, in order) their place and hashes."""
    seq, prev = _claim(session, len(rows))
    for values in rows:
        seq += 1
        values["chain_seq"] = seq
        values["prev_hash"] = prev
        values["row_hash"] = prev = chain_hash(values, prev)
    session.connection().execute(_SET_HEAD, {"h": prev})
    return rows


@event.listens_for(OrmSession, "before_flush")
def _link_new_rows(session: OrmSession, _context, _instances) -> None:
    rows = [o for o in session.new if isinstance(o, AuditLog) and not o.row_hash]
    if not rows:
        return
    for row in rows:
        if row.at is None:
            row.at = utcnow()
        if row.changes is None:
            row.changes = {}
    linked = _link(session, [{f: getattr(o, f) for f in CHAINED_FIELDS} for o in rows])
    for row, values in zip(rows, linked, strict=True):
        row.chain_seq, row.prev_hash, row.row_hash = (
            values["chain_seq"], values["prev_hash"], values["row_hash"])


def insert_many(session: Session, entries: Iterable[dict]) -> None:
    """Insert many audit entries (from ``entry``) with one multi-row INSERT, linked
    into the chain in one go under one lock (imports write thousands)."""
    entries = [dict(e) for e in entries]
    if not entries:
        return
    session.flush()  # pending rows take their places first
    session.execute(insert(AuditLog), _link(session, entries))


@dataclass
class ChainCheck:
    """What ``verify`` found: ``broken`` is None for an intact chain."""

    count: int = 0
    last_hash: str = ""
    broken: str | None = None
    broken_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(session: Session) -> ChainCheck:
    """Walk the chain in order and report the first row that does not fit."""
    table = AuditLog.__table__
    conn = session.connection()
    check = ChainCheck()
    loose = conn.execute(select(table.c.id).where(table.c.chain_seq.is_(None))
                         .order_by(table.c.id).limit(1)).first()
    if loose is not None:
        check.broken_id = loose[0]
        check.broken = f"id={loose[0]} 的记录不在链上（绕过程序写入，或链位置被改写）"
        return check
    rows = conn.execute(select(table).order_by(table.c.chain_seq)
                        .execution_options(yield_per=2000))
    prev = ""
    for row in rows:
        values = row._mapping
        at = f"{values['at']:%Y-%m-%d %H:%M:%S}"
        where = f"id={values['id']}（第 {values['chain_seq']} 环，{at}）"
        if values["chain_seq"] != check.count + 1:
            check.broken = f"第 {check.count + 1} 环缺失：{where} 之前的记录被删除或移动"
        elif values["prev_hash"] != prev:
            check.broken = f"{where} 与前一条记录的链接不符（前一条记录被改写、删除或插入）"
        elif values["row_hash"] != chain_hash(dict(values), prev):
            check.broken = f"{where} 的内容与其哈希不符（记录被改写）"
        if check.broken:
            check.broken_id = values["id"]
            rows.close()
            return check
        check.count += 1
        prev = check.last_hash = values["row_hash"]
    head = conn.execute(text("SELECT seq, last_hash FROM auditchain WHERE id = 1")).first()
    if head is not None and (head[0], head[1]) != (check.count, prev):
        check.broken = (f"链头记录第 {head[0]} 环，实际只有 {check.count} 环："
                        "末尾的记录被删除，或链头被改写")
    return check
