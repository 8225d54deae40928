import random

import pytest
from rapidfuzz import fuzz, process

from crm.tabular.names import (
    DUPLICATE_SCORE,
    best_matches,
    name_score,
    normalize_name,
    similar_keys,
)


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


# --- similar_keys: the filtered search must find exactly what scoring every pair finds ---
def _every_pair(queries, corpus, threshold):
    corpus = list(dict.fromkeys(corpus))
    out = {}
    for q in dict.fromkeys(q for q in queries if q):
        found = process.extract(q, corpus, scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
        out[q] = sorted((c, s) for c, s, _ in found if c != q)
    return out


def _mutated(rng, word, alphabet):
    chars = list(word)
    for _ in range(rng.randint(0, 4)):
        at = rng.randint(0, len(chars))
        roll = rng.random()
        if roll < 0.4 and chars:
            chars.pop(min(at, len(chars) - 1))
        elif roll < 0.8:
            chars.insert(at, rng.choice(alphabet))
        elif chars:
            chars[min(at, len(chars) - 1)] = rng.choice(alphabet)
    return "".join(chars)


@pytest.mark.parametrize("seed", range(40))
def test_similar_keys_finds_what_scoring_every_pair_finds(seed):
    # small alphabets make many near names and many common pairs (the filter's hard cases)
    rng = random.Random(seed)
    alphabet = "光电子科技长春吉林"[: rng.randint(2, 9)]
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(50)]
    near = [_mutated(rng, w, alphabet) for w in words]
    queries, corpus = near[:25] + words[:25], words + near
    for threshold in (50.0, 70.0, DUPLICATE_SCORE, 95.0):
        found = similar_keys(queries, corpus + queries, threshold=threshold)
        assert {q: sorted(v) for q, v in found.items()} == _every_pair(
            queries, corpus + queries, threshold
        )


def test_similar_keys_on_real_names():
    names = [normalize_name(n) for n in ("长春长光辰芯微电子股份有限公司", "吉林华微电子有限公司")]
    found = similar_keys([normalize_name("长春长光晨芯微电子有限公司")], names)
    assert [k for k, _ in found[normalize_name("长春长光晨芯微电子有限公司")]] == [names[0]]
