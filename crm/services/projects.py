"""Projects: create, edit, stage moves, 一事一议 cases, delete and restore."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from crm import rules
from crm.models import Division, Enterprise, FollowUp, Park, Project, ProjectCreate, User
from crm.models.project import PROJECT_LABELS, ProjectUpdate, StageChange
from crm.services import audit, geo, permissions, records, reference, settings
from crm.services.errors import Forbidden, ValidationFailed
from crm.services.validation import (
    check_choice,
    check_listed,
    nulls_for_required,
    parse,
    require,
    text_problem,
)

# Fields a stage move, not an edit, changes; and fields no one sets by hand.
STAGE_FIELDS = {"stage", "stage_reason"}
CASE_FIELDS = {"case_status", "case_notes"}


def get_project(session: Session, project_id, *, include_deleted: bool = False) -> Project:
    return records.get_live(session, Project, project_id, "项目", include_deleted=include_deleted)


def apply_jizhe(project: Project) -> None:
    project.source_province = rules.normalize_province(project.source_province)
    project.jizhe = rules.is_jizhe(project.source_province, project.attraction_mode)


@records.refuse_races()
def create_project(*, session: Session, data: dict | ProjectCreate, user: User,
                   commit: bool = True) -> Project:
    project = prepare_project(session=session, data=data, user=user)
    session.add(project)
    session.flush()
    session.add(StageChange(project_id=project.id, from_stage=None, to_stage=project.stage,
                            reason=project.stage_reason, user_id=user.id, username=user.username))
    audit.record(session, user=user, action="create", obj=project,
                 changes=audit.diff({}, _audited(project)), summary=project.name)
    if commit:
        session.commit()
    return project


def prepare_project(*, session: Session, data: dict | ProjectCreate, user: User) -> Project:
    """Every check and derived field of a new project, writing nothing: the project
    is not added to the session (an import's preview checks its rows with this)."""
    raw = data.model_dump() if isinstance(data, ProjectCreate) else dict(data)
    raw = _clean(raw)
    payload = parse(ProjectCreate, raw, PROJECT_LABELS)
    values = payload.model_dump()
    _derive_city(values)
    values["city_code"] = rules.city_bound_project_city(
        user.role, user.city_code, values.get("city_code"))
    _validate(session, values, creating=True)
    permissions.require(
        permissions.can_create_project(user, values.get("city_code")),
        "落地市（州）：您只能新建落地在本市（州）的项目。",
    )
    project = Project(**values)
    project.owner_id = project.owner_id or user.id
    _derive(session, project)
    return project


@records.refuse_races("project")
def update_project(*, session: Session, project: Project, data: dict, user: User) -> Project:
    require_edit(user, project)
    raw = _clean(dict(data))
    version = raw.pop("version", None)
    records.check_version(project, version, raw)
    payload = parse(ProjectUpdate, raw, PROJECT_LABELS)
    values = payload.model_dump(exclude_unset=True)
    values.pop("version", None)
    nulls_for_required(Project, values, PROJECT_LABELS)
    _derive_city(values, project)
    to_stage, reason = values.pop("stage", None), values.pop("stage_reason", None)
    case = {k: values.pop(k) for k in CASE_FIELDS if k in values}
    merged = {**_audited(project), **values}
    _validate(session, merged, creating=False, stored=project)
    values = {key: merged[key] for key in values}  # labels mapped to codes (以商招商 → business)
    if "city_code" in values and values["city_code"] != project.city_code:
        if not values["city_code"] and not permissions.can_create_project(user, None):
            # the project would leave their reach: they could no longer edit it
            raise ValidationFailed({"city_code": (
                f"{PROJECT_LABELS['city_code']}：市（州）用户的项目须落地在本市（州），不能清空")})
        permissions.require(permissions.can_create_project(user, values["city_code"]),
                            "落地市（州）：您不能把项目改到其他市（州）。")
    changes = records.apply_changes(project, values)
    _derive_and_record(session, project, changes)
    if changes:
        audit.record(session, user=user, action="update", obj=project, changes=changes,
                     summary=project.name)
    if to_stage:
        to_stage = rules.code_for_label(rules.STAGES, to_stage) or to_stage
    if to_stage and to_stage != project.stage:
        _move(session, project, to_stage, reason or "", user)
    if case:
        _apply_case(session, project, case.get("case_status") or project.case_status,
                    case.get("case_notes"), user)
    session.add(project)
    session.commit()
    return project


@records.refuse_races("project")
def move_stage(*, session: Session, project: Project, to_stage: str, reason: str = "",
               user: User, version: int | None = None) -> Project:
    require_edit(user, project)
    records.check_version(project, version, {"stage": to_stage, "stage_reason": reason})
    _move(session, project, to_stage, reason, user)
    session.commit()
    return project


def _move(session: Session, project: Project, to_stage: str, reason: str, user: User) -> None:
    to_stage = rules.code_for_label(rules.STAGES, to_stage) or to_stage  # 签约 → signed
    if to_stage not in rules.STAGES:
        raise ValidationFailed({"stage": "阶段：未知阶段"})
    if not rules.can_move_stage(project.stage, to_stage):
        raise ValidationFailed({"stage": (
            f"阶段：不能从“{rules.label(rules.STAGES, project.stage)}”"
            f"直接变更为“{rules.label(rules.STAGES, to_stage)}”")})
    problem = text_problem("stage_reason", reason)
    if problem:
        raise ValidationFailed({"stage_reason": f"{PROJECT_LABELS['stage_reason']}：{problem}"})
    if to_stage in rules.STAGES_NEEDING_REASON and not (reason or "").strip():
        raise ValidationFailed({"stage_reason": "阶段说明：搁置或终止须填写原因"})
    old = project.stage
    project.stage, project.stage_reason = to_stage, (reason or "").strip()
    project.version += 1
    session.add(StageChange(project_id=project.id, from_stage=old, to_stage=to_stage,
                            reason=project.stage_reason, user_id=user.id, username=user.username))
    audit.record(session, user=user, action="stage", obj=project,
                 changes={"stage": [old, to_stage]}, summary=project.stage_reason)


@records.refuse_races("project")
def set_case_status(*, session: Session, project: Project, status: str, notes: str | None,
                    user: User) -> Project:
    permissions.require(permissions.can_edit_project(user, project))
    _apply_case(session, project, status, notes, user)
    session.commit()
    return project


def _apply_case(session: Session, project: Project, status: str | None, notes: str | None,
                user: User) -> None:
    """一事一议 case status moves along rules.CASE_STATUS_TRANSITIONS only."""
    if not project.case_by_case:
        raise ValidationFailed({"case_status": "一事一议状态：该项目未达到一事一议标准"})
    if status not in rules.CASE_STATUSES:
        raise ValidationFailed({"case_status": "一事一议状态：未知状态"})
    if status != project.case_status:
        allowed = rules.CASE_STATUS_TRANSITIONS.get(project.case_status or "pending", set())
        if status not in allowed:
            raise ValidationFailed({"case_status": "一事一议状态：不允许的状态变更"})
    problem = text_problem("case_notes", notes)
    if problem:
        raise ValidationFailed({"case_notes": f"{PROJECT_LABELS['case_notes']}：{problem}"})
    values = {"case_status": status}
    if notes is not None:
        values["case_notes"] = notes
    changes = records.apply_changes(project, values)
    if changes:
        audit.record(session, user=user, action="update", obj=project, changes=changes,
                     summary="一事一议")


# --- the 一事一议 line (measure 17), set by an admin ---------------------------------

def case_by_case_line_wan(session: Session) -> Decimal:
    return rules.case_by_case_line(settings.get(session, rules.CASE_BY_CASE_LINE_SETTING))


def set_case_by_case_line(*, session: Session, line_wan, user: User) -> int:
    """Change the line and re-flag every project it moves; returns how many changed."""
    line, problem = rules.parse_case_by_case_line(line_wan)
    if problem:
        raise ValidationFailed({"line_wan": f"一事一议标准：{problem}"})
    old = case_by_case_line_wan(session)
    settings.put(session, rules.CASE_BY_CASE_LINE_SETTING, str(line), user=user)
    audit.record(
        session, user=user, action="settings", object_type="setting",
        changes={rules.CASE_BY_CASE_LINE_SETTING: [float(old), float(line)]},
        summary="修改一事一议标准",
    )
    changed = _reflag_case_by_case(session, line, user)
    session.commit()
    return changed


def _reflag_case_by_case(session: Session, line: Decimal, user: User) -> int:
    """Each project the new line moves changes like any edit: version, updated_at
    and a history entry. Only those are loaded (the line moves few of thousands)."""
    above = Project.planned_investment_wan >= line
    moved = select(Project).where(Project.deleted_at.is_(None), or_(
        and_(above, Project.case_by_case.is_not(True)),
        and_(or_(~above, Project.planned_investment_wan.is_(None)),
             Project.case_by_case.is_(True))))
    changed = 0
    for project in session.exec(moved.order_by(Project.id)):
        flagged, status = rules.case_flags(project.planned_investment_wan, line,
                                           project.case_status)
        changes = records.apply_changes(project, {"case_by_case": flagged,
                                                  "case_status": status})
        if changes:
            changed += 1
            session.add(project)
            audit.record(session, user=user, action="update", obj=project, changes=changes,
                         summary="一事一议标准调整后重新判定")
    return changed


@records.refuse_races("project")
def delete_project(*, session: Session, project: Project, user: User) -> None:
    """Soft delete, with its follow-ups (restored together)."""
    permissions.require(permissions.can_edit_project(user, project))
    records.soft_delete(session, project, user=user, summary=project.name)
    for followup in session.exec(select(FollowUp).where(
            FollowUp.project_id == project.id, FollowUp.deleted_at.is_(None))):
        followup.deleted_at = project.deleted_at
        session.add(followup)
    session.commit()


@records.refuse_races("project")
def restore_project(*, session: Session, project: Project, user: User) -> None:
    permissions.require(permissions.can_edit_project(user, project))
    when = project.deleted_at
    records.restore(session, project, user=user, summary=project.name)
    for followup in session.exec(select(FollowUp).where(
            FollowUp.project_id == project.id, FollowUp.deleted_at == when)):
        followup.deleted_at = None
        session.add(followup)
    session.commit()


def location_warning(project: Project) -> str | None:
    """Coordinates that contradict the chosen destination are kept, but said so."""
    return geo.location_warning(project.lon, project.lat, project.city_code)


def stage_history(session: Session, project_id: int) -> list[StageChange]:
    stmt = select(StageChange).where(StageChange.project_id == project_id).order_by(
        StageChange.at, StageChange.id)
    return list(session.exec(stmt))


# --- helpers ---------------------------------------------------------------------

def _clean(raw: dict) -> dict:
    """Empty strings from forms mean 'no value' for optional fields."""
    out = {}
    for key, value in raw.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "" and key not in ("introducer", "responsible_unit", "notes",
                                           "stage_reason", "case_notes"):
                value = None
        out[key] = value
    for key in ("case_by_case", "jizhe", "id", "is_demo", "created_at", "updated_at",
                "deleted_at", "last_followup_on", "next_due_on"):
        out.pop(key, None)  # derived or system fields: never set by hand
    return out


def _derive_city(values: dict, project: Project | None = None) -> None:
    """No city but a point: the point's prefecture is the destination."""
    lon = values.get("lon", project.lon if project else None)
    lat = values.get("lat", project.lat if project else None)
    kept_city = project is not None and project.city_code and "city_code" not in values
    has_city = values.get("city_code") or kept_city
    if not has_city and lon is not None and lat is not None:
        code = geo.prefecture_code_at(lon, lat)
        if code:
            values["city_code"] = code


def apply_case_by_case(project, line: Decimal) -> None:
    """一事一议 by the line in force (bench/generate.py derives its rows with this too)."""
    project.case_by_case, project.case_status = rules.case_flags(
        project.planned_investment_wan, line, project.case_status)


def _derive(session: Session, project: Project) -> None:
    apply_case_by_case(project, case_by_case_line_wan(session))
    apply_jizhe(project)
    project.source_city = _full_city_name(session, project.source_city)


def _full_city_name(session: Session, name: str | None) -> str | None:
    """杭州 → 杭州市, so the 吉浙 matrix and filters see one spelling."""
    code = reference.city_code_for_name(session, name)
    return reference.division_name(session, code) if code else name


def _derive_and_record(session: Session, project: Project, changes: dict) -> None:
    before = {"case_by_case": project.case_by_case, "jizhe": project.jizhe,
              "case_status": project.case_status}
    _derive(session, project)
    for key, old in before.items():
        new = getattr(project, key)
        if old != new:
            changes[key] = [old, new]


def _audited(project: Project) -> dict:
    fields = set(PROJECT_LABELS) - {"version"}
    return {f: getattr(project, f) for f in fields if hasattr(project, f)}


def _validate(session: Session, v: dict, *, creating: bool,
              stored: Project | None = None) -> None:
    errors: dict[str, str] = {}
    L = PROJECT_LABELS
    if not (v.get("name") or "").strip():
        require(errors, L, "name", "必填")
    _check_segment(session, errors, v, stored)
    check_choice(errors, v, L, "project_class", rules.PROJECT_CLASSES)
    check_choice(errors, v, L, "cooperation_form", rules.COOPERATION_FORMS)
    check_choice(errors, v, L, "attraction_mode", rules.ATTRACTION_MODES)
    if creating:
        check_choice(errors, v, L, "stage", rules.STAGES)
        if v.get("stage") in rules.STAGES_NEEDING_REASON and not v.get("stage_reason"):
            require(errors, L, "stage_reason", "搁置或终止须填写原因")
    for field in ("planned_investment_wan", "actual_investment_wan", "equipment_investment_wan"):
        if v.get(field) is not None and Decimal(str(v[field])) < 0:
            require(errors, L, field, "不能为负数")
    equipment, planned = v.get("equipment_investment_wan"), v.get("planned_investment_wan")
    if equipment is not None and planned is not None and Decimal(str(equipment)) > Decimal(
            str(planned)):
        require(errors, L, "equipment_investment_wan", "不能超过计划投资额")
    _check_place(session, errors, v)
    geo.check_point(errors, v.get("lon"), v.get("lat"), L)
    if v.get("enterprise_id") is not None:
        ent = session.get(Enterprise, v["enterprise_id"])
        if ent is None or ent.deleted_at is not None:
            require(errors, L, "enterprise_id", "所选企业不存在")
    if v.get("owner_id") is not None and session.get(User, v["owner_id"]) is None:
        require(errors, L, "owner_id", "所选负责人不存在")
    if errors:
        raise ValidationFailed(errors)


def _check_segment(session: Session, errors: dict, v: dict, stored) -> None:
    """A new or changed chain segment is one of the reference list's (it names a map
    layer, a filter and a column in every export); a segment stored before this check
    is kept until someone changes it."""
    if stored is None or v.get("chain_segment") != stored.chain_segment:
        check_listed(errors, v, PROJECT_LABELS, "chain_segment",
                     reference.segment_names(session), "产业链环节")


def _check_place(session: Session, errors: dict, v: dict) -> None:
    L = PROJECT_LABELS
    city = v.get("city_code")
    if city is not None:
        division = session.get(Division, city)
        if not rules.is_jilin_prefecture_code(city) or division is None:
            require(errors, L, "city_code", "应为吉林省市（州）的6位行政区划代码，如 220100")
    county = v.get("county_code")
    if county is not None:
        division = session.get(Division, county)
        if division is None or division.level != "county":
            require(errors, L, "county_code", "不是吉林省的县级行政区划代码")
        elif city and division.parent_code != city:
            require(errors, L, "county_code", "不属于所选市（州）")
    if v.get("park_id") is not None:
        park = session.get(Park, v["park_id"])
        if park is None:
            require(errors, L, "park_id", "所选园区不存在")
        elif city and park.city_code and park.city_code != city:
            require(errors, L, "park_id", "不在所选市（州）")


def require_edit(user: User, project: Project) -> None:
    if not permissions.can_edit_project(user, project):
        raise Forbidden("您只能修改落地在本市（州）的项目。")
