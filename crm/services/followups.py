"""Follow-ups (跟进记录), and the project fields they keep current."""

from __future__ import annotations

from sqlmodel import Session, func, select

from crm import rules
from crm.models import Enterprise, FollowUp, FollowUpCreate, Project, User
from crm.models.followup import FOLLOWUP_LABELS, FollowUpUpdate
from crm.services import audit, permissions, records
from crm.services.errors import ValidationFailed
from crm.services.validation import check_choice, nulls_for_required, parse, require

SYSTEM_FIELDS = ("id", "user_id", "is_demo", "created_at", "updated_at", "deleted_at")


def get_followup(session: Session, followup_id, *, include_deleted: bool = False) -> FollowUp:
    return records.get_live(session, FollowUp, followup_id, "跟进记录",
                            include_deleted=include_deleted)


@records.refuse_races()
def create_followup(*, session: Session, data: dict | FollowUpCreate, user: User,
                    commit: bool = True) -> FollowUp:
    followup, project = prepare_followup(session=session, data=data, user=user)
    session.add(followup)
    session.flush()
    audit.record(session, user=user, action="create", obj=followup,
                 changes=audit.diff({}, _values(followup)), summary=followup.summary[:60])
    refresh_project_dates(session, project)
    if commit:
        session.commit()
    return followup


def prepare_followup(*, session: Session, data: dict | FollowUpCreate,
                     user: User) -> tuple[FollowUp, Project | None]:
    """Every check of a new follow-up, writing nothing (an import's preview)."""
    raw = _clean(data.model_dump() if isinstance(data, FollowUpCreate) else dict(data))
    values = parse(FollowUpCreate, raw, FOLLOWUP_LABELS).model_dump()
    project = _validate(session, values)
    followup = FollowUp(**values, user_id=user.id)
    _require_edit(user, followup, project)
    return followup, project


def _values(followup: FollowUp) -> dict:
    return {key: getattr(followup, key) for key in FollowUpCreate.model_fields}


@records.refuse_races("followup")
def update_followup(*, session: Session, followup: FollowUp, data: dict, user: User) -> FollowUp:
    _require_edit(user, followup, _project(session, followup.project_id))
    raw = _clean(dict(data))
    version = raw.pop("version", None)
    records.check_version(followup, version, raw)
    values = parse(FollowUpUpdate, raw, FOLLOWUP_LABELS).model_dump(exclude_unset=True)
    values.pop("version", None)
    nulls_for_required(FollowUp, values, FOLLOWUP_LABELS)
    merged = {**audit.snapshot(followup, FOLLOWUP_LABELS), **values}
    project = _validate(session, merged)
    values = {key: merged[key] for key in values}  # labels mapped to codes (拜访 → visit)
    _require_edit(user, followup, project)
    old_project = _project(session, followup.project_id)
    changes = records.apply_changes(followup, values)
    if changes:
        audit.record(session, user=user, action="update", obj=followup, changes=changes)
    session.add(followup)
    session.flush()
    touched = {x.id: x for x in (project, old_project) if x is not None}
    for key in sorted(touched):  # locks in one order: two moves cannot deadlock
        refresh_project_dates(session, touched[key])
    session.commit()
    return followup


@records.refuse_races("followup")
def delete_followup(*, session: Session, followup: FollowUp, user: User) -> None:
    project = _project(session, followup.project_id)
    _require_edit(user, followup, project)
    records.soft_delete(session, followup, user=user)
    session.flush()
    refresh_project_dates(session, project)
    session.commit()


@records.refuse_races("followup")
def restore_followup(*, session: Session, followup: FollowUp, user: User) -> None:
    project = _project(session, followup.project_id)
    _require_edit(user, followup, project)
    records.restore(session, followup, user=user)
    session.flush()
    refresh_project_dates(session, project)
    session.commit()


def refresh_project_dates(session: Session, project: Project | None) -> None:
    """Keep the project's last contact and earliest open next step current."""
    if project is None:
        return
    # Concurrent follow-ups of one project take turns: each reads the others' dates,
    # and writes over the project's current version (not the one read earlier).
    records.lock(session, project)
    live = (FollowUp.project_id == project.id, FollowUp.deleted_at.is_(None))
    project.last_followup_on = session.exec(select(func.max(FollowUp.date)).where(*live)).one()
    project.next_due_on = session.exec(select(func.min(FollowUp.next_due)).where(
        *live, FollowUp.done.is_(False), FollowUp.next_due.is_not(None))).one()
    session.add(project)


def timeline(session: Session, *, project_id: int | None = None,
             enterprise_id: int | None = None) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.deleted_at.is_(None))
    if project_id is not None:
        stmt = stmt.where(FollowUp.project_id == project_id)
    if enterprise_id is not None:
        stmt = stmt.where(FollowUp.enterprise_id == enterprise_id)
    return list(session.exec(stmt.order_by(FollowUp.date.desc(), FollowUp.id.desc())))


def next_steps(session: Session, project_ids) -> dict[int, str]:
    """The newest open follow-up's 下一步 of each project (the list cards show it)."""
    ids = {i for i in project_ids if i is not None}
    if not ids:
        return {}
    stmt = select(FollowUp.project_id, FollowUp.next_step).where(
        FollowUp.project_id.in_(ids), FollowUp.deleted_at.is_(None),
        FollowUp.done.is_(False), FollowUp.next_step != "")
    steps: dict[int, str] = {}
    for project_id, step in session.exec(stmt.order_by(FollowUp.date.desc(),
                                                       FollowUp.id.desc())):
        steps.setdefault(project_id, step)
    return steps


def _project(session: Session, project_id) -> Project | None:
    return session.get(Project, project_id) if project_id is not None else None


def _require_edit(user: User, followup: FollowUp, project: Project | None) -> None:
    permissions.require(permissions.can_edit_followup(user, followup, project),
                        "您只能记录落地在本市（州）的项目的跟进。")


def _clean(raw: dict) -> dict:
    out = {}
    for key, value in raw.items():
        if key in SYSTEM_FIELDS:
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "" and key in ("project_id", "enterprise_id", "next_due", "date"):
                value = None
        out[key] = value
    return out


def _validate(session: Session, v: dict) -> Project | None:
    errors: dict[str, str] = {}
    L = FOLLOWUP_LABELS
    project = _project(session, v.get("project_id"))
    if v.get("project_id") is not None and (project is None or project.deleted_at):
        require(errors, L, "project_id", "所选项目不存在")
    if v.get("enterprise_id") is not None:
        ent = session.get(Enterprise, v["enterprise_id"])
        if ent is None or ent.deleted_at:
            require(errors, L, "enterprise_id", "所选企业不存在")
    if v.get("project_id") is None and v.get("enterprise_id") is None:
        require(errors, L, "project_id", "项目和企业至少选择一个")
    if project is not None and v.get("enterprise_id") is None:
        v["enterprise_id"] = project.enterprise_id
    check_choice(errors, v, L, "kind", rules.FOLLOWUP_KINDS, required=True)
    if not (v.get("summary") or "").strip():
        require(errors, L, "summary", "必填")
    if v.get("next_due") and v.get("date") and v["next_due"] < v["date"]:
        require(errors, L, "next_due", "不能早于跟进日期")
    if errors:
        raise ValidationFailed(errors)
    return project
