"""Statistics against a hand-counted fixture (tests/stats/fixtures_stats.py).

P1 长春 lead 1000 | P2 长春 signed 2000
P3 吉林 started 3000, funds 1000 (2024-03) + 500 (2024-04)
P4 吉林 producing 120000 (吉浙 杭州, 一事一议 待提请), funds 60000 (2024-04)
P5 长春 dropped 500 | P6 长春 paused 100000 (吉浙 杭州, 一事一议 会商中)
P7 长春 signed → dropped 800
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fixtures_stats import build  # tests/stats is on sys.path (rootdir import mode)

from crm.queries import ProjectFilters
from crm.services import stats


@pytest.fixture
def fixture(db, staff):
    return build(db, staff)


def compute(db, **args):
    return stats.compute(db, ProjectFilters.from_args(args))


def test_indicators(db, fixture):
    s = compute(db)
    assert s.total == 7
    got = {i["key"]: (i["numerator"], i["denominator"], i["rate"]) for i in s.indicators}
    assert got["signing_rate"] == (3, 5, Decimal("60.0"))       # P2 P3 P4 / all but P5 P7
    assert got["fulfilment_rate"] == (2, 4, Decimal("50.0"))    # P3 P4 / P2 P3 P4 P7 (history)
    assert got["start_rate"] == (2, 3, Decimal("66.7"))
    assert got["production_rate"] == (1, 3, Decimal("33.3"))
    assert got["funding_rate"] == (Decimal("61500.00"), Decimal("125000.00"), Decimal("49.2"))


def test_funnel(db, fixture):
    s = compute(db)
    assert [(r["stage"], r["count"], r["reached"]) for r in s.funnel] == [
        ("lead", 1, 4), ("contact", 0, 3), ("visit", 0, 3), ("negotiation", 0, 3),
        ("signed", 1, 3), ("started", 1, 2), ("producing", 1, 1)]
    assert [r["conversion"] for r in s.funnel] == [
        None, Decimal("75.0"), Decimal("100.0"), Decimal("100.0"), Decimal("100.0"),
        Decimal("66.7"), Decimal("50.0")]
    assert {r["stage"]: r["count"] for r in s.off_pipeline} == {"paused": 1, "dropped": 2}


def test_by_city_segment_mode_form(db, fixture):
    s = compute(db)
    city = {r["key"]: r for r in s.groups["city"]}
    assert (city["220100"]["label"], city["220100"]["count"], city["220100"]["planned_wan"],
            city["220100"]["signed"]) == ("长春市", 5, Decimal("104300"), 1)
    assert (city["220200"]["count"], city["220200"]["planned_wan"], city["220200"]["actual_wan"],
            city["220200"]["funds_wan"], city["220200"]["funding_rate"]) == (
        2, Decimal("123000"), Decimal("61500.00"), Decimal("61500.00"), Decimal("50.0"))
    assert city["220100"]["args"] == {"city_code": "220100"}
    segment = {r["key"]: r["count"] for r in s.groups["segment"]}
    assert segment == {"高端芯片": 3, "集成电路": 3, None: 1}
    mode = {r["key"]: r["count"] for r in s.groups["mode"]}
    assert mode == {"professional": 2, "business": 1, "jizhe": 1, None: 3}
    form = {r["key"]: (r["count"], r["planned_wan"]) for r in s.groups["form"]}
    assert form["investment"] == (3, Decimal("124000"))
    assert form["factory"] == (1, Decimal("2000"))


def test_city_indicators(db, fixture):
    s = compute(db)
    rates = {r["key"]: r["rates"] for r in s.city_indicators}
    assert rates["220200"]["start_rate"] == Decimal("100.0")
    assert rates["220200"]["production_rate"] == Decimal("50.0")
    assert rates["220100"]["signing_rate"] == Decimal("33.3")   # P2 / P1 P2 P6
    assert rates["220100"]["fulfilment_rate"] == Decimal("0.0")  # P2, P7 signed; none started
    assert rates["220100"]["funding_rate"] == Decimal("0.0")


def test_monthly(db, fixture):
    s = compute(db)
    rows = {r["month"]: r for r in s.monthly}
    now = datetime.now(UTC).strftime("%Y-%m")
    assert (rows[now]["signed"], rows[now]["started"], rows[now]["producing"]) == (4, 2, 1)
    assert rows["2024-03"]["funds_wan"] == Decimal("1000.00")
    assert rows["2024-04"]["funds_wan"] == Decimal("60500.00")
    assert rows["2024-03"]["funding_rate_cumulative"] == Decimal("0.8")
    assert rows["2024-04"]["funding_rate_cumulative"] == Decimal("49.2")
    assert rows["2024-04"]["args"]["funds"] == {"funded": "1", "month": "2024-04"}


def test_cases_and_jizhe(db, fixture):
    s = compute(db)
    cases = {r["status"]: (r["count"], r["planned_wan"]) for r in s.cases}
    assert cases == {"pending": (1, Decimal("120000")), "consulting": (1, Decimal("100000")),
                     "approved": (0, Decimal("0.00")), "rejected": (0, Decimal("0.00"))}
    assert [(r["source_city"], r["count"], r["signed"], r["planned_wan"]) for r in s.jizhe] == [
        ("杭州市", 2, 1, Decimal("220000"))]


def test_filters_apply_to_every_figure(db, fixture):
    s = compute(db, city_code="220200")
    assert s.total == 2
    assert [r["key"] for r in s.groups["city"]] == ["220200"]
    assert {i["key"]: i["rate"] for i in s.indicators}["signing_rate"] == Decimal("100.0")
    assert s.funnel[0]["args"] == {"city_code": "220200", "stage": "lead"}


def test_drill_down_lists_match_the_figures(db, fixture):
    f = ProjectFilters()

    def names(**kw):
        return sorted(p.name for p in stats.drill(db, f, stats.DrillCriteria(**kw)))

    now = datetime.now(UTC).strftime("%Y-%m")
    assert names(reached="signed") == ["P2", "P3", "P4"]
    assert names(reached="signed", month=now) == ["P2", "P3", "P4", "P7"]
    assert names(reached="started", month=now) == ["P3", "P4"]
    assert names(funded=True, month="2024-04") == ["P3", "P4"]
    assert names(funded=True, month="2024-03") == ["P3"]
    assert names(case_status="consulting") == ["P6"]


def test_json_has_the_same_numbers(db, fixture):
    body = stats.as_json(compute(db))
    assert body["total"] == 7
    assert {i["key"]: i["rate"] for i in body["indicators"]}["funding_rate"] == 49.2
    assert {r["key"]: r["count"] for r in body["by_city"]} == {"220100": 5, "220200": 2}


def test_actual_investment_without_entries_counts_undated(db, staff):
    from crm.services import projects

    projects.create_project(session=db, user=staff, data={
        "name": "旧项目", "city_code": "220100", "stage": "signed",
        "planned_investment_wan": "1000", "actual_investment_wan": "250"})
    s = compute(db)
    funding = {i["key"]: i for i in s.indicators}["funding_rate"]
    assert (funding["numerator"], funding["rate"]) == (Decimal("250.00"), Decimal("25.0"))
    assert s.monthly == [r for r in s.monthly if r["funds_wan"] == 0]
    assert [p.name for p in stats.drill(db, ProjectFilters(), stats.DrillCriteria(funded=True))
            ] == ["旧项目"]
