"""Projects (招商项目): the record type's declaration, and the two lists drawn from
it (the 一事一议 docket and the 吉浙 leads)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session

from crm import rules
from crm.models import Project, ProjectCreate, ProjectPublic, ProjectUpdate
from crm.models.project import PROJECT_LABELS
from crm.records.base import RecordType
from crm.services import permissions, projects
from crm.services.exporting import ExportKind, Names
from crm.services.filters import ProjectFilters
from crm.tabular.fields import PROJECT_FIELDS
from crm.tabular.writers import Column as C

VOCABULARIES = {"stage": rules.STAGES, "project_class": rules.PROJECT_CLASSES,
                "cooperation_form": rules.COOPERATION_FORMS,
                "attraction_mode": rules.ATTRACTION_MODES, "case_status": rules.CASE_STATUSES}

COLUMNS = [
    C("name", "项目名称"),
    C("enterprise", "投资企业"),
    C("credit_code", "统一社会信用代码"),
    C("city", "落地市（州）"),
    C("county", "落地县（市、区）"),
    C("park", "落地园区"),
    C("chain_segment", "产业链环节"),
    C("project_class", "项目类别"),
    C("cooperation_form", "合作形式"),
    C("attraction_mode", "招商方式"),
    C("stage", "阶段"),
    C("stage_reason", "阶段说明"),
    C("planned_investment_wan", "计划投资额（万元）", "wan"),
    C("actual_investment_wan", "实际投资额（万元）", "wan"),
    C("equipment_investment_wan", "其中设备投资额（万元）", "wan"),
    C("case_by_case", "一事一议", "bool"),
    C("case_status", "一事一议状态"),
    C("jizhe", "吉浙线索", "bool"),
    C("source_province", "来源省份"),
    C("source_city", "来源城市"),
    C("introducer", "引进方"),
    C("responsible_unit", "责任单位"),
    C("owner", "负责人"),
    C("last_followup_on", "最近跟进", "date"),
    C("next_due_on", "下一步截止", "date"),
    C("notes", "备注"),
    C("updated_at", "更新时间", "datetime"),
]
DOCKET_COLUMNS = COLUMNS[:17] + [C("case_notes", "一事一议备注")] + COLUMNS[17:]


def rows(session: Session, batch: list[Project], names: Names) -> Iterator[dict]:
    enterprises = names.enterprises(p.enterprise_id for p in batch)
    for p in batch:
        ent_name, credit = enterprises.get(p.enterprise_id, (None, None))
        yield {
            **p.model_dump(),
            "enterprise": ent_name,
            "credit_code": credit,
            "city": names.divisions.get(p.city_code, p.city_code),
            "county": names.divisions.get(p.county_code, p.county_code),
            "park": names.parks.get(p.park_id),
            **{name: rules.label(vocab, getattr(p, name)) for name, vocab in VOCABULARIES.items()},
            "owner": names.users.get(p.owner_id),
        }


PROJECTS = RecordType(
    name="projects", label="项目", model=Project,
    create_schema=ProjectCreate, update_schema=ProjectUpdate, public_schema=ProjectPublic,
    labels=PROJECT_LABELS, vocabularies=VOCABULARIES, filters=ProjectFilters,
    columns=COLUMNS, rows=rows, list_title="招商项目清单", id_arg="project_id",
    import_fields=PROJECT_FIELDS,
    get=projects.get_project,
    create=projects.create_project,
    update=lambda *, session, obj, data, user: projects.update_project(
        session=session, project=obj, data=data, user=user),
    delete=lambda *, session, obj, user: projects.delete_project(
        session=session, project=obj, user=user),
    restore=lambda *, session, obj, user: projects.restore_project(
        session=session, project=obj, user=user),
    can_create=permissions.can_create_project,
    can_edit=lambda session, user, obj: permissions.can_edit_project(user, obj),
    edit_denied="您只能修改落地在本市（州）的项目。",
    templates={"list": "projects/list.html", "detail": "projects/detail.html",
               "form": "projects/form.html"},
)

# Lists of projects with fixed filters, exported like any list.
EXTRA_EXPORTS = [
    ExportKind("docket", "一事一议项目台账", ProjectFilters, DOCKET_COLUMNS, rows,
               {"case_by_case": True}),
    ExportKind("jizhe", "吉浙合作线索", ProjectFilters, COLUMNS, rows, {"jizhe": True}),
]
