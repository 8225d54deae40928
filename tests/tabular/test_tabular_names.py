import pytest

from crm.tabular.names import best_matches, name_score, normalize_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("长春光华微电子设备工程中心有限公司", "长春光华微电子设备工程中心"),
        ("华为技术（深圳）有限公司", "华为技术(深圳)有限公司"),
        ("吉林化纤（集团）有限责任公司", "吉林化纤集团"),
        ("长春长光辰芯微电子股份有限公司", "长春长光辰芯微电子有限公司"),
        ("ＡＢＣ电子有限公司", "abc电子公司"),
        ("ABC Technology Co., Ltd.", "abc technology"),
        (" 吉林 华微 电子 ", "吉林华微电子"),
    ],
)
def test_same_after_normalising(a, b):
    assert normalize_name(a) == normalize_name(b)
    assert name_score(a, b) == 100


def test_different_enterprises_stay_apart():
    assert normalize_name("吉林华微电子股份有限公司") != normalize_name("吉林华微光电股份有限公司")
    assert name_score("长春光机所", "长光卫星技术股份有限公司") < 60
    assert name_score("", "x") == 0


def test_best_matches_offers_near_misses():
    candidates = [
        (1, "吉林华微电子股份有限公司"),
        (2, "长光卫星技术股份有限公司"),
        (3, "吉林华徽电子有限公司"),
    ]
    found = best_matches("吉林华微电子有限公司", candidates)
    assert [m.key for m in found][:1] == [1]
    assert found[0].score == 100
    assert 2 not in [m.key for m in found]
    assert best_matches("", candidates) == []


def test_long_name_one_typo_is_a_possible_duplicate():
    found = best_matches("长春长光辰芯微电子股份有限公司", [(7, "长春长光晨芯微电子股份有限公司")])
    assert found and found[0].key == 7 and 85 <= found[0].score < 100
