"""The audit trail: every change is recorded here, and nothing edits it."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

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
    return dict(
        at=utcnow(),
        user_id=user.id if user else None,
        username=user.username if user else username,
        ip=current_ip.get(),
        action=action,
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else ""),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        summary=summary,
        changes=changes or {},
    )


def snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}
