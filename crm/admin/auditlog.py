"""Reading the audit trail: filters from query parameters, and the page's rows with
names and Chinese labels (crm.services.display) for field-level old → new values.
Read-only: nothing here (or anywhere) updates or deletes an AuditLog row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from sqlmodel import select

from crm import clock
from crm.models import AuditLog
from crm.services import display
from crm.services.audit import ACTIONS

OBJECT_TYPES = display.OBJECT_TYPES


@dataclass
class AuditRow:
    """One audit entry as the page shows it: names, not ids; labels, not codes."""

    entry: AuditLog
    actor: str  # display name, else the username written in the row
    login: str  # the username written in the row (unless unreadable)
    object_type: str  # 项目 …
    object_name: str  # the record's name where it has one
    changes: list[tuple[str, str, str]]  # (中文字段名, old, new)


def describe(session, entries: list[AuditLog]) -> list[AuditRow]:
    """The page's rows, their names read in one query per table for all of them."""
    names = display.Names(session)
    for e in entries:
        names.want("user", e.user_id)
        if display.canonical_type(e.object_type) in display.TABLES:
            names.want(display.canonical_type(e.object_type), e.object_id)
        names.want_changes(e.object_type, e.changes)
    return [AuditRow(entry=e, actor=display.actor_name(names, e.user_id, e.username),
                     login=display.readable(e.username),
                     object_type=display.type_label(e.object_type),
                     object_name=_object_name(names, e),
                     changes=display.change_rows(e.object_type, e.changes, names))
            for e in entries]


def _object_name(names: display.Names, entry: AuditLog) -> str:
    table = display.canonical_type(entry.object_type)
    if table in display.TABLES and names.has(table, entry.object_id):
        return names.name(table, entry.object_id)
    return ""


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

    CAPPED: ClassVar[bool] = True  # a long list: crm.queries.list_page counts to the cap

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
            legacy = [old for old, new in display.LEGACY_TYPES.items() if new == self.object_type]
            stmt = stmt.where(AuditLog.object_type.in_([self.object_type, *legacy]))
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
