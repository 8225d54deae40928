"""Development zones as people name them → the official name of the zone list.

``seeds/development_zones.csv`` holds the zones; ``seeds/zone_names.csv`` the other
spellings (statistical codes such as 220171, short forms such as 净月高新区, 汽开区,
长白山). Full-width and half-width brackets compare equal."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from .names import normalize_name

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _rows(name: str) -> list[dict]:
    path = SEEDS / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    out = {normalize_name(r["name"]): r["name"] for r in _rows("development_zones.csv")}
    for r in _rows("zone_names.csv"):
        out[normalize_name(r["name"])] = r["zone"]
        if r.get("stat_code"):
            out[r["stat_code"]] = r["zone"]
    return out


def official_name(text) -> str | None:
    """净月高新区 / 220172 / 长春净月高新技术产业开发区 → 长春净月高新技术产业开发区."""
    key = normalize_name(str(text or "").strip())
    return _spellings().get(key) if key else None


def spellings_cache_clear() -> None:
    """Read the zone lists again (after `zhaoshang seed`: crm.services.reference)."""
    _spellings.cache_clear()
