"""The policy's rules at their edges."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm import rules


@pytest.mark.parametrize("amount, expected", [
    (None, False),
    (Decimal("0"), False),
    (Decimal("99999.99"), False),
    (Decimal("100000"), True),   # 以上 includes the amount itself
    (Decimal("100000.00"), True),
    (Decimal("100000.01"), True),
    (99999.99, False),
    (100000, True),
])
def test_case_by_case_line(amount, expected):
    assert rules.is_case_by_case(amount) is expected


def test_case_by_case_follows_a_different_line():
    assert rules.is_case_by_case(Decimal("50000"), line_wan=Decimal("50000"))
    assert not rules.is_case_by_case(Decimal("49999.99"), line_wan=Decimal("50000"))


@pytest.mark.parametrize("province, mode, expected", [
    ("浙江省", None, True),
    ("浙江", None, True),
    (" 浙江省 ", "other", True),
    ("江苏省", "jizhe", True),
    ("江苏省", "professional", False),
    (None, None, False),
    ("吉林省", "returning", False),
])
def test_jizhe(province, mode, expected):
    assert rules.is_jizhe(province, mode) is expected


@pytest.mark.parametrize("code", [
    "914403001922038216",  # 华为技术有限公司, published
    "91110000600037341L",  # a code with a letter check character (computed below)
])
def test_valid_credit_codes(code):
    code = code[:17] + rules.credit_code_check_char(code[:17])
    assert rules.credit_code_error(code) is None


@pytest.mark.parametrize("code, fragment", [
    ("914403001922038217", "校验位"),   # one digit off
    ("91440300192203821", "18位"),      # too short
    ("9144030019220382160", "18位"),    # too long
    ("91440300I922038216", "非法字符"),  # I is not used
    ("91440300192203821O", "非法字符"),
])
def test_corrupted_credit_codes(code, fragment):
    assert fragment in rules.credit_code_error(code)


def test_every_single_digit_corruption_is_caught():
    good = "914403001922038216"
    for pos in range(18):
        for ch in rules.CREDIT_CODE_CHARS:
            if ch == good[pos]:
                continue
            bad = good[:pos] + ch + good[pos + 1:]
            assert rules.credit_code_error(bad) is not None, bad


def test_normalize_credit_code_fullwidth():
    fullwidth = " ９１４４０３００１９２２０３８２１６ "
    assert rules.normalize_credit_code(fullwidth) == "914403001922038216"


@pytest.mark.parametrize("old, new, allowed", [
    ("lead", "contact", True),
    ("lead", "signed", True),          # forward jumps are allowed
    ("negotiation", "visit", True),    # one step back
    ("negotiation", "lead", False),    # more than one step back
    ("producing", "paused", False),    # finished projects are not paused
    ("signed", "dropped", True),
    ("dropped", "signed", False),
    ("dropped", "lead", True),
    ("paused", "negotiation", True),
    ("paused", "producing", False),
    ("lead", "lead", False),
    ("lead", "unknown", False),
])
def test_stage_transitions(old, new, allowed):
    assert rules.can_move_stage(old, new) is allowed


def test_every_stage_has_transitions_and_labels():
    assert set(rules.STAGE_TRANSITIONS) == set(rules.STAGES)
    for targets in rules.STAGE_TRANSITIONS.values():
        assert targets <= set(rules.STAGES)


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("last_days, due_days, stage, expected", [
    (0, None, "lead", "green"),
    (30, None, "lead", "green"),
    (31, None, "lead", "amber"),
    (60, None, "contact", "amber"),
    (61, None, "contact", "red"),
    (1, -1, "negotiation", "red"),    # an overdue next step
    (1, 0, "negotiation", "green"),   # due today is not overdue
    (100, None, "producing", None),
    (100, None, "paused", None),
])
def test_progress_light(last_days, due_days, stage, expected):
    light = rules.progress_light(
        stage=stage, last_followup=TODAY - timedelta(days=last_days),
        next_due=TODAY + timedelta(days=due_days) if due_days is not None else None,
        created=TODAY - timedelta(days=365), today=TODAY, amber_days=30, red_days=60)
    assert light == expected


def test_progress_light_without_followups_counts_from_creation():
    light = rules.progress_light(stage="lead", last_followup=None, next_due=None,
                                 created=TODAY - timedelta(days=45), today=TODAY,
                                 amber_days=30, red_days=60)
    assert light == "amber"


def test_a_followup_is_overdue_only_before_today_and_not_done():
    from datetime import date

    today = date(2026, 12, 6)
    assert rules.followup_overdue(date(2026, 12, 5), False, today)
    assert not rules.followup_overdue(date(2026, 12, 5), True, today)  # done
    assert not rules.followup_overdue(today, False, today)  # due today is not late
    assert not rules.followup_overdue(None, False, today)
