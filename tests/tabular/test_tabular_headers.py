from decimal import Decimal

from crm.tabular.headers import (
    FieldSpec,
    find_header_row,
    header_unit,
    match_headers,
    normalize_header,
)

SPECS = [
    FieldSpec("name", "企业名称", ("公司名称", "单位名称", "企业全称", "company"), required=True),
    FieldSpec("credit_code", "统一社会信用代码", ("信用代码", "credit code", "USCC")),
    FieldSpec("city_code", "所在市（州）", ("城市", "市州", "city")),
    FieldSpec("planned_investment_wan", "计划投资额（万元）", ("投资额", "投资金额"), kind="wan"),
]


def test_normalize_header():
    assert normalize_header(" 企业 名称 ") == "企业名称"
    assert normalize_header("*企业名称：") == "企业名称"
    assert normalize_header("Credit_Code") == "creditcode"
    assert normalize_header("计划投资额(亿元)") == "计划投资额"
    assert normalize_header("企业名称【全称】") == "企业名称"
    assert normalize_header("（备注）") == "备注"


def test_units_from_headers():
    assert header_unit("计划投资额（亿元）") == Decimal(10000)
    assert header_unit("投资额(万元)") == Decimal(1)
    assert header_unit("投资额（单位：元）") == Decimal("0.0001")
    assert header_unit("企业名称") is None


def test_match_synonyms_english_and_units():
    m = match_headers(["公司名称", "USCC", "City", "投资额（亿元）", "联系人微信", None, ""], SPECS)
    assert m.columns == {0: "name", 1: "credit_code", 2: "city_code", 3: "planned_investment_wan"}
    assert m.units == {"planned_investment_wan": Decimal(10000)}
    assert m.unknown == [(4, "联系人微信")]
    assert m.missing == []
    assert any("联系人微信" in note for note in m.messages())


def test_missing_and_repeated_columns():
    m = match_headers(["信用代码", "统一社会信用代码"], SPECS)
    assert m.missing == ["企业名称"]
    assert m.repeated == [(1, "统一社会信用代码")]
    notes = "".join(m.messages())
    assert "缺少必填列：企业名称" in notes and "重复的列" in notes


def test_find_header_row_skips_title_rows():
    rows = [["2024年重点招商企业名录"], [None], ["序号", "单位名称", "城市"], [1, "甲公司", "长春"]]
    assert find_header_row(rows, SPECS) == 2
    assert find_header_row([["说明"], ["a", "b"]], SPECS) == 1
