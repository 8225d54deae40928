"""near_pairs (the 查重 page's blocking) finds the pairs that scoring every pair finds."""

from __future__ import annotations

import csv
import random
from itertools import combinations
from pathlib import Path

from rapidfuzz import fuzz

from crm.tabular.name_join import near_pairs
from crm.tabular.names import DUPLICATE_SCORE, normalize_name

PAIRS = Path(__file__).resolve().parents[1] / "data" / "name_pairs.csv"


def keys() -> list[str]:
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        names = {n for row in csv.DictReader(fh) for n in (row["name_a"], row["name_b"])}
    found = sorted({normalize_name(n) for n in names})
    rnd = random.Random(5)  # and typos of some of them: one character replaced
    for key in rnd.sample([k for k in found if len(k) >= 6], 80):
        at = rnd.randrange(len(key))
        found.append(key[:at] + "鑫" + key[at + 1 :])
    return found


def brute(ks: list[str]) -> set[frozenset]:
    ks = [k for k in dict.fromkeys(ks) if len(k) >= 3]
    return {frozenset((a, b)) for a, b in combinations(ks, 2)
            if fuzz.ratio(a, b) >= DUPLICATE_SCORE}


def test_the_exact_bound_and_the_default_find_every_pair():
    ks = keys()
    expected = brute(ks)
    assert len(expected) > 80
    exact = {frozenset((a, b)) for a, b, _ in near_pairs(ks, rarest=None)}
    assert exact == expected
    found = {frozenset((a, b)) for a, b, _ in near_pairs(ks)}
    assert found == expected
    assert all(s >= DUPLICATE_SCORE for _, _, s in near_pairs(ks))
