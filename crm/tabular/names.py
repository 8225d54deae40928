"""Enterprise names compared the way people mean them.

``normalize_name`` folds full/half width and brackets, and removes legal-form
suffixes (有限公司, 股份有限公司, （集团）…), so that
"长春光华微电子设备工程中心有限公司" and "长春光华微电子设备工程中心" compare equal;
``name_score`` then gives a 0–100 fuzzy score (rapidfuzz) for near misses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
_GROUP_MARK = re.compile(r"\(集团\)|\(group\)")
_PUNCT = re.compile(r"[\s()\[\]{}【】<>《》\"'“”‘’,，.。、·&\-_/]+")

DUPLICATE_SCORE = 85.0  # at or above: offered as a possible duplicate


def normalize_name(name: str | None) -> str:
    """A comparison key: NFKC, lower-case, no brackets, punctuation or suffix."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", str(name)).lower().strip()
    text = _GROUP_MARK.sub("", text)
    text = re.sub(r"\s+", "", text)
    changed = True
    while changed:
        changed = False
        bare = text.rstrip(" .,")
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


def match_keys(
    query_key: str,
    choices: Mapping[object, str],
    *,
    threshold: float = DUPLICATE_SCORE,
    limit: int = 5,
) -> list[tuple[object, float]]:
    """Like :func:`best_matches` for keys already normalised: ``choices`` maps
    an id to its normalised name (kept by callers that check many rows)."""
    if not query_key:
        return []
    found = process.extract(
        query_key, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit
    )
    return [(key, float(score)) for _, score, key in found]


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
