"""Projects (招商项目): the record type's declaration, and the two lists drawn from
it (the 一事一议 docket and the 吉浙 leads)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from flask import current_app
from sqlmodel import Session

from crm import clock, rules
from crm.models import Project, ProjectCreate, ProjectPublic, ProjectUpdate
from crm.models.project import PROJECT_LABELS
from crm.queries import DocketFilters, ProjectFilters
from crm.records.base import RecordType, record_as
from crm.records.columns import ListColumn as C
from crm.services import permissions, projects
from crm.services.exporting import ExportKind, Names
from crm.tabular.fields import PROJECT_FIELDS

VOCABULARIES = {"stage": rules.STAGES, "project_class": rules.PROJECT_CLASSES,
                "cooperation_form": rules.COOPERATION_FORMS,
                "attraction_mode": rules.ATTRACTION_MODES, "case_status": rules.CASE_STATUSES}

# The export's columns; the page shows those not marked page=False (see crm.records.columns)
COLUMNS = [
    C("name", "项目名称", sort="name", cell="project_name"),
    C("light", "进度", cell="light"),
    C("enterprise", "投资企业", cell="enterprise_link"),
    C("credit_code", "统一社会信用代码", page=False),
    C("city", "落地市（州）", sort="city"),
    C("county", "落地县（市、区）", page=False),
    C("park", "落地园区", page=False),
    C("chain_segment", "产业链环节"),
    C("project_class", "项目类别", page=False),
    C("cooperation_form", "合作形式", page=False),
    C("attraction_mode", "招商方式"),
    C("stage", "阶段", sort="stage"),
    C("stage_reason", "阶段说明", page=False),
    C("planned_investment_wan", "计划投资额（万元）", "wan", short="计划投资", sort="planned",
      cell="amount"),
    C("actual_investment_wan", "实际投资额（万元）", "wan", page=False),
    C("equipment_investment_wan", "其中设备投资额（万元）", "wan", page=False),
    C("case_by_case", "一事一议", "bool", page=False),
    C("case_status", "一事一议状态", page=False),
    C("jizhe", "吉浙线索", "bool", page=False),
    C("source_province", "来源省份", page=False),
    C("source_city", "来源城市", page=False),
    C("introducer", "引进方", page=False),
    C("responsible_unit", "责任单位", page=False),
    C("owner", "负责人"),
    C("last_followup_on", "最近跟进", "date", sort="last_followup", cell="date"),
    C("next_due_on", "下一步截止", "date", page=False),
    C("notes", "备注", page=False),
    C("updated_at", "更新时间", "datetime", page=False),
]

# The docket shows its case status and notes (with the status form) in place of
# the people and dates; no sort links (its page has none).
DOCKET_PAGE = {"name", "light", "enterprise", "city", "stage", "planned_investment_wan"}
_NOTES = C("case_notes", "一事一议备注", short="备注 / 办理", cell="case_form")
DOCKET_COLUMNS = [
    replace(c, page=c.key in DOCKET_PAGE, sort="") for c in COLUMNS[:17]
] + [C("case_status", "一事一议状态", short="状态", cell="case_status"), _NOTES] + [
    replace(c, page=False) for c in COLUMNS[18:]
]


def light_of(project: Project, today: date | None = None) -> str | None:
    """The progress light (红黄绿) with the thresholds in config."""
    created = clock.date_of(project.created_at) or clock.today()
    return rules.progress_light(
        stage=project.stage, last_followup=project.last_followup_on,
        next_due=project.next_due_on, created=created, today=today or clock.today(),
        amber_days=current_app.config["LIGHT_AMBER_DAYS"],
        red_days=current_app.config["LIGHT_RED_DAYS"])


def rows(session: Session, batch: list[Project], names: Names) -> Iterator[dict]:
    enterprises = names.enterprises(p.enterprise_id for p in batch)
    today = clock.today()
    for p in batch:
        ent_name, credit = enterprises.get(p.enterprise_id, (None, None))
        light = light_of(p, today)
        yield {
            **p.model_dump(),
            "light": rules.label(rules.LIGHTS, light) if light else None,
            "light_code": light,  # the page's dot
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
    update=record_as(projects.update_project, "project"),
    delete=record_as(projects.delete_project, "project"),
    restore=record_as(projects.restore_project, "project"),
    can_create=permissions.can_create_project,
    can_edit=lambda session, user, obj: permissions.can_edit_project(user, obj),
    edit_denied="您只能修改落地在本市（州）的项目。",
    templates={"list": "projects/list.html", "detail": "projects/detail.html",
               "form": "projects/form.html"},
)

# Lists of projects with fixed filters, exported like any list.
EXTRA_EXPORTS = [
    ExportKind("docket", "一事一议项目台账", DocketFilters, DOCKET_COLUMNS, rows,
               {"case_by_case": True}),
    ExportKind("jizhe", "吉浙合作线索", ProjectFilters, COLUMNS, rows, {"jizhe": True}),
]
