"""Export every list exactly as its filters show it, as .xlsx or CSV.

The filter objects in ``crm.services.filters`` build the query, so a list page,
its export link and ``zhaoshang export`` always agree. Rows are streamed from
the database in batches and written by ``crm.tabular.writers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, func, select

from crm import clock, rules
from crm.models import Contact, Enterprise, FollowUp, Park, Project, User
from crm.services import audit, reference
from crm.services.filters import EnterpriseFilters, FollowUpFilters, ListFilters, ProjectFilters
from crm.tabular.writers import Column, iter_csv, title_line, write_xlsx

BATCH = 1000
FORMATS = ("xlsx", "csv")
C = Column

ENTERPRISE_COLUMNS = [
    C("name", "企业名称"),
    C("credit_code", "统一社会信用代码"),
    C("province", "所在省份"),
    C("city", "所在城市"),
    C("chain_segment", "产业链环节"),
    C("kind", "企业类型"),
    C("is_key_target", "重点招商企业", "bool"),
    C("priority", "优先级"),
    C("revenue_wan", "营业收入（万元）", "wan"),
    C("jizhe", "吉浙线索", "bool"),
    C("contact_name", "联系人"),
    C("contact_title", "职务"),
    C("contact_phone", "电话"),
    C("contact_email", "邮箱"),
    C("other_contacts", "其他联系人"),
    C("owner", "负责人"),
    C("lon", "经度", "number"),
    C("lat", "纬度", "number"),
    C("notes", "备注"),
    C("updated_at", "更新时间", "datetime"),
]
PROJECT_COLUMNS = [
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
DOCKET_COLUMNS = PROJECT_COLUMNS[:17] + [C("case_notes", "一事一议备注")] + PROJECT_COLUMNS[17:]
FOLLOWUP_COLUMNS = [
    C("date", "跟进日期", "date"),
    C("project", "项目"),
    C("enterprise", "企业"),
    C("city", "落地市（州）"),
    C("kind", "跟进方式"),
    C("participants", "参与人员"),
    C("summary", "跟进内容"),
    C("next_step", "下一步工作"),
    C("next_due", "下一步截止日期", "date"),
    C("done", "已完成", "bool"),
    C("user", "记录人"),
]


@dataclass(frozen=True)
class ExportKind:
    """One exportable list: its title, filter class, fixed filters and columns."""

    key: str
    title: str
    filters: type[ListFilters]
    columns: list[Column]
    rows: Callable[[Session, list, _Names], Iterator[dict]]
    fixed: dict = field(default_factory=dict)  # e.g. the docket is case_by_case=True


@dataclass
class ExportResult:
    kind: str
    title: str
    count: int
    filename: str
    description: str


class _Names:
    """Id → name look-ups loaded once per export."""

    def __init__(self, session: Session):
        self.session = session
        self.divisions = reference.division_names(session)
        self.users = {u.id: u.label for u in session.exec(select(User))}
        self.parks = {p.id: p.name for p in session.exec(select(Park))}
        self._enterprises: dict[int, tuple[str, str | None]] = {}
        self._projects: dict[int, tuple[str, int | None, str | None]] = {}

    def enterprises(self, ids) -> dict[int, tuple[str, str | None]]:
        missing = {i for i in ids if i is not None and i not in self._enterprises}
        if missing:
            stmt = select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(
                Enterprise.id.in_(missing)
            )
            self._enterprises.update({i: (n, c) for i, n, c in self.session.exec(stmt)})
        return self._enterprises

    def projects(self, ids) -> dict[int, tuple[str, int | None, str | None]]:
        missing = {i for i in ids if i is not None and i not in self._projects}
        if missing:
            stmt = select(Project.id, Project.name, Project.enterprise_id, Project.city_code).where(
                Project.id.in_(missing)
            )
            self._projects.update({i: (n, e, c) for i, n, e, c in self.session.exec(stmt)})
        return self._projects


def _enterprise_rows(session: Session, batch: list[Enterprise], names: _Names) -> Iterator[dict]:
    contacts: dict[int, list[Contact]] = {}
    stmt = (
        select(Contact).where(Contact.enterprise_id.in_([e.id for e in batch])).order_by(Contact.id)
    )
    for contact in session.exec(stmt):
        contacts.setdefault(contact.enterprise_id, []).append(contact)
    for e in batch:
        people = contacts.get(e.id, [])
        first = people[0] if people else None
        yield {
            **e.model_dump(),
            "kind": rules.label(rules.ENTERPRISE_KINDS, e.kind),
            "priority": rules.label(rules.PRIORITIES, e.priority),
            "contact_name": first.name if first else None,
            "contact_title": first.title if first else None,
            "contact_phone": first.phone if first else None,
            "contact_email": first.email if first else None,
            "other_contacts": "；".join(_contact_text(c) for c in people[1:]) or None,
            "owner": names.users.get(e.owner_id),
        }


def _contact_text(c: Contact) -> str:
    extra = "，".join(x for x in (c.title, c.phone, c.email) if x)
    return f"{c.name}（{extra}）" if extra else c.name


def _project_rows(session: Session, batch: list[Project], names: _Names) -> Iterator[dict]:
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
            "project_class": rules.label(rules.PROJECT_CLASSES, p.project_class),
            "cooperation_form": rules.label(rules.COOPERATION_FORMS, p.cooperation_form),
            "attraction_mode": rules.label(rules.ATTRACTION_MODES, p.attraction_mode),
            "stage": rules.label(rules.STAGES, p.stage),
            "case_status": rules.label(rules.CASE_STATUSES, p.case_status),
            "owner": names.users.get(p.owner_id),
        }


def _followup_rows(session: Session, batch: list[FollowUp], names: _Names) -> Iterator[dict]:
    projects = names.projects(f.project_id for f in batch)
    enterprise_ids = {f.enterprise_id for f in batch}
    enterprise_ids |= {projects[f.project_id][1] for f in batch if f.project_id in projects}
    enterprises = names.enterprises(enterprise_ids)
    for f in batch:
        project = projects.get(f.project_id)
        ent_id = f.enterprise_id or (project[1] if project else None)
        yield {
            **f.model_dump(),
            "project": project[0] if project else None,
            "enterprise": enterprises.get(ent_id, (None,))[0],
            "city": names.divisions.get(project[2]) if project else None,
            "kind": rules.label(rules.FOLLOWUP_KINDS, f.kind),
            "user": names.users.get(f.user_id),
        }


KINDS: dict[str, ExportKind] = {
    k.key: k
    for k in (
        ExportKind(
            "enterprises",
            "重点招商企业名录",
            EnterpriseFilters,
            ENTERPRISE_COLUMNS,
            _enterprise_rows,
        ),
        ExportKind("projects", "招商项目清单", ProjectFilters, PROJECT_COLUMNS, _project_rows),
        ExportKind("followups", "跟进记录", FollowUpFilters, FOLLOWUP_COLUMNS, _followup_rows),
        ExportKind(
            "docket",
            "一事一议项目台账",
            ProjectFilters,
            DOCKET_COLUMNS,
            _project_rows,
            {"case_by_case": True},
        ),
        ExportKind(
            "jizhe", "吉浙合作线索", ProjectFilters, PROJECT_COLUMNS, _project_rows, {"jizhe": True}
        ),
    )
}


def get_kind(kind: str) -> ExportKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"未知的导出类型：{kind}") from None


def filters_for(kind: str, args: Mapping) -> ListFilters:
    """The list's filters from query parameters (or CLI options), fixed ones applied."""
    spec = get_kind(kind)
    return replace(spec.filters.from_args(args), page=1, **spec.fixed)


def count_rows(session: Session, kind: str, filters: ListFilters) -> int:
    stmt = filters.select()
    return session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()


def iter_rows(session: Session, kind: str, filters: ListFilters) -> Iterator[dict]:
    """Rows as dicts keyed by column, streamed in batches of ``BATCH``."""
    spec = get_kind(kind)
    names = _Names(session)
    result = session.exec(filters.select().execution_options(yield_per=BATCH))
    while batch := list(islice(result, BATCH)):
        yield from spec.rows(session, batch, names)


def describe(session: Session, kind: str, filters: ListFilters) -> str:
    spec = get_kind(kind)
    shown = replace(filters, **{k: None for k in spec.fixed})
    names = reference.division_names(session)
    return shown.describe(names)


def filename_for(kind: str, fmt: str, when: datetime | None = None) -> str:
    stamp = (when or clock.now()).strftime("%Y%m%d_%H%M")
    return f"{get_kind(kind).title}_{stamp}.{fmt}"


def export_list(
    *,
    session: Session,
    kind: str,
    args: Mapping,
    fmt: str,
    target: str | Path | BinaryIO,
    user: User | None,
    when: datetime | None = None,
) -> ExportResult:
    """Write the filtered list to ``target`` and record the export in the audit trail."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的导出格式：{fmt}")
    spec = get_kind(kind)
    filters = filters_for(kind, args)
    when = when or clock.now()
    text = describe(session, kind, filters)
    rows = iter_rows(session, kind, filters)
    if fmt == "xlsx":
        title = title_line(spec.title, text, when)
        count = write_xlsx(target, spec.columns, rows, title=title, sheet_name=spec.title)
    else:
        count = _write_csv(target, spec.columns, rows)
    record_export(session, user=user, kind=kind, count=count, description=text)
    return ExportResult(kind, spec.title, count, filename_for(kind, fmt, when), text)


def _write_csv(target, columns, rows) -> int:
    counter = _Counter(rows)
    chunks = iter_csv(columns, counter)
    if isinstance(target, str | Path):
        with open(target, "wb") as fh:
            fh.writelines(chunks)
    else:
        target.writelines(chunks)
    return counter.n


class _Counter:
    def __init__(self, rows):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


def record_export(
    session: Session, *, user: User | None, kind: str, count: int | None, description: str
) -> None:
    spec = get_kind(kind)
    rows = f"，{count} 行" if count is not None else ""
    audit.record(
        session,
        user=user,
        action="export",
        object_type=kind,
        summary=f"{spec.title}（{description}{rows}）",
        username="cli",
    )
    session.commit()
