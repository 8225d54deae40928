"""The SQL behind the statistics (crm.services.stats): GROUP BY aggregates over the projects a
``ProjectFilters`` selects, identical on SQLite and PostgreSQL.

Amounts are summed as whole 分 (0.01万元): ``CAST(ROUND(amount * 100) AS BIGINT)``. SQLite keeps
NUMERIC values as floating point, so summing the amounts themselves could drift by a cent;
summing integers is exact on both databases and ``wan()`` turns the sum back into a Decimal
with two places, as the old per-row Python sums were.

Months are Beijing months: stage changes are stored in UTC and shifted to UTC+8 before
taking the month (a signing at 23:30 UTC on 31 March was on 1 April in the office);
到位资金 dates are calendar dates already.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from crm import clock, rules
from crm.models import FundArrival, Project, StageChange

REACH_STAGES = ("signed", "started", "producing")
UNSET_CASE_STATUS = "pending"


def reached_from(stage: str) -> list[str]:
    """The pipeline stages at or beyond ``stage``: reaching any of them reaches ``stage``."""
    return rules.PIPELINE[rules.PIPELINE.index(stage):]


def wan(cents) -> Decimal:
    """A sum of 分 as 万元 with two decimal places (``Decimal('0.00')`` for none)."""
    return Decimal(int(cents or 0)).scaleb(-2)


def cents(column) -> ColumnElement:
    return cast(func.round(column * literal(100)), BigInteger)


def month_of(session: Session, column) -> ColumnElement:
    """'YYYY-MM' of a stored calendar date."""
    # inline constants, not bound parameters: a GROUP BY must repeat the expression exactly
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column)


def beijing_month_of(session: Session, column) -> ColumnElement:
    """'YYYY-MM' in the office's time zone (clock.zone()) of a stored UTC datetime."""
    if session.get_bind().dialect.name == "postgresql":
        local = column.op("AT TIME ZONE")(literal_column(_quoted(clock.zone().key)))
        return func.to_char(local, literal_column("'YYYY-MM'"))
    minutes = int(clock.utc_offset().total_seconds() // 60)
    return func.strftime(literal_column("'%Y-%m'"), column,
                         literal_column(f"'{minutes:+d} minutes'"))


def _quoted(name: str) -> str:
    """A zone name as an SQL literal (inline: GROUP BY repeats the expression)."""
    return "'" + name.replace("'", "''") + "'"


def case_status_or_pending() -> ColumnElement:
    """A 一事一议 project's status, an unset one counting as 待提请 (pending)."""
    return func.coalesce(func.nullif(Project.case_status, literal_column("''")),
                         literal_column(f"'{UNSET_CASE_STATUS}'"))


# --- per-project facts, as subqueries joined to the selected projects ----------------------

def selected_ids(where):
    return select(Project.id).where(where)


def funds_per_project(where):
    """project_id, cents: the sum of each selected project's live 到位资金 entries."""
    return (select(FundArrival.project_id, func.sum(cents(FundArrival.amount_wan)).label("cents"))
            .where(FundArrival.deleted_at.is_(None),
                   FundArrival.project_id.in_(selected_ids(where)))
            .group_by(FundArrival.project_id).subquery("funds"))


def first_reached(where):
    """project_id and, per stage in REACH_STAGES, when the project first reached that stage or
    a later one (the earliest stage change into one of them; NULL when never)."""
    firsts = [func.min(case((StageChange.to_stage.in_(reached_from(stage)), StageChange.at)))
              .label(stage) for stage in REACH_STAGES]
    return (select(StageChange.project_id, *firsts)
            .where(StageChange.to_stage.in_(reached_from(REACH_STAGES[0])),
                   StageChange.project_id.in_(selected_ids(where)))
            .group_by(StageChange.project_id).subquery("reached"))


def funds_of_project(funds) -> ColumnElement:
    """A project's 到位资金 in 分: its live entries, or — without entries — its actual
    investment when positive (counted as arrived, undated)."""
    actual = Project.actual_investment_wan
    return func.coalesce(funds.c.cents, case((actual > 0, cents(actual)), else_=0))


# --- the aggregates ------------------------------------------------------------------------

def by_stage(session: Session, where, *keys, reach: bool = False) -> list[tuple]:
    """Rows (*keys, stage, count, planned 分, actual 分, funds 分, ever signed, ever started)
    over the selected projects, grouped by the ``keys`` (Project columns) and stage. Without
    ``reach`` the two "ever" counts are 0."""
    funds = funds_per_project(where)
    stmt = (select(*keys, Project.stage, func.count(),
                   func.sum(cents(Project.planned_investment_wan)),
                   func.sum(cents(Project.actual_investment_wan)),
                   func.sum(funds_of_project(funds)))
            .select_from(Project).outerjoin(funds, funds.c.project_id == Project.id))
    if reach:
        reached = first_reached(where)
        stmt = stmt.add_columns(func.count(reached.c.signed), func.count(reached.c.started))
        stmt = stmt.outerjoin(reached, reached.c.project_id == Project.id)
    else:
        stmt = stmt.add_columns(literal_column("0"), literal_column("0"))
    return [tuple(r) for r in session.exec(stmt.where(where).group_by(*keys, Project.stage))]


def reached_per_month(session: Session, where) -> list[tuple[str, str, int]]:
    """Rows (stage, month, projects that first reached ``stage`` in that month)."""
    reached = first_reached(where)
    parts = []
    for stage in REACH_STAGES:
        month = beijing_month_of(session, reached.c[stage])
        parts.append(select(literal_column(f"'{stage}'"), month, func.count())
                     .where(reached.c[stage].is_not(None)).group_by(month))
    return [tuple(r) for r in session.exec(parts[0].union_all(*parts[1:]))]


def funds_per_month(session: Session, where) -> list[tuple[str, int]]:
    """Rows (month, 分) of the selected projects' live 到位资金 entries."""
    month = month_of(session, FundArrival.date)
    stmt = (select(month, func.sum(cents(FundArrival.amount_wan)))
            .where(FundArrival.deleted_at.is_(None),
                   FundArrival.project_id.in_(selected_ids(where)))
            .group_by(month))
    return [tuple(r) for r in session.exec(stmt)]


def cases_by_status(session: Session, where) -> list[tuple[str, int, int]]:
    """Rows (status, count, planned 分) of the selected 一事一议 projects."""
    status = case_status_or_pending()
    stmt = (select(status, func.count(), func.sum(cents(Project.planned_investment_wan)))
            .where(where, Project.case_by_case.is_(True)).group_by(status))
    return [tuple(r) for r in session.exec(stmt)]


def jizhe_by_source_city(session: Session, where) -> list[tuple]:
    """Rows (source city, count, signed, planned 分, actual 分) of the selected 吉浙 projects."""
    signed = func.sum(case((Project.stage.in_(rules.SIGNED_OR_LATER), 1), else_=0))
    stmt = (select(Project.source_city, func.count(), signed,
                   func.sum(cents(Project.planned_investment_wan)),
                   func.sum(cents(Project.actual_investment_wan)))
            .where(where, Project.jizhe.is_(True)).group_by(Project.source_city))
    return [tuple(r) for r in session.exec(stmt)]


# --- drill-down conditions -------------------------------------------------------------------

def first_reached_in_month(session: Session, where, stage: str, month: str) -> ColumnElement:
    if stage not in REACH_STAGES:  # only these are tracked per month
        return false()
    reached = first_reached(where)
    return Project.id.in_(select(reached.c.project_id)
                          .where(beijing_month_of(session, reached.c[stage]) == month))


def funded(session: Session, month: str | None) -> ColumnElement:
    """Has live 到位资金 (in ``month`` when given; without a month, an actual investment
    without entries counts too, as in the totals)."""
    live = [FundArrival.deleted_at.is_(None)]
    if month is not None:
        live.append(month_of(session, FundArrival.date) == month)
    has_entry = Project.id.in_(select(FundArrival.project_id).where(and_(*live)))
    if month is not None:
        return has_entry
    return or_(has_entry, Project.actual_investment_wan > 0)
