"""Jilin city (市州) names in any usual form → 6-digit GB/T 2260 codes.

The reference lists live in ``seeds/``: ``jilin_divisions.csv`` (code, name)
for the nine prefectures and, when present, ``jilin_counties.csv`` (code,
name, parent_code) so that a county-level name such as 公主岭 or 梅河口 maps to
the prefecture that governs it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .values import CellError, clean_text

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FALLBACK_DIVISIONS = Path("/work/shared/reference/jilin_divisions.csv")

_PROVINCE_PREFIX = re.compile(r"^(中国)?吉林省?(?=.{2,})")
# Suffixes dropped to form the short name, longest first.
_SUFFIXES = (
    "朝鲜族自治州",
    "朝鲜族自治县",
    "蒙古族自治县",
    "满族自治县",
    "自治州",
    "自治县",
    "地区",
    "新区",
    "市",
    "州",
    "县",
    "区",
)


@dataclass
class DivisionIndex:
    """Lookup from any accepted spelling to a prefecture code."""

    names: dict[str, str] = field(default_factory=dict)  # prefecture code → official name
    aliases: dict[str, str] = field(default_factory=dict)  # spelling → prefecture code
    counties: dict[str, str] = field(default_factory=dict)  # county code → prefecture code
    county_names: dict[str, str] = field(default_factory=dict)  # county code → official name

    def lookup(self, value) -> str | None:
        """The prefecture code for ``value``; None when blank; CellError when unknown."""
        text = clean_text(value)
        if text is None:
            return None
        key = text.replace(" ", "")
        if key in self.names:
            return key
        if key in self.counties:
            return self.counties[key]
        candidates = list(_candidates(key))
        for candidate in candidates:
            if candidate in self.aliases:
                return self.aliases[candidate]
        for candidate in candidates:  # 长春市朝阳区, 吉林省延边州延吉市
            for alias, code in self.aliases.items():
                if alias[-1] in "市州" and len(alias) >= 3 and candidate.startswith(alias):
                    if code in self.names:
                        return code
        if key in {"吉林省", "全省", "省直"}:
            raise CellError(f"“{text}”是省级，请填写具体市（州）")
        raise CellError(f"无法识别市（州）“{text}”，请填写如 长春市、延边州")

    def lookup_county(self, value) -> str | None:
        """公主岭 / 公主岭市 / 220184 → the county-level code; CellError when unknown."""
        text = clean_text(value)
        if text is None:
            return None
        key = _PROVINCE_PREFIX.sub("", text.replace(" ", ""))
        if key in self.county_names:
            return key
        for code, name in self.county_names.items():
            if key == name or short_name(key) == short_name(name):
                return code
        for code, name in self.county_names.items():  # 长春市朝阳区 → 朝阳区
            if key.endswith(name) and self.names.get(self.counties[code], "") in key:
                return code
        raise CellError(f"无法识别县（市、区）“{text}”")

    def name(self, code: str | None) -> str:
        return self.names.get(code or "", "") or self.county_names.get(code or "", "")


def _candidates(key: str):
    yield key
    stripped = _PROVINCE_PREFIX.sub("", key)
    if stripped != key:
        yield stripped
    for text in {key, stripped}:
        short = short_name(text)
        if short != text:
            yield short


def short_name(name: str) -> str:
    """长春市 → 长春, 延边朝鲜族自治州 → 延边, 前郭尔罗斯蒙古族自治县 → 前郭尔罗斯."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(fh)
        ]


def build_index(divisions: Path, counties: Path | None = None) -> DivisionIndex:
    index = DivisionIndex()
    for row in _read_csv(divisions):
        code, name = row["code"], row["name"]
        if not re.fullmatch(r"22\d{2}00", code):
            continue
        index.names[code] = name
        short = row.get("short_name") or short_name(name)
        for alias in {name, short, short_name(name), short + "州", short + "市"}:
            index.aliases[alias] = code
    if counties is not None and counties.exists():
        _add_counties(index, _read_csv(counties))
    return index


def _add_counties(index: DivisionIndex, rows: list[dict[str, str]]) -> None:
    """County spellings map to their parent; spellings that two parents share
    (or that a prefecture already owns) are left out rather than guessed."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        code, name = row.get("code", ""), row.get("name", "")
        parent = row.get("parent_code") or row.get("prefecture_code") or (code[:4] + "00")
        if parent not in index.names or not name:
            continue
        index.counties[code] = parent
        index.county_names[code] = name
        short = short_name(name)
        aliases = {name, short} | ({short[:2]} if len(short) > 3 else set())  # 前郭尔罗斯 → 前郭
        for alias in aliases:
            seen.setdefault(alias, set()).add(parent)
    for alias, parents in seen.items():
        if len(parents) == 1 and alias not in index.aliases and len(alias) >= 2:
            index.aliases[alias] = parents.pop()


@lru_cache(maxsize=1)
def default_index() -> DivisionIndex:
    divisions = SEEDS / "jilin_divisions.csv"
    if not divisions.exists():
        divisions = FALLBACK_DIVISIONS
    return build_index(divisions, SEEDS / "jilin_counties.csv")


def parse_city_code(value) -> str | None:
    """长春 / 长春市 / 延边州 / 延边朝鲜族自治州 / 220100 / 公主岭 → 6-digit code."""
    return default_index().lookup(value)


def parse_county_code(value) -> str | None:
    return default_index().lookup_county(value)


def city_name(code: str | None) -> str:
    return default_index().name(code)
