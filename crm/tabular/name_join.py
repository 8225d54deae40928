"""Every pair of keys whose ``fuzz.ratio`` reaches a threshold, within one list
(the 查重 page's whole registry), without scoring all n² pairs.

``names.similar_keys`` answers "which keys are near this one" for a column of
queries; for all pairs of 100,000 keys that is 100,000 full filtered searches.
Here a prefix filter blocks instead: each key is indexed and probed under its
``RAREST`` rarest character pairs (one global order, counted over the list), and
only keys that share one of them are scored. Two names a typo apart share most of
their pairs, so they nearly always share one of the rarest; the exact bound
(``2·d_max + 1`` pairs, from the count filter of ``names._candidates``) is the
``rarest=None`` case, slow on crowded names. Measured in bench/README.md (查重).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np
from rapidfuzz import fuzz, process

from .names import DUPLICATE_SCORE

RAREST = 4  # found every pair the exact bound found on the generated 10k and 30k sets
SHARED = 1  # of them in common (2 loses pairs for little time)


def near_pairs(keys: Iterable[str], *, threshold: float = DUPLICATE_SCORE,
               rarest: int | None = RAREST) -> Iterator[tuple[str, str, float]]:
    """(a, b, ratio) for unordered pairs of distinct keys with ratio ≥ threshold.
    Keys of one or two characters (only an identical key reaches 85) are skipped."""
    keys = [k for k in dict.fromkeys(keys) if len(k) >= 3]
    grams = [_bigrams(k) for k in keys]
    freq = Counter(g for gs in grams for g in gs)
    t = threshold / 100
    prefixes = []
    for key, gs in zip(keys, grams, strict=True):
        size = rarest or 2 * int((1 - t) * (len(key) + len(key) * (2 - t) / t)) + 1
        prefixes.append(sorted(gs, key=lambda g: (freq[g], g))[:size])
    lists: dict[str, list[int]] = {}
    for i, prefix in enumerate(prefixes):
        for gram in prefix:
            lists.setdefault(gram, []).append(i)
    postings = {g: np.array(ids, dtype=np.int64) for g, ids in lists.items()}
    array = np.array(keys, dtype=object)
    lengths = np.fromiter(map(len, keys), dtype=np.int32, count=len(keys))
    for i, key in enumerate(keys):
        found, shared = np.unique(np.concatenate([postings[g] for g in prefixes[i]]),
                                  return_counts=True)
        size, low, high = lengths[found], len(key) * t / (2 - t), len(key) * (2 - t) / t
        later = found[(found > i) & (shared >= SHARED) & (size >= low) & (size <= high)]
        if not len(later):
            continue
        choices = array[later].tolist()
        for _, score, at in process.extract(key, choices, scorer=fuzz.ratio,
                                            score_cutoff=threshold, limit=None):
            yield key, choices[at], float(score)


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)}
