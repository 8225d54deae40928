"""Place names of the whole country → province, prefecture-level city and codes.

The table is GB/T 2260 (``seeds/china_divisions.csv``, see seeds/README.md). A name
is resolved only when it means one city: an exact official name first, then a
province prefix (浙江嘉兴, 吉林省长春市朝阳区), then the usual short forms (西安,
延边州). A name shared by several cities (铁西区, 西安区, 朝阳区) is left unresolved
with a warning unless the province narrows it down. Nothing is ever guessed into a
province the text does not name: substring matches are not used.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crm import rules

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TABLE = SEEDS / "china_divisions.csv"

# Districts of these are governed by the municipality itself: it is their city.
MUNICIPALITIES = {"11", "12", "31", "50"}
_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|"
    "拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|"
    "塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
_AUTONOMOUS = re.compile(r"自治[州县旗]$")
_ETHNIC_TAIL = re.compile(f"(?:{_ETHNIC})族$")
_PLAIN = ("地区", "林区", "特区", "市", "州", "县", "区", "盟", "旗")
# 苏州 + 工业园区: a zone named after its city (the rest may not start like 区 of 西安区)
_ZONE = re.compile(
    r"(?:[^区县市州旗省盟].*)?(开发区|园区|新区|合作区|示范区|管理区|新城|风景名胜区|食品区)")
_NOISE = re.compile(r"[\s　]+|^中国|^中华人民共和国")


def short_name(name: str) -> str:
    """长春市 → 长春, 恩施土家族苗族自治州 → 恩施, 前郭尔罗斯蒙古族自治县 → 前郭尔罗斯."""
    if _AUTONOMOUS.search(name) and len(name) > 4:
        stem = name[:-3]
        while _ETHNIC_TAIL.search(stem):
            stem = _ETHNIC_TAIL.sub("", stem)
        return stem if len(stem) >= 2 else name
    for suffix in _PLAIN:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parent: str
    province: str  # the province's official name


@dataclass(frozen=True)
class Place:
    """Where a name points: the province and the prefecture-level city (for a
    municipality the municipality itself, for a county-level city under a province
    such as 仙桃市 the county itself), with the county when the name gave one."""

    province: str
    province_code: str
    city: str | None = None
    city_code: str | None = None
    county: str | None = None
    county_code: str | None = None


@dataclass(frozen=True)
class Resolution:
    place: Place | None = None
    warning: str | None = None  # Chinese, for the import preview

    @property
    def city_code(self) -> str | None:
        return self.place.city_code if self.place else None


class PlaceIndex:
    def __init__(self, rows: list[Division]):
        self.by_code = {d.code: d for d in rows}
        self.provinces: dict[str, str] = {}  # 吉林 / 吉林省 → 220000
        self.full: dict[str, list[str]] = {}  # official name → codes
        self.short_city: dict[str, list[str]] = {}  # 西安 → prefecture codes
        self.short_county: dict[str, list[str]] = {}  # 公主岭 → county codes
        for d in rows:
            if d.level == "province":
                for alias in (d.name, rules.province_short(d.name)):
                    self.provinces[alias] = d.code
                continue
            self.full.setdefault(d.name, []).append(d.code)
            short = short_name(d.name)
            bucket = self.short_city if d.level == "prefecture" else self.short_county
            if short != d.name:
                bucket.setdefault(short, []).append(d.code)
            if d.level == "county" and len(short) > 3 and short != d.name:
                self.short_county.setdefault(short[:2], []).append(d.code)  # 前郭尔罗斯 → 前郭

    # --- the answer for one code ---------------------------------------------------
    def city_of(self, code: str) -> Division | None:
        d = self.by_code[code]
        if d.level == "prefecture":
            return d
        parent = self.by_code.get(d.parent)
        if d.level == "county" and parent is not None and parent.level == "prefecture":
            return parent
        if code[:2] in MUNICIPALITIES:
            return self.by_code[code[:2] + "0000"]
        return d if d.level == "county" else None  # 仙桃市; a province has no city

    def place(self, code: str) -> Place:
        d = self.by_code[code]
        province = self.by_code[code[:2] + "0000"]
        city = self.city_of(code)
        county = d if d.level == "county" and city is not d else None
        return Place(
            province=province.name, province_code=province.code,
            city=city.name if city else None, city_code=city.code if city else None,
            county=county.name if county else None, county_code=county.code if county else None,
        )

    # --- resolving text ----------------------------------------------------------------
    def province_code(self, name: str | None) -> str | None:
        if not name:
            return None
        key = _NOISE.sub("", str(name))
        if key in self.by_code and key.endswith("0000"):
            return key
        return self.provinces.get(key)

    def resolve(self, text, province: str | None = None) -> Resolution:
        """``text`` (a city, county, or 省+市+县 in one cell) within ``province`` if given."""
        key = _NOISE.sub("", str(text or "")).replace("（", "(").replace("）", ")")
        if not key:
            return Resolution()
        scope = self.province_code(province)
        if province and scope is None:
            return Resolution(warning=f"无法识别省份“{province}”")
        if key in self.by_code:
            return self._found(text, [key], scope)
        codes = self._codes(key, scope)
        if codes:
            return self._found(text, codes, scope)
        named = self.province_code(key)
        if named:  # 浙江省; 北京 is a city as well
            if scope and named != scope:
                return Resolution(warning=f"“{text}”与所填省份“{province}”不符")
            return Resolution(self.place(named))
        split = self._split_province(key)
        if split:
            prefix_code, rest = split
            if scope and prefix_code != scope:
                return Resolution(warning=f"“{text}”不在所填省份“{province}”")
            codes = self._codes(rest, prefix_code)
            if codes:
                return self._found(text, codes, prefix_code)
            return Resolution(self.place(prefix_code), f"“{text}”只识别出省份")
        if scope:
            elsewhere = self._codes(key, None)
            if elsewhere:
                return Resolution(warning=f"“{text}”不在所填省份“{province}”，城市未识别")
        return Resolution(warning=f"无法识别地名“{text}”，城市未识别")

    def _found(self, text, codes: list[str], scope: str | None) -> Resolution:
        if scope:
            codes = [c for c in codes if c[:2] == scope[:2]]
            if not codes:
                return Resolution(warning=f"“{text}”不在所填省份，城市未识别")
        places = {self.place(c) for c in codes}
        cities = {p.city_code for p in places}
        if len(places) == 1:
            return Resolution(places.pop())
        if len(cities) == 1:  # several counties of one city: the city is known
            p = next(iter(places))
            return Resolution(Place(p.province, p.province_code, p.city, p.city_code))
        where = "、".join(sorted({label(p) for p in places})[:4])
        return Resolution(warning=f"“{text}”有多处（{where}），请注明省份，城市未识别")

    def _codes(self, key: str, scope: str | None) -> list[str]:
        """Codes ``key`` names within the scope: exact, then 市+县, then short forms."""
        def within(codes):
            return [c for c in codes if scope is None or c[:2] == scope[:2]]

        if key in self.full:  # an official name (西安市) never falls back to 西安区
            return within(self.full[key])
        nested = self._city_and_county(key, scope)
        if nested:
            return nested
        short = short_name(key)
        for table in (self.short_city, self.short_county):
            found = within(table.get(short, ()))
            if found:
                return found
        return []

    def _city_and_county(self, key: str, scope: str | None) -> list[str]:
        """长春市朝阳区 / 延边州延吉市 / 嘉兴南湖: a prefecture, then a county of it."""
        for cut in range(min(len(key) - 2, 10), 1, -1):
            head, rest = key[:cut], key[cut:]
            official = [c for c in self.full.get(head, ()) if self.by_code[c].level == "prefecture"]
            cities = official or self.short_city.get(short_name(head), [])
            cities = [c for c in cities if scope is None or c[:2] == scope[:2]]
            if len(cities) != 1:
                continue
            named = self.full.get(rest, []) + self.short_county.get(short_name(rest), [])
            counties = {c for c in named if self.by_code[c].parent == cities[0]}
            if len(counties) == 1:
                return list(counties)
            if official:  # 长春市高新区
                return cities
            if head in self.short_city and _ZONE.fullmatch(rest):  # 苏州工业园区
                if head in self.provinces:  # 吉林松原经济开发区: 吉林 is the province
                    return self._city_and_county(rest, self.provinces[head]) or cities
                return cities
        return []

    def _split_province(self, key: str) -> tuple[str, str] | None:
        """浙江嘉兴 → (330000, 嘉兴); the rest must still be a name (two characters)."""
        for cut in range(min(len(key) - 2, 8), 1, -1):
            code = self.provinces.get(key[:cut])
            if code:
                return code, key[cut:]
        return None


def label(place: Place) -> str:
    """吉林省辽源市 / 北京市 (a municipality is its own city)."""
    city = place.city if place.city and place.city != place.province else ""
    return place.province + city


def read_table(path: Path = TABLE) -> list[Division]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [Division(r["code"], r["name"], r["level"], r["parent_code"], r["province"])
                for r in csv.DictReader(fh)]


@lru_cache(maxsize=1)
def default_index() -> PlaceIndex:
    return PlaceIndex(read_table())


@lru_cache(maxsize=8192)
def resolve(text, province: str | None = None) -> Resolution:
    """The place ``text`` names (imports call this per row: the answers are cached)."""
    return default_index().resolve(text, province)


def division_name(code: str | None) -> str:
    d = default_index().by_code.get(code or "")
    return d.name if d else ""
