"""可能适用的政策 for enterprises and projects, through the services, at the rules' edges."""

from datetime import date
from decimal import Decimal

import pytest

from crm.services import enterprises, funding, policy, projects

TODAY = date(2024, 6, 1)


def ent(db, user, **kw):
    data = {"name": "测试电子有限公司", "province": "浙江省", "city": "杭州市",
            "chain_segment": "集成电路", "kind": "other"} | kw
    return enterprises.create_enterprise(session=db, data=data, user=user)


def proj(db, user, **kw):
    data = {"name": "测试项目", "city_code": "220100"} | kw
    return projects.create_project(session=db, data=data, user=user)


def by_number(report):
    return {m.number: m for m in report.matches}


@pytest.mark.parametrize("revenue, amount", [
    ("10000", None), ("10000.01", "30"), ("50000", "30"), ("50000.01", "50"),
    ("100000", "50"), ("100000.01", "100")])
def test_measure5_on_enterprise(db, staff, revenue, amount):
    e = ent(db, staff, revenue_wan=revenue)
    found = by_number(policy.match_enterprise(db, e))
    if amount is None:
        assert 5 not in found
    else:
        assert found[5].amount_wan == Decimal(amount)
        assert found[5].fields == {"revenue_wan": Decimal(revenue)}
        assert "省工业和信息化厅" in found[5].responsible_units


@pytest.mark.parametrize("planned, applies", [("500", False), ("500.01", True)])
def test_measure7_without_equipment_figure_uses_planned(db, staff, planned, applies):
    p = proj(db, staff, planned_investment_wan=planned)
    found = by_number(policy.match_project(db, p, TODAY))
    assert (7 in found) is applies
    if applies:
        assert any("待核实" in r for r in found[7].reasons)


@pytest.mark.parametrize("equipment, applies", [("500", False), ("500.01", True)])
def test_measure7_on_equipment_investment(db, staff, equipment, applies):
    p = proj(db, staff, planned_investment_wan="20000", equipment_investment_wan=equipment)
    found = by_number(policy.match_project(db, p, TODAY))
    assert (7 in found) is applies
    if applies:
        assert found[7].fields == {"equipment_investment_wan": Decimal(equipment)}


def test_equipment_cannot_exceed_planned(db, staff):
    from crm.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        proj(db, staff, planned_investment_wan="100", equipment_investment_wan="100.01")
    message = exc.value.fields["equipment_investment_wan"]
    assert message == "其中设备投资额（万元）：不能超过计划投资额"


@pytest.mark.parametrize("today, applies", [(date(2022, 12, 31), False), (date(2023, 1, 1), True),
                                            (date(2025, 12, 31), True), (date(2026, 1, 1), False)])
def test_measure8_only_2023_to_2025(db, staff, today, applies):
    p = proj(db, staff)
    found = by_number(policy.match_project(db, p, today))
    assert (8 in found) is applies
    if applies:
        assert found[8].amount_wan == Decimal("100")


@pytest.mark.parametrize("planned, status", [("99999.99", "match"), ("100000", "case_by_case")])
def test_measure17_case_by_case_edge(db, staff, planned, status):
    p = proj(db, staff, planned_investment_wan=planned)
    assert by_number(policy.match_project(db, p, TODAY))[17].status == status


def test_measure17_follows_the_admin_line(db, staff, make_user):
    admin = db.merge(make_user("admin"))
    p = proj(db, staff, planned_investment_wan="60000")
    assert by_number(policy.match_project(db, p, TODAY))[17].status == "match"
    projects.set_case_by_case_line(session=db, line_wan="50000", user=admin)
    assert by_number(policy.match_project(db, p, TODAY))[17].status == "case_by_case"


def test_measure17_city_reward_estimate(db, staff, make_user):
    admin = db.merge(make_user("admin"))
    funding.set_reward_rule(session=db, city_code="220100", rate_percent="1", cap_wan="500",
                            note="测试规则", user=admin)
    small = proj(db, staff, actual_investment_wan="30000", introducer="吉商联合会")
    big = proj(db, staff, actual_investment_wan="80000")
    elsewhere = proj(db, staff, city_code="220200", actual_investment_wan="80000")
    assert by_number(policy.match_project(db, small, TODAY))[17].amount_wan == Decimal("300.00")
    assert "吉商联合会" in " ".join(by_number(policy.match_project(db, small, TODAY))[17].reasons)
    assert by_number(policy.match_project(db, big, TODAY))[17].amount_wan == Decimal("500.00")
    assert policy.estimated_reward(db, elsewhere) is None
    assert by_number(policy.match_project(db, elsewhere, TODAY))[17].amount_wan is None


def test_reward_rules_are_admin_only_and_validated(db, staff, make_user):
    from crm.services.errors import Forbidden, ValidationFailed

    admin = db.merge(make_user("admin"))
    with pytest.raises(Forbidden):
        funding.set_reward_rule(session=db, city_code="220100", rate_percent="1", user=staff)
    with pytest.raises(ValidationFailed) as exc:
        funding.set_reward_rule(session=db, city_code="330100", rate_percent="101", cap_wan="-1",
                                user=admin)
    assert set(exc.value.fields) == {"city_code", "rate_percent", "cap_wan"}


def test_enterprise_matches_explain_fields_and_amounts(db, staff):
    e = ent(db, staff, kind="research", chain_segment="高端芯片", revenue_wan="60000",
            is_key_target=True)
    found = by_number(policy.match_enterprise(db, e))
    assert found[1].fields == {"chain_segment": "高端芯片"}
    assert found[2].amount_wan == Decimal("100")
    assert found[3].amount_wan == Decimal("200")
    assert found[5].amount_wan == Decimal("50")
    assert found[17].fields == {"is_key_target": True}
    assert 16 in found and "吉浙" in " ".join(found[16].reasons)   # from 浙江省


def test_listing_reward_for_out_of_province_listed_company(db, staff):
    e = ent(db, staff, kind="listed")
    assert by_number(policy.match_enterprise(db, e))[12].amount_wan == Decimal("1000")


def test_measures_without_numbers_form_the_checklist(db, staff):
    report = policy.match_enterprise(db, ent(db, staff))
    assert [m.number for m in report.checklist] == [4, 9, 11, 13, 14, 15, 18, 19, 20]
    assert all(m.responsible_units for m in report.checklist)


def test_project_includes_its_enterprise(db, staff):
    e = ent(db, staff, revenue_wan="20000")
    p = proj(db, staff, enterprise_id=e.id)
    found = by_number(policy.match_project(db, p, TODAY))
    assert found[5].amount_wan == Decimal("30")
    assert found[5].reasons[0].startswith("投资企业：")
    assert found[5].fields == {"enterprise.revenue_wan": Decimal("20000")}


def test_newly_crossed_revenue_thresholds_from_the_audit_trail(db, staff):
    grows = ent(db, staff, name="成长电子有限公司", revenue_wan="8000")
    born_big = ent(db, staff, name="大型电子有限公司", revenue_wan="200000")

    def revenue(e, value):
        enterprises.update_enterprise(session=db, enterprise=e, data={"revenue_wan": value},
                                      user=staff)

    revenue(grows, "10000")       # 超过 excludes 1亿 itself: nothing
    assert policy.revenue_crossings(db) == []
    revenue(grows, "12000")       # crosses 1亿
    revenue(grows, "9000")        # falls back …
    revenue(grows, "11000")       # … and rises again: not a first crossing
    revenue(born_big, "250000")   # already above every tier when recorded
    crossings = policy.revenue_crossings(db)
    assert [(c.name, c.threshold_wan, c.reward_wan) for c in crossings] == [
        ("成长电子有限公司", Decimal("10000"), Decimal("30"))]
    revenue(grows, "60000")       # crosses 5亿
    crossings = policy.revenue_crossings(db)
    assert [(c.threshold_wan, c.reward_wan, c.old_wan, c.new_wan) for c in crossings] == [
        (Decimal("50000"), Decimal("50"), Decimal("11000"), Decimal("60000")),
        (Decimal("10000"), Decimal("30"), Decimal("10000"), Decimal("12000"))]
    assert policy.revenue_crossings(db, city_code="220100") == []
