"""Enterprise names compared the way people mean them.

``normalize_name`` folds full/half width and brackets, and removes legal-form
suffixes (有限公司, 股份有限公司, （集团）…), so that
"长春光华微电子设备工程中心有限公司" and "长春光华微电子设备工程中心" compare equal;
``name_score`` then gives a 0–100 fuzzy score (rapidfuzz) for near misses.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

# Legal-form suffixes, longest first; removed repeatedly from the end.
_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份有限公司",
    "股份合作公司",
    "有限公司",
    "股份公司",
    "总公司",
    "公司",
    "集团",
    "co.,ltd",
    "co.ltd",
    "coltd",
    "co.,limited",
    "corporation",
    "limited",
    "company",
    "group",
    "corp",
    "inc",
    "ltd",
    "co",
)
_SUFFIXES_LONGEST_FIRST = tuple(sorted(_SUFFIXES, key=len, reverse=True))
_SPACE = re.compile(r"\s+")
_GROUP_MARK = re.compile(r"\(集团\)|\(group\)")
_PUNCT = re.compile(r"[\s()\[\]{}【】<>《》\"'“”‘’,，.。、·&\-_/]+")

DUPLICATE_SCORE = 85.0  # at or above: offered as a possible duplicate
COMMON_PAIR_SHARE = 10  # a character pair in more than 1/10 of all names is counted last


def normalize_name(name: str | None) -> str:
    """A comparison key: NFKC, lower-case, no brackets, punctuation or suffix."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", str(name)).lower().strip()
    text = _SPACE.sub("", _GROUP_MARK.sub("", text))
    changed = True
    while changed:
        changed = False
        bare = text.rstrip(" .,")
        if not bare.endswith(_SUFFIXES):  # one test for all (an import's index: 10^5 names)
            break
        for suffix in _SUFFIXES_LONGEST_FIRST:
            if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
                text, changed = bare[: -len(suffix)], True
                break
    key = _PUNCT.sub("", text)
    return key or _PUNCT.sub("", unicodedata.normalize("NFKC", str(name)).lower())


def name_score(a: str | None, b: str | None) -> float:
    """0–100: how alike two enterprise names are after normalising."""
    ka, kb = normalize_name(a), normalize_name(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    return float(fuzz.ratio(ka, kb))


@dataclass(frozen=True)
class NameMatch:
    key: object  # whatever identifies the candidate (an id)
    name: str
    score: float


def best_matches(
    name: str,
    candidates: Iterable[tuple[object, str]],
    *,
    threshold: float = DUPLICATE_SCORE,
    limit: int = 5,
) -> list[NameMatch]:
    """Candidates (key, name) whose names score ``threshold`` or more, best first."""
    query = normalize_name(name)
    if not query:
        return []
    pairs = [(key, cand, normalize_name(cand)) for key, cand in candidates]
    choices = {i: norm for i, (_, _, norm) in enumerate(pairs) if norm}
    found = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit)
    return [NameMatch(pairs[i][0], pairs[i][1], float(score)) for _, score, i in found]


def similar_keys(
    queries: Iterable[str], corpus: Iterable[str], *, threshold: float = DUPLICATE_SCORE
) -> dict[str, list[tuple[str, float]]]:
    """For each normalised query key, the other corpus keys whose ``fuzz.ratio``
    is ``threshold`` or more, best first — the same answer as scoring every pair,
    which is 10^9 pairs for a 10,000-row import into a province's 100,000
    enterprises. Only pairs that can reach the threshold are scored: a length
    window, then a count of shared character pairs (a q-gram filter)."""
    corpus = list(dict.fromkeys(k for k in corpus if k))
    queries = list(dict.fromkeys(q for q in queries if q))
    wanted = {g for q in queries for g in _bigrams(q)}
    postings = _postings(corpus, wanted)
    lengths = np.fromiter(map(len, corpus), dtype=np.int32, count=len(corpus))
    out = {}
    for q in queries:
        choices = [corpus[i] for i in _candidates(q, lengths, postings, threshold / 100)]
        found = process.extract(q, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
        out[q] = [(choices[i], float(score)) for _, score, i in found if choices[i] != q]
    return out


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)}


def _postings(corpus: list[str], wanted: set[str]) -> dict[str, np.ndarray]:
    lists: dict[str, list[int]] = {}
    for index, key in enumerate(corpus):
        for gram in _bigrams(key) & wanted:
            lists.setdefault(gram, []).append(index)
    return {gram: np.array(ids, dtype=np.int64) for gram, ids in lists.items()}


def _candidates(q: str, lengths: np.ndarray, postings: dict, t: float) -> np.ndarray:
    """Corpus indexes that may score ``t`` (0–1) or more against ``q``.

    ratio = 1 − d / (la + lb), d the insertions plus deletions turning one into the
    other. ratio ≥ t needs t·la/(2−t) ≤ lb ≤ la·(2−t)/t, and so d ≤ (1−t)·(la + lb_max).
    Each deletion removes at most two of q's character pairs and each insertion one,
    so a candidate shares at least (distinct pairs of q) − 2·d_max of them."""
    la, eps = len(q), 1e-9
    lb_min, lb_max = math.ceil(t * la / (2 - t) - eps), math.floor(la * (2 - t) / t + eps)
    d_max = math.floor((1 - t) * (la + lb_max) + eps)
    grams = sorted(_bigrams(q), key=lambda g: len(postings.get(g, ())))
    need = len(grams) - 2 * d_max
    if need <= 0:  # too short to filter by pairs: every name of a possible length
        index = np.arange(len(lengths))
    else:
        # Pairs found in many names (吉林, 科技 …) are costly to count for every name:
        # count the rest first, then these only for names that came through.
        common = []
        while need - len(common) > 1 and len(postings.get(grams[-1], ())) > len(
            lengths
        ) // COMMON_PAIR_SHARE:
            common.append(grams.pop())
        hits = [postings[g] for g in grams if g in postings]
        if not hits:
            return np.empty(0, dtype=np.int64)
        counts = np.bincount(np.concatenate(hits))
        index = np.flatnonzero(counts >= need - len(common))
        shared = counts[index]
        for gram in common:
            shared += _contains(postings.get(gram), index)
        index = index[shared >= need]
    size = lengths[index]
    return index[(size >= lb_min) & (size <= lb_max)]


def _contains(posting: np.ndarray | None, index: np.ndarray) -> np.ndarray:
    """1 where ``index`` is in the (sorted) posting list, else 0."""
    if posting is None or not len(index):
        return np.zeros(len(index), dtype=np.int64)
    at = np.minimum(np.searchsorted(posting, index), len(posting) - 1)
    return (posting[at] == index).astype(np.int64)
