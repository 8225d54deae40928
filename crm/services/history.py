"""Reading the audit trail of one record, with values shown as the office reads them
(crm.services.display): names behind ids are loaded once for the whole trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from crm.models import AuditLog
from crm.services import display
from crm.services.audit import ACTIONS


class Display:
    """``show(field, value)`` for one record type (the edit-conflict page). Names are
    looked up as asked, a table at a time."""

    def __init__(self, session: Session, object_type: str):
        self.object_type = object_type
        self.names = display.Names(session)

    def __call__(self, name: str, value) -> str:
        return display.display_value(self.object_type, name, value, self.names)


def field_label(object_type: str, name: str) -> str:
    return display.field_label(object_type, name)


@dataclass
class HistoryEntry:
    at: datetime
    username: str
    action: str
    summary: str
    rows: list[tuple[str, str, str]]  # (label, old, new)
    actor: str = ""  # the user's display name, else username


def history(session: Session, object_type: str, object_id: int, *,
            limit: int = 200) -> list[HistoryEntry]:
    """The audit trail of one record, newest first, field by field old → new."""
    stmt = select(AuditLog).where(AuditLog.object_type == object_type,
                                  AuditLog.object_id == object_id)
    logs = list(session.exec(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)))
    names = display.Names(session)
    for log in logs:
        names.want("user", log.user_id)
        names.want_changes(object_type, log.changes)
    return [HistoryEntry(at=log.at, username=log.username,
                         actor=display.actor_name(names, log.user_id, log.username),
                         action=ACTIONS.get(log.action, log.action), summary=log.summary,
                         rows=display.change_rows(object_type, log.changes, names))
            for log in logs]
