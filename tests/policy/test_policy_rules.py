"""The policy's numeric rules (crm.rules) at their edges. 超过 excludes the amount itself."""

from decimal import Decimal

import pytest

from crm import rules


@pytest.mark.parametrize("revenue, tier, reward", [
    (None, 0, None),
    ("9999.99", 0, None),
    ("10000", 0, None),            # exactly 1亿元 has not 超过 1亿元
    ("10000.01", 1, "30"),
    ("50000", 1, "30"),
    ("50000.01", 2, "50"),
    ("100000", 2, "50"),
    ("100000.01", 3, "100"),
    ("5000000", 3, "100"),
])
def test_measure5_revenue_tiers(revenue, tier, reward):
    assert rules.revenue_tier(revenue) == tier
    got = rules.revenue_reward(revenue)
    assert (got[1] if got else None) == (Decimal(reward) if reward else None)


def test_measure5_accepts_floats_without_binary_noise():
    assert rules.revenue_tier(10000.01) == 1
    assert rules.revenue_tier(10000.0) == 0


@pytest.mark.parametrize("equipment, ok", [
    (None, False), ("0", False), ("499.99", False), ("500", False), ("500.01", True),
    ("100000", True)])
def test_measure7_equipment_over_500(equipment, ok):
    assert rules.tech_upgrade_qualifies(equipment) is ok


@pytest.mark.parametrize("year, ok", [(2022, False), (2023, True), (2024, True), (2025, True),
                                      (2026, False)])
def test_measure8_three_years_from_2023(year, ok):
    assert rules.loan_interest_subsidy_open(year) is ok


def test_caps_and_listing_reward():
    assert rules.RD_SUBSIDY_CAP_WAN == Decimal("100")
    assert rules.TECH_TRANSFER_CAP_WAN == Decimal("200")
    assert rules.LOAN_INTEREST_CAP_WAN == Decimal("100")
    assert rules.LISTING_REWARD_WAN == Decimal("1000")


@pytest.mark.parametrize("planned, flagged", [("99999.99", False), ("100000", True),
                                              ("100000.01", True)])
def test_measure17_case_by_case_line_includes_the_amount(planned, flagged):
    assert rules.is_case_by_case(planned) is flagged


@pytest.mark.parametrize("actual, rate, cap, expected", [
    ("30000", "1", "500", "300.00"),
    ("50000", "1", "500", "500.00"),       # exactly at the cap
    ("80000", "1", "500", "500.00"),       # capped
    ("80000", "1", None, "800.00"),        # no cap
    ("12345.67", "0.5", None, "61.73"),    # rounded to 0.01万元
    (None, "1", "500", "0.00"),
])
def test_measure17_city_reward_estimate(actual, rate, cap, expected):
    assert rules.estimated_city_reward(actual, rate, cap) == Decimal(expected)


def test_rate_is_none_without_denominator():
    assert rules.rate(0, 0) is None
    assert rules.rate(1, 3) == Decimal("33.3")
    assert rules.rate(2, 3) == Decimal("66.7")
