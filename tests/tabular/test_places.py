"""Every prefecture and county name of the country against the place parser (issue 16).

The names come from an independent table (tests/data/nbs_2023_divisions.csv: the
NBS 2023 statistical division codes, not the MCA 2024 list the parser ships), and
the company list from the Shenzhen Stock Exchange (tests/data/szse_a_share_list.csv);
see tests/data/README.md."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from crm import rules
from crm.tabular import divisions, places
from crm.tabular.values import CellError

DATA = Path(__file__).resolve().parents[1] / "data"
MUNICIPALITIES = {"11", "12", "31", "50"}


def _read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


NBS = _read("nbs_2023_divisions.csv")
PROVINCE = {r["province_code"]: r["name"] for r in NBS if r["level"] == "province"}
# 市辖区 and 省直辖县级行政区划 are groupings of the statistics, not place names
NAMES = [r for r in NBS if r["level"] != "province" and r["name"] != "市辖区"
         and "直辖" not in r["name"] and r["name"] != "县"]


def _city(row: dict) -> str:
    """The 4-digit city a row belongs to; a municipality's districts: the municipality."""
    code = row["province_code"]
    return code + "00" if code in MUNICIPALITIES else row["city_code"][:4]


CITIES_OF = defaultdict(set)
for _row in NAMES:
    CITIES_OF[_row["name"]].add(_city(_row))
JILIN_NAMES = {r["name"] for r in NAMES if r["province_code"] == "22"}


def test_the_data_is_the_whole_country():
    assert len(PROVINCE) == 31 and len(NAMES) > 3200
    assert len(places.default_index().by_code) == 3213  # MCA 2024: 34 + 333 + 2846


def test_no_name_is_placed_in_another_province():
    wrong = []
    for row in NAMES:
        found = places.resolve(row["name"]).place
        if found is not None and found.province_code[:2] != row["province_code"]:
            wrong.append((row["name"], row["code"], found.province, found.city))
    assert wrong == []


def test_names_of_several_cities_are_left_with_a_warning():
    shared = sorted({r["name"] for r in NAMES if len(CITIES_OF[r["name"]]) > 1})
    assert {"铁西区", "西安区", "朝阳区", "宽城区"} - set(shared) == {"宽城区"}
    assert len(shared) > 20  # 28 names in the 2023 table (鼓楼区, 城关区, 和平区 …)
    for name in shared:
        found = places.resolve(name)
        assert found.place is None and "有多处" in found.warning, name


def test_unique_names_find_their_city():
    missed = []
    for row in NAMES:
        if len(CITIES_OF[row["name"]]) > 1:
            continue
        found = places.resolve(row["name"])
        if found.city_code is None:  # with a warning: at most its province is known
            assert found.warning, row
            missed.append(row["name"])
        elif found.city_code[:4] != _city(row):
            missed.append((row["name"], found.city_code))
    # what is left is not a GB/T 2260 division: NBS's own zones and districts
    # (加格达奇区, 五台山风景名胜区), never a wrong city
    assert all(isinstance(m, str) for m in missed), [m for m in missed if not isinstance(m, str)]
    assert len(missed) < 60, missed


def test_within_its_province_every_name_finds_its_city():
    for row in NAMES:
        same_province = {c for c in CITIES_OF[row["name"]] if c[:2] == row["province_code"]}
        found = places.resolve(row["name"], PROVINCE[row["province_code"]])
        if found.place is not None:
            assert found.place.province_code[:2] == row["province_code"], row
        if found.city_code is not None:
            assert found.city_code[:4] == _city(row), row
        elif len(same_province) > 1:  # 桥西区: two in 河北省
            assert "有多处" in found.warning


def test_nothing_outside_jilin_lands_in_a_jilin_city():
    """落地市（州） is read within Jilin: a name Jilin does not have is refused."""
    landed = []
    for row in NAMES:
        if row["province_code"] == "22" or row["name"] in JILIN_NAMES:
            continue
        try:
            landed.append((row["name"], divisions.parse_city_code(row["name"])))
        except CellError:
            pass
    assert landed == []


@pytest.mark.parametrize(
    ("name", "province", "city", "code"),
    [
        ("西安市", "陕西省", "西安市", "610100"),
        ("西安市", None, "西安市", "610100"),
        ("西安区", "吉林省", "辽源市", "220400"),
        ("西安区", "黑龙江", "牡丹江市", "231000"),
        ("朝阳市", None, "朝阳市", "211300"),
        ("昌邑市", None, "潍坊市", "370700"),
        ("宽城满族自治县", None, "承德市", "130800"),
        ("铁西区", "辽宁省", None, None),  # two in Liaoning: 沈阳 and 鞍山
        ("北京", None, "北京市", "110000"),
        ("深圳", None, "深圳市", "440300"),
        ("杭州", "浙江", "杭州市", "330100"),
        ("浙江嘉兴", None, "嘉兴市", "330400"),
        ("广东省深圳市南山区", None, "深圳市", "440300"),
        ("长春市朝阳区", None, "长春市", "220100"),
        ("延边州", None, "延边朝鲜族自治州", "222400"),
        ("仙桃市", None, "仙桃市", "429004"),
        ("苏州工业园区", None, "苏州市", "320500"),
    ],
)
def test_issue_examples(name, province, city, code):
    found = places.resolve(name, province)
    assert (found.place.city if found.place else None) == city
    assert found.city_code == code


def test_bare_xian_district_is_ambiguous():
    found = places.resolve("西安区")
    assert found.place is None
    assert "吉林省辽源市" in found.warning and "黑龙江省牡丹江市" in found.warning


def test_a_city_outside_the_given_province_is_not_resolved():
    found = places.resolve("杭州", "吉林省")
    assert found.place is None and "不在所填省份" in found.warning


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("吉林", "吉林省"), ("吉林省", "吉林省"), ("浙江", "浙江省"), ("广西", "广西壮族自治区"),
     ("内蒙古", "内蒙古自治区"), ("北京", "北京市"), (" 新疆 ", "新疆维吾尔自治区"),
     ("香港", "香港特别行政区"), ("火星", "火星"), ("", None)],
)
def test_provinces_are_stored_one_way(typed, stored):
    assert rules.normalize_province(typed) == stored


def test_every_exchange_company_finds_its_own_city():
    """The SZSE list names each company's 省份 (short) and 城市 (official)."""
    wrong, unresolved = [], []
    for row in _read("szse_a_share_list.csv"):
        province = rules.normalize_province(row["省份"])
        found = places.resolve(row["城市"], province)
        if "直辖县级" in row["城市"]:  # the exchange's grouping, not a city: a warning
            assert found.warning and found.city_code is None
            unresolved.append(row["公司全称"])
        elif found.place is None or found.place.city != row["城市"]:
            wrong.append((row["公司全称"], row["城市"], found))
        # an address names the city too: never a different one
        address = places.resolve(row["注册地址"]).place
        if address is not None and address.city and "直辖县级" not in row["城市"]:
            assert address.city == row["城市"], row
    assert wrong == [] and len(unresolved) == 6


def test_resolving_is_cached_per_spelling():
    places.resolve.cache_clear()
    for _ in range(3):
        places.resolve("西安市", "陕西省")
    assert places.resolve.cache_info().hits == 2
