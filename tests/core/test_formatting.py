from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crm import formatting


@pytest.mark.parametrize("value, expected", [
    (None, "—"),
    (Decimal("5000"), "5,000.00 万元"),
    (Decimal("9999.99"), "9,999.99 万元"),
    (Decimal("10000"), "1.00 亿元"),
    (Decimal("120000"), "12.00 亿元"),
    (Decimal("125000"), "12.50 亿元"),
    (99999.99, "99,999.99 万元"),          # never rounded up to the 一事一议 line
    (Decimal("123456.78"), "123,456.78 万元"),
])
def test_money_in_wan_or_yi_without_rounding(value, expected):
    assert formatting.money(value) == expected


def test_times_are_shown_in_beijing_time():
    utc = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    assert formatting.cn_date(utc) == "2026-11-26 00:30"
    assert formatting.cn_date(utc.replace(tzinfo=None)) == "2026-11-26 00:30"
    assert formatting.cn_date(date(2026, 1, 2)) == "2026-01-02"


def test_light_dot_and_project_badges():
    from types import SimpleNamespace

    from crm.formatting import light_dot, project_badges

    assert light_dot(None) == ""
    dot = str(light_dot("red"))
    assert 'class="light light-red"' in dot and "visually-hidden" in dot
    assert "<script>" not in str(light_dot("<script>"))  # escaped, never markup
    flags = SimpleNamespace(case_by_case=True, jizhe=False, is_demo=True)
    html = str(project_badges(flags))
    assert 'data-flag="case_by_case"' in html and "演示" in html and "吉浙" not in html
