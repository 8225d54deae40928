"""Figures for the home page: my overdue follow-ups, stages, 一事一议, 吉浙."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case
from sqlmodel import Session, func, select

from crm import rules
from crm.models import FollowUp, Project, User


def stage_counts(session: Session, city_code: str | None = None) -> dict[str, int]:
    # Naming the stages lets SQLite count from the covering (city_code,) stage, deleted_at
    # index (ix_project_stage_live / ix_project_city_stage_live) instead of reading every live
    # row through the deleted_at index and sorting: 39 ms → 2 ms at 30k projects. PostgreSQL
    # plans an index-only scan either way. Only these stages are reported anyway.
    stmt = select(Project.stage, func.count()).where(Project.deleted_at.is_(None),
                                                     Project.stage.in_(list(rules.STAGES)))
    if city_code:
        stmt = stmt.where(Project.city_code == city_code)
    counts = dict(session.exec(stmt.group_by(Project.stage)).all())
    return {stage: counts.get(stage, 0) for stage in rules.STAGES}


def my_overdue_followups(session: Session, user: User, today: date, limit: int = 20):
    stmt = select(FollowUp).where(
        FollowUp.deleted_at.is_(None), FollowUp.user_id == user.id, FollowUp.done.is_(False),
        FollowUp.next_due < today,
    ).order_by(FollowUp.next_due).limit(limit)
    return list(session.exec(stmt))


def pending_cases(session: Session, limit: int = 20) -> list[Project]:
    stmt = select(Project).where(
        Project.deleted_at.is_(None), Project.case_by_case.is_(True),
        Project.case_status.in_(["pending", "consulting"]),
    ).order_by(Project.planned_investment_wan.desc()).limit(limit)
    return list(session.exec(stmt))


def jizhe_totals(session: Session) -> dict:
    signed = func.sum(case((Project.stage.in_(rules.SIGNED_OR_LATER), 1), else_=0))
    count, planned, signed = session.exec(
        select(func.count(), func.sum(Project.planned_investment_wan), signed)
        .where(Project.deleted_at.is_(None), Project.jizhe.is_(True))).one()
    return {"count": count, "planned_wan": planned or 0, "signed": signed or 0}
