"""The statistics are aggregated in SQL (crm.services.stats_queries): exact cents, months and
"first reached" from the stage history, soft deletes, and a fixed number of statements."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fixtures_stats import build  # tests/stats is on sys.path (rootdir import mode)
from sqlalchemy import event
from sqlmodel import select

from crm.models import StageChange
from crm.queries import ProjectFilters
from crm.services import funding, projects, stats


def new(db, user, name, **kw):
    return projects.create_project(session=db, user=user,
                                   data={"name": name, "city_code": "220100"} | kw)


def move(db, user, project, *stages, reason="原因"):
    for stage in stages:
        projects.move_stage(session=db, project=project, to_stage=stage, reason=reason, user=user)


def stamp(db, project, *times):
    """Give the project's stage changes, oldest first, these UTC times."""
    changes = db.exec(select(StageChange).where(StageChange.project_id == project.id)
                      .order_by(StageChange.id)).all()
    assert len(changes) == len(times)
    for change, when in zip(changes, times, strict=True):
        change.at = when
        db.add(change)
    db.commit()


def compute(db, **args):
    return stats.compute(db, ProjectFilters.from_args(args))


def drill(db, **criteria):
    return sorted(p.name for p in stats.drill(db, ProjectFilters(),
                                              stats.DrillCriteria(**criteria)))


def test_amounts_sum_to_the_cent_with_two_places(db, staff):
    for i in range(10):
        new(db, staff, f"小项目{i}", planned_investment_wan="0.10", stage="signed")
    p = new(db, staff, "零头", planned_investment_wan="0.07", stage="signed",
            chain_segment="高端芯片")
    funding.add_arrival(session=db, project=p, user=staff,
                        data={"date": "2024-06-01", "amount_wan": "0.10"})
    funding.add_arrival(session=db, project=p, user=staff,
                        data={"date": "2024-06-02", "amount_wan": "0.20"})
    s = compute(db)
    city = s.groups["city"][0]
    assert str(city["planned_wan"]) == "1.07"
    assert str(city["funds_wan"]) == "0.30"
    assert str({r["month"]: r for r in s.monthly}["2024-06"]["funds_wan"]) == "0.30"
    funding_rate = {i["key"]: i for i in s.indicators}["funding_rate"]
    assert (str(funding_rate["numerator"]), str(funding_rate["denominator"])) == ("0.30", "1.07")
    empty = compute(db, city_code="220300")
    assert (empty.total, empty.groups["city"], empty.monthly) == (0, [], [])
    assert str({i["key"]: i for i in empty.indicators}["funding_rate"]["numerator"]) == "0.00"


def test_first_reached_is_the_earliest_change_into_that_stage_or_later(db, staff):
    p = new(db, staff, "反复签约", stage="negotiation")
    move(db, staff, p, "signed", "paused", "signed")
    q = new(db, staff, "一步投产", stage="negotiation")
    move(db, staff, q, "producing")
    stamp(db, p, datetime(2023, 12, 5, tzinfo=UTC), datetime(2024, 1, 10, tzinfo=UTC),
          datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 5, 20, tzinfo=UTC))
    stamp(db, q, datetime(2023, 12, 6, tzinfo=UTC), datetime(2024, 2, 14, tzinfo=UTC))
    rows = {r["month"]: (r["signed"], r["started"], r["producing"]) for r in compute(db).monthly}
    # December's changes are into 洽谈 (creation); May's 签约 is not a first time
    assert rows == {"2024-01": (1, 0, 0), "2024-02": (1, 1, 1)}
    assert drill(db, reached="signed", month="2024-01") == ["反复签约"]
    assert drill(db, reached="producing", month="2024-02") == ["一步投产"]
    assert drill(db, reached="signed", month="2024-05") == []
    # only 签约 / 开工 / 投产 are counted per month; other stages list nothing
    assert drill(db, reached="lead", month="2023-12") == []
    fulfilment = {i["key"]: i for i in compute(db).indicators}["fulfilment_rate"]
    assert (fulfilment["numerator"], fulfilment["denominator"]) == (1, 2)


def test_month_is_the_beijing_month(db, staff):
    # 23:30 UTC on 31 March is 07:30 on 1 April in Beijing: the office counts it in April.
    p = new(db, staff, "月末签约", stage="negotiation")
    move(db, staff, p, "signed")
    stamp(db, p, datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 31, 23, 30, tzinfo=UTC))
    rows = {r["month"]: r["signed"] for r in compute(db).monthly}
    assert rows.get("2024-04") == 1 and "2024-03" not in rows
    assert drill(db, reached="signed", month="2024-04") == ["月末签约"]
    assert drill(db, reached="signed", month="2024-03") == []


def test_deleted_projects_and_entries_do_not_count(db, staff):
    kept = new(db, staff, "保留", planned_investment_wan="100", stage="signed")
    gone = new(db, staff, "已删", planned_investment_wan="900", stage="signed")
    funding.add_arrival(session=db, project=gone, user=staff,
                        data={"date": "2024-02-01", "amount_wan": "50"})
    entry = funding.add_arrival(session=db, project=kept, user=staff,
                                data={"date": "2024-03-01", "amount_wan": "30"})
    funding.add_arrival(session=db, project=kept, user=staff,
                        data={"date": "2024-04-01", "amount_wan": "20"})
    funding.delete_arrival(session=db, arrival=entry, user=staff)
    projects.delete_project(session=db, project=gone, user=staff)
    s = compute(db)
    assert s.total == 1
    assert {r["month"]: r["funds_wan"] for r in s.monthly if r["funds_wan"]} == {
        "2024-04": Decimal("20.00")}
    assert s.groups["city"][0]["planned_wan"] == Decimal("100.00")
    assert drill(db, funded=True) == ["保留"]
    assert drill(db, funded=True, month="2024-03") == []
    assert [p.name for p in stats.drill(db, ProjectFilters(deleted=True),
                                        stats.DrillCriteria(reached="signed"))] == ["已删"]


def test_case_status_drill_counts_unset_status_as_pending(db, staff):
    fixture = build(db, staff)
    assert drill(db, case_status="pending") == ["P4"]
    assert fixture["p4"].case_status in (None, "pending")


@pytest.fixture
def statements(db):
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def test_a_fixed_number_of_statements_whatever_the_number_of_projects(db, staff, statements):
    build(db, staff)
    compute(db)  # the first call also reads the (then cached) reference divisions
    statements.clear()
    compute(db)
    few = len(statements)
    for i in range(30):
        p = new(db, staff, f"更多{i}", planned_investment_wan="10", stage="negotiation")
        move(db, staff, p, "signed", "started")
    statements.clear()
    compute(db)
    assert len(statements) == few <= 8
