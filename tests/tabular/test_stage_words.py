"""Stage words as people write them (crm.rules.stage_for_word), approximate amounts,
header help and a lone dash in exports (issue 16)."""

from decimal import Decimal

import pytest

from crm import rules
from crm.tabular.fields import ENTERPRISE_FIELDS, PROJECT_FIELDS
from crm.tabular.headers import header_help, match_headers
from crm.tabular.values import parse_amount_detail, parse_amount_wan
from crm.tabular.writers import neutralize


@pytest.mark.parametrize("word, stage", [
    ("已签约", "signed"), ("已开工", "started"), ("在建", "started"), ("已投产", "producing"),
    ("已运营", "producing"), ("投产运营", "producing"), ("在谈", "negotiation"),
    ("洽谈中", "negotiation"), ("洽谈", "negotiation"), ("signed", "signed"),
    (" 在 建 ", "started"), ("开工建设", "started"), ("建成投产", "producing"),
])
def test_stage_words(word, stage):
    assert rules.stage_for_word(word) == (stage, False)


@pytest.mark.parametrize("word, stage", [
    ("推进中", "negotiation"), ("加快推进", "negotiation"), ("试生产", "started"),
    ("2024年6月已签约", "signed"), ("前期工作", "signed"),
])
def test_ambiguous_words_get_the_nearest_stage_guessed(word, stage):
    assert rules.stage_for_word(word) == (stage, True)


@pytest.mark.parametrize("word", ["尚未开工", "预计年内投产", "计划开工", "快签了", "", None])
def test_words_that_promise_or_deny_are_not_a_stage(word):
    assert rules.stage_for_word(word) == (None, False)


def test_every_word_maps_to_a_stage():
    assert set(rules.STAGE_WORDS.values()) | set(rules.STAGE_GUESSES.values()) <= set(rules.STAGES)
    assert not set(rules.STAGE_WORDS) & set(rules.STAGE_GUESSES)


@pytest.mark.parametrize("text, amount, approximate", [
    ("约3亿", "30000", True), ("大约3亿", "30000", True), ("3亿元左右", "30000", True),
    ("3亿余元", "30000", True), ("超5000万", "5000", True), ("3亿", "30000", False),
    ("人民币5000万元", "5000", False), (5000, "5000", False),
])
def test_amount_reports_hedges(text, amount, approximate):
    assert parse_amount_detail(text) == (Decimal(amount).quantize(Decimal("0.01")), approximate)
    assert parse_amount_wan(text) == Decimal(amount)


def test_headers_as_real_files_have_them():
    found = match_headers(["公司全称", "省份", "城市"], ENTERPRISE_FIELDS)
    assert found.columns == {0: "name", 1: "province", 2: "city"} and not found.missing
    for header in ("企业全称", "单位名称", "投资方"):
        assert match_headers([header], ENTERPRISE_FIELDS).columns == {0: "name"}
    project = match_headers(["项目名称", "投资方", "来源地", "落地地点", "项目进展", "计划投资额"],
                            PROJECT_FIELDS)
    assert list(project.columns.values()) == ["name", "enterprise", "source_city", "city_code",
                                              "stage", "planned_investment_wan"]


def test_header_help_names_found_and_expected():
    text = header_help(["客户", None, "地址"], ENTERPRISE_FIELDS)
    assert text.startswith("表头中找到的列：“客户”、“地址”。可识别的列：企业名称（必填）")


def test_a_lone_dash_is_not_neutralised():
    assert neutralize("-") == "-" and neutralize("--") == "-" * 2
    assert neutralize("-1") == "'-1" and neutralize("-=1") == "'-=1"
