"""Admin-editable settings, with the rule defaults from crm.rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from crm import rules
from crm.models import Project, Setting, User
from crm.models.base import utcnow
from crm.services import audit
from crm.services.errors import ValidationFailed


def get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else default


def case_by_case_line_wan(session: Session) -> Decimal:
    value = get(session, rules.CASE_BY_CASE_LINE_SETTING)
    return Decimal(value) if value else rules.DEFAULT_CASE_BY_CASE_LINE_WAN


def set_case_by_case_line(session: Session, *, line_wan, user: User) -> int:
    """Change the 一事一议 line and re-flag every project; returns how many changed."""
    try:
        line = Decimal(str(line_wan))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({"line_wan": "一事一议标准：应为数字（万元）"}) from None
    if line <= 0:
        raise ValidationFailed({"line_wan": "一事一议标准：应大于0"})
    old = case_by_case_line_wan(session)
    _put(session, rules.CASE_BY_CASE_LINE_SETTING, str(line), user)
    audit.record(
        session, user=user, action="settings", object_type="setting",
        changes={rules.CASE_BY_CASE_LINE_SETTING: [float(old), float(line)]},
        summary="修改一事一议标准",
    )
    changed = reflag_case_by_case(session, line=line, user=user)
    session.commit()
    return changed


def apply_case_by_case(project: Project, line: Decimal) -> None:
    """一事一议 follows the line in force; a newly flagged case starts 待提请."""
    project.case_by_case = rules.is_case_by_case(project.planned_investment_wan, line)
    if project.case_by_case and project.case_status is None:
        project.case_status = "pending"


def reflag_case_by_case(session: Session, *, line: Decimal, user: User | None) -> int:
    changed = 0
    for project in session.exec(select(Project).where(Project.deleted_at.is_(None))):
        before = project.case_by_case
        apply_case_by_case(project, line)
        if project.case_by_case != before:
            changed += 1
            project.version += 1
            audit.record(
                session, user=user, action="update", obj=project,
                changes={"case_by_case": [before, project.case_by_case]},
                summary="一事一议标准调整后重新判定",
            )
    return changed


def _put(session: Session, key: str, value: str, user: User) -> None:
    row = session.get(Setting, key) or Setting(key=key, value=value)
    row.value, row.updated_at, row.updated_by = value, utcnow(), user.username
    session.add(row)
