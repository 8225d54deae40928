"""领导驾驶舱: the statistics page, its .xlsx exports and /api/v1/stats, from one computation.

Everything is computed over the projects a ``ProjectFilters`` selects (the list filters), so a
figure and the list it links to always agree. Aggregation happens in Python over the selected
rows (a few thousand at most), which keeps Decimal sums exact and the code identical on SQLite
and PostgreSQL. The indicators are defined in crm.rules (INDICATOR_DEFINITIONS).

Each figure carries ``args``: the query parameters of the list behind it. Those made only of
ProjectFilters fields open the project list; those with the extra keys in DRILL_KEYS (a stage
reached, a month, a 一事一议 status) open the statistics drill-down list (stats.drill).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from crm import rules
from crm.models import FundArrival, Project, StageChange
from crm.services import reference
from crm.services.filters import ProjectFilters
from crm.tabular.writers import Column

ZERO = Decimal("0.00")
DRILL_KEYS = ("reached", "month", "case_status", "funded")
REACH_STAGES = ("signed", "started", "producing")
GROUPINGS = {
    "city": ("city_code", "落地市（州）"),
    "segment": ("chain_segment", "产业链环节"),
    "mode": ("attraction_mode", "招商方式"),
    "form": ("cooperation_form", "合作形式"),
}


@dataclass
class DrillCriteria:
    """What a figure counts beyond the list filters."""

    reached: str | None = None      # current stage at or beyond this pipeline stage
    month: str | None = None        # YYYY-MM: first reached ``reached`` in that month
    case_status: str | None = None  # 一事一议 status
    funded: bool = False            # has 到位资金 (in ``month`` when given)

    @classmethod
    def from_args(cls, args) -> DrillCriteria:
        reached = args.get("reached") or None
        month = args.get("month") or None
        status = args.get("case_status") or None
        return cls(reached=reached if reached in rules.PIPELINE else None,
                   month=month if month and len(month) == 7 and month[4] == "-" else None,
                   case_status=status if status in rules.CASE_STATUSES else None,
                   funded=(args.get("funded") or "") in ("1", "true"))

    def describe(self) -> str:
        parts = []
        if self.reached:
            parts.append(("当月首次达到" if self.month else "已达到")
                         + rules.label(rules.STAGES, self.reached) + "阶段")
        if self.funded:
            parts.append("有到位资金" + ("（当月）" if self.month else ""))
        if self.month:
            parts.append(f"月份：{self.month}")
        if self.case_status:
            parts.append("一事一议状态：" + rules.label(rules.CASE_STATUSES, self.case_status))
        return "；".join(parts)


def _stage_index(stage: str) -> int:
    return rules.PIPELINE.index(stage) if stage in rules.PIPELINE else -1


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


def _month(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def select_projects(session: Session, filters: ProjectFilters) -> list[Project]:
    return list(session.exec(filters.select().order_by(None).order_by(Project.id)))


def first_reached(session: Session, project_ids: list[int]) -> dict[int, dict[str, date]]:
    """project → {stage: date it first reached that stage or a later one}, for signed,
    started and producing, from the stage history."""
    out: dict[int, dict[str, date]] = defaultdict(dict)
    if not project_ids:
        return out
    for chunk in _chunks(project_ids):
        stmt = select(StageChange.project_id, StageChange.to_stage, StageChange.at).where(
            StageChange.project_id.in_(chunk)).order_by(StageChange.at, StageChange.id)
        for pid, to_stage, at in session.exec(stmt):
            idx = _stage_index(to_stage)
            for stage in REACH_STAGES:
                if idx >= _stage_index(stage) and stage not in out[pid]:
                    out[pid][stage] = at.date()
    return out


def arrivals(session: Session, project_ids: list[int]) -> list[tuple[int, date, Decimal]]:
    rows: list[tuple[int, date, Decimal]] = []
    for chunk in _chunks(project_ids):
        stmt = select(FundArrival.project_id, FundArrival.date, FundArrival.amount_wan).where(
            FundArrival.project_id.in_(chunk), FundArrival.deleted_at.is_(None))
        rows.extend((pid, d, _dec(a)) for pid, d, a in session.exec(stmt))
    return rows


def _chunks(ids: list[int], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


# --- the computation -------------------------------------------------------------------

@dataclass
class Stats:
    filters: ProjectFilters
    total: int = 0
    indicators: list[dict] = field(default_factory=list)
    funnel: list[dict] = field(default_factory=list)
    off_pipeline: list[dict] = field(default_factory=list)
    groups: dict[str, list[dict]] = field(default_factory=dict)
    monthly: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    jizhe: list[dict] = field(default_factory=list)
    city_indicators: list[dict] = field(default_factory=list)


def _indicator_values(projects: list[Project], reached: dict, funds: Decimal) -> dict:
    live = [p for p in projects if p.stage != "dropped"]
    signed_now = [p for p in projects if p.stage in rules.SIGNED_OR_LATER]
    started_now = [p for p in signed_now if p.stage in rules.STARTED_OR_LATER]
    producing_now = [p for p in signed_now if p.stage == "producing"]
    ever_signed = [p for p in projects if "signed" in reached.get(p.id, {})]
    ever_started = [p for p in ever_signed if "started" in reached.get(p.id, {})]
    planned_signed = sum((_dec(p.planned_investment_wan) for p in signed_now), ZERO)
    return {
        "signing_rate": (len(signed_now), len(live)),
        "fulfilment_rate": (len(ever_started), len(ever_signed)),
        "start_rate": (len(started_now), len(signed_now)),
        "production_rate": (len(producing_now), len(signed_now)),
        "funding_rate": (funds, planned_signed),
    }


def compute(session: Session, filters: ProjectFilters, *, months: int = 24) -> Stats:
    projects = select_projects(session, filters)
    ids = [p.id for p in projects]
    reached = first_reached(session, ids)
    funds = arrivals(session, ids)
    names = reference.division_names(session)
    base = filters.to_args()
    base.pop("page", None)
    base.pop("sort", None)
    out = Stats(filters=filters, total=len(projects))

    funds_by_project: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pid, _d, amount in funds:
        funds_by_project[pid] += amount
    # A project with an actual investment but no 到位资金 entries yet (entered before entries
    # existed, or imported) counts its actual investment as arrived, undated: in the totals
    # and per city, not per month. Its first entry turns it into a dated opening entry.
    for p in projects:
        if p.id not in funds_by_project and _dec(p.actual_investment_wan) > 0:
            funds_by_project[p.id] = _dec(p.actual_investment_wan)
    total_funds = sum(funds_by_project.values(), ZERO)

    # indicators
    values = _indicator_values(projects, reached, total_funds)
    links = {"signing_rate": dict(base, reached="signed"),
             "fulfilment_rate": dict(base, reached="started"),
             "start_rate": dict(base, reached="started"),
             "production_rate": dict(base, stage="producing"),
             "funding_rate": dict(base, funded="1")}
    for key, (num, den) in values.items():
        out.indicators.append({
            "key": key, "label": rules.INDICATORS[key],
            "definition": rules.INDICATOR_DEFINITIONS[key],
            "numerator": num, "denominator": den, "rate": rules.rate(num, den),
            "args": links[key]})

    # funnel
    by_stage: dict[str, int] = defaultdict(int)
    for p in projects:
        by_stage[p.stage] += 1
    previous = None
    for i, stage in enumerate(rules.PIPELINE):
        at_or_beyond = sum(by_stage[s] for s in rules.PIPELINE[i:])
        out.funnel.append({
            "stage": stage, "label": rules.STAGES[stage], "count": by_stage[stage],
            "reached": at_or_beyond,
            "conversion": rules.rate(at_or_beyond, previous) if previous is not None else None,
            "args": dict(base, stage=stage), "reached_args": dict(base, reached=stage)})
        previous = at_or_beyond
    for stage in ("paused", "dropped"):
        out.off_pipeline.append({"stage": stage, "label": rules.STAGES[stage],
                                 "count": by_stage[stage], "args": dict(base, stage=stage)})

    # groupings
    for name, (attr, _title) in GROUPINGS.items():
        rows: dict = {}
        for p in projects:
            key = getattr(p, attr)
            row = rows.setdefault(key, {"key": key, "count": 0, "signed": 0,
                                        "planned_wan": ZERO, "actual_wan": ZERO,
                                        "funds_wan": ZERO, "planned_signed_wan": ZERO})
            row["count"] += 1
            row["planned_wan"] += _dec(p.planned_investment_wan)
            row["actual_wan"] += _dec(p.actual_investment_wan)
            row["funds_wan"] += funds_by_project.get(p.id, ZERO)
            if p.stage in rules.SIGNED_OR_LATER:
                row["signed"] += 1
                row["planned_signed_wan"] += _dec(p.planned_investment_wan)
        ordered = sorted(rows.values(), key=lambda r: (r["key"] is None, -r["count"],
                                                       str(r["key"])))
        for row in ordered:
            row["label"] = _group_label(name, row["key"], names)
            row["funding_rate"] = rules.rate(row["funds_wan"], row["planned_signed_wan"])
            # a None key (not filled in) cannot be expressed as a list filter
            row["args"] = dict(base, **{attr: row["key"]}) if row["key"] is not None else None
        out.groups[name] = ordered

    # per city indicators
    for row in out.groups["city"]:
        members = [p for p in projects if p.city_code == row["key"]]
        vals = _indicator_values(members, reached, row["funds_wan"])
        out.city_indicators.append({
            "key": row["key"], "label": row["label"], "args": row["args"],
            "rates": {k: rules.rate(n, d) for k, (n, d) in vals.items()}})

    # per month: first reaching signed / started / producing, and funds
    month_rows: dict[str, dict] = {}

    def month_row(m: str) -> dict:
        return month_rows.setdefault(m, {"month": m, "signed": 0, "started": 0, "producing": 0,
                                         "funds_wan": ZERO})

    for stages in reached.values():
        for stage, when in stages.items():
            month_row(_month(when))[stage] += 1
    for _pid, when, amount in funds:
        month_row(_month(when))["funds_wan"] += amount
    planned_signed = values["funding_rate"][1]
    running = ZERO
    for m in sorted(month_rows):
        row = month_rows[m]
        running += row["funds_wan"]
        row["funds_cumulative_wan"] = running
        row["funding_rate_cumulative"] = rules.rate(running, planned_signed)
        row["args"] = {s: dict(base, reached=s, month=m) for s in REACH_STAGES}
        row["args"]["funds"] = dict(base, funded="1", month=m)
    out.monthly = [month_rows[m] for m in sorted(month_rows)][-months:]

    # 一事一议 by status
    cases: dict[str, dict] = {}
    for p in projects:
        if not p.case_by_case:
            continue
        status = p.case_status or "pending"
        row = cases.setdefault(status, {"status": status, "count": 0, "planned_wan": ZERO})
        row["count"] += 1
        row["planned_wan"] += _dec(p.planned_investment_wan)
    out.cases = [dict(cases.get(s, {"status": s, "count": 0, "planned_wan": ZERO}),
                      label=rules.CASE_STATUSES[s],
                      args=dict(base, case_by_case="1", case_status=s))
                 for s in rules.CASE_STATUSES]

    # 吉浙 by Zhejiang city
    zj: dict = {}
    for p in projects:
        if not p.jizhe:
            continue
        key = p.source_city
        row = zj.setdefault(key, {"source_city": key, "count": 0, "signed": 0,
                                  "planned_wan": ZERO, "actual_wan": ZERO})
        row["count"] += 1
        row["planned_wan"] += _dec(p.planned_investment_wan)
        row["actual_wan"] += _dec(p.actual_investment_wan)
        row["signed"] += p.stage in rules.SIGNED_OR_LATER
    for row in zj.values():
        row["label"] = row["source_city"] or "（未填来源城市）"
        row["args"] = (dict(base, jizhe="1", source_city=row["source_city"])
                       if row["source_city"] else None)
        row["signed_args"] = (dict(row["args"], reached="signed") if row["args"] else None)
    out.jizhe = sorted(zj.values(), key=lambda r: (r["source_city"] is None, -r["count"],
                                                   r["label"]))
    return out


def _group_label(name: str, key, names: dict) -> str:
    if key is None:
        return "（未填）"
    if name == "city":
        return names.get(key, key)
    if name == "mode":
        return rules.label(rules.ATTRACTION_MODES, key)
    if name == "form":
        return rules.label(rules.COOPERATION_FORMS, key)
    return str(key)


# --- drill-down: the list behind a figure that the list filters cannot express -----------

def drill(session: Session, filters: ProjectFilters, criteria: DrillCriteria) -> list[Project]:
    projects = select_projects(session, filters)
    ids = [p.id for p in projects]
    if criteria.reached:
        reached = first_reached(session, ids) if criteria.month else None
        level = _stage_index(criteria.reached)
        kept = []
        for p in projects:
            if criteria.month:
                when = reached.get(p.id, {}).get(criteria.reached)
                if when is not None and _month(when) == criteria.month:
                    kept.append(p)
            elif _stage_index(p.stage) >= level:
                kept.append(p)
        projects = kept
    if criteria.funded:
        funded = {pid for pid, when, _a in arrivals(session, [p.id for p in projects])
                  if criteria.month is None or _month(when) == criteria.month}
        if criteria.month is None:  # undated: actual investment without entries (see compute)
            funded |= {p.id for p in projects if _dec(p.actual_investment_wan) > 0}
        projects = [p for p in projects if p.id in funded]
    if criteria.case_status:
        projects = [p for p in projects
                    if p.case_by_case and (p.case_status or "pending") == criteria.case_status]
    return projects


# --- JSON and .xlsx ----------------------------------------------------------------------

def _num(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def as_json(stats: Stats) -> dict:
    def clean(obj):
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items() if k not in ("args", "reached_args",
                                                                       "signed_args")}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        return _num(obj)

    return {
        "filters": stats.filters.to_args(),
        "total": stats.total,
        "indicators": clean(stats.indicators),
        "funnel": clean(stats.funnel),
        "off_pipeline": clean(stats.off_pipeline),
        "by_city": clean(stats.groups["city"]),
        "by_segment": clean(stats.groups["segment"]),
        "by_mode": clean(stats.groups["mode"]),
        "by_form": clean(stats.groups["form"]),
        "city_indicators": clean(stats.city_indicators),
        "monthly": clean(stats.monthly),
        "cases": clean(stats.cases),
        "jizhe": clean(stats.jizhe),
    }


C = Column
GROUP_COLUMNS = [C("label", ""), C("count", "项目数", "int"), C("signed", "签约及以后", "int"),
                 C("planned_wan", "计划投资额（万元）", "wan"),
                 C("actual_wan", "实际投资额（万元）", "wan"),
                 C("funds_wan", "到位资金（万元）", "wan"),
                 C("funding_rate", "资金到位率（%）", "number")]
TABLES = {
    "indicators": "指标",
    "funnel": "阶段漏斗",
    "city": "按落地市（州）",
    "segment": "按产业链环节",
    "mode": "按招商方式",
    "form": "按合作形式",
    "city_indicators": "各市（州）指标",
    "monthly": "按月签约、开工、投产与到位资金",
    "cases": "一事一议（按状态）",
    "jizhe": "吉浙合作（按浙江城市）",
}


def table(stats: Stats, name: str) -> tuple[str, list[Column], list[dict]]:
    """(title, columns, rows) of one table of the page, for .xlsx export."""
    title = TABLES[name]
    if name == "indicators":
        return title, [C("label", "指标"), C("rate", "比率（%）", "number"),
                       C("numerator", "分子", "number"), C("denominator", "分母", "number"),
                       C("definition", "口径")], stats.indicators
    if name == "funnel":
        rows = stats.funnel + [dict(r, reached=None, conversion=None) for r in stats.off_pipeline]
        return title, [C("label", "阶段"), C("count", "当前项目数", "int"),
                       C("reached", "达到该阶段及以后", "int"),
                       C("conversion", "转化率（%）", "number")], rows
    if name in GROUPINGS:
        columns = [C("label", GROUPINGS[name][1])] + GROUP_COLUMNS[1:]
        return title, columns, stats.groups[name]
    if name == "city_indicators":
        columns = [C("label", "落地市（州）")] + [C(k, v + "（%）", "number")
                                              for k, v in rules.INDICATORS.items()]
        return title, columns, [dict(r["rates"], label=r["label"]) for r in stats.city_indicators]
    if name == "monthly":
        return title, [C("month", "月份"), C("signed", "签约", "int"), C("started", "开工", "int"),
                       C("producing", "投产", "int"), C("funds_wan", "到位资金（万元）", "wan"),
                       C("funds_cumulative_wan", "累计到位资金（万元）", "wan"),
                       C("funding_rate_cumulative", "累计资金到位率（%）", "number")], stats.monthly
    if name == "cases":
        return title, [C("label", "一事一议状态"), C("count", "项目数", "int"),
                       C("planned_wan", "计划投资额（万元）", "wan")], stats.cases
    if name == "jizhe":
        return title, [C("label", "浙江来源城市"), C("count", "项目数", "int"),
                       C("signed", "签约及以后", "int"),
                       C("planned_wan", "计划投资额（万元）", "wan"),
                       C("actual_wan", "实际投资额（万元）", "wan")], stats.jizhe
    raise KeyError(name)
