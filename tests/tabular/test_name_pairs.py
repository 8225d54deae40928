"""The name matcher on the labelled pairs of the Shenzhen exchange's list (issue 16).

tests/data/name_pairs.csv is built by tests/data/build_name_pairs.py; the
precision and recall below are those measured in bench/README.md (without the
country's division table in seeds/; with it both are higher) less a margin, so a
change that makes the matcher worse fails here.
"""

import csv
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from crm.services.dedupe import EnterpriseIndex
from crm.tabular.names import DUPLICATE_SCORE, name_score, normalize_name

DATA = Path(__file__).resolve().parents[1] / "data"
PRECISION_AT_LEAST = 0.94  # measured 0.960
RECALL_AT_LEAST = 0.79  # measured 0.814


def _pairs():
    with (DATA / "name_pairs.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_pairs_file_is_what_its_script_builds():
    spec = importlib.util.spec_from_file_location("build", DATA / "build_name_pairs.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert (DATA / "name_pairs.csv").read_text(encoding="utf-8") == build.build()
    pairs = _pairs()
    assert len(pairs) >= 300
    assert {p["same"] for p in pairs} == {"0", "1"}
    assert all(p["reason"] for p in pairs)


def test_precision_and_recall_on_the_labelled_pairs():
    tp = fp = fn = 0
    for p in _pairs():
        said = name_score(p["name_a"], p["name_b"]) >= DUPLICATE_SCORE
        truth = p["same"] == "1"
        tp, fp, fn = tp + (said and truth), fp + (said and not truth), fn + (truth and not said)
    assert tp / (tp + fp) >= PRECISION_AT_LEAST
    assert tp / (tp + fn) >= RECALL_AT_LEAST


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("启明星辰信息技术集团股份有限公司", "启明信息技术股份有限公司"),
        ("北京启明星辰信息技术股份有限公司", "启明信息技术股份有限公司"),
        ("启明信息", "启明星辰信息技术集团股份有限公司"),
        ("长春一汽富维第一分公司", "长春一汽富维第二分公司"),
        ("长春新区一期项目有限公司", "长春新区二期项目有限公司"),
        ("长光卫星技术一厂", "长光卫星技术二厂"),
        ("长春中兴通讯有限公司", "四平中兴通讯有限公司"),
        ("长春市方正电机有限公司", "吉林市方正电机有限公司"),
        ("浙江省方正电机有限公司", "江苏省方正电机有限公司"),
        ("河钢资源股份有限公司", "河钢股份有限公司"),
    ],
)
def test_different_enterprises_are_not_offered(a, b):
    assert name_score(a, b) < DUPLICATE_SCORE
    assert name_score(b, a) < DUPLICATE_SCORE


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("长春高新", "长春高新技术产业（集团）股份有限公司"),
        ("吉林敖东", "吉林敖东药业集团股份有限公司"),
        ("国药一致", "国药集团一致药业股份有限公司"),
        ("亚厦股份", "浙江亚厦装饰股份有限公司"),
        ("*ST金泰", "上海金力泰化工股份有限公司"),
        ("河钢股份", "河钢股份有限公司"),
        ("吉林省长光卫星技术股份有限公司", "长光卫星技术股份有限公司"),
    ],
)
def test_short_names_and_a_place_in_front_are_the_same(short, full):
    assert name_score(short, full) >= DUPLICATE_SCORE
    assert name_score(full, short) >= DUPLICATE_SCORE


def test_a_branch_is_its_own_record():
    """Decision: XX分公司 is neither XX公司 nor another branch of XX — both are kept
    and neither is offered as a duplicate of the other; the same branch retyped is."""
    company = "河南四方达超硬材料股份有限公司"
    branch = "河南四方达超硬材料股份有限公司长春分公司"
    assert normalize_name(branch) != normalize_name(company)
    assert name_score(company, branch) < DUPLICATE_SCORE
    assert name_score(branch, "河南四方达超硬材料股份有限公司吉林分公司") < DUPLICATE_SCORE
    assert name_score(branch, "河南四方达超硬材料股份有限公司 长春分公司") == 100


def _index(names):
    return EnterpriseIndex.from_rows(
        SimpleNamespace(id=i, name=n, credit_code=None, deleted_at=None)
        for i, n in enumerate(names, 1)
    )


def test_the_import_index_finds_short_names_both_ways():
    index = _index(["长春高新技术产业（集团）股份有限公司", "吉林敖东药业集团股份有限公司",
                    "启明信息技术股份有限公司", "通化东宝", "长光卫星技术股份有限公司"])
    index.prime(["长春高新", "启明星辰信息技术集团股份有限公司", "通化东宝药业股份有限公司"])
    assert [m.key for m in index.check("长春高新", None).similar] == [1]
    assert [m.key for m in index.check("吉林敖东", None).similar] == [2]  # not primed
    assert index.check("启明星辰信息技术集团股份有限公司", None).similar == []
    # a short name stored earlier is found from the full name
    assert [m.key for m in index.check("通化东宝药业股份有限公司", None).similar] == [4]
    assert [m.key for m in index.check("吉林省长光卫星技术股份有限公司", None).similar] == [5]
    assert index.check("长春燃气股份有限公司", None).similar == []


def test_the_import_index_agrees_with_the_score_on_the_labelled_pairs():
    """What an import finds (EnterpriseIndex, by candidates) is what name_score says,
    but for short names spread over the full one's head, which the index does not
    look up by their first characters (*ST金泰 / 上海金力泰化工: documented)."""
    differ = []
    for p in _pairs():
        found = _index([p["name_b"]]).check(p["name_a"], None)
        said = name_score(p["name_a"], p["name_b"]) >= DUPLICATE_SCORE
        if said != (found.exact is not None or bool(found.similar)):
            differ.append((p["name_a"], p["name_b"]))
    assert differ == [("上海金力泰化工股份有限公司", "*ST金泰")]
