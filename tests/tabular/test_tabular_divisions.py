import pytest

from crm.tabular.divisions import build_index, city_name, parse_city_code
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
        ("220100", "220100"),
        ("白城市", "220800"),
        # county level (bonus): 公主岭 is under 长春 in the 2024 list
        ("公主岭", "220100"),
        ("公主岭市", "220100"),
        ("梅河口市", "220500"),
        ("珲春", "222400"),
        ("220184", "220100"),
        ("前郭", "220700"),
    ],
)
def test_city_spellings(raw, code):
    assert parse_city_code(raw) == code


def test_blank_city_is_none():
    assert parse_city_code("") is None and parse_city_code(None) is None


@pytest.mark.parametrize(("raw", "fragment"), [("杭州", "无法识别"), ("吉林省", "省级")])
def test_unknown_city(raw, fragment):
    with pytest.raises(CellError, match=fragment):
        parse_city_code(raw)


def test_city_name():
    assert city_name("222400") == "延边朝鲜族自治州"
    assert city_name(None) == ""


def test_index_from_minimal_files(tmp_path):
    divisions = tmp_path / "d.csv"
    divisions.write_text("code,name\n220100,长春市\n220300,四平市\n", encoding="utf-8")
    counties = tmp_path / "c.csv"
    counties.write_text(
        "code,name,parent_code\n220184,公主岭市,220100\n220322,梨树县,220300\n"
        "229901,同名区,220100\n229902,同名区,220300\n",
        encoding="utf-8",
    )
    index = build_index(divisions, counties)
    assert index.lookup("公主岭") == "220100"
    assert index.lookup("梨树") == "220300"
    with pytest.raises(CellError):  # ambiguous short name is not guessed
        index.lookup("同名")
    assert build_index(divisions, tmp_path / "missing.csv").lookup("长春") == "220100"
