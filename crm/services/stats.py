"""领导驾驶舱: the statistics page, its .xlsx exports and /api/v1/stats, from one computation.

Everything is computed over the projects a ``ProjectFilters`` selects (the list filters), so a
figure and the list it links to always agree. The database aggregates (GROUP BY queries in
crm.services.stats_queries, a handful per page whatever the number of projects, sums exact in
分); Python only rolls up the few grouped rows, computes rates and orders the tables. The
indicators are defined in crm.rules (INDICATOR_DEFINITIONS).

Each figure carries ``args``: the query parameters of the list behind it. Those made only of
ProjectFilters fields open the project list; those with the extra keys in DRILL_KEYS (a stage
reached, a month, a 一事一议 status) open the statistics drill-down list (stats.drill).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session

from crm import rules
from crm.models import Project
from crm.queries import ProjectFilters
from crm.services import reference
from crm.services import stats_queries as q
from crm.tabular.writers import Column

ZERO = Decimal("0.00")
DRILL_KEYS = ("reached", "month", "case_status", "funded")
REACH_STAGES = q.REACH_STAGES
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


def selection(filters: ProjectFilters):
    """The WHERE clause of the projects ``filters`` selects (the list's own query)."""
    return filters.select().whereclause


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


@dataclass
class Tally:
    """Sums over a set of projects, rolled up from per-stage rows (q.by_stage). Amounts
    add up as whole 分 and become 万元 when read: the statistics page rolls up about
    13,000 rows at province scale, and a Decimal per amount and row cost 80 ms."""

    count: int = 0
    by_stage: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    planned_cents: int = 0
    actual_cents: int = 0
    funds_cents: int = 0               # live 到位资金, or the actual investment without entries
    planned_signed_cents: int = 0
    ever_signed: int = 0               # reached 签约 at some time (stage history)
    ever_started: int = 0              # reached 开工 at some time

    def add(self, stage, count, planned, actual, funds, ever_signed, ever_started) -> None:
        self.count += count
        self.by_stage[stage] += count
        self.planned_cents += planned or 0
        self.actual_cents += actual or 0
        self.funds_cents += funds or 0
        if stage in rules.SIGNED_OR_LATER:
            self.planned_signed_cents += planned or 0
        self.ever_signed += ever_signed
        self.ever_started += ever_started

    planned_wan = property(lambda self: q.wan(self.planned_cents))
    actual_wan = property(lambda self: q.wan(self.actual_cents))
    funds_wan = property(lambda self: q.wan(self.funds_cents))
    planned_signed_wan = property(lambda self: q.wan(self.planned_signed_cents))

    def now(self, stages) -> int:
        return sum(self.by_stage[s] for s in stages)


def _tallies(rows) -> dict:
    """key → Tally, from rows (key, stage, count, planned, actual, funds, signed, started)."""
    out: dict = {}
    for key, *values in rows:
        out.setdefault(key, Tally()).add(*values)
    return out


def _indicator_values(t: Tally) -> dict:
    signed_now = t.now(rules.SIGNED_OR_LATER)
    return {
        "signing_rate": (signed_now, t.count - t.by_stage["dropped"]),
        "fulfilment_rate": (t.ever_started, t.ever_signed),
        "start_rate": (t.now(rules.STARTED_OR_LATER), signed_now),
        "production_rate": (t.by_stage["producing"], signed_now),
        "funding_rate": (t.funds_wan, t.planned_signed_wan),
    }


def compute(session: Session, filters: ProjectFilters, *, months: int = 24) -> Stats:
    where = selection(filters)
    names = reference.division_names(session)
    base = filters.to_args()
    base.pop("page", None)
    base.pop("sort", None)

    # Two GROUP BY queries: by city and stage (with the stage history, for the indicators) and
    # by segment, mode, form and stage. The totals and the four groupings roll up from them.
    city_rows = q.by_stage(session, where, Project.city_code, reach=True)
    others = [name for name in GROUPINGS if name != "city"]
    other_rows = q.by_stage(session, where, *(getattr(Project, GROUPINGS[n][0]) for n in others))
    tallies = {"city": _tallies(city_rows)}
    for i, name in enumerate(others):
        tallies[name] = _tallies((row[i], *row[len(others):]) for row in other_rows)
    total = Tally()
    for _city, *values in city_rows:
        total.add(*values)
    out = Stats(filters=filters, total=total.count)

    # indicators
    values = _indicator_values(total)
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
    by_stage = total.by_stage
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
        rows = [{"key": key, "count": t.count, "signed": t.now(rules.SIGNED_OR_LATER),
                 "planned_wan": t.planned_wan, "actual_wan": t.actual_wan,
                 "funds_wan": t.funds_wan, "planned_signed_wan": t.planned_signed_wan}
                for key, t in tallies[name].items()]
        ordered = sorted(rows, key=lambda r: (r["key"] is None, -r["count"], str(r["key"])))
        for row in ordered:
            row["label"] = _group_label(name, row["key"], names)
            row["funding_rate"] = rules.rate(row["funds_wan"], row["planned_signed_wan"])
            # a None key (not filled in) cannot be expressed as a list filter
            row["args"] = dict(base, **{attr: row["key"]}) if row["key"] is not None else None
        out.groups[name] = ordered

    # per city indicators
    for row in out.groups["city"]:
        vals = _indicator_values(tallies["city"][row["key"]])
        out.city_indicators.append({
            "key": row["key"], "label": row["label"], "args": row["args"],
            "rates": {k: rules.rate(n, d) for k, (n, d) in vals.items()}})

    # per month: first reaching signed / started / producing, and funds
    month_rows: dict[str, dict] = {}

    def month_row(m: str) -> dict:
        return month_rows.setdefault(m, {"month": m, "signed": 0, "started": 0, "producing": 0,
                                         "funds_wan": ZERO})

    for stage, m, count in q.reached_per_month(session, where):
        month_row(m)[stage] += count
    for m, amount in q.funds_per_month(session, where):
        month_row(m)["funds_wan"] += q.wan(amount)
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
    cases = {status: {"status": status, "count": count, "planned_wan": q.wan(planned)}
             for status, count, planned in q.cases_by_status(session, where)}
    out.cases = [dict(cases.get(s, {"status": s, "count": 0, "planned_wan": ZERO}),
                      label=rules.CASE_STATUSES[s],
                      args=dict(base, case_by_case="1", case_status=s))
                 for s in rules.CASE_STATUSES]

    # 吉浙 by Zhejiang city
    zj = []
    for key, count, signed, planned, actual in q.jizhe_by_source_city(session, where):
        row = {"source_city": key, "count": count, "signed": int(signed or 0),
               "planned_wan": q.wan(planned), "actual_wan": q.wan(actual),
               "label": key or "（未填来源城市）"}
        row["args"] = dict(base, jizhe="1", source_city=key) if key else None
        row["signed_args"] = dict(row["args"], reached="signed") if row["args"] else None
        zj.append(row)
    out.jizhe = sorted(zj, key=lambda r: (r["source_city"] is None, -r["count"], r["label"]))
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
    """The projects behind a figure, in id order."""
    stmt = filters.select().order_by(None).order_by(Project.id)
    if criteria.reached and criteria.month:
        stmt = stmt.where(q.first_reached_in_month(session, selection(filters), criteria.reached,
                                                   criteria.month))
    elif criteria.reached:  # now at this pipeline stage or beyond
        stmt = stmt.where(Project.stage.in_(q.reached_from(criteria.reached)))
    if criteria.funded:
        stmt = stmt.where(q.funded(session, criteria.month))
    if criteria.case_status:
        stmt = stmt.where(Project.case_by_case.is_(True),
                          q.case_status_or_pending() == criteria.case_status)
    return list(session.exec(stmt))


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
