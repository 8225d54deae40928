from datetime import date, datetime
from decimal import Decimal

import pytest

from crm.tabular.values import (
    CellError,
    clean_text,
    parse_amount_wan,
    parse_bool,
    parse_date,
    parse_int,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12亿", "120000"),
        ("1.2亿元", "12000"),
        ("1.5亿", "15000"),
        ("5000万", "5000"),
        ("5,000", "5000"),
        ("５０００万元", "5000"),
        ("５，０００", "5000"),
        ("3000万元", "3000"),
        ("3000", "3000"),
        (" 3000 万元 ", "3000"),
        ("约2亿元", "20000"),
        ("人民币5000万元", "5000"),
        ("￥800万", "800"),
        ("1千万", "1000"),
        ("5000000元", "500"),
        ("0", "0"),
        (5000, "5000"),
        (1.5, "1.5"),
        (Decimal("12.345"), "12.35"),
        ("12.345万", "12.35"),
    ],
)
def test_amounts_in_wan(raw, expected):
    assert parse_amount_wan(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "无", "暂无", "——"])
def test_blank_amounts_are_none(raw):
    assert parse_amount_wan(raw) is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("很多", "无法识别金额"),
        ("5000万美元", "不是人民币"),
        ("12亿USD", "不是人民币"),
        ("-5", "负数"),
        ("1.2.3亿", "无法识别金额"),
        ("五千万", "无法识别金额"),
        (True, "是/否"),
    ],
)
def test_garbage_amounts_raise_chinese_error(raw, fragment):
    with pytest.raises(CellError, match=fragment):
        parse_amount_wan(raw)


def test_header_unit_applies_to_plain_numbers_only():
    assert parse_amount_wan("12", unit=Decimal(10000)) == Decimal("120000")
    assert parse_amount_wan(1.2, unit=Decimal(10000)) == Decimal("12000")
    assert parse_amount_wan("5000万", unit=Decimal(10000)) == Decimal("5000")


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "2024 年 3 月 5 日",
        "20240305",
        "2024-03-05 10:30",
        "2024-03-05 10:30:00",
        "２０２４年３月５日",
        45356,
        45356.75,
        "45356",
        20240305,
        date(2024, 3, 5),
        datetime(2024, 3, 5, 23, 59),
    ],
)
def test_dates(raw):
    assert parse_date(raw) == date(2024, 3, 5)


@pytest.mark.parametrize("raw", [None, "", " ", "-", "无"])
def test_blank_dates(raw):
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("2024-02-30", "不存在"),
        ("下周一", "无法识别日期"),
        ("3/5/2024", "无法识别日期"),
        (-3, "无法识别日期"),
    ],
)
def test_bad_dates(raw, fragment):
    with pytest.raises(CellError, match=fragment):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["是", "Y", "y", "yes", "√", "1", 1, True, "TRUE", "有", "Ｙ"])
def test_true(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["否", "N", "no", "×", "0", 0, False, "false", "无", "x"])
def test_false(raw):
    assert parse_bool(raw) is False


def test_bool_blank_and_garbage():
    assert parse_bool("") is None and parse_bool(None) is None
    with pytest.raises(CellError, match="是”或“否"):
        parse_bool("也许")


def test_int_and_text():
    assert parse_int("1,200") == 1200 and parse_int(3.0) == 3 and parse_int("") is None
    with pytest.raises(CellError):
        parse_int("1.5")
    assert clean_text("　长春\u3000 光电  ") == "长春 光电"
    assert clean_text(13800000000.0) == "13800000000"
