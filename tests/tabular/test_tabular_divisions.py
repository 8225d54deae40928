"""落地市（州） / 落地县（市、区）: names looked up within Jilin, never guessed into it."""

import pytest

from crm.tabular.divisions import city_name, parse_city_code, parse_county_code, prefecture_of
from crm.tabular.values import CellError


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("长春", "220100"),
        ("长春市", "220100"),
        (" 长春市 ", "220100"),
        ("吉林省长春市", "220100"),
        ("长春市朝阳区", "220100"),
        ("吉林", "220200"),
        ("吉林市", "220200"),
        ("四平", "220300"),
        ("延边", "222400"),
        ("延边州", "222400"),
        ("延边朝鲜族自治州", "222400"),
        ("吉林省延边州延吉市", "222400"),
        ("220100", "220100"),
        ("白城市", "220800"),
        # county level: 公主岭 is under 长春 in the 2024 list
        ("公主岭", "220100"),
        ("公主岭市", "220100"),
        ("梅河口市", "220500"),
        ("珲春", "222400"),
        ("220184", "220100"),
        ("前郭", "220700"),
        # in Jilin, a name Jilin shares with other provinces is Jilin's
        ("西安区", "220400"),
        ("朝阳区", "220100"),
        ("铁西区", "220300"),
        ("宽城区", "220100"),
        ("昌邑区", "220200"),
    ],
)
def test_city_spellings(raw, code):
    assert parse_city_code(raw) == code


def test_blank_city_is_none():
    assert parse_city_code("") is None and parse_city_code(None) is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        # issue 16: each of these was stored in a Jilin city
        ("西安市", "陕西省西安市，不在吉林省"),
        ("西安", "陕西省西安市"),
        ("朝阳市", "辽宁省朝阳市"),
        ("昌邑市", "山东省潍坊市"),
        ("宽城满族自治县", "河北省承德市"),
        ("杭州", "浙江省杭州市"),
        ("北京", "北京市"),
        ("吉林省", "省级"),
        ("火星", "无法识别"),
    ],
)
def test_refused_city(raw, fragment):
    with pytest.raises(CellError, match=fragment):
        parse_city_code(raw)


def test_county_codes():
    assert parse_county_code("公主岭") == "220184"
    assert parse_county_code("长春市朝阳区") == "220104"
    assert parse_county_code("西安区") == "220403"
    assert prefecture_of("220184") == "220100"
    assert prefecture_of("999999") is None
    with pytest.raises(CellError):
        parse_county_code("长春")  # a city, not a county
    with pytest.raises(CellError, match="山东省"):
        parse_county_code("昌邑市")


def test_city_name():
    assert city_name("222400") == "延边朝鲜族自治州"
    assert city_name("610100") == "西安市"
    assert city_name(None) == ""
