"""Reading the audit trail: filters from query parameters, and Chinese labels for
field-level old → new values. Read-only: nothing here (or anywhere) updates or
deletes an AuditLog row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from crm import clock, rules
from crm.models import AuditLog
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.models.followup import FOLLOWUP_LABELS
from crm.models.project import PROJECT_LABELS
from crm.services.audit import ACTIONS

OBJECT_TYPES = {
    "enterprise": "企业",
    "project": "项目",
    "followup": "跟进记录",
    "user": "用户",
    "setting": "设置",
    "contact": "联系人",
    "database": "数据库",
}

USER_LABELS = {"role": "角色", "city_code": "所属市（州）", "is_active": "启用",
               "display_name": "姓名"}
SETTING_LABELS = {rules.CASE_BY_CASE_LINE_SETTING: "一事一议标准（万元）"}
FIELD_LABELS = {
    "enterprise": ENTERPRISE_LABELS,
    "project": PROJECT_LABELS,
    "followup": FOLLOWUP_LABELS,
    "user": USER_LABELS,
    "setting": SETTING_LABELS,
}
# Stored codes shown as their Chinese words.
VALUE_VOCABS = {
    "stage": rules.STAGES,
    "project_class": rules.PROJECT_CLASSES,
    "cooperation_form": rules.COOPERATION_FORMS,
    "attraction_mode": rules.ATTRACTION_MODES,
    "case_status": rules.CASE_STATUSES,
    "role": rules.ROLES,
}
KIND_VOCABS = {"enterprise": rules.ENTERPRISE_KINDS, "followup": rules.FOLLOWUP_KINDS}


def field_label(object_type: str, field: str) -> str:
    return FIELD_LABELS.get(object_type, {}).get(field) or field


def value_label(object_type: str, field: str, value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    vocab = KIND_VOCABS.get(object_type) if field == "kind" else VALUE_VOCABS.get(field)
    if vocab and value in vocab:
        return vocab[value]
    return str(value)


def changes_of(entry: AuditLog) -> list[tuple[str, str, str]]:
    """[(中文字段名, old, new)] for one entry."""
    out = []
    for field, pair in (entry.changes or {}).items():
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) \
            else (None, pair)
        out.append((field_label(entry.object_type, field),
                    value_label(entry.object_type, field, old),
                    value_label(entry.object_type, field, new)))
    return out


def beijing(at: datetime) -> str:
    return clock.local(at).strftime("%Y-%m-%d %H:%M:%S")



def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class AuditFilters:
    username: str = ""
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    ip: str = ""

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        return cls(
            username=(args.get("username") or "").strip(),
            action=args.get("action") if args.get("action") in ACTIONS else "",
            object_type=(args.get("object_type") or "").strip(),
            object_id=_int(args.get("object_id")),
            date_from=_date(args.get("date_from")),
            date_to=_date(args.get("date_to")),
            ip=(args.get("ip") or "").strip(),
        )

    def select(self):
        stmt = select(AuditLog)
        if self.username:
            stmt = stmt.where(AuditLog.username == self.username)
        if self.action:
            stmt = stmt.where(AuditLog.action == self.action)
        if self.object_type:
            stmt = stmt.where(AuditLog.object_type == self.object_type)
        if self.object_id is not None:
            stmt = stmt.where(AuditLog.object_id == self.object_id)
        if self.ip:
            stmt = stmt.where(AuditLog.ip == self.ip)
        # Dates are the office's calendar days (clock.zone()), inclusive at both ends.
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, clock.zone()).astimezone(UTC)
            stmt = stmt.where(AuditLog.at >= start)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min,
                                   clock.zone()).astimezone(UTC)
            stmt = stmt.where(AuditLog.at < end)
        return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())

    def to_args(self) -> dict:
        out = {
            "username": self.username, "action": self.action, "object_type": self.object_type,
            "object_id": self.object_id, "ip": self.ip,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in out.items() if v not in (None, "")}
