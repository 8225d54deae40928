"""Enterprise names compared the way people mean them.

``normalize_name`` folds full/half width and brackets, and removes legal-form
suffixes (有限公司, 股份有限公司, （集团）…), so that
"长春光华微电子设备工程中心有限公司" and "长春光华微电子设备工程中心" compare equal;
``name_score`` then gives a 0–100 score for near misses: rapidfuzz's ratio, with
rules for places, numbers, branches and the exchanges' short names (``key_score``,
the name's parts in ``name_parts``; precision and recall in bench/README.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .name_parts import SHORT_MAX, NameParts, _core, parts

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
        if not bare.endswith(_SUFFIXES) or bare.endswith("分公司"):  # a branch stays one
            break
        for suffix in _SUFFIXES_LONGEST_FIRST:
            if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
                text, changed = bare[: -len(suffix)], True
                break
    key = _PUNCT.sub("", text)
    return key or _PUNCT.sub("", unicodedata.normalize("NFKC", str(name)).lower())


def name_score(a: str | None, b: str | None) -> float:
    """0–100: how alike two enterprise names are after normalising (see ``key_score``)."""
    return key_score(normalize_name(a), normalize_name(b))


def key_score(ka: str, kb: str) -> float:
    """0–100 for two normalised keys; ``DUPLICATE_SCORE`` or more means "maybe the same".

    Rules on top of the fuzzy ratio, each for a way names were wrongly judged
    (issue 16, measured in bench/README.md):
    - a leading place is compared apart: 吉林省长光卫星 = 长光卫星 (a place on one
      side only is ignored), but 长春XX ≠ 四平XX (two cities, or two provinces);
    - numbers and ordinals must agree (第一/第二, 一期/二期, 1号/2号), and so must a
      branch (XX长春分公司 is its own record: neither XX nor XX吉林分公司);
    - a short name (the exchange's 简称) matches the full name it abbreviates:
      长春高新 → 长春高新技术产业（集团）, 国药一致 → 国药集团一致药业;
    - between full names the distinctive part must match, not only the industry
      words: 启明星辰信息技术 ≠ 启明信息技术."""
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    pa, pb = parts(ka), parts(kb)
    if pa.marks and pb.marks and pa.marks != pb.marks or pa.branch != pb.branch:
        return min(float(fuzz.ratio(ka, kb)), CAPPED)
    if pa.city and pb.city and pa.city != pb.city or (
        pa.province and pb.province and pa.province != pb.province
    ):
        return min(float(fuzz.ratio(ka, kb)), CAPPED)
    if pa.body == pb.body:
        return PLACE_ONLY
    return max(_short_score(pa, pb), _short_score(pb, pa), _full_score(pa, pb))


PLACE_ONLY = 95.0  # the same name but for a place written on one side
SHORT_PREFIX = 92.0  # a short name that starts the full one (长春高新)
SHORT_SPREAD = 88.0  # a short name spread over the full one's head (国药一致)
SHORT_LONGER_CORE = 1  # the full name's distinctive part may be this much longer
CAPPED = 60.0  # numbers, branch or city disagree: never offered as a duplicate


def _short_score(s: NameParts, full: NameParts) -> float:
    """The exchange's 简称 against a full name: its characters, in order, at the head
    of the full name (after the place; 长春高新 with its place, too short without)."""
    short, stock = s.short, s.short != s.body  # 新宝股份 → 新宝, *ST金泰 → 金泰
    if short == full.short:
        return SHORT_PREFIX  # 河钢股份 / 河钢股份有限公司
    if len(s.key) > SHORT_MAX + 3 or len(full.key) <= len(s.key):
        return 0.0
    if not stock and len(full.core) - len(_core(short)) > SHORT_LONGER_CORE:
        return 0.0  # 启明信息 is not 启明星辰信息技术: the full name's own part is longer
    if len(s.key) >= 3 and full.key.startswith(s.key):
        return SHORT_PREFIX
    if not (2 if stock else 3) <= len(short) <= SHORT_MAX or len(full.body) <= len(short):
        return 0.0
    if full.body.startswith(short):
        return SHORT_PREFIX
    if len(short) > 4:
        return 0.0
    reach = 2 * len(short) + 2 if len(short) >= 3 else 3  # *ST金泰 → 金力泰, not 金X化泰
    for head in (full.body, full.key):
        if head[0] == short[0] and _spread(short, head[:reach]):
            return SHORT_SPREAD
    return 0.0


def _spread(short: str, head: str) -> bool:
    at = 0
    for char in short:
        at = head.find(char, at) + 1
        if not at:
            return False
    return True


def _full_score(pa: NameParts, pb: NameParts) -> float:
    """Fuzzy ratio of the names without their place, held down when the distinctive
    parts (the names without trailing industry words) differ by more than a typo."""
    score = float(fuzz.ratio(pa.body, pb.body))
    if score < DUPLICATE_SCORE or pa.core == pb.core:
        return score
    if len(pa.core) == len(pb.core) >= 4 and Levenshtein.distance(pa.core, pb.core) == 1:
        return score  # one character mistyped: 长光辰芯 / 长光晨芯
    return min(score, float(fuzz.ratio(pa.core, pb.core)))


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
    """Candidates (key, name) whose names score ``threshold`` or more by ``key_score``,
    best first. Those scored are the ones whose names without a place are near by the
    (fast) ratio, and, where one side may be a short name, those with the same head."""
    query = normalize_name(name)
    if not query:
        return []
    rows = [(key, cand, normalize_name(cand)) for key, cand in candidates]
    q = parts(query)
    bodies = {i: parts(k).body for i, (_, _, k) in enumerate(rows) if k}
    found = process.extract(q.body, bodies, scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
    near = {i for _, _, i in found}
    heads = {q.body[:2], q.short[:2], query[:3]}
    for i, (_, _, k) in enumerate(rows):
        if k and i not in near and (k == query or _may_abbreviate(q, k, heads)):
            near.add(i)
    scored = [(i, key_score(query, rows[i][2])) for i in near]
    best = sorted((pair for pair in scored if pair[1] >= threshold), key=lambda p: (-p[1], p[0]))
    return [NameMatch(rows[i][0], rows[i][1], score) for i, score in best[:limit]]


def _may_abbreviate(q: NameParts, key: str, heads: set[str]) -> bool:
    """Cheap pre-check: one side may be the other's short name (same first characters)."""
    if len(q.key) > SHORT_MAX + 3 and len(key) > SHORT_MAX + 3:
        return False
    p = parts(key)
    return bool({p.body[:2], p.short[:2], key[:3]} & heads)


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
