"""List filters shared by pages, the API, exports and the map.

A filter object is parsed from query parameters (so a filtered list is a link),
turns itself into a SELECT in its list's order, and describes itself in Chinese for
export titles. Its class says how its list is paged and counted (CAPPED,
DEFAULT_ORDER_INDEXED), which crm.queries.list_page reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import or_
from sqlmodel import select

from crm import clock, rules
from crm.models import Enterprise, FollowUp, Project
from crm.queries import search
from crm.queries.conditions import LiveRows, Unselective
from crm.queries.paging import clamp_page

# Told that most open follow-ups are overdue, SQLite's planner (it keeps no statistics
# here) counts them from ix_followup_live_open_due (0012) yet still pages them by
# walking ix_followup_live_open_date in date order. Told nothing, it takes the due
# index for the page too and sorts every overdue row: 34k at 300k follow-ups,
# 0.9 → 55 ms a page (tests/perf/test_overdue_plan.py).
OVERDUE_SHARE_HINT = 0.9

TRUE_VALUES = {"1", "true", "yes", "on", "是"}
FALSE_VALUES = {"0", "false", "no", "off", "否"}


def _bool(value) -> bool | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    return None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass
class ListFilters:
    """Shared by all lists: keyword, recycle bin, sort and page."""

    q: str | None = None
    deleted: bool = False
    sort: str | None = None
    page: int = 1

    SORTS: ClassVar[dict] = {}  # sort key → column name, per list
    LABELS: ClassVar[dict] = {}  # filter → Chinese label
    VOCABS: ClassVar[dict] = {}  # coded filter → {code: label}, for describe()
    # A long list: its count stops at LIST_COUNT_CAP and reads "10000+" (list_page).
    CAPPED: ClassVar[bool] = False
    # An index serves the default order under every filter, so a frequent keyword
    # may be found by walking the list in that order (paging.WALK_ROWS_BUDGET).
    DEFAULT_ORDER_INDEXED: ClassVar[bool] = True

    @classmethod
    def from_args(cls, args) -> ListFilters:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            raw = args.get(f.name)
            if raw is None:
                continue
            kwargs[f.name] = _coerce(f.type, raw)
        kwargs["page"] = clamp_page(kwargs.get("page"))
        if not cls.known_sort(kwargs.get("sort")):
            kwargs["sort"] = None  # a page ignores an unknown order (the API refuses it)
        kwargs["deleted"] = bool(kwargs.get("deleted"))
        return cls(**{k: v for k, v in kwargs.items() if v is not None})

    @classmethod
    def known_sort(cls, sort: str | None) -> bool:
        """No order (the default), or a key of SORTS, descending with a leading "-"."""
        return not sort or (sort[1:] if sort.startswith("-") else sort) in cls.SORTS

    @classmethod
    def sort_values(cls) -> list[str]:
        return [v for key in cls.SORTS for v in (key, f"-{key}")]

    def to_args(self, **override) -> dict:
        """Non-empty filters as query parameters (for links and exports)."""
        out = {}
        for key, value in (asdict(self) | override).items():
            if value in (None, "", False) or (key == "page" and value == 1):
                continue
            out[key] = "1" if value is True else value
        return out

    def describe(self, names: dict[str, str] | None = None) -> str:
        parts = []
        for key, value in asdict(self).items():
            if value in (None, "", False) or key in ("page", "sort"):
                continue
            label = self.LABELS.get(key, key)
            parts.append(f"{label}：{_display(key, value, names or {}, self.VOCABS)}")
        return "；".join(parts) or "全部"

    def default_order(self, model) -> tuple:
        """The list's order when no ``sort`` is asked for: the latest changes first."""
        return model.updated_at.desc(), model.id.desc()

    def in_default_order(self) -> bool:
        return not self.sort

    def order(self, stmt, model):
        key = (self.sort or "").lstrip("-")
        column = self.SORTS.get(key)
        if column is None:
            return stmt.order_by(*self.default_order(model))
        column = getattr(model, column)
        # blanks last in both directions, the same on SQLite and PostgreSQL
        ordered = column.desc() if (self.sort or "").startswith("-") else column.asc()
        return stmt.order_by(ordered.nulls_last(), model.id.desc())

    def _live(self, stmt, model):
        return stmt.where(LiveRows(model.deleted_at, deleted=self.deleted))



def _coerce(annotation, raw):
    text = str(annotation)
    if "bool" in text:
        return _bool(raw)
    if "int" in text:
        return _int(raw)
    if "date" in text:
        return _date(raw)
    raw = str(raw).replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    return raw or None


def _display(key: str, value, names: dict, vocabularies: dict) -> str:
    """A filter's value as the office reads it: each list's own vocabulary (a
    follow-up's kind is 拜访, an enterprise's 龙头企业)."""
    vocab = vocabularies.get(key)
    if isinstance(value, bool):
        return "是" if value else "否"
    if vocab:
        return rules.label(vocab, value)
    if key.endswith("city_code"):
        return names.get(value, value)
    return str(value)


@dataclass
class ProjectFilters(ListFilters):
    city_code: str | None = None
    stage: str | None = None
    chain_segment: str | None = None
    attraction_mode: str | None = None
    project_class: str | None = None
    cooperation_form: str | None = None
    case_by_case: bool | None = None
    jizhe: bool | None = None
    owner_id: int | None = None
    enterprise_id: int | None = None
    source_city: str | None = None

    SORTS = {"name": "name", "planned": "planned_investment_wan", "stage": "stage",
             "city": "city_code", "updated": "updated_at", "last_followup": "last_followup_on"}
    LABELS = {"q": "关键词", "deleted": "已删除", "city_code": "落地市（州）", "stage": "阶段",
              "chain_segment": "产业链环节", "attraction_mode": "招商方式",
              "project_class": "项目类别", "cooperation_form": "合作形式",
              "case_by_case": "一事一议", "jizhe": "吉浙", "owner_id": "负责人",
              "enterprise_id": "企业", "source_city": "来源城市"}
    VOCABS = {"stage": rules.STAGES, "attraction_mode": rules.ATTRACTION_MODES,
              "project_class": rules.PROJECT_CLASSES, "cooperation_form": rules.COOPERATION_FORMS}

    def select(self):
        stmt = self._live(select(Project), Project)
        for name in ("city_code", "stage", "chain_segment", "attraction_mode", "project_class",
                     "cooperation_form", "case_by_case", "jizhe", "owner_id", "enterprise_id",
                     "source_city"):
            value = getattr(self, name)
            if value is not None:
                stmt = stmt.where(getattr(Project, name) == value)
        if self.q:
            stmt = stmt.where(search.matches(Project, self.q,
                                             through=(Project.enterprise_id, Enterprise)))
        return self.order(stmt, Project)


@dataclass
class EnterpriseFilters(ListFilters):
    city_code: str | None = None
    province: str | None = None
    chain_segment: str | None = None
    kind: str | None = None
    is_key_target: bool | None = None
    jizhe: bool | None = None
    owner_id: int | None = None

    SORTS = {"name": "name", "revenue": "revenue_wan", "priority": "priority",
             "updated": "updated_at"}
    LABELS = {"q": "关键词", "deleted": "已删除", "city_code": "城市", "province": "省份",
              "chain_segment": "产业链环节", "kind": "企业类型", "is_key_target": "重点招商企业",
              "jizhe": "吉浙", "owner_id": "负责人"}
    VOCABS = {"kind": rules.ENTERPRISE_KINDS}

    def select(self):
        stmt = self._live(select(Enterprise), Enterprise)
        for name in ("city_code", "province", "chain_segment", "kind", "is_key_target", "jizhe",
                     "owner_id"):
            value = getattr(self, name)
            if name == "province":  # 吉林 finds 吉林省: provinces are stored by full name
                value = rules.normalize_province(value)
            if value is not None:
                stmt = stmt.where(getattr(Enterprise, name) == value)
        if self.q:
            # only an 18-character keyword can be a credit code; the OR costs an index plan
            stmt = stmt.where(or_(search.matches(Enterprise, self.q),
                                  Enterprise.credit_code == self.q) if len(self.q) == 18
                              else search.matches(Enterprise, self.q))
        return self.order(stmt, Enterprise)


@dataclass
class FollowUpFilters(ListFilters):
    project_id: int | None = None
    enterprise_id: int | None = None
    kind: str | None = None
    user_id: int | None = None
    city_code: str | None = None
    overdue: bool | None = None
    date_from: date | None = None
    date_to: date | None = None

    SORTS = {"date": "date", "next_due": "next_due"}
    CAPPED = True  # 300,000 follow-ups: counting them all costs more than the page
    LABELS = {"q": "关键词", "deleted": "已删除", "project_id": "项目", "enterprise_id": "企业",
              "kind": "跟进方式", "user_id": "记录人", "city_code": "落地市（州）",
              "overdue": "下一步已逾期", "date_from": "起始日期", "date_to": "截止日期"}
    VOCABS = {"kind": rules.FOLLOWUP_KINDS}

    def select(self, today: date | None = None):
        stmt = self._live(select(FollowUp), FollowUp)
        for name in ("project_id", "enterprise_id", "kind", "user_id"):
            value = getattr(self, name)
            if value is not None:
                stmt = stmt.where(getattr(FollowUp, name) == value)
        if self.city_code:
            # a join, not "project_id IN (the city's projects)": SQLite then walks the
            # date index probing each row's project instead of first listing 12k
            # projects, and counts from the city's projects (page 6.4 → 1.2 ms, capped
            # count 6.4 → 2.5 ms at 300k follow-ups)
            stmt = stmt.join(Project, Project.id == FollowUp.project_id).where(
                Project.city_code == self.city_code)
        if self.overdue:
            stmt = stmt.where(FollowUp.done.is_(False), Unselective(
                FollowUp.next_due < (today or clock.today()), OVERDUE_SHARE_HINT))
        if self.date_from:
            stmt = stmt.where(FollowUp.date >= self.date_from)
        if self.date_to:
            stmt = stmt.where(FollowUp.date <= self.date_to)
        if self.q:
            stmt = stmt.where(search.matches(FollowUp, self.q))
        return self.order(stmt, FollowUp)

    def default_order(self, model) -> tuple:
        return FollowUp.date.desc(), FollowUp.id.desc()


@dataclass
class DocketFilters(ProjectFilters):
    """The 一事一议 docket: projects at or above the line, by their case status, the
    largest planned investment first."""

    case_status: str | None = None

    LABELS = {**ProjectFilters.LABELS, "case_status": "一事一议状态"}
    VOCABS = {**ProjectFilters.VOCABS, "case_status": rules.CASE_STATUSES}
    DEFAULT_ORDER_INDEXED = False  # no index walks planned investment in order

    def __post_init__(self):
        if self.case_status not in rules.CASE_STATUSES:
            self.case_status = None  # an unknown status filters nothing

    def default_order(self, model) -> tuple:
        return Project.planned_investment_wan.desc(), Project.id.desc()

    def select(self):
        stmt = super().select()
        if self.case_status:
            stmt = stmt.where(Project.case_status == self.case_status)
        return stmt
