"""Reading the audit trail of one record, with values shown as the office reads them.

``Display`` turns a stored value (a code, an id, an amount) into Chinese text;
it loads the names it needs (divisions, users, parks, enterprises, projects) once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from crm import formatting, rules
from crm.models import AuditLog, Enterprise, Park, Project, User
from crm.models.enterprise import ENTERPRISE_LABELS
from crm.models.followup import FOLLOWUP_LABELS
from crm.models.project import PROJECT_LABELS
from crm.services import reference
from crm.services.audit import ACTIONS

LABELS = {"enterprise": ENTERPRISE_LABELS, "project": PROJECT_LABELS,
          "followup": FOLLOWUP_LABELS}
EXTRA_LABELS = {"deleted_at": "删除时间", "done": "已完成", "contacts": "联系人",
                "is_industry_base": "产业基础企业", "attachment": "附件"}
# Entries that are not changes: the audit log shows them, a record's history does not.
NOT_CHANGES = ("download",)
VOCABS = {
    "stage": rules.STAGES,
    "project_class": rules.PROJECT_CLASSES,
    "cooperation_form": rules.COOPERATION_FORMS,
    "attraction_mode": rules.ATTRACTION_MODES,
    "case_status": rules.CASE_STATUSES,
    "priority": rules.PRIORITIES,
}
AMOUNT_FIELDS = {"planned_investment_wan", "actual_investment_wan", "revenue_wan"}
DIVISION_FIELDS = {"city_code", "county_code"}


def field_label(object_type: str, name: str) -> str:
    return LABELS.get(object_type, {}).get(name) or EXTRA_LABELS.get(name, name)


@dataclass
class Display:
    """Stored value → text. Create one per page; it caches its look-ups."""

    session: Session
    object_type: str
    _divisions: dict | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def __call__(self, name: str, value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        if name == "kind":
            vocab = rules.FOLLOWUP_KINDS if self.object_type == "followup" \
                else rules.ENTERPRISE_KINDS
            return rules.label(vocab, value)
        if name in VOCABS:
            key = int(value) if name == "priority" and str(value).isdigit() else value
            return rules.label(VOCABS[name], key)
        if name in AMOUNT_FIELDS:
            # exact 万元: money() rounds 99999.99万元 to "10.00 亿元", hiding the 一事一议 edge
            try:
                return formatting.wan(Decimal(str(value)))
            except ArithmeticError:
                return str(value)
        if name in DIVISION_FIELDS:
            if self._divisions is None:
                self._divisions = reference.division_names(self.session)
            return self._divisions.get(str(value), str(value))
        if name == "owner_id" or name == "user_id":
            return self._name(User, value, lambda u: u.label)
        if name == "park_id":
            return self._name(Park, value, lambda p: p.name)
        if name == "enterprise_id":
            return self._name(Enterprise, value, lambda e: e.name)
        if name == "project_id":
            return self._name(Project, value, lambda p: p.name)
        if name == "contacts" and isinstance(value, list):
            return "；".join(" ".join(str(c.get(k) or "") for k in ("name", "title", "phone")
                                     ).strip() for c in value if isinstance(c, dict)) or "—"
        if isinstance(value, datetime):
            return formatting.cn_date(value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def _name(self, model, value, text) -> str:
        key = (model, value)
        if key not in self._cache:
            try:
                row = self.session.get(model, int(value))
            except (TypeError, ValueError):
                row = None
            self._cache[key] = text(row) if row is not None else f"#{value}"
        return self._cache[key]


@dataclass
class HistoryEntry:
    at: datetime
    username: str
    action: str
    summary: str
    rows: list[tuple[str, str, str]]  # (label, old, new)


def history(session: Session, object_type: str, object_id: int, *,
            limit: int = 200) -> list[HistoryEntry]:
    """The audit trail of one record, newest first, field by field old → new."""
    stmt = select(AuditLog).where(AuditLog.object_type == object_type,
                                  AuditLog.object_id == object_id,
                                  AuditLog.action.not_in(NOT_CHANGES))
    show = Display(session, object_type)
    entries = []
    for log in session.exec(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)):
        rows = []
        order = list(LABELS.get(object_type, {}))
        for name in sorted(log.changes or {}, key=lambda n: (
                order.index(n) if n in order else len(order), n)):
            change = log.changes[name]
            old, new = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
            old_text, new_text = show(name, old), show(name, new)
            if old_text != new_text:
                rows.append((field_label(object_type, name), old_text, new_text))
        entries.append(HistoryEntry(at=log.at, username=log.username,
                                    action=ACTIONS.get(log.action, log.action),
                                    summary=log.summary, rows=rows))
    return entries
